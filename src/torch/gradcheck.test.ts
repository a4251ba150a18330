/**
 * Every differentiable op's gradient against central finite differences in float64
 * (testing/gradcheck.ts: step 1e-6, tolerance 1e-6 relative + 1e-8 absolute). Inputs come from
 * a JavaScript generator, kept away from the kinks of abs/relu/max/clamp, and several cases feed
 * non-contiguous views so that the backward of strided inputs is covered too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradScale } from './autograd.js';
import { cat, ones, stack, tensor, where } from './creation.js';
import * as F from './nn/functional.js';
import { scope } from './scope.js';
import type { Tensor } from './tensor.js';
import { gradcheck, GradcheckError, uniformValues } from './testing/index.js';

let seed = 100;
/** A float64 leaf that requires grad, values uniform in [lo, hi). */
function x(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from(uniformValues(n, seed++, lo, hi)), shape).requiresGrad_(true);
}
/** Values whose magnitudes stay at least 0.1 from 0 (for abs, relu, sign-sensitive ops). */
function away(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = uniformValues(n, seed++, 0.1, 1).map((a, i) => (i % 2 ? -a : a));
  return tensor(Float64Array.from(v), shape).requiresGrad_(true);
}
const i64 = (v: number[], shape?: number[]) => tensor(v, shape ?? [v.length], 'int64');
const bool = (v: number[], shape?: number[]) =>
  tensor(Uint8Array.from(v), shape ?? [v.length], 'bool');

type Case = [name: string, fn: (...t: Tensor[]) => Tensor, inputs: () => Tensor[]];

function run(cases: Case[]): void {
  for (const [name, fn, inputs] of cases)
    it(name, () => scope(() => void gradcheck(fn, inputs(), { name })));
}

describe('gradcheck: elementwise', () => {
  run([
    ['add with alpha, broadcast [2,3]+[3]', (a, b) => a.add(b, 2.5), () => [x([2, 3]), x([3])]],
    ['sub, broadcast [2,1]-[1,3]', (a, b) => a.sub(b, 0.5), () => [x([2, 1]), x([1, 3])]],
    ['mul on a transposed operand', (a, b) => a.t().mul(b), () => [x([3, 2]), x([2, 3])]],
    ['div', (a, b) => a.div(b), () => [x([2, 3]), x([2, 3], 0.5, 2)]],
    ['pow tensor^tensor', (a, b) => a.pow(b), () => [x([4], 0.5, 2), x([4])]],
    [
      'scalar forms: add, sub, rsub, mul, div, pow',
      (a) => a.add(2).sub(0.5).rsub(3).mul(-1.5).div(4).pow(3),
      () => [x([5])],
    ],
    ['remainder (away from the jumps)', (a) => a.remainder(1), () => [x([4], 0.2, 0.8)]],
    [
      'maximum and minimum (distinct values)',
      (a, b) => a.maximum(b).add(a.minimum(b).mul(3)),
      () => [x([6]), x([6]).add(0.05).detach().requiresGrad_(true)],
    ],
    ['neg, abs, exp', (a) => a.neg().abs().exp(), () => [away([6])]],
    [
      'log, log1p, sqrt, rsqrt, reciprocal',
      (a) => a.log().add(a.log1p()).add(a.sqrt()).add(a.rsqrt()).add(a.reciprocal()),
      () => [x([5], 0.5, 2)],
    ],
    [
      'sin, cos, tanh, sigmoid, erf, square',
      (a) => a.sin().add(a.cos()).mul(a.tanh()).add(a.sigmoid()).add(a.erf()).add(a.square()),
      () => [x([6])],
    ],
    ['relu', (a) => a.relu(), () => [away([6])]],
    ['gelu exact and tanh', (a) => a.gelu().add(a.gelu('tanh')), () => [x([6], -3, 3)]],
    ['quickGelu, silu', (a) => F.quickGelu(a).add(F.silu(a)), () => [x([6], -3, 3)]],
    [
      'clamp (values off the bounds)',
      (a) => a.clamp(-0.5, 0.5),
      () => [tensor(Float64Array.from([-0.9, -0.3, 0.1, 0.4, 0.8])).requiresGrad_(true)],
    ],
    ['maskedFill', (a) => a.maskedFill(bool([1, 0, 0, 1]), 2), () => [x([4])]],
    ['lerp', (a, b) => a.lerp(b, 0.3), () => [x([4]), x([4])]],
    ['where', (a, b) => where(bool([1, 0, 1]), a, b), () => [x([3]), x([2, 3])]],
    [
      'gradScale backward = factor·grad; forward identity',
      (a) => gradScale(a, 1).mul(a),
      () => [x([3])],
    ],
    [
      'to float64 of a float64 leaf, clone, contiguous',
      (a) => a.to('float64').clone().t().contiguous(),
      () => [x([2, 3])],
    ],
  ]);
});

