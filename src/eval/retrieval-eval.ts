/**
 * Retrieval evaluation of a model on a dataset split (docs/EVAL.md, "Retrieval evaluation
 * procedure"): encode every caption and every distinct video once, in batches, compute the loose
 * meanP similarity of every caption-video pair, and report text-to-video and video-to-text
 * metrics (multi-sentence handling when videos have several captions). When the model has the
 * fusion encoder, each query's top-K candidates are then re-scored with its matching probability
 * (docs/FUSION.md; `model.rerank`) and the re-ranked metrics are reported beside the loose ones.
 */
import type { ClipTokenizer, Dataset, VideoReader } from '../data/index.js';
import { clipToTensors } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { cat, noGrad, scope, stack, type Tensor } from '../torch/index.js';
import { retrievalMetricsMulti } from './multi-sentence-metrics.js';
import type { RetrievalMetrics } from './rank-statistics.js';
import { RetrievalMetricsError } from './retrieval-input.js';
import { retrievalMetrics } from './retrieval-metrics.js';
import { rerankSimilarity, type RerankInputs } from './rerank-eval.js';

/** Candidates re-scored per query by the reference's evaluation (`main_task_retrieval_msrvtt.py`). */
export const DEFAULT_RERANK_TOP_K = 32;

export interface RetrievalEvalOptions {
  tokenizer: ClipTokenizer;
  videoReader: VideoReader;
  batchSize?: number;
  maxWords?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Re-score each query's top K candidates with the fusion encoder (default 32 when the model has
   * it, else 0; 0 disables). K larger than the candidate count re-scores all of them.
   */
  rerank?: number;
  /** Progress of the re-ranking pass: queries done of all queries (captions + videos). */
  onRerankProgress?: (done: number, total: number) => void;
}

export interface RerankedRetrieval {
  /** Candidates re-scored per query (the requested K, capped at the candidate count). */
  topK: number;
  t2v: RetrievalMetrics;
  v2t: RetrievalMetrics;
  /** Caption × video scores after re-ranking, row-major. */
  t2vSim: Float32Array;
  /** Video × caption scores after re-ranking, row-major. */
  v2tSim: Float32Array;
  seconds: number;
}

export interface RetrievalEvalResult {
  /** Loose (meanP) similarity metrics. */
  t2v: RetrievalMetrics;
  v2t: RetrievalMetrics;
  /** Caption × video logits, row-major. */
  sim: Float32Array;
  shape: [number, number];
  videoIds: string[];
  captions: string[];
  /** The L2-normalised meanP embedding of each video, row-major [videos, E] (for further queries). */
  videoEmbeddings: { data: Float32Array; shape: [number, number] };
  /** The fusion encoder's re-ranking, when it ran. */
  reranked?: RerankedRetrieval;
}

interface TextPart {
  embedding: Tensor;
  tokens?: Tensor;
  eot?: Tensor;
  attentionMask?: Tensor;
}

interface VideoPart {
  embedding: Tensor;
  frames?: Tensor;
  tubes?: Tensor;
  videoMask?: Tensor;
}

const keepAll = <T extends object>(o: T): T => {
  for (const t of Object.values(o) as Tensor[]) t.keep();
  return o;
};

/** The re-ranking depth: `requested` (default 32 with the fusion encoder), checked against the model. */
function rerankDepth(model: T2VLP, requested: number | undefined): number {
  if (requested === undefined) return model.hasFusion ? DEFAULT_RERANK_TOP_K : 0;
  if (!Number.isInteger(requested) || requested < 0)
    throw new RetrievalMetricsError('BAD_OPTION', `evaluateRetrieval: rerank must be a non-negative integer (0 disables), got ${requested}`);
  if (requested > 0 && !model.hasFusion)
    throw new RetrievalMetricsError(
      'BAD_OPTION',
      `evaluateRetrieval: rerank ${requested} needs the fusion encoder, but the model has none (a stage-1 checkpoint); ` +
        `pass rerank 0 (--rerank 0) or a stage-2 / retrieval checkpoint`,
    );
  return requested;
}

