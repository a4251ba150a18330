/**
 * The fusion-stage objectives (docs/FUSION.md, docs/TRAINING.md): masked LM, prefix LM and
 * video-text matching with hard negatives from the (global) batch, plus the alignment loss —
 * `stage2Loss` = mlm + plm + vtm + align and `retrievalLoss` = vtm + sim + align. Random choices
 * (PLM window starts, hard-negative indices) come from the library's seeded generator unless
 * `draws` pins them. Detach rules follow fixtures README item 8.
 */
import { arange, cat, F, full, multinomial, noGrad, randint, scope, tensor, zeros, type Tensor } from '../torch/index.js';
import {
  FusionError,
  fusionInput,
  keyMask,
  keyValidity,
  matchLogits,
  requireFusion,
  runFusion,
  visualValidity,
  vocabLogits,
  vSep,
  type FusionModel,
} from './fusion.js';
import { alignLoss, contrastiveLoss, gatherGlobal, textCenters, type GlobalBatchOptions } from './losses.js';
import type { Stage1Batch, T2VLP } from './t2vlp.js';

/** Pinned random choices (tests, reproductions); indices into the global batch. */
export interface FusionDraws {
  /** PLM window start per local sample, in [0, n − 2] for a caption of n valid tokens. */
  plmStart: number[];
  /** Hard-negative video per local text (global-batch index). */
  t2vHard: number[];
  /** Hard-negative text per local video (global-batch index). */
  v2tHard: number[];
}

/** Called with named intermediates (parity tests, inspection); runs inside the loss scope, so `keep()` what you store. */
export type FusionTrace = (name: string, t: Tensor) => void;

export interface FusionLossOptions extends GlobalBatchOptions {
  draws?: Partial<FusionDraws>;
  trace?: FusionTrace;
}

export interface Stage2Batch extends Stage1Batch {
  /** [B, 1 + T + L] int64: [videoMask[:, 0], videoMask, attentionMask] with masked-LM positions −1 (docs/DATA.md). */
  fusionLabels: Tensor;
}

export interface Stage2Loss {
  /** mlm + plm + vtm + align, the quantity stage 2 back-propagates. */
  loss: Tensor;
  mlm: Tensor;
  plm: Tensor;
  vtm: Tensor;
  align: Tensor;
}

export interface RetrievalLoss {
  /** vtm + contrastive + align (`main_task_retrieval_msrvtt.py`). */
  loss: Tensor;
  vtm: Tensor;
  contrastive: Tensor;
  align: Tensor;
}

/** [B, 1, X] → [B, X]. */
const flat = (t: Tensor): Tensor => (t.shape.length === 3 ? t.reshape(t.shape[0]!, t.shape[2]!) : t);

interface Encoded {
  frames: Tensor; // [B, T, E]
  tubes: Tensor; // [B, K, E]
  videoMask: Tensor; // [B, T]
  tokens: Tensor; // [B, L, E]
  attentionMask: Tensor; // [B, L]
}

function checkBatch(model: T2VLP, batch: Stage1Batch, where: string): { videoMask: Tensor; ids: Tensor; attentionMask: Tensor } {
  const ids = flat(batch.inputIds);
  const attentionMask = flat(batch.attentionMask);
  const videoMask = flat(batch.videoMask);
  const B = ids.shape[0]!;
  const T = model.config.numFrames;
  if (ids.shape.length !== 2) throw new FusionError('BAD_FUSION_INPUT', `${where}: inputIds must be [B, L], got [${batch.inputIds.shape.join(', ')}]`);
  const L = ids.shape[1]!;
  if (attentionMask.shape.join() !== `${B},${L}`)
    throw new FusionError('BAD_FUSION_INPUT', `${where}: attentionMask must be [${B}, ${L}] like inputIds, got [${batch.attentionMask.shape.join(', ')}]`);
  if (videoMask.shape.join() !== `${B},${T}`)
    throw new FusionError('BAD_FUSION_INPUT', `${where}: videoMask must be [${B}, ${T}], got [${batch.videoMask.shape.join(', ')}]`);
  return { videoMask, ids, attentionMask };
}

