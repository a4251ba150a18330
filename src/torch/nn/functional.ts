/**
 * Functional forms of the neural-network ops (torch.nn.functional): each is one libtorch call.
 * Reductions are 'mean' | 'sum' | 'none', as in PyTorch.
 */
import { native } from '../native.js';
import { int8WeightOf, linearInt8 } from '../precision/int8-weights.js';
import { Tensor } from '../tensor.js';

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

function reduction(r: Reduction, op: string): number {
  const v = REDUCTION[r];
  if (v === undefined) throw new TypeError(`${op}: reduction must be 'none', 'mean' or 'sum', got '${r}'`);
  return v;
}

const h = (t: Tensor | null | undefined, op: string) => (t ? t.handleFor(op) : null);

/** y = x W^T + b */
/** x Wᵀ + b; with W's int8 copy when the layer was quantized (precision/int8-weights.ts). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const q = int8WeightOf(weight);
  if (q) return linearInt8(x, weight, q, bias);
  return new Tensor(native.linear(x.handleFor('linear'), weight.handleFor('linear'), h(bias, 'linear')));
}

export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return new Tensor(
    native.layerNorm(x.handleFor('layerNorm'), normalizedShape, h(weight, 'layerNorm'), h(bias, 'layerNorm'), eps),
  );
}

export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => x.gelu(approximate);
/** CLIP's QuickGELU: x * sigmoid(1.702 x). */
export const quickGelu = (x: Tensor): Tensor => new Tensor(native.quickGelu(x.handleFor('quickGelu')));
export const silu = (x: Tensor): Tensor => new Tensor(native.silu(x.handleFor('silu')));
export const relu = (x: Tensor): Tensor => x.relu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();

export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  return new Tensor(native.dropout(x.handleFor('dropout'), p, training));
}

/** Rows of `weight` picked by integer `indices`. */
export const embedding = (indices: Tensor, weight: Tensor): Tensor =>
  new Tensor(native.embedding(weight.handleFor('embedding'), indices.handleFor('embedding')));

/** x / max(||x||_p, eps) along `dim`. */
export const normalize = (x: Tensor, p = 2, dim = -1, eps = 1e-12): Tensor =>
  new Tensor(native.normalize(x.handleFor('normalize'), p, dim, eps));

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
}
const rep = (v: number | number[] | undefined, n: number, d: number) =>
  v === undefined ? Array(n).fill(d) : Array.isArray(v) ? v : Array(n).fill(v);

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return new Tensor(
    native.conv2d(x.handleFor('conv2d'), weight.handleFor('conv2d'), h(bias, 'conv2d'),
      rep(o.stride, 2, 1), rep(o.padding, 2, 0), rep(o.dilation, 2, 1), o.groups ?? 1),
  );
}

export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return new Tensor(
    native.conv3d(x.handleFor('conv3d'), weight.handleFor('conv3d'), h(bias, 'conv3d'),
      rep(o.stride, 3, 1), rep(o.padding, 3, 0), rep(o.dilation, 3, 1), o.groups ?? 1),
  );
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** Cross entropy of logits [N, C] (or [N, C, ...]) against class indices. */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return new Tensor(
    native.crossEntropy(logits.handleFor('crossEntropy'), target.handleFor('crossEntropy'), h(o.weight, 'crossEntropy'),
      reduction(o.reduction ?? 'mean', 'crossEntropy'), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}

export function nllLoss(logProbs: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  return new Tensor(
    native.nllLoss(logProbs.handleFor('nllLoss'), target.handleFor('nllLoss'), h(o.weight, 'nllLoss'),
      reduction(o.reduction ?? 'mean', 'nllLoss'), o.ignoreIndex ?? -100),
  );
}

export const mseLoss = (input: Tensor, target: Tensor, r: Reduction = 'mean'): Tensor =>
  new Tensor(native.mseLoss(input.handleFor('mseLoss'), target.handleFor('mseLoss'), reduction(r, 'mseLoss')));

export const binaryCrossEntropyWithLogits = (input: Tensor, target: Tensor, r: Reduction = 'mean'): Tensor =>
  new Tensor(native.bceWithLogits(input.handleFor('binaryCrossEntropyWithLogits'), target.handleFor('binaryCrossEntropyWithLogits'), reduction(r, 'binaryCrossEntropyWithLogits')));

export interface AttentionOptions {
  /** Boolean (true = may attend) or additive float mask, broadcastable to [..., L, S]. */
  mask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  /** Defaults to 1/sqrt(head dim). */
  scale?: number;
}

/** softmax(q k^T * scale + mask) v over the last two dims (fused where libtorch has it). */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: AttentionOptions = {}): Tensor {
  return new Tensor(
    native.scaledDotProductAttention(q.handleFor('scaledDotProductAttention'), k.handleFor('scaledDotProductAttention'), v.handleFor('scaledDotProductAttention'),
      h(o.mask, 'scaledDotProductAttention'), o.dropoutP ?? 0, o.isCausal ?? false, o.scale ?? null),
  );
}

export function pad(x: Tensor, padding: number[], value = 0): Tensor {
  return new Tensor(native.pad(x.handleFor('pad'), padding, value));
}

export function oneHot(x: Tensor, numClasses = -1): Tensor {
  return new Tensor(native.oneHot(x.handleFor('oneHot'), numClasses));
}

export function interpolate(x: Tensor, size: [number, number], mode: 'bilinear' | 'bicubic', alignCorners = false): Tensor {
  const f = mode === 'bilinear' ? native.interpolateBilinear : native.interpolateBicubic;
  return new Tensor(f(x.handleFor('interpolate'), size, alignCorners));
}
