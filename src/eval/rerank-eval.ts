/**
 * The re-ranking pass of the retrieval evaluation (docs/EVAL.md; docs/FUSION.md): every caption's
 * top-K videos and every video's top-K captions by the loose similarity are re-scored with the
 * fusion encoder's matching probability (`model.rerank`, batched by the model so memory stays
 * bounded). K is capped at the candidate count, so small test splits re-score every candidate.
 */
import type { T2VLP } from '../model/index.js';
import { noGrad, scope, type Tensor } from '../torch/index.js';

export interface RerankInputs {
  /** As `encodeText` returns them, with the caption rows' attention mask. */
  text: { tokens: Tensor; eot: Tensor; attentionMask: Tensor };
  /** As `encodeVideo` returns them, with the frame mask. */
  video: { frames: Tensor; tubes: Tensor; videoMask: Tensor };
}

export interface RerankPassOptions {
  topK: number;
  /** Queries re-scored so far (captions, then videos) of all queries. */
  onProgress?: (done: number, total: number) => void;
}

export interface RerankPass {
  topK: number;
  /** [captions, videos] row-major. */
  t2vSim: Float32Array;
  /** [videos, captions] row-major. */
  v2tSim: Float32Array;
  seconds: number;
}

/** Re-scores the loose similarity `sim` [captions, videos]; the caller owns every input. */
export function rerankSimilarity(model: T2VLP, sim: Tensor, inputs: RerankInputs, o: RerankPassOptions): RerankPass {
  const [numTexts, numVideos] = sim.shape as [number, number];
  const topK = Math.min(o.topK, numTexts, numVideos);
  const total = numTexts + numVideos;
  const started = Date.now();
  o.onProgress?.(0, total);
  const [t2vSim, v2tSim] = noGrad(() =>
    scope(() => {
      const out = model.rerank(sim, inputs.text, inputs.video, { topK, onProgress: o.onProgress });
      return [out.t2v.to('float32').toArray() as Float32Array, out.v2t.to('float32').toArray() as Float32Array];
    }),
  );
  o.onProgress?.(total, total);
  return { topK, t2vSim, v2tSim, seconds: (Date.now() - started) / 1000 };
}
