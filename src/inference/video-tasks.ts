/**
 * Captioning and question answering on video files with a fine-tuned fusion model (docs/FUSION.md
 * "Captioning", "Question answering"): what `t2vlp caption` and `t2vlp ask` run. Videos are read
 * with the model's sampling (videoReaderFor) one at a time.
 */
import type { ClipTokenizer, VideoReader } from '../data/index.js';
import type { AnswerVocabulary, T2VLP } from '../model/index.js';
import { noGrad, scope, tensor, type Tensor } from '../torch/index.js';
import { InferenceError } from './errors.js';

export interface VideoCaption {
  video: string;
  caption: string;
  /** The generated ids up to (without) the end id. */
  ids: number[];
}

export interface QuestionAnswer {
  answer: string;
  /** Softmax probability over the answer vocabulary (or the token vocabulary). */
  probability: number;
}

/** Throws NO_HEAD, naming the checkpoint, unless the model has the fusion encoder. */
export function requireFusionHead(model: T2VLP, checkpoint: string, what: string): void {
  if (!model.hasFusion)
    throw new InferenceError(
      'NO_HEAD',
      `${what}: checkpoint '${checkpoint}' has no fusion encoder (a stage-1 model); ${what} needs a model fine-tuned for it (docs/FUSION.md), e.g. from 't2vlp train --preset msrvtt-${what === 'caption' ? 'caption' : 'qa'}'`,
    );
}

async function readVideo(model: T2VLP, reader: VideoReader, path: string): Promise<{ frames: Float32Array; mask: Uint8Array }> {
  const clip = await reader.read(path);
  const { numFrames: T, imageResolution: R } = model.config;
  const frames = new Float32Array(T * 3 * R * R);
  frames.set(clip.frames.subarray(0, Math.min(clip.frames.length, frames.length)));
  const mask = new Uint8Array(T);
  mask.set(clip.mask.subarray(0, Math.min(T, clip.mask.length)));
  return { frames, mask };
}

function videoTensors(model: T2VLP, v: { frames: Float32Array; mask: Uint8Array }): { video: Tensor; videoMask: Tensor } {
  const { numFrames: T, imageResolution: R } = model.config;
  return { video: tensor(v.frames, [1, T, 3, R, R], 'float32'), videoMask: tensor(Array.from(v.mask), [1, T], 'int64') };
}

/** Generates one caption per video file (greedy unless `beam` > 1). */
export async function captionVideos(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  reader: VideoReader,
  paths: readonly string[],
  o: { beam?: number; lengthPenalty?: number; onCaption?: (c: VideoCaption) => void } = {},
): Promise<VideoCaption[]> {
  const out: VideoCaption[] = [];
  for (const path of paths) {
    const v = await readVideo(model, reader, path);
    const r = noGrad(() =>
      scope(() => {
        const { video, videoMask } = videoTensors(model, v);
        const g = model.generateCaption(video, videoMask, { beam: o.beam ?? 1, lengthPenalty: o.lengthPenalty, tokenizer });
        const ids = Array.from(g.ids.toArray() as BigInt64Array, Number);
        const end = ids.indexOf(model.config.eotTokenId);
        return { video: path, caption: g.text[0]!, ids: end < 0 ? ids : ids.slice(0, end) };
      }),
    );
    o.onCaption?.(r);
    out.push(r);
  }
  return out;
}

/**
 * The `top` most probable answers to `question` about the video at `path`: whole answers with an
 * answer vocabulary, otherwise single tokens of the token vocabulary (the reference's answers).
 */
export async function answerQuestion(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  reader: VideoReader,
  path: string,
  question: string,
  o: { top?: number; maxWords?: number; answers?: AnswerVocabulary } = {},
): Promise<QuestionAnswer[]> {
  if (!question.trim()) throw new InferenceError('EMPTY_QUERY', 'the question is empty; ask something about the video');
  const top = o.top ?? 5;
  if (!(Number.isInteger(top) && top >= 1)) throw new InferenceError('BAD_OPTION', `top must be an integer >= 1; got ${top}`);
  const v = await readVideo(model, reader, path);
  return noGrad(() =>
    scope(() => {
      const { video, videoMask } = videoTensors(model, v);
      const q = tokenizer.batch([question], { maxWords: o.maxWords ?? 32 });
      const logits = model.answerLogits({ video, videoMask, questionIds: q.inputIds, questionMask: q.attentionMask }, { answers: o.answers });
      const n = Math.min(top, logits.shape[1]!);
      const best = logits.softmax(1).reshape(-1).topk(n);
      const p = best.values.toArray() as Float32Array;
      const ids = Array.from(best.indices.toArray() as BigInt64Array, Number);
      return ids.map((id, i) => ({ answer: o.answers ? o.answers.answers[id]! : tokenizer.decode([id]).trim(), probability: p[i]! }));
    }),
  );
}
