/**
 * int8 weights of Linear layers for dynamic quantization (PyTorch's quantize_dynamic with qint8
 * Linear): each weight is quantized once, symmetric per tensor, and packed for FBGEMM; each call
 * quantizes its float32 input on the fly and accumulates in int32, so activations, biases and
 * outputs stay float32. The packed weights hang off the float32 weight tensor in a WeakMap, so
 * F.linear (nn/functional.ts) picks them up wherever a weight is used: nn.Linear and the fused
 * q/k/v in-projection of self-attention (`in_proj_weight`), without changing model code.
 */
import { isGradEnabled } from '../autograd.js';
import { native } from '../native.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';
import { PrecisionError } from './errors.js';

export class Int8Weight {
  readonly weight: Tensor; // int8 [out, in]
  readonly colOffsets: Tensor;
  readonly packed: Tensor; // FBGEMM's opaque packed layout
  readonly scale: number;
  readonly zeroPoint: number;
  readonly zeroBias: Tensor; // [out], for layers without a bias (FBGEMM requires one)
  constructor(float: Tensor) {
    const q = native.quantizeLinearInt8(float.handleFor('quantizeLinearInt8'));
    // Kept: they live as long as the layer, like its parameters, not as long as a caller's scope.
    this.weight = keep(new Tensor(q.weight));
    this.colOffsets = keep(new Tensor(q.colOffsets));
    this.packed = keep(new Tensor(q.packed));
    this.scale = q.scale;
    this.zeroPoint = q.zeroPoint;
    this.zeroBias = keep(new Tensor(native.zeros([float.shape[0]!], 'float32', 'cpu')));
  }
  dispose(): void {
    for (const t of [this.weight, this.colOffsets, this.packed, this.zeroBias]) t.dispose();
  }
}

const registry = new WeakMap<Tensor, Int8Weight>();

export const int8WeightOf = (weight: Tensor): Int8Weight | undefined => registry.get(weight);
export const setInt8Weight = (weight: Tensor, q: Int8Weight): void => void registry.set(weight, q);
export const deleteInt8Weight = (weight: Tensor): void => void registry.delete(weight);
/** After `weight`'s float32 values changed in place: its int8 copy, if it has one, made again from them. */
export function requantizeInt8Weight(weight: Tensor): void {
  if (!int8WeightOf(weight)) return;
  releaseInt8Weight(weight);
  setInt8Weight(weight, new Int8Weight(weight));
}

/** Frees and forgets the int8 copy of `weight`, if any. */
export function releaseInt8Weight(weight: Tensor): void {
  registry.get(weight)?.dispose();
  registry.delete(weight);
}

/** x Wᵀ + b with W's int8 copy. Forward only: gradients cannot flow through int8 weights. */
export function linearInt8(x: Tensor, weight: Tensor, q: Int8Weight, bias?: Tensor | null): Tensor {
  if (isGradEnabled() && (weight.requiresGrad || x.requiresGrad))
    throw new PrecisionError(
      'INT8_TRAINING',
      'linear: this weight is quantized to int8 (model.quantize(\'int8\') / --dtype int8), which is for inference only; ' +
        'load the model in float32 (or train with --amp bf16) to train it',
    );
  if (x.device !== 'cpu')
    throw new PrecisionError(
      'INT8_UNSUPPORTED',
      `linear: int8 weights run on CPU, but the input is on ${x.device}; use --device cpu with --dtype int8, or --dtype bfloat16 on a GPU`,
    );
  const xf = x.dtype === 'float32' ? x : x.to('float32');
  try {
    const h = native.linearInt8(
      xf.handleFor('linearInt8'),
      q.weight.handleFor('linearInt8'),
      q.packed.handleFor('linearInt8'),
      q.colOffsets.handleFor('linearInt8'),
      q.scale,
      q.zeroPoint,
      (bias ?? q.zeroBias).handleFor('linearInt8'),
    );
    return new Tensor(h);
  } finally {
    if (xf !== x) xf.dispose();
  }
}
