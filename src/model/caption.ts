/**
 * The captioning head on the fusion encoder (docs/FUSION.md "Captioning"): the teacher-forced
 * caption loss (cap + sim + align) and the decoders. The caption sequence is
 * [v_sep, frames, tubes, caption] under the prefix-LM mask: visual rows see no text, text rows
 * see the valid visual keys and the caption causally. Greedy decoding follows the reference step
 * by step; by default it caches keys and values of the text tower and of the fusion encoder
 * (kv-cache.ts), which the mask makes exact, and `cache: false` re-encodes the whole prefix at
 * every step as the reference does.
 */
import { arange, cat, F, full, keep, noGrad, scope, tensor, unkeep, zeros, type Tensor } from '../torch/index.js';
import { FusionError, fusionInput, keyMask, keyValidity, requireFusion, runFusion, visualValidity, vocabLogits, vSep, type FusionModel } from './fusion.js';
import { KVCache, transformerStep } from './kv-cache.js';
import { alignLoss, contrastiveLoss, textCenters } from './losses.js';
import type { T2VLP } from './t2vlp.js';

/** Head dropout of captioning and QA (training only; docs/FUSION.md). */
export const TASK_HEAD_DROPOUT = 0.5;

export interface CaptionBatch {
  video: Tensor;
  videoMask: Tensor;
  inputIds: Tensor;
  attentionMask: Tensor;
}

export interface CaptionLoss {
  /** caption + contrastive + align: what the caption script back-propagates. */
  loss: Tensor;
  /** Teacher-forced cross entropy over the whole vocabulary. */
  caption: Tensor;
  align: Tensor;
  contrastive: Tensor;
}

export type CaptionTrace = (name: string, t: Tensor) => void;

const flat = (t: Tensor): Tensor => (t.shape.length === 3 ? t.reshape(t.shape[0]!, t.shape[2]!) : t);

/** Encoded video for the fusion encoder. */
interface VideoPart {
  vsep: Tensor; // [B, 1, E]
  frames: Tensor; // [B, T, E]
  tubes: Tensor; // [B, K, E]
  valid: Tensor; // [B, 1 + T] float: v_sep follows frame 0
}

/**
 * The prefix-LM mask [N, P + L, P + L] (docs/FUSION.md "Stage 2" step 2): visual rows see the valid
 * visual keys and no text; text rows the valid visual keys and the text causally (padding not
 * masked there).
 */
export function prefixLmMask(visualValid: Tensor, numTubes: number, L: number): Tensor {
  return scope(() => {
    const N = visualValid.shape[0]!;
    const P = visualValid.shape[1]! + numTubes;
    const base = keyMask(keyValidity(visualValid, numTubes, full([N, L], 1)));
    const causal = full([L, L], -Infinity).triu(1).reshape(1, L, L).expand(N, L, L);
    const top = cat([base.narrow(1, 0, P).narrow(2, 0, P), full([N, P, L], -Infinity)], 2);
    const bottom = cat([base.narrow(1, P, L).narrow(2, 0, P), causal], 2);
    return cat([top, bottom], 1);
  });
}

function videoMaskOf(model: T2VLP, videoMask: Tensor, B: number, where: string): Tensor {
  const m = flat(videoMask);
  const T = model.config.numFrames;
  if (m.shape.length !== 2 || m.shape[0] !== B || m.shape[1] !== T)
    throw new FusionError('BAD_FUSION_INPUT', `${where}: videoMask must be [${B}, ${T}], got [${videoMask.shape.join(', ')}]`);
  return m;
}