/** Global-batch index of local sample 0. */
function rankOffset(o: FusionLossOptions | undefined, B: number, where: string): number {
  const world = o?.worldSize ?? 1;
  if (world === 1) return 0;
  const rank = o?.rank;
  if (rank === undefined || !Number.isInteger(rank) || rank < 0 || rank >= world)
    throw new RangeError(`${where}: worldSize is ${world} but rank is ${String(rank)}; pass { rank: dist.rank() } so hard negatives exclude the own pair`);
  return rank * B;
}

function checkIndices(xs: number[], n: number, hi: number, what: string, where: string): void {
  if (xs.length !== n || xs.some((x) => !Number.isInteger(x) || x < 0 || x >= hi))
    throw new FusionError('BAD_FUSION_INPUT', `${where}: draws.${what} must hold ${n} integers in [0, ${hi - 1}], got [${xs.join(', ')}]`);
}

/**
 * Hard negatives (docs/FUSION.md step 4): per local row, one index drawn from softmax(sim row) with
 * the own pair's weight set to 0. `sim` [B, N] holds local rows against the global batch.
 */
function drawHard(sim: Tensor, offset: number): number[] {
  return noGrad(() =>
    scope(() => {
      const [B, N] = sim.shape as [number, number];
      if (N < 2) throw new FusionError('BAD_FUSION_INPUT', `hard negatives need a (global) batch of at least 2 pairs, got ${N}`);
      const own = arange(B).add(offset).reshape(B, 1);
      // Excluding the own entry before the softmax draws from the same distribution as zeroing it
      // after (multinomial renormalises), and cannot leave a row of zeros when the own pair dominates.
      const p = sim.scatter(1, own, full([B, 1], -Infinity)).softmax(1);
      return Array.from(multinomial(p, 1).reshape(B).toArray() as BigInt64Array, Number);
    }),
  );
}

/**
 * VTM (docs/FUSION.md step 4): per local sample i the sequences (video i, text i), (hard-negative
 * video, text i), (video i, hard-negative text), interleaved in that order; targets 1, 0, 0; the
 * text-side normalisation of the matching head runs over these 3B sequences.
 */
function vtmLoss(
  model: T2VLP,
  local: Encoded,
  eot: Tensor,
  videoEmbedding: Tensor,
  o: FusionLossOptions | undefined,
  where: string,
): Tensor {
  const m = model.clip as unknown as FusionModel;
  const trace = o?.trace;
  const B = local.frames.shape[0]!;
  const offset = rankOffset(o, B, where);
  const g = (t: Tensor) => gatherGlobal(t, o, where);
  const all: Encoded = {
    frames: g(local.frames),
    tubes: g(local.tubes),
    videoMask: g(local.videoMask.to('float32')),
    tokens: g(local.tokens),
    attentionMask: g(local.attentionMask.to('float32')),
  };
  const N = all.frames.shape[0]!;
  // The similarity the hard negatives are drawn from: exp(logit_scale)·cos of the meanP video
  // embedding and the text feature, local rows against the global batch, without gradient.
  const sim = noGrad(() => {
    const scale = model.clip.logit_scale.exp().to('float32');
    const t2v = F.normalize(eot, 2, -1).matmul(g(videoEmbedding).t()).mul(scale); // [B, N]
    const v2t = videoEmbedding.matmul(F.normalize(g(eot), 2, -1).t()).mul(scale); // [B, N]
    return { t2v, v2t };
  });
  trace?.('sim', sim.t2v);
  const t2vHard = o?.draws?.t2vHard ?? drawHard(sim.t2v, offset);
  const v2tHard = o?.draws?.v2tHard ?? drawHard(sim.v2t, offset);
  checkIndices(t2vHard, B, N, 't2vHard', where);
  checkIndices(v2tHard, B, N, 'v2tHard', where);
  if (trace) {
    trace('random.t2v_hard_idx', tensor(t2vHard, undefined, 'int64'));
    trace('random.v2t_hard_idx', tensor(v2tHard, undefined, 'int64'));
  }
  const vid: number[] = [];
  const txt: number[] = [];
  for (let i = 0; i < B; i++) {
    const own = offset + i;
    vid.push(own, t2vHard[i]!, own);
    txt.push(own, own, v2tHard[i]!);
  }
  const vi = tensor(vid, undefined, 'int64');
  const ti = tensor(txt, undefined, 'int64');
  const frames = all.frames.indexSelect(0, vi);
  const vmask = all.videoMask.indexSelect(0, vi);
  const valid = keyValidity(visualValidity(vmask), model.config.numCenters, all.attentionMask.indexSelect(0, ti));
  const x = fusionInput(m, vSep(frames, vmask), frames, all.tubes.indexSelect(0, vi), all.tokens.indexSelect(0, ti));
  const mask = keyMask(valid);
  const out = runFusion(m, x, mask);
  trace?.('fusion.vtm.input', x);
  trace?.('fusion.vtm.mask', mask);
  trace?.('fusion.vtm.output', out);
  const logits = matchLogits(m, out, valid, 3 * B, model.training);
  const targets = tensor(Array.from({ length: 3 * B }, (_, n) => (n % 3 === 0 ? 1 : 0)), undefined, 'int64');
  trace?.('vtm.predicted', logits);
  trace?.('vtm.targets', targets);
  return F.crossEntropy(logits, targets);
}

