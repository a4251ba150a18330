/**
 * Dynamic int8 quantization of a module's Linear layers (PyTorch's
 * torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, torch.qint8)): every nn.Linear weight
 * and every attention in-projection (`in_proj_weight`, q/k/v stacked, used as one Linear by
 * self-attention) gets an int8 copy that F.linear uses from then on. The float32 weights stay, so
 * the module still saves and loads float32 checkpoints. Inference on CPU only: the weights stop
 * requiring gradients, and a forward pass with gradients on raises INT8_TRAINING.
 */
import type { Tensor } from '../tensor.js';
import { MultiheadAttention } from '../nn/attention.js';
import { Linear } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { PrecisionError } from './errors.js';
import { Int8Weight, int8WeightOf, releaseInt8Weight, setInt8Weight } from './int8-weights.js';

/** The weights quantize() would convert, by module key. */
function linearWeights(module: Module): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, m] of module.namedModules()) {
    const at = name === '' ? '' : `${name}.`;
    if (m instanceof Linear) out.push([`${at}weight`, m.weight]);
    else if (m instanceof MultiheadAttention) out.push([`${at}in_proj_weight`, m.in_proj_weight]);
  }
  return out;
}

/** Quantizes the Linear weights of `module` to int8 in place; returns how many. Idempotent. */
export function quantizeDynamicInt8(module: Module): number {
  const weights = linearWeights(module);
  for (const [key, w] of weights) {
    if (w.device !== 'cpu' || w.dtype !== 'float32')
      throw new PrecisionError(
        'INT8_UNSUPPORTED',
        `quantize('int8'): '${key}' is ${w.dtype} on ${w.device}; int8 dynamic quantization runs on CPU from float32 weights: ` +
          `load the model in float32 on cpu (--dtype int8 --device cpu), or use --dtype bfloat16 on a GPU`,
      );
  }
  let n = 0;
  for (const [, w] of weights) {
    if (!int8WeightOf(w)) setInt8Weight(w, new Int8Weight(w));
    n++;
  }
  for (const p of module.parameters()) p.requiresGrad_(false);
  return n;
}

/** Whether any of the module's Linear weights has an int8 copy. */
export const isQuantized = (module: Module): boolean => linearWeights(module).some(([, w]) => int8WeightOf(w) !== undefined);

/** Frees the int8 copies; the module runs in float32 again (weights still not requiring grad). */
export function dequantize(module: Module): void {
  for (const [, w] of linearWeights(module)) releaseInt8Weight(w);
}