/** Teacher-forced caption loss + contrastive + align (docs/FUSION.md "Captioning"). */
export function captionObjectives(model: T2VLP, batch: CaptionBatch, trace?: CaptionTrace): CaptionLoss {
  const where = 'captionLoss';
  requireFusion(model.clip, where);
  const m = model.clip as unknown as FusionModel;
  return scope(() => {
    const ids = flat(batch.inputIds);
    const mask = flat(batch.attentionMask);
    if (ids.shape.length !== 2 || mask.shape.join() !== ids.shape.join())
      throw new FusionError('BAD_FUSION_INPUT', `${where}: inputIds and attentionMask must both be [B, L], got [${batch.inputIds.shape.join(', ')}] and [${batch.attentionMask.shape.join(', ')}]`);
    const [B, L] = ids.shape as [number, number];
    const videoMask = videoMaskOf(model, batch.videoMask, B, where);
    const v = model.encodeVideo(batch.video, videoMask);
    const t = model.encodeText(ids, mask);
    const scale = model.clip.logit_scale.exp().to('float32');
    const contrastive = contrastiveLoss(t.embedding.matmul(v.embedding.t()).mul(scale));
    const align = alignLoss(textCenters(model.clip.projectedCenters(), t.tokens, mask), v.tubes);
    const K = model.config.numCenters;
    const vis = visualValidity(videoMask);
    const x = fusionInput(m, vSep(v.frames, videoMask), v.frames, v.tubes, t.tokens);
    const am = prefixLmMask(vis, K, L);
    const out = runFusion(m, x, am);
    trace?.('fusion.input', x);
    trace?.('fusion.mask', am);
    trace?.('fusion.output', out);
    // Outputs at text positions 0..L-2 whose next id is > 0 predict that id.
    const P = vis.shape[1]! + K;
    const scored = ids.narrow(1, 1, L - 1).gt(0).logicalAnd(mask.narrow(1, 1, L - 1).gt(0)); // [B, L-1]
    const pos = scored.nonzero();
    let caption: Tensor;
    if (pos.shape[0] === 0) caption = zeros([]);
    else {
      const [bi, li] = [pos.select(1, 0), pos.select(1, 1)];
      const h = out.narrow(1, P, L - 1).index([bi, li]); // [n, E]
      const scores = vocabLogits(m, h, model.training, TASK_HEAD_DROPOUT);
      const targets = ids.index([bi, li.add(1)]);
      trace?.('scores', scores);
      trace?.('targets', targets);
      caption = F.crossEntropy(scores, targets);
    }
    return { loss: caption.add(contrastive).add(align), caption, align, contrastive };
  });
}

export interface GenerateCaptionOptions {
  /** Decoding steps (default 31: the 32-position context minus the start token). */
  maxSteps?: number;
  /** Beam width (default 1: greedy, exactly the reference's decoder). */
  beam?: number;
  /** Beam search ranks finished hypotheses by logp / length^lengthPenalty (default 0: raw log-probability). */
  lengthPenalty?: number;
  /** Cache keys and values across steps (default true); false re-encodes the prefix at every step. */
  cache?: boolean;
  /** Start and end ids (default: eotTokenId − 1 and eotTokenId, 49406 / 49407 for CLIP). */
  startId?: number;
  endId?: number;
  /** Called once per step with the step's log-probabilities [B, V] (greedy; parity tests). */
  onStep?: (step: number, logProbs: Tensor) => void;
}

export interface DecodedIds {
  /** [B, steps] int64 chosen ids (greedy: every step, as the reference; beam: 0 after the end id). */
  ids: Tensor;
}

function checkDecodeOptions(model: T2VLP, o: GenerateCaptionOptions, where: string): { steps: number; beam: number; start: number; end: number } {
  const steps = o.maxSteps ?? 31;
  const beam = o.beam ?? 1;
  const V = model.config.vocabSize;
  const start = o.startId ?? model.config.eotTokenId - 1;
  const end = o.endId ?? model.config.eotTokenId;
  const ctx = model.config.contextLength;
  const P = 1 + model.config.numFrames + model.config.numCenters;
  if (!Number.isInteger(steps) || steps < 1 || P + steps > ctx)
    throw new FusionError('BAD_FUSION_INPUT', `${where}: maxSteps must be an integer in [1, ${ctx - P}] (the fusion positional table holds ${ctx} positions, ${P} of them visual), got ${steps}`);
  if (!Number.isInteger(beam) || beam < 1 || beam > V)
    throw new FusionError('BAD_FUSION_INPUT', `${where}: beam must be an integer ≥ 1, got ${beam}`);
  for (const [name, id] of [['startId', start], ['endId', end]] as const)
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new FusionError('BAD_FUSION_INPUT', `${where}: ${name} ${id} is outside the vocabulary of ${V}`);
  if (o.lengthPenalty !== undefined && !Number.isFinite(o.lengthPenalty))
    throw new FusionError('BAD_FUSION_INPUT', `${where}: lengthPenalty must be a finite number, got ${o.lengthPenalty}`);
  return { steps, beam, start, end };
}

/**
 * Next-token log-probabilities [N, V] of fusion outputs h [N, E] (eval: no dropout) through the tied
 * output layer (docs/FUSION.md "Shared pieces", output vocabulary), as (h · proj) · token_embeddingᵀ: the same
 * product as h · (proj · token_embeddingᵀ) without forming the [E, V] matrix (13 GFLOP at ViT-B/16
 * sizes) for the few rows a decoding step has.
 */
function nextLogProbs(m: FusionModel, h: Tensor): Tensor {
  return scope(() => {
    const w = m.token_embedding.weight;
    const logits = F.linear(h.to(w.dtype).matmul(m.fusion_proj_embedding), w, m.fusion_logit_bias); // [N, V]
    return (logits.dtype === 'float32' ? logits : logits.to('float32')).logSoftmax(-1);
  });
}

function encodeVideoPart(model: T2VLP, video: Tensor, videoMask: Tensor): VideoPart {
  return scope(() => {
    const v = model.encodeVideo(video, videoMask);
    return { vsep: vSep(v.frames, videoMask), frames: v.frames, tubes: v.tubes, valid: visualValidity(videoMask) };
  });
}

