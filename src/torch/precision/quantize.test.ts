/**
 * Dynamic int8 Linear layers: outputs close to float32 (per-tensor int8 weights and per-call uint8
 * activations: cosine ≥ 0.999 on random layers), the attention in-projection is quantized too,
 * gradients are refused, non-CPU/non-float32 weights are refused, and the int8 copies are freed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualSeed, memoryStats, noGrad, randn, scope, type Tensor } from '../index.js';
import * as F from '../nn/functional.js';
import { MultiheadAttention } from '../nn/attention.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { PrecisionError } from './errors.js';
import { int8WeightOf } from './int8-weights.js';
import { dequantize, isQuantized, quantizeDynamicInt8 } from './quantize.js';

const cosine = (a: Tensor, b: Tensor): number =>
  scope(() => a.flatten().mul(b.flatten()).sum().item() / (a.norm().item() * b.norm().item()));

class Block extends Module {
  fc = new Linear(32, 48);
  head = new Linear(48, 16, false);
  attn = new MultiheadAttention(32, 4, { batchFirst: true });
  forward(x: Tensor): Tensor {
    return this.head.forward(F.gelu(this.fc.forward(this.attn.forward(x))));
  }
}

describe('quantizeDynamicInt8', () => {
  test('Linear layers and the attention in-projection run int8, close to float32', () => {
    manualSeed(3);
    const m = new Block().eval();
    const x = randn([2, 5, 32]);
    const ref = noGrad(() => m.forward(x));
    assert.equal(quantizeDynamicInt8(m), 4); // fc, head, attn.out_proj, attn.in_proj_weight
    assert.ok(isQuantized(m));
    assert.ok(int8WeightOf(m.attn.in_proj_weight), 'in_proj_weight has an int8 copy');
    assert.equal(int8WeightOf(m.attn.in_proj_weight)!.weight.dtype, 'int8');
    const q = noGrad(() => m.forward(x));
    const c = cosine(q, ref);
    assert.ok(c > 0.999, `cosine int8 vs float32 ${c}`);
    assert.ok(q.sub(ref).abs().max().item() > 0, 'int8 output differs from float32 (the int8 path ran)');
    for (const t of [x, ref, q]) t.dispose();
    m.dispose(); // frees the int8 copies too
    assert.equal(isQuantized(m), false);
  });

  test('int8 layers refuse gradients, other devices and dtypes, with coded errors', () => {
    const lin = new Linear(8, 4);
    quantizeDynamicInt8(lin);
    assert.equal(lin.weight.requiresGrad, false);
    scope(() => {
      const x = randn([2, 8]).requiresGrad_();
      assert.throws(
        () => lin.forward(x),
        (e: unknown) => e instanceof PrecisionError && e.code === 'INT8_TRAINING' && /--dtype int8/.test(e.message) && /inference only/.test(e.message),
      );
    });
    dequantize(lin);
    lin.dispose();
    const bf = new Linear(8, 4).to('bfloat16');
    assert.throws(
      () => quantizeDynamicInt8(bf),
      (e: unknown) => e instanceof PrecisionError && e.code === 'INT8_UNSUPPORTED' && /'weight' is bfloat16 on cpu/.test(e.message),
    );
    bf.dispose();
  });

  test('dequantize frees the int8 copies (no tensors left behind)', () => {
    const before = memoryStats().liveTensors;
    const lin = new Linear(16, 16);
    quantizeDynamicInt8(lin);
    quantizeDynamicInt8(lin); // idempotent: no second copy
    assert.equal(memoryStats().liveTensors, before + 2 + 4);
    scope(() => void noGrad(() => lin.forward(randn([3, 16]))));
    dequantize(lin);
    assert.equal(isQuantized(lin), false);
    lin.dispose();
    assert.equal(memoryStats().liveTensors, before);
  });
});

test('loadStateDict into a quantized layer quantizes the new weights (no stale int8 copy)', () => {
  manualSeed(3);
  const a = new Linear(32, 48);
  const b = new Linear(32, 48);
  try {
    quantizeDynamicInt8(a);
    quantizeDynamicInt8(b);
    a.loadStateDict(b.stateDict());
    scope(() => {
      const x = randn([4, 32]);
      const ya = noGrad(() => a.forward(x));
      const yb = noGrad(() => b.forward(x));
      assert.ok(ya.sub(yb).abs().max().item() === 0, 'the same int8 result as the layer quantized from those values');
    });
  } finally {
    a.dispose();
    b.dispose();
  }
});
