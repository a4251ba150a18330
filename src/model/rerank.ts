/**
 * Retrieval re-ranking with the fusion encoder's matching probability (docs/FUSION.md "Retrieval
 * re-ranking", docs/EVAL.md; fixtures README item 9). For each text, its top-K videos by the loose
 * similarity S are re-scored: t2v[text, cand] = softmax(S[text, cands]) · 1000 · p_match + 1000;
 * independently, for each video its top-K texts by Sᵀ into v2t. Queries are processed in chunks of
 * whole queries, so memory stays bounded for any split size while each query's K candidates are
 * normalised together by the matching head exactly as the reference does (docs/QUIRKS.md).
 */
import { arange, cat, noGrad, scope, type Tensor } from '../torch/index.js';
import {
  FusionError,
  fusionInput,
  keyMask,
  keyValidity,
  matchLogits,
  requireFusion,
  runFusion,
  visualValidity,
  vSep,
  type FusionModel,
} from './fusion.js';

/** Text side of re-ranking, as `encodeText` returns it (plus the attention mask). */
export interface RerankText {
  tokens: Tensor; // [Nt, L, E]
  eot?: Tensor; // [Nt, E] (not needed by the matching head)
  attentionMask: Tensor; // [Nt, L]
}

/** Video side of re-ranking, as `encodeVideo` returns it (plus the video mask). */
export interface RerankVideo {
  frames: Tensor; // [Nv, T, E]
  tubes: Tensor; // [Nv, K, E]
  videoMask: Tensor; // [Nv, T]
}

export interface RerankOptions {
  /** Candidates re-scored per query (default 32, the reference's value). */
  topK?: number;
  /** Fusion sequences per forward pass (default 256); rounded to whole queries. */
  sequencesPerChunk?: number;
  /** Progress over both passes: `done` of `total` queries (Nt + Nv). */
  onProgress?: (done: number, total: number) => void;
}

export interface RerankResult {
  /** [Nt, Nv]: S with each text's top-K entries replaced by the re-ranked scores (≥ 1000). */
  t2v: Tensor;
  /** [Nv, Nt]: Sᵀ with each video's top-K entries replaced likewise. */
  v2t: Tensor;
}

const flat = (t: Tensor): Tensor => (t.shape.length === 3 && t.shape[1] === 1 ? t.reshape(t.shape[0]!, t.shape[2]!) : t);

function shapeError(what: string, expected: string, got: Tensor): FusionError {
  return new FusionError('BAD_FUSION_INPUT', `rerank: ${what} must be ${expected}, got [${got.shape.join(', ')}]`);
}

export function rerankRetrieval(m: FusionModel, sim: Tensor, text: RerankText, video: RerankVideo, o: RerankOptions = {}): RerankResult {
  requireFusion(m, 'rerank');
  const topK = o.topK ?? 32;
  if (sim.shape.length !== 2) throw shapeError('sim', '[Nt, Nv]', sim);
  const [Nt, Nv] = sim.shape as [number, number];
  if (!Number.isInteger(topK) || topK < 1) throw new FusionError('BAD_TOP_K', `rerank: topK must be a positive integer, got ${topK}`);
  if (topK > Nv || topK > Nt)
    throw new FusionError(
      'BAD_TOP_K',
      `rerank: topK ${topK} exceeds the candidate count (${Nv} videos per text, ${Nt} texts per video); pass topK ≤ ${Math.min(Nt, Nv)}`,
    );
  const attentionMask = flat(text.attentionMask);
  const videoMask = flat(video.videoMask);
  const { numFrames: T, numCenters: K, embedDim: E } = m.config;
  const tokens = text.tokens;
  if (tokens.shape.length !== 3 || tokens.shape[0] !== Nt || tokens.shape[2] !== E) throw shapeError('text.tokens', `[${Nt}, L, ${E}]`, tokens);
  const L = tokens.shape[1]!;
  if (attentionMask.shape.join() !== `${Nt},${L}`) throw shapeError('text.attentionMask', `[${Nt}, ${L}]`, text.attentionMask);
  if (video.frames.shape.join() !== `${Nv},${T},${E}`) throw shapeError('video.frames', `[${Nv}, ${T}, ${E}]`, video.frames);
  if (video.tubes.shape.join() !== `${Nv},${K},${E}`) throw shapeError('video.tubes', `[${Nv}, ${K}, ${E}]`, video.tubes);
  if (videoMask.shape.join() !== `${Nv},${T}`) throw shapeError('video.videoMask', `[${Nv}, ${T}]`, video.videoMask);

  const perChunk = Math.max(1, Math.floor((o.sequencesPerChunk ?? 256) / topK));
  const total = Nt + Nv;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    o.onProgress?.(done, total);
  };
  return noGrad(() =>
    scope(() => {
      const vm = videoMask.to('float32');
      const am = attentionMask.to('float32');
      const vsepAll = vSep(video.frames, vm); // [Nv, 1, E]
      const visValid = visualValidity(vm); // [Nv, 1 + T]
      /** Match probabilities [Q, topK] for the pairs (texts ti, videos vi), both [Q·topK]. */
      const pMatch = (ti: Tensor, vi: Tensor, Q: number): Tensor =>
        scope(() => {
          const frames = video.frames.indexSelect(0, vi);
          const x = fusionInput(m, vsepAll.indexSelect(0, vi), frames, video.tubes.indexSelect(0, vi), tokens.indexSelect(0, ti));
          const valid = keyValidity(visValid.indexSelect(0, vi), K, am.indexSelect(0, ti));
          const out = runFusion(m, x, keyMask(valid));
          return matchLogits(m, out, valid, topK, false).softmax(1).select(1, 1).reshape(Q, topK);
        });
      /** One direction: rows of `scores` [Nq, Nc] are queries; `pairs(q, c)` gives (text, video) indices. */
      const pass = (scores: Tensor, pairs: (q: Tensor, c: Tensor) => [Tensor, Tensor]): Tensor => {
        const [Nq] = scores.shape as [number];
        const rows: Tensor[] = [];
        for (let q0 = 0; q0 < Nq; q0 += perChunk) {
          const Q = Math.min(perChunk, Nq - q0);
          rows.push(
            scope(() => {
              const s = scores.narrow(0, q0, Q);
              const { values, indices } = s.topk(topK, 1); // [Q, topK]
              const q = arange(q0, q0 + Q).reshape(Q, 1).expand(Q, topK).reshape(-1);
              const [ti, vi] = pairs(q, indices.reshape(-1));
              const p = pMatch(ti, vi, Q);
              const rescored = values.softmax(1).mul(p).mul(1000).add(1000);
              return s.scatter(1, indices, rescored);
            }),
          );
          progress(Q);
        }
        return rows.length === 1 ? rows[0]! : cat(rows, 0);
      };
      const s = sim.to('float32');
      const t2v = pass(s, (q, c) => [q, c]);
      const v2t = pass(s.t().contiguous(), (q, c) => [c, q]);
      return { t2v, v2t };
    }),
  );
}