/**
 * An incremental caption decoder state: text-tower and fusion caches over N sequences. `start`
 * runs the visual prefix; each `step(ids [N])` appends one token and returns the vocabulary
 * log-probabilities [N, V] of the next one.
 */
class CachedDecoder {
  readonly text: KVCache;
  readonly fusion: KVCache;
  visualAdd: Tensor; // [N, 1, 1, P] additive key mask of the visual prefix
  position = 0;
  constructor(
    private readonly model: T2VLP,
    part: VideoPart,
  ) {
    const clip = model.clip;
    const m = clip as unknown as FusionModel;
    this.text = new KVCache(clip.transformer.layers);
    this.fusion = new KVCache(m.config.fusionRunLayers);
    this.visualAdd = keep(scope(() => {
      const valid = keyValidity(part.valid, model.config.numCenters, zeros([part.valid.shape[0]!, 0]));
      const N = valid.shape[0]!;
      return zeros([N, 1, 1, valid.shape[1]!]).maskedFill(valid.lt(0.5).reshape(N, 1, 1, -1), -Infinity);
    }));
    scope(() => {
      const x = fusionInput(m, part.vsep, part.frames, part.tubes, zeros([part.vsep.shape[0]!, 0, part.vsep.shape[2]!]));
      const P = x.shape[1]!;
      transformerStep(m.fusion_transformer, x, this.fusion, this.visualAdd.expand(x.shape[0]!, 1, P, P), m.config.fusionRunLayers);
    });
  }

  /** Reorders the N sequences (beam search). */
  select(index: Tensor): void {
    this.text.select(index);
    this.fusion.select(index);
    const old = this.visualAdd;
    this.visualAdd = keep(scope(() => old.indexSelect(0, index)));
    unkeep(old).dispose();
  }

  step(ids: Tensor): Tensor {
    const clip = this.model.clip;
    const m = clip as unknown as FusionModel;
    return scope(() => {
      const s = this.position;
      const N = ids.shape[0]!;
      // Text tower, one position (causal: sees every earlier position).
      const e = clip.token_embedding.forward(ids.reshape(N, 1)).add(clip.positional_embedding.narrow(0, s, 1));
      const h = transformerStep(clip.transformer, e, this.text, null);
      const tok = clip.ln_final.forward(h).matmul(clip.text_projection); // [N, 1, E]
      const tokf = tok.dtype === 'float32' ? tok : tok.to('float32');
      // Fusion encoder, one text position: the valid visual keys and every earlier text position.
      const P = this.visualAdd.shape[3]!;
      const dtype = m.fusion_positional_embedding.dtype;
      const x = tokf.to(dtype).add(m.fusion_positional_embedding.narrow(0, P + s, 1));
      const mask = cat([this.visualAdd, zeros([N, 1, 1, s + 1])], 3);
      const out = transformerStep(m.fusion_transformer, x, this.fusion, mask, m.config.fusionRunLayers);
      this.position++;
      return nextLogProbs(m, out.select(1, 0)); // [N, V]
    });
  }

  dispose(): void {
    this.text.dispose();
    this.fusion.dispose();
    unkeep(this.visualAdd).dispose();
  }
}

/** Log-probabilities [B, V] of the token after `prefix` [B, s + 1], re-encoding the whole prefix (the reference's way). */
function reencodedStep(model: T2VLP, part: VideoPart, prefix: Tensor): Tensor {
  const m = model.clip as unknown as FusionModel;
  return scope(() => {
    const n = prefix.shape[1]!;
    const tokens = model.encodeText(prefix).tokens;
    const x = fusionInput(m, part.vsep, part.frames, part.tubes, tokens);
    const out = runFusion(m, x, prefixLmMask(part.valid, model.config.numCenters, n));
    return nextLogProbs(m, out.select(1, x.shape[1]! - 1));
  });
}

/** Greedy decoding (docs/FUSION.md "Captioning"): always `maxSteps` steps, arg-max at each. */
export function greedyCaptionIds(model: T2VLP, video: Tensor, videoMask: Tensor, o: GenerateCaptionOptions = {}): DecodedIds {
  const where = 'generateCaption';
  requireFusion(model.clip, where);
  const { steps, start } = checkDecodeOptions(model, o, where);
  return noGrad(() =>
    scope(() => {
      const B = flat(videoMask).shape[0]!;
      const vm = videoMaskOf(model, videoMask, B, where);
      const part = encodeVideoPart(model, video, vm);
      const chosen: Tensor[] = [];
      let next = full([B], start, 'int64');
      const dec = o.cache === false ? null : new CachedDecoder(model, part);
      try {
        let prefix = next.reshape(B, 1);
        for (let s = 0; s < steps; s++) {
          const logp = dec ? dec.step(next) : reencodedStep(model, part, prefix);
          o.onStep?.(s, logp);
          next = logp.argmax(1);
          chosen.push(next);
          if (!dec) prefix = cat([prefix, next.reshape(B, 1)], 1);
        }
      } finally {
        dec?.dispose();
      }
      return { ids: stack1(chosen) };
    }),
  );
}