describe('gradcheck: reductions', () => {
  run([
    [
      'sum all / dims / keepdim',
      (a) =>
        a
          .sum()
          .add(a.sum(0).sum())
          .add(a.sum([0, 1], true).sum()),
      () => [x([3, 4])],
    ],
    ['mean all / dim', (a) => a.mean().add(a.mean(1).mul(2).sum()), () => [x([3, 4])]],
    ['prod', (a) => a.prod(1), () => [x([2, 3], 0.5, 1.5)]],
    ['max / min over all', (a) => a.max().add(a.min()), () => [x([7])]],
    [
      'max / min along a dim (values)',
      (a) => a.max(1).values.add(a.min(0, true).values.sum()),
      () => [x([3, 4])],
    ],
    ['amax', (a) => a.amax([0]), () => [x([3, 4])]],
    ['logsumexp', (a) => a.logsumexp(1), () => [x([3, 4], -3, 3)]],
    [
      'norm p=2 all and along a dim, p=1',
      (a) => a.norm().add(a.norm(2, 1).sum()).add(a.norm(1)),
      () => [away([3, 4])],
    ],
    [
      'var, std (unbiased and biased)',
      (a) => a.var(1).add(a.std(0, false).sum()),
      () => [x([3, 4])],
    ],
    ['topk values', (a) => a.topk(2).values, () => [x([2, 5])]],
    ['sort values', (a) => a.sort(-1, true).values, () => [x([2, 5])]],
    ['stable sort values', (a) => a.sort(0, false, true).values, () => [x([5, 2])]],
    ['cumsum on a transposed input', (a) => a.t().cumsum(1), () => [x([3, 4])]],
  ]);
});

describe('gradcheck: shape and indexing', () => {
  run([
    [
      'reshape, view, permute, transpose, flatten',
      (a) =>
        a.reshape(4, 6).view([2, 12]).reshape(2, 3, 4).permute(2, 0, 1).transpose(0, 2).flatten(),
      () => [x([2, 3, 4])],
    ],
    [
      'squeeze, unsqueeze, expand, repeat',
      (a) =>
        a
          .unsqueeze(0)
          .squeeze(0)
          .expand(2, 3, 4)
          .repeat(1, 2, 1)
          .add(a.squeeze().unsqueeze(1).sum()),
      () => [x([2, 1, 4])],
    ],
    ['repeatInterleave', (a) => a.repeatInterleave(2, 1), () => [x([2, 3])]],
    [
      'cat and stack',
      (a, b) => cat([a, b.t()], 0).add(stack([a, a], 1).sum(1).repeat(2, 1)),
      () => [x([2, 3]), x([3, 2])],
    ],
    [
      'split, chunk, unbind',
      (a) =>
        a
          .split([1, 3], 1)[1]!
          .mul(a.chunk(2, 1)[0]!.sum())
          .add(a.unbind(0)[1]!.sum())
          .add(a.split(2, 1)[1]!.sum()),
      () => [x([2, 4])],
    ],
    [
      'narrow, slice with step, select',
      (a) =>
        a
          .narrow(1, 1, 2)
          .sum()
          .add(a.slice(1, 0, 4, 2).mul(2).sum())
          .add(a.select(0, -1)),
      () => [x([3, 4])],
    ],
    [
      'indexSelect with repeated indices',
      (a) => a.indexSelect(1, i64([2, 0, 2])),
      () => [x([2, 3])],
    ],
    ['gather', (a) => a.gather(1, i64([0, 2, 1, 1], [2, 2])), () => [x([2, 3])]],
    [
      'scatter (self and src)',
      (a, s) => a.scatter(1, i64([2, 0], [1, 2]), s),
      () => [x([1, 3]), x([1, 2])],
    ],
    [
      'scatterAdd',
      (a, s) => a.scatterAdd(1, i64([0, 0, 1], [1, 3]), s),
      () => [x([1, 2]), x([1, 3])],
    ],
    [
      'advanced index with repeats',
      (a) => a.index([i64([0, 2, 2]), i64([1, 0, 0])]),
      () => [x([3, 2])],
    ],
    [
      'indexPut with accumulate',
      (a, v) => a.indexPut([i64([1, 1])], v, true),
      () => [x([3]), x([2])],
    ],
    ['maskedSelect', (a) => a.maskedSelect(bool([1, 0, 1, 1, 0, 0], [2, 3])), () => [x([2, 3])]],
    [
      'flip, roll, tril, triu',
      (a) => a.flip([0]).roll([1], [1]).tril().add(a.triu(1)),
      () => [x([3, 3])],
    ],
    ['pad', (a) => F.pad(a, [1, 2, 0, 1], 0.5), () => [x([2, 2])]],
  ]);
});

