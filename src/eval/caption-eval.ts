/**
 * Captioning evaluation of a model on a split (docs/EVAL.md "Captioning"): every distinct video
 * is read and captioned once, in batches (greedy as the reference, or beam search), however many
 * reference captions it has; the generated captions are scored against all of the video's
 * references with the COCO toolkit's metrics (`captionMetrics`: BLEU-1..4, METEOR, ROUGE-L,
 * CIDEr-D, as fractions).
 */
import type { ClipTokenizer, Sample, VideoReader } from '../data/index.js';
import { clipToTensors } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { noGrad, scope, stack } from '../torch/index.js';
import { captionMetrics, type CaptionMetricsOptions, type CaptionScores } from './caption/index.js';
import { checkBatchSize, someIds, TaskEvalError } from './task-eval-error.js';

export interface CaptionEvalOptions {
  tokenizer: ClipTokenizer;
  videoReader: VideoReader;
  /** Beam width (default 1: greedy, the reference's decoder). */
  beam?: number;
  /** Beam search only: rank finished captions by logp / length^lengthPenalty (default 0). */
  lengthPenalty?: number;
  /** Decoding steps (default 31, the reference's). */
  maxSteps?: number;
  /** Videos read and captioned per forward pass (default 32). */
  batchSize?: number;
  /** 'ptb' (default, the toolkit's protocol) or 'none' (the reference's `cap_scores`). */
  tokenize?: 'ptb' | 'none';
  /** METEOR: 'auto' (default: when java and the jar are there), 'require' or 'off'. */
  meteor?: CaptionMetricsOptions['meteor'];
  meteorJar?: string;
  /** Videos captioned so far, of all. */
  onProgress?: (done: number, total: number) => void;
}

export interface CaptionPrediction {
  videoId: string;
  caption: string;
  references: string[];
}

export interface CaptionEvalResult {
  /** The toolkit's scores, as fractions (papers report them × 100). */
  metrics: CaptionScores;
  /** One per distinct video, in the order the samples first name them. */
  predictions: CaptionPrediction[];
}

interface VideoRefs {
  videoId: string;
  video: Sample['video'];
  references: string[];
}

/**
 * Groups samples by video (first-seen order): each sample gives its `caption`, or all of its
 * `captions`, as references. Throws NO_SAMPLES for an empty list and MISSING_REFERENCES for a
 * video none of whose samples has a non-empty caption.
 */
export function captionReferences(samples: readonly Sample[], where = 'evaluateCaptioning'): VideoRefs[] {
  if (samples.length === 0)
    throw new TaskEvalError('NO_SAMPLES', `${where}: no samples to caption; expected at least one { videoId, video, caption } sample (an empty split?)`);
  const byId = new Map<string, VideoRefs>();
  for (const s of samples) {
    let v = byId.get(s.videoId);
    if (!v) byId.set(s.videoId, (v = { videoId: s.videoId, video: s.video, references: [] }));
    for (const c of s.caption !== undefined ? [s.caption] : (s.captions ?? [])) if (c.trim()) v.references.push(c);
  }
  const videos = [...byId.values()];
  const bare = videos.filter((v) => v.references.length === 0).map((v) => v.videoId);
  if (bare.length)
    throw new TaskEvalError(
      'MISSING_REFERENCES',
      `${where}: ${bare.length} of ${videos.length} videos have no reference caption (${someIds(bare)}); every video needs at least one non-empty caption — drop those samples or fix the annotations`,
    );
  return videos;
}

/** Captions every distinct video of `samples` once and scores the captions against its references. */
export async function evaluateCaptioning(model: T2VLP, samples: readonly Sample[], o: CaptionEvalOptions): Promise<CaptionEvalResult> {
  const where = 'evaluateCaptioning';
  if (!model.hasFusion)
    throw new TaskEvalError(
      'NO_FUSION_ENCODER',
      `${where}: the model has no fusion encoder (a stage-1 checkpoint), so it cannot caption; evaluate a caption checkpoint (t2vlp train --preset msrvtt-caption / msvd-caption)`,
    );
  const B = checkBatchSize(o.batchSize, where);
  const videos = captionReferences(samples, where);
  const wasTraining = model.training;
  model.eval();
  const predictions: CaptionPrediction[] = [];
  try {
    for (let i = 0; i < videos.length; i += B) {
      const part = videos.slice(i, i + B);
      const clips = await Promise.all(part.map((v) => o.videoReader.read(v.video)));
      const texts = noGrad(() =>
        scope(() => {
          const ts = clips.map((c) => clipToTensors(c));
          const frames = stack(ts.map((t) => t.frames));
          const mask = stack(ts.map((t) => t.mask));
          return model.generateCaption(frames, mask, { beam: o.beam, lengthPenalty: o.lengthPenalty, maxSteps: o.maxSteps, tokenizer: o.tokenizer }).text;
        }),
      );
      part.forEach((v, k) => predictions.push({ videoId: v.videoId, caption: texts[k]!, references: v.references }));
      o.onProgress?.(predictions.length, videos.length);
    }
  } finally {
    if (wasTraining) model.train();
  }
  const references = Object.fromEntries(predictions.map((p) => [p.videoId, p.references]));
  const candidates = Object.fromEntries(predictions.map((p) => [p.videoId, p.caption]));
  const metrics = await captionMetrics(references, candidates, { tokenize: o.tokenize, meteor: o.meteor, meteorJar: o.meteorJar });
  return { metrics, predictions };
}