const stack1 = (xs: Tensor[]): Tensor => cat(xs.map((x) => x.reshape(x.shape[0]!, 1)), 1);

/**
 * Beam search over the cached decoder: `beam` hypotheses per video, ranked by their summed
 * log-probability; a hypothesis that emitted the end id is kept unchanged (extended with id 0 at
 * log-probability 0). The result per video is the best hypothesis by logp / length^lengthPenalty
 * (length counts the end id). Deterministic: ties go to the lower (beam, id) index, as topk orders them.
 */
export function beamCaptionIds(model: T2VLP, video: Tensor, videoMask: Tensor, o: GenerateCaptionOptions = {}): DecodedIds {
  const where = 'generateCaption';
  requireFusion(model.clip, where);
  const { steps, beam: k, start, end } = checkDecodeOptions(model, o, where);
  const alpha = o.lengthPenalty ?? 0;
  const V = model.config.vocabSize;
  return noGrad(() =>
    scope(() => {
      const B = flat(videoMask).shape[0]!;
      const vm = videoMaskOf(model, videoMask, B, where);
      const part = encodeVideoPart(model, video, vm);
      const dec = new CachedDecoder(model, part);
      try {
        dec.select(arange(B).repeatInterleave(k, 0));
        // Per hypothesis (row b·k + j): score, finished flag, length, tokens so far.
        let score = Array.from({ length: B * k }, (_, r) => (r % k === 0 ? 0 : -Infinity));
        let done = new Array<boolean>(B * k).fill(false);
        let len = new Array<number>(B * k).fill(0);
        let toks: number[][] = Array.from({ length: B * k }, () => []);
        let next = full([B * k], start, 'int64');
        for (let s = 0; s < steps; s++) {
          const logp = dec.step(next); // [B·k, V]
          const cand = scope(() => {
            const pad = cat([zeros([B * k, 1]), full([B * k, V - 1], -Infinity)], 1);
            const finished = tensor(done.map((d) => (d ? 1 : 0)), undefined, 'int64').gt(0).reshape(B * k, 1);
            const l = logp.to('float64').maskedFill(finished, 0).add(pad.to('float64').maskedFill(finished.logicalNot(), 0));
            const total = l.add(tensor(score, undefined, 'float64').reshape(B * k, 1)); // [B·k, V]
            return total.reshape(B, k * V).topk(k, 1);
          });
          const vals = cand.values.toArray() as Float64Array;
          const idx = Array.from(cand.indices.toArray() as BigInt64Array, Number);
          const rows: number[] = [];
          const ids: number[] = [];
          const nScore: number[] = [];
          const nDone: boolean[] = [];
          const nLen: number[] = [];
          const nToks: number[][] = [];
          for (let b = 0; b < B; b++)
            for (let j = 0; j < k; j++) {
              const c = idx[b * k + j]!;
              const from = b * k + Math.floor(c / V);
              const id = c % V;
              rows.push(from);
              const wasDone = done[from]!;
              ids.push(wasDone ? 0 : id);
              nScore.push(vals[b * k + j]!);
              nDone.push(wasDone || id === end);
              nLen.push(wasDone ? len[from]! : len[from]! + 1);
              nToks.push([...toks[from]!, wasDone ? 0 : id]);
            }
          dec.select(tensor(rows, undefined, 'int64'));
          [score, done, len, toks] = [nScore, nDone, nLen, nToks];
          next = tensor(ids, undefined, 'int64');
        }
        const best: number[][] = [];
        for (let b = 0; b < B; b++) {
          let bj = 0;
          let bv = -Infinity;
          for (let j = 0; j < k; j++) {
            const r = b * k + j;
            const v = score[r]! / Math.max(1, len[r]!) ** alpha;
            if (v > bv) [bv, bj] = [v, j];
          }
          best.push(toks[b * k + bj]!);
        }
        return { ids: tensor(best.flat(), undefined, 'int64').reshape(B, steps) };
      } finally {
        dec.dispose();
      }
    }),
  );
}

/** Caption ids up to (without) the first end id, per row of ids [B, steps]. */
export function captionTokenIds(ids: Tensor, endId: number): number[][] {
  const [B, S] = ids.shape as [number, number];
  const a = Array.from(ids.toArray() as BigInt64Array, Number);
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const row = a.slice(b * S, (b + 1) * S);
    const e = row.indexOf(endId);
    out.push(e < 0 ? row : row.slice(0, e));
  }
  return out;
}