/** Cross entropy, or a zero scalar when there is nothing to score. */
const ceOrZero = (logits: Tensor | null, targets: Tensor | null): Tensor =>
  logits && targets ? F.crossEntropy(logits, targets) : zeros([]);

/** The stage-2 objective (docs/FUSION.md "Stage 2"): mlm + plm + vtm + align. */
export function stage2Objectives(model: T2VLP, batch: Stage2Batch, o?: FusionLossOptions): Stage2Loss {
  const where = 'stage2Loss';
  requireFusion(model.clip, where);
  const m = model.clip as unknown as FusionModel;
  return scope(() => {
    const { videoMask, ids, attentionMask } = checkBatch(model, batch, where);
    const [B, L] = ids.shape as [number, number];
    const T = model.config.numFrames;
    const K = model.config.numCenters;
    const labels = batch.fusionLabels;
    if (labels.shape.length !== 2 || labels.shape[0] !== B || labels.shape[1] !== 1 + T + L)
      throw new FusionError(
        'BAD_FUSION_LABELS',
        `${where}: fusionLabels must be [B, 1 + T + L] = [${B}, ${1 + T + L}] ([videoMask[:, 0], videoMask, attentionMask] with masked-LM positions -1), got [${labels.shape.join(', ')}]`,
      );
    const trace = o?.trace;
    // PLM windows (step 2), drawn or checked before any computation.
    const lengths = Array.from(attentionMask.to('int64').sum(1).toArray() as BigInt64Array, Number);
    const starts = o?.draws?.plmStart ?? lengths.map((n) => (n >= 2 ? Number(randint(0, n - 1, [1]).item()) : 0));
    if (starts.length !== B || starts.some((s, i) => !Number.isInteger(s) || s < 0 || (lengths[i]! >= 2 && s > lengths[i]! - 2)))
      throw new FusionError(
        'BAD_FUSION_INPUT',
        `${where}: draws.plmStart must hold ${B} integers, each in [0, n - 2] for its caption of n tokens (n = ${lengths.join(', ')}), got [${starts.join(', ')}]`,
      );
    // Frames, text and eot enter the fusion branches detached; the tube path stays differentiable.
    const v = model.encodeVideo(batch.video, videoMask, { detachVisual: true });
    const frames = v.frames.detach();
    const vsep = vSep(frames, videoMask);
    const textLabels = labels.narrow(1, 1 + T, L);
    const masked = textLabels.eq(-1); // [B, L]
    const valid = keyValidity(labels.narrow(1, 0, 1 + T).ne(0), K, textLabels.ne(0));
    const P = 1 + T + K;

    // 1. MLM: masked ids through the text tower, zero vectors at the masked positions.
    const mlm = scope(() => {
      const tm = noGrad(() => model.encodeText(ids.maskedFill(masked, 0)).tokens);
      const text = tm.maskedFill(masked.unsqueeze(-1), 0);
      const x = fusionInput(m, vsep, frames, v.tubes, text);
      const mask = keyMask(valid);
      const out = runFusion(m, x, mask);
      trace?.('fusion.mlm.input', x);
      trace?.('fusion.mlm.mask', mask);
      trace?.('fusion.mlm.output', out);
      const pos = masked.nonzero(); // [n, 2] sample-major, as boolean indexing orders them
      if (pos.shape[0] === 0) return zeros([]);
      const [bi, li] = [pos.select(1, 0), pos.select(1, 1)];
      const scores = vocabLogits(m, out.narrow(1, P, L).index([bi, li]), model.training);
      const targets = ids.index([bi, li]);
      trace?.('mlm.scores', scores);
      trace?.('mlm.targets', targets);
      return F.crossEntropy(scores, targets);
    });

    const t = noGrad(() => model.encodeText(ids));
    const tokens = t.tokens;

    // 2. PLM: visual rows see no text; text x text is purely causal (padding not masked there).
    const plm = scope(() => {
      const x = fusionInput(m, vsep, frames, v.tubes, tokens);
      const base = keyMask(valid);
      const causal = full([L, L], -Infinity).triu(1).reshape(1, L, L).expand(B, L, L);
      const top = cat([base.narrow(1, 0, P).narrow(2, 0, P), full([B, P, L], -Infinity)], 2);
      const bottom = cat([base.narrow(1, P, L).narrow(2, 0, P), causal], 2);
      const mask = cat([top, bottom], 1);
      const out = runFusion(m, x, mask);
      trace?.('fusion.plm.input', x);
      trace?.('fusion.plm.mask', mask);
      trace?.('fusion.plm.output', out);
      const all = vocabLogits(m, out.narrow(1, P, L - 1), model.training); // [B, L-1, V]
      trace?.('plm.scores_all', all);
      const rows: Tensor[] = [];
      const targets: Tensor[] = [];
      for (let i = 0; i < B; i++) {
        const n = lengths[i]!;
        const s = starts[i]!;
        if (n < 2) continue;
        rows.push(all.select(0, i).narrow(0, s, n - 1 - s));
        targets.push(ids.select(0, i).narrow(0, s + 1, n - 1 - s));
      }
      const scores = rows.length ? cat(rows, 0) : null;
      const target = targets.length ? cat(targets, 0) : null;
      if (scores && target) {
        trace?.('plm.scores', scores);
        trace?.('plm.targets', target);
      }
      return ceOrZero(scores, target);
    });

    // 3. Align on the unmasked caption's (detached) tokens against the tubes.
    const centers = model.clip.projectedCenters();
    const textCenter = textCenters(centers, tokens, attentionMask);
    trace?.('text_center', textCenter);
    trace?.('tube_token', v.tubes);
    const align = alignLoss(textCenter, v.tubes);

    // 4. VTM with hard negatives from the global batch.
    const local: Encoded = { frames, tubes: v.tubes, videoMask, tokens, attentionMask };
    const vtm = vtmLoss(model, local, t.eot, v.embedding.detach(), o, where);
    return { loss: mlm.add(plm).add(vtm).add(align), mlm, plm, vtm, align };
  });
}

