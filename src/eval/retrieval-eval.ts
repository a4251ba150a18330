/**
 * Retrieval evaluation of a model on a dataset split (docs/EVAL.md, "Retrieval evaluation
 * procedure"): encode every caption and every distinct video once, in batches, compute the loose
 * meanP similarity of every caption-video pair, and report text-to-video and video-to-text
 * metrics (multi-sentence handling when videos have several captions). The fusion re-ranking of
 * the downstream scripts needs the stage-2 model and is not part of this function.
 */
import type { ClipTokenizer, Dataset, VideoReader } from '../data/index.js';
import { clipToTensors } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { cat, noGrad, scope, stack, type Tensor } from '../torch/index.js';
import { retrievalMetricsMulti } from './multi-sentence-metrics.js';
import type { RetrievalMetrics } from './rank-statistics.js';
import { retrievalMetrics } from './retrieval-metrics.js';

export interface RetrievalEvalOptions {
  tokenizer: ClipTokenizer;
  videoReader: VideoReader;
  batchSize?: number;
  maxWords?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RetrievalEvalResult {
  t2v: RetrievalMetrics;
  v2t: RetrievalMetrics;
  /** Caption × video logits, row-major. */
  sim: Float32Array;
  shape: [number, number];
  videoIds: string[];
  captions: string[];
  /** The L2-normalised meanP embedding of each video, row-major [videos, E] (for further queries). */
  videoEmbeddings: { data: Float32Array; shape: [number, number] };
}

export async function evaluateRetrieval(model: T2VLP, dataset: Dataset, o: RetrievalEvalOptions): Promise<RetrievalEvalResult> {
  const B = o.batchSize ?? 32;
  const videoIds: string[] = [];
  const videoIndex = new Map<string, number>();
  const sources: Dataset['samples'][number]['video'][] = [];
  const captions: string[] = [];
  const captionVideo: number[] = [];
  for (const s of dataset.samples) {
    let v = videoIndex.get(s.videoId);
    if (v === undefined) {
      v = videoIds.length;
      videoIndex.set(s.videoId, v);
      videoIds.push(s.videoId);
      sources.push(s.video);
    }
    const text = s.caption ?? s.captions?.[0];
    if (text === undefined) continue;
    captions.push(text);
    captionVideo.push(v);
  }
  if (!captions.length) throw new RangeError(`evaluateRetrieval: ${dataset.name} ${dataset.split} has no captions`);
  const total = captions.length + videoIds.length;
  let done = 0;
  const wasTraining = model.training;
  model.eval();
  const textParts: Tensor[] = [];
  const videoParts: Tensor[] = [];
  try {
    for (let i = 0; i < captions.length; i += B) {
      const part = captions.slice(i, i + B);
      textParts.push(
        noGrad(() =>
          scope(() => {
            const t = o.tokenizer.batch(part, { maxWords: o.maxWords ?? 32 });
            return model.encodeText(t.inputIds, t.attentionMask).embedding;
          }),
        ).keep(),
      );
      done += part.length;
      o.onProgress?.(done, total);
    }
    for (let i = 0; i < videoIds.length; i += B) {
      const clips = await Promise.all(sources.slice(i, i + B).map((src) => o.videoReader.read(src)));
      videoParts.push(
        noGrad(() =>
          scope(() => {
            const ts = clips.map((c) => clipToTensors(c));
            const frames = stack(ts.map((t) => t.frames));
            const mask = stack(ts.map((t) => t.mask));
            return model.encodeVideo(frames, mask).embedding;
          }),
        ).keep(),
      );
      done += clips.length;
      o.onProgress?.(done, total);
    }
    const [sim, videoData] = noGrad(() =>
      scope(() => {
        const videos = cat(videoParts);
        const logits = cat(textParts).matmul(videos.t()).mul(model.clip.logit_scale.exp().to('float32'));
        return [logits.toArray() as Float32Array, videos.toArray() as Float32Array];
      }),
    );
    const shape: [number, number] = [captions.length, videoIds.length];
    const oneEach = captions.length === videoIds.length && captionVideo.every((v, i) => v === i);
    const { t2v, v2t } = oneEach
      ? {
          t2v: retrievalMetrics({ data: sim, shape }),
          v2t: retrievalMetrics({ data: transpose(sim, shape), shape: [shape[1], shape[0]] }),
        }
      : retrievalMetricsMulti({ data: sim, shape }, captionVideo);
    const videoEmbeddings = { data: videoData, shape: [videoIds.length, videoData.length / videoIds.length] as [number, number] };
    return { t2v, v2t, sim, shape, videoIds, captions, videoEmbeddings };
  } finally {
    for (const t of [...textParts, ...videoParts]) t.dispose();
    if (wasTraining) model.train();
  }
}

function transpose(a: Float32Array, [r, c]: [number, number]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}
