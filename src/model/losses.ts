/**
 * Stage-1 objectives (spec TRAINING.md, fixtures README item 4): the symmetric contrastive loss
 * over a text × video logit matrix, and the local alignment loss between text-side centers and
 * tube tokens.
 */
import { arange, F, scope, type Tensor } from '../torch/index.js';

/**
 * How a loss sees the global batch when training runs in several processes. The model never reads
 * process-global state: the training loop passes these explicitly (one process: omit them).
 */
export interface GlobalBatchOptions {
  /** Number of processes whose batches form the global batch (default 1: this process alone). */
  worldSize?: number;
  /**
   * Gathers a [B, ...] tensor from every process into [worldSize·B, ...] in rank order, the gradient
   * flowing back to the local slice (`dist.allGatherWithGrad`). Required when worldSize > 1.
   */
  allGather?: (t: Tensor) => Tensor;
  /**
   * This process's rank (`dist.rank()`): where its local batch sits in the global one. The fusion
   * losses need it when worldSize > 1 (a pair's own entry is excluded from its hard negatives).
   */
  rank?: number;
}

/** `t` gathered over the global batch, or `t` itself in a single process. */
export function gatherGlobal(t: Tensor, o: GlobalBatchOptions | undefined, where: string): Tensor {
  const world = o?.worldSize ?? 1;
  if (!Number.isInteger(world) || world < 1) throw new RangeError(`${where}: worldSize must be a positive integer, got ${world}`);
  if (world === 1) return t;
  if (!o?.allGather)
    throw new TypeError(`${where}: worldSize is ${world} but no allGather was given (pass dist.allGatherWithGrad)`);
  const all = o.allGather(t);
  if (all.shape[0] !== world * t.shape[0]!)
    throw new RangeError(`${where}: allGather returned ${all.shape[0]} rows for worldSize ${world} × ${t.shape[0]} local rows`);
  return all;
}

/** (CE(S) + CE(Sᵀ)) / 2 with targets on the diagonal; S is [B, B] (rows text, columns video). */
export function contrastiveLoss(sim: Tensor): Tensor {
  return scope(() => {
    const n = sim.shape[0]!;
    if (sim.shape[1] !== n) throw new RangeError(`contrastiveLoss: expected a square matrix, got [${sim.shape.join(', ')}]`);
    const target = arange(n);
    return F.crossEntropy(sim, target).add(F.crossEntropy(sim.t(), target)).div(2);
  });
}

/**
 * Text centers: for each caption, softmax over its valid positions of center · token feature,
 * then the weighted sum of token features. centers [K, E], tokens [B, L, E], mask [B, L] → [B, K, E].
 */
export function textCenters(centers: Tensor, tokens: Tensor, attentionMask: Tensor): Tensor {
  return scope(() => {
    const [B, L] = tokens.shape as [number, number];
    const logits = centers.matmul(tokens.transpose(1, 2)); // [B, K, L]
    const invalid = attentionMask.to('float32').lt(0.5).reshape(B, 1, L);
    const w = logits.maskedFill(invalid, -Infinity).softmax(-1);
    return w.matmul(tokens); // [B, K, E]
  });
}

/** Mean squared error between text centers and tube tokens, over all elements. */
export const alignLoss = (textCenter: Tensor, tubeTokens: Tensor): Tensor => F.mseLoss(textCenter, tubeTokens);