/** Retrieval fine-tuning (docs/FUSION.md "Retrieval fine-tuning"): vtm + sim + align. */
export function retrievalObjectives(model: T2VLP, batch: Stage1Batch, o?: FusionLossOptions): RetrievalLoss {
  const where = 'retrievalLoss';
  requireFusion(model.clip, where);
  return scope(() => {
    const { videoMask, ids, attentionMask } = checkBatch(model, batch, where);
    const v = model.encodeVideo(batch.video, videoMask);
    const t = model.encodeText(ids, attentionMask);
    const scale = model.clip.logit_scale.exp().to('float32');
    const sim = gatherGlobal(t.embedding, o, where).matmul(gatherGlobal(v.embedding, o, where).t()).mul(scale);
    o?.trace?.('sim_matrix', sim);
    const contrastive = contrastiveLoss(sim);
    const textCenter = textCenters(model.clip.projectedCenters(), t.tokens, attentionMask);
    const align = alignLoss(textCenter, v.tubes);
    // VTM on detached fusion inputs (v_sep, frames, tubes, text).
    const local: Encoded = {
      frames: v.frames.detach(),
      tubes: v.tubes.detach(),
      videoMask,
      tokens: t.tokens.detach(),
      attentionMask,
    };
    const vtm = vtmLoss(model, local, t.eot.detach(), v.embedding.detach(), o, where);
    return { loss: vtm.add(contrastive).add(align), vtm, contrastive, align };
  });
}