describe('gradcheck: linear algebra and nn functions', () => {
  run([
    [
      'matmul (batched, broadcast) and mm',
      (a, b) => a.matmul(b).sum(0).mm(b.t()),
      () => [x([2, 3, 4]), x([4, 3])],
    ],
    [
      'matmul vector·vector and matrix·vector',
      (a, b) => a.matmul(b).add(b.matmul(b)),
      () => [x([2, 3]), x([3])],
    ],
    ['bmm', (a, b) => a.bmm(b), () => [x([2, 2, 3]), x([2, 3, 2])]],
    [
      'linear with and without bias',
      (i, w, b) => F.linear(i, w, b).add(F.linear(i, w).mul(2)),
      () => [x([2, 3]), x([4, 3]), x([4])],
    ],
    ['addmm', (c, a, b) => c.addmm(a, b, 0.5, 2), () => [x([2, 2]), x([2, 3]), x([3, 2])]],
    [
      'baddbmm',
      (c, a, b) => c.baddbmm(a, b, 0.5, 2),
      () => [x([2, 2, 2]), x([2, 2, 3]), x([2, 3, 2])],
    ],
    [
      'conv2d stride 2, padding 1, groups 2',
      (i, w, b) => F.conv2d(i, w, b, { stride: 2, padding: 1, groups: 2 }),
      () => [x([1, 2, 4, 4]), x([2, 1, 3, 3]), x([2])],
    ],
    [
      'conv3d',
      (i, w, b) => F.conv3d(i, w, b, { stride: [1, 2, 2], padding: 1 }),
      () => [x([1, 2, 2, 3, 3]), x([2, 2, 2, 2, 2]), x([2])],
    ],
    [
      'layerNorm (input, weight, bias)',
      (i, w, b) => F.layerNorm(i, [4], w, b),
      () => [x([2, 3, 4]), x([4]), x([4])],
    ],
    [
      'softmax and logSoftmax',
      (a) => a.softmax(1).mul(3).add(F.logSoftmax(a, 0)),
      () => [x([3, 4], -2, 2)],
    ],
    ['embedding (weight)', (w) => F.embedding(i64([2, 0, 2, 1], [2, 2]), w), () => [x([3, 4])]],
    ['normalize', (a) => F.normalize(a, 2, 1), () => [x([3, 4])]],
    [
      'crossEntropy with weights, ignore_index and label smoothing',
      (l, w) => F.crossEntropy(l, i64([0, -100, 2, 1]), { weight: w, labelSmoothing: 0.2 }),
      () => [x([4, 3], -2, 2), x([3], 0.5, 1.5).detach()],
    ],
    [
      'crossEntropy over [N, C, L]',
      (l) => F.crossEntropy(l, i64([0, 2, 1, 1], [2, 2])),
      () => [x([2, 3, 2])],
    ],
    [
      'nllLoss, mseLoss, bce with logits',
      (a, b) =>
        F.nllLoss(F.logSoftmax(a, 1), i64([1, 0, 2]))
          .add(F.mseLoss(a, b))
          .add(F.binaryCrossEntropyWithLogits(a, b.sigmoid())),
      () => [x([3, 3]), x([3, 3])],
    ],
    [
      'scaledDotProductAttention q, k, v with an additive mask',
      (q, k, v, m) => F.scaledDotProductAttention(q, k, v, { mask: m }),
      () => [x([1, 2, 3, 4]), x([1, 2, 5, 4]), x([1, 2, 5, 3]), x([3, 5])],
    ],
    [
      'scaledDotProductAttention with a boolean mask and a scale',
      (q, k, v) =>
        F.scaledDotProductAttention(q, k, v, {
          mask: bool([1, 0, 1, 1, 1, 0], [2, 3]),
          scale: 0.7,
        }),
      () => [x([2, 2, 4]), x([2, 3, 4]), x([2, 3, 2])],
    ],
    [
      'bilinear and bicubic interpolation',
      (a) =>
        F.interpolate(a, [3, 5], 'bilinear')
          .sum()
          .add(F.interpolate(a, [5, 3], 'bicubic', true).sum()),
      () => [x([1, 1, 3, 3])],
    ],
    ['dropout outside training is the identity', (a) => F.dropout(a, 0.5, false), () => [x([4])]],
  ]);
});

describe('gradients finite differences cannot check', () => {
  it('dropout in training: the gradient is the kept mask / (1 − p)', () =>
    scope(() => {
      const a = x([2000]);
      const y = F.dropout(a, 0.25, true);
      y.sum().backward();
      const kept = y.ne(0).to('float64').div(0.75);
      assert.ok(a.grad!.equal(kept));
    }));
});

describe('gradcheck itself', () => {
  it('fails on a wrong gradient, naming the input and element', () =>
    scope(() => {
      // gradScale's backward multiplies by 3 while its forward is the identity: finite
      // differences see factor 1.
      assert.throws(
        () => gradcheck((a) => gradScale(a, 3), [x([2])], { name: 'scaled' }),
        (e: Error) =>
          e instanceof GradcheckError &&
          /gradcheck\(scaled\): input 0 \[2\] element 0: analytical/.test(e.message),
      );
    }));

  it('refuses float32 inputs and inputs without requiresGrad', () =>
    scope(() => {
      assert.throws(
        () => gradcheck((a) => a.exp(), [ones([2]).requiresGrad_(true)]),
        /input 0 is float32; gradcheck needs float64/,
      );
      assert.throws(
        () => gradcheck((a) => a.exp(), [ones([2], 'float64')]),
        /no input requires grad/,
      );
    }));
});