export async function evaluateRetrieval(model: T2VLP, dataset: Dataset, o: RetrievalEvalOptions): Promise<RetrievalEvalResult> {
  const B = o.batchSize ?? 32;
  const depth = rerankDepth(model, o.rerank);
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
  const textParts: TextPart[] = [];
  const videoParts: VideoPart[] = [];
  try {
    for (let i = 0; i < captions.length; i += B) {
      const part = captions.slice(i, i + B);
      const enc = noGrad(() =>
        scope((): TextPart => {
          const t = o.tokenizer.batch(part, { maxWords: o.maxWords ?? 32 });
          // Without re-ranking only the embedding is read: the text tower's EOT-only path.
          if (!depth) return { embedding: model.encodeText(t.inputIds, t.attentionMask, { eotOnly: true }).embedding };
          const e = model.encodeText(t.inputIds, t.attentionMask);
          return { embedding: e.embedding, tokens: e.tokens, eot: e.eot, attentionMask: t.attentionMask };
        }),
      );
      textParts.push(keepAll(enc));
      done += part.length;
      o.onProgress?.(done, total);
    }
    for (let i = 0; i < videoIds.length; i += B) {
      const clips = await Promise.all(sources.slice(i, i + B).map((src) => o.videoReader.read(src)));
      const enc = noGrad(() =>
        scope((): VideoPart => {
          const ts = clips.map((c) => clipToTensors(c));
          const frames = stack(ts.map((t) => t.frames));
          const mask = stack(ts.map((t) => t.mask));
          const e = model.encodeVideo(frames, mask);
          return depth ? { embedding: e.embedding, frames: e.frames, tubes: e.tubes, videoMask: mask } : { embedding: e.embedding };
        }),
      );
      videoParts.push(keepAll(enc));
      done += clips.length;
      o.onProgress?.(done, total);
    }
    const shape: [number, number] = [captions.length, videoIds.length];
    const oneEach = captions.length === videoIds.length && captionVideo.every((v, i) => v === i);
    const metricsOf = (t2vSim: Float32Array, v2tSim: Float32Array) =>
      oneEach
        ? { t2v: retrievalMetrics({ data: t2vSim, shape }), v2t: retrievalMetrics({ data: v2tSim, shape: [shape[1], shape[0]] }) }
        : {
            // Several captions per video: v2t takes, per video pair, the best of the other video's captions.
            t2v: retrievalMetricsMulti({ data: t2vSim, shape }, captionVideo).t2v,
            v2t: retrievalMetricsMulti({ data: transpose(v2tSim, [shape[1], shape[0]]), shape }, captionVideo).v2t,
          };

    const [sim, videoData, reranked] = noGrad(() =>
      scope(() => {
        const videos = cat(videoParts.map((p) => p.embedding));
        const logits = cat(textParts.map((p) => p.embedding)).matmul(videos.t()).mul(model.clip.logit_scale.exp().to('float32'));
        const loose = logits.toArray() as Float32Array;
        let rr: Omit<RerankedRetrieval, 't2v' | 'v2t'> | undefined;
        if (depth) {
          const inputs: RerankInputs = {
            text: {
              tokens: cat(textParts.map((p) => p.tokens!)),
              eot: cat(textParts.map((p) => p.eot!)),
              attentionMask: cat(textParts.map((p) => p.attentionMask!)),
            },
            video: {
              frames: cat(videoParts.map((p) => p.frames!)),
              tubes: cat(videoParts.map((p) => p.tubes!)),
              videoMask: cat(videoParts.map((p) => p.videoMask!)),
            },
          };
          rr = rerankSimilarity(model, logits, inputs, { topK: depth, onProgress: o.onRerankProgress });
        }
        return [loose, videos.toArray() as Float32Array, rr] as const;
      }),
    );
    const loose = metricsOf(sim, transpose(sim, shape));
    const videoEmbeddings = { data: videoData, shape: [videoIds.length, videoData.length / videoIds.length] as [number, number] };
    const result: RetrievalEvalResult = { ...loose, sim, shape, videoIds, captions, videoEmbeddings };
    if (reranked) result.reranked = { ...reranked, ...metricsOf(reranked.t2vSim, reranked.v2tSim) };
    return result;
  } finally {
    for (const p of [...textParts, ...videoParts]) for (const t of Object.values(p) as Tensor[]) t.dispose();
    if (wasTraining) model.train();
  }
}

function transpose(a: Float32Array, [r, c]: [number, number]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}
