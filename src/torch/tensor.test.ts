/**
 * Tensor methods against values worked out independently: small cases by hand, JavaScript's Math
 * for elementwise functions, naive loops for matrix products, and identities. Broadcasting is
 * exercised with [2,3]·[3] and [2,1]·[1,3] shapes, and non-contiguous inputs (transposes,
 * permutes, expands, stepped slices) are fed to every family of ops. Tolerance 1e-6 relative for
 * float32 unless stated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, full, ones, tensor, zeros } from './creation.js';
import * as F from './nn/functional.js';
import { scope } from './scope.js';
import { Tensor } from './tensor.js';
import { assertClose, uniformValues, values } from './testing/index.js';

/** [rows, cols] values laid out transposed in memory: same values, non-contiguous. */
function nonContiguous(rows: number[][]): Tensor {
  const r = rows.length;
  const c = rows[0]!.length;
  const t: number[][] = Array.from({ length: c }, (_, j) =>
    Array.from({ length: r }, (_, i) => rows[i]![j]!),
  );
  const x = tensor(t).t();
  assert.equal(x.isContiguous, false);
  return x;
}

function jsMatmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

const A = [
  [1, -2, 3],
  [0.5, 4, -6],
];

describe('elementwise binary ops with broadcasting', () => {
  it('add, sub (with alpha), mul, div on [2,3] and [3]', () =>
    scope(() => {
      const a = tensor(A);
      const b = tensor([10, 20, 30]);
      assert.deepEqual(a.add(b).tolist(), [
        [11, 18, 33],
        [10.5, 24, 24],
      ]);
      assert.deepEqual(a.add(b, 2).tolist(), [
        [21, 38, 63],
        [20.5, 44, 54],
      ]);
      assert.deepEqual(a.sub(b).tolist(), [
        [-9, -22, -27],
        [-9.5, -16, -36],
      ]);
      assert.deepEqual(a.mul(b).tolist(), [
        [10, -40, 90],
        [5, 80, -180],
      ]);
      assertClose(a.div(b), [0.1, -0.1, 0.1, 0.05, 0.2, -0.2]);
    }));

  it('[2,1] op [1,3] broadcasts to [2,3]', () =>
    scope(() => {
      const col = tensor([[1], [2]]);
      const row = tensor([[10, 20, 30]]);
      const s = col.add(row);
      assert.deepEqual(s.shape, [2, 3]);
      assert.deepEqual(s.tolist(), [
        [11, 21, 31],
        [12, 22, 32],
      ]);
      assert.deepEqual(col.maximum(tensor([[0, 1.5, 3]])).tolist(), [
        [1, 1.5, 3],
        [2, 2, 3],
      ]);
      assert.deepEqual(col.minimum(tensor([[0, 1.5, 3]])).tolist(), [
        [0, 1, 1],
        [0, 1.5, 2],
      ]);
      assert.throws(
        () => tensor([1, 2]).add(tensor([1, 2, 3])),
        /add: .*size of tensor a \(2\) must match the size of tensor b \(3\)/,
      );
    }));

  it('scalar forms: add/sub with alpha, rsub, mul, div, pow, remainder', () =>
    scope(() => {
      const a = tensor([1, 2, -3]);
      assert.deepEqual(values(a.add(2)), [3, 4, -1]);
      assert.deepEqual(values(a.add(2, 3)), [7, 8, 3]);
      assert.deepEqual(values(a.sub(1.5)), [-0.5, 0.5, -4.5]);
      assert.deepEqual(values(a.rsub(1)), [0, -1, 4]);
      assert.deepEqual(values(a.mul(-2)), [-2, -4, 6]);
      assert.deepEqual(values(a.div(4)), [0.25, 0.5, -0.75]);
      assert.deepEqual(values(a.pow(2)), [1, 4, 9]);
      assert.deepEqual(values(tensor([4, 9]).pow(0.5)), [2, 3]);
      assert.deepEqual(values(tensor([2, 3]).pow(tensor([3, 2]))), [8, 9]);
      // Python's remainder takes the divisor's sign.
      assert.deepEqual(values(tensor([5, -5, 5.5]).remainder(3)), [2, 1, 2.5]);
      assert.deepEqual(values(tensor([5, -5]).remainder(tensor([-3, 3]))), [-1, 1]);
    }));

  it('integer tensors keep their dtype with integer scalars; true division gives float', () =>
    scope(() => {
      const i = tensor([1, 2, 3], undefined, 'int64');
      assert.equal(i.add(1).dtype, 'int64');
      assert.equal(i.mul(2).dtype, 'int64');
      const d = i.div(2);
      assert.equal(d.dtype, 'float32');
      assert.deepEqual(values(d), [0.5, 1, 1.5]);
      assert.equal(i.add(0.5).dtype, 'float32');
    }));

  it('comparisons and logical ops give bool', () =>
    scope(() => {
      const a = tensor([1, 2, 3]);
      const b = tensor([3, 2, 1]);
      const cases: [Tensor, number[]][] = [
        [a.eq(b), [0, 1, 0]],
        [a.ne(b), [1, 0, 1]],
        [a.lt(b), [1, 0, 0]],
        [a.le(b), [1, 1, 0]],
        [a.gt(b), [0, 0, 1]],
        [a.ge(b), [0, 1, 1]],
        [a.eq(2), [0, 1, 0]],
        [a.gt(1.5), [0, 1, 1]],
        [a.le(1), [1, 0, 0]],
      ];
      for (const [t, want] of cases) {
        assert.equal(t.dtype, 'bool');
        assert.deepEqual(values(t), want);
      }
      const p = tensor([true, true, false, false], undefined, 'bool');
      const q = tensor([true, false, true, false], undefined, 'bool');
      assert.deepEqual(values(p.logicalAnd(q)), [1, 0, 0, 0]);
      assert.deepEqual(values(p.logicalOr(q)), [1, 1, 1, 0]);
      assert.deepEqual(values(p.logicalXor(q)), [0, 1, 1, 0]);
      assert.deepEqual(values(p.logicalNot()), [0, 0, 1, 1]);
    }));

  it('clamp, maskedFill, lerp, allclose, equal', () =>
    scope(() => {
      const a = tensor([-2, -0.5, 0.5, 2]);
      assert.deepEqual(values(a.clamp(-1, 1)), [-1, -0.5, 0.5, 1]);
      assert.deepEqual(values(a.clampMin(0)), [0, 0, 0.5, 2]);
      assert.deepEqual(values(a.clampMax(0)), [-2, -0.5, 0, 0]);
      const m = a.gt(0);
      assert.deepEqual(values(a.maskedFill(m, -Infinity)), [-2, -0.5, -Infinity, -Infinity]);
      // mask [4] broadcast against [2,4]
      assert.deepEqual(values(zeros([2, 4]).maskedFill(m, 1)), [0, 0, 1, 1, 0, 0, 1, 1]);
      assert.deepEqual(values(tensor([0, 10]).lerp(tensor([10, 20]), 0.25)), [2.5, 12.5]);
      assert.ok(tensor([1, 2]).allclose(tensor([1 + 1e-7, 2])));
      assert.ok(!tensor([1, 2]).allclose(tensor([1.1, 2])));
      assert.ok(tensor([1, 2]).equal(tensor([1, 2])));
      assert.ok(!tensor([1, 2]).equal(tensor([1, 2, 3])));
    }));

  it('non-contiguous inputs: transposed, expanded and stepped-slice operands', () =>
    scope(() => {
      const t = nonContiguous(A);
      const c = tensor(A);
      assert.deepEqual(t.tolist(), A);
      assert.ok(t.add(c).equal(c.mul(2)));
      // expand: a [3] row viewed as [2,3] with stride 0
      const e = tensor([1, 2, 3]).expand(2, 3);
      assert.equal(e.isContiguous, false);
      assert.deepEqual(e.mul(t).tolist(), [
        [1, -4, 9],
        [0.5, 8, -18],
      ]);
      // stepped slice: every other column of a [2,6]
      const wide = arange(12).reshape(2, 6).to('float32');
      const s = wide.slice(1, 0, 6, 2);
      assert.equal(s.isContiguous, false);
      assert.deepEqual(s.tolist(), [
        [0, 2, 4],
        [6, 8, 10],
      ]);
      assert.deepEqual(s.sub(t).tolist(), [
        [-1, 4, 1],
        [5.5, 4, 16],
      ]);
      // a permuted 3-d operand
      const p = arange(24).reshape(2, 3, 4).permute(2, 0, 1).to('float64');
      assert.deepEqual(p.shape, [4, 2, 3]);
      assert.equal(p.select(0, 1).select(0, 1).select(0, 2).item(), 1 * 12 + 2 * 4 + 1);
      assert.deepEqual(values(p.exp().log().round()), values(p.contiguous()));
    }));
});

describe('elementwise unary ops', () => {
  const xs = [-2.5, -1, -0.3, 0.2, 0.7, 1.9];
  const pos = [0.1, 0.5, 1, 2.5, 9];
  const check = (f: (t: Tensor) => Tensor, js: (x: number) => number, input = xs, rtol = 1e-6) =>
    scope(() => {
      const t = tensor(Float64Array.from(input));
      assertClose(f(t), input.map(js), { rtol, atol: 1e-12 });
      // the same on a float32, non-contiguous (stepped) input
      const nc = tensor(input.flatMap((x) => [x, 99])).slice(0, 0, undefined, 2);
      assert.equal(nc.isContiguous, false);
      assertClose(f(nc), input.map(js), { rtol: 1e-5, atol: 1e-6 });
    });
  it('neg, abs, exp, sin, cos, tanh, sign, floor, ceil, square', () => {
    check(
      (t) => t.neg(),
      (x) => -x,
    );
    check((t) => t.abs(), Math.abs);
    check((t) => t.exp(), Math.exp);
    check((t) => t.sin(), Math.sin);
    check((t) => t.cos(), Math.cos);
    check((t) => t.tanh(), Math.tanh);
    check((t) => t.sign(), Math.sign);
    check((t) => t.floor(), Math.floor);
    check((t) => t.ceil(), Math.ceil);
    check(
      (t) => t.square(),
      (x) => x * x,
    );
  });
  it('log, log1p, sqrt, rsqrt, reciprocal on positive inputs', () => {
    check((t) => t.log(), Math.log, pos);
    check((t) => t.log1p(), Math.log1p, pos);
    check((t) => t.sqrt(), Math.sqrt, pos);
    check(
      (t) => t.rsqrt(),
      (x) => 1 / Math.sqrt(x),
      pos,
    );
    check(
      (t) => t.reciprocal(),
      (x) => 1 / x,
      pos,
    );
  });
  it('sigmoid, relu, gelu (exact and tanh), erf', () => {
    check(
      (t) => t.sigmoid(),
      (x) => 1 / (1 + Math.exp(-x)),
    );
    check(
      (t) => t.relu(),
      (x) => Math.max(0, x),
    );
    // erf at hand-tabulated points (Abramowitz & Stegun): erf(0.5) = 0.5204998778, erf(1) = 0.8427007929
    scope(() => {
      assertClose(
        tensor(Float64Array.from([0, 0.5, 1, -2])).erf(),
        [0, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527],
        { rtol: 1e-12 },
      );
      // gelu(x) = x/2 (1 + erf(x/√2)); at 1: 0.5 (1 + erf(0.7071)) = 0.8413447460685429
      assertClose(
        tensor(Float64Array.from([1, -1, 0])).gelu(),
        [0.8413447460685429, -0.15865525393145707, 0],
        { rtol: 1e-12 },
      );
    });
    const c = Math.sqrt(2 / Math.PI);
    check(
      (t) => t.gelu('tanh'),
      (x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3))),
    );
  });
  it('round halves to even, as PyTorch does', () =>
    scope(() =>
      assert.deepEqual(
        values(tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]).round()),
        [0, 2, 2, -0, -2, 2],
      ),
    ));
  it('isnan, isinf, isfinite', () =>
    scope(() => {
      const t = tensor([1, NaN, Infinity, -Infinity]);
      assert.deepEqual(values(t.isnan()), [0, 1, 0, 0]);
      assert.deepEqual(values(t.isinf()), [0, 0, 1, 1]);
      assert.deepEqual(values(t.isfinite()), [1, 0, 0, 0]);
    }));
});

describe('reductions', () => {
  const M = [
    [3, -1, 4, 1],
    [-5, 9, 2, 6],
    [5, 3, -5, 8],
  ];
  it('sum and mean: all, one dim, several dims, keepdim', () =>
    scope(() => {
      const t = tensor(M);
      assert.equal(t.sum().item(), 30);
      assert.deepEqual(values(t.sum(0)), [3, 11, 1, 15]);
      assert.deepEqual(values(t.sum(1)), [7, 12, 11]);
      assert.deepEqual(t.sum(-1, true).shape, [3, 1]);
      assert.equal(t.sum([0, 1]).item(), 30);
      assert.equal(t.mean().item(), 2.5);
      assertClose(t.mean(0), [1, 11 / 3, 1 / 3, 5]);
      assert.deepEqual(t.mean(1, true).shape, [3, 1]);
      // non-contiguous input: the transpose's row sums are the column sums
      assert.deepEqual(values(t.t().sum(1)), [3, 11, 1, 15]);
      // integer sums stay int64
      assert.equal(tensor([1, 2], undefined, 'int32').sum().dtype, 'int64');
    }));

  it('prod, amax, argmax, argmin, countNonzero', () =>
    scope(() => {
      const t = tensor(M);
      assert.deepEqual(values(t.prod(1)), [-12, -540, -600]);
      assert.deepEqual(values(t.amax(0)), [5, 9, 4, 8]);
      assert.deepEqual(values(t.amax([0, 1])), [9]);
      assert.equal(t.argmax().item(), 5);
      assert.deepEqual(values(t.argmax(1)), [2, 1, 3]);
      assert.deepEqual(values(t.argmin(0)), [1, 0, 2, 0]);
      assert.equal(tensor([0, 1, 0, 2]).countNonzero().item(), 2);
    }));

  it('max/min overall and with indices along a dim', () =>
    scope(() => {
      const t = tensor(M);
      assert.equal(t.max().item(), 9);
      assert.equal(t.min().item(), -5);
      const mx = t.max(1);
      assert.deepEqual(values(mx.values), [4, 9, 8]);
      assert.deepEqual(values(mx.indices), [2, 1, 3]);
      assert.equal(mx.indices.dtype, 'int64');
      const mn = t.min(0, true);
      assert.deepEqual(mn.values.shape, [1, 4]);
      assert.deepEqual(values(mn.values), [-5, -1, -5, 1]);
      assert.deepEqual(values(mn.indices), [1, 0, 2, 0]);
      // on a transposed input
      const mt = t.t().max(0);
      assert.deepEqual(values(mt.values), [4, 9, 8]);
      assert.deepEqual(values(mt.indices), [2, 1, 3]);
    }));

  it('topk (largest and smallest), sort (both directions, stable), argsort', () =>
    scope(() => {
      const t = tensor([3, 1, 4, 1, 5, 9, 2, 6]);
      const top = t.topk(3);
      assert.deepEqual(values(top.values), [9, 6, 5]);
      assert.deepEqual(values(top.indices), [5, 7, 4]);
      const low = t.topk(2, -1, false);
      assert.deepEqual(values(low.values), [1, 1]);
      assert.deepEqual(values(low.indices).sort(), [1, 3]);
      const s = t.sort();
      assert.deepEqual(values(s.values), [1, 1, 2, 3, 4, 5, 6, 9]);
      const stable = t.sort(-1, false, true);
      assert.deepEqual(values(stable.indices), [1, 3, 6, 0, 2, 4, 7, 5]);
      const desc = t.sort(0, true, true);
      assert.deepEqual(values(desc.values), [9, 6, 5, 4, 3, 2, 1, 1]);
      assert.deepEqual(values(desc.indices), [5, 7, 4, 2, 0, 6, 1, 3]);
      assert.deepEqual(values(tensor([[2, 0, 1]]).argsort(1)), [1, 2, 0]);
      assert.deepEqual(values(tensor([[2, 0, 1]]).argsort(1, true)), [0, 2, 1]);
      // topk along dim 0 of a [3,4]
      assert.deepEqual(values(tensor(M).topk(1, 0).values), [5, 9, 4, 8]);
    }));

  it('cumsum along each dim', () =>
    scope(() => {
      const t = tensor(M);
      assert.deepEqual(values(t.cumsum(1)), [3, 2, 6, 7, -5, 4, 6, 12, 5, 8, 3, 11]);
      assert.deepEqual(values(t.cumsum(0)), [3, -1, 4, 1, -2, 8, 6, 7, 3, 11, 1, 15]);
      assert.deepEqual(values(t.t().cumsum(0)), values(t.cumsum(1).t()));
    }));

  it('logsumexp: log Σ exp, stable for large values', () =>
    scope(() => {
      const x = tensor(Float64Array.from([1, 2, 3]));
      assertClose(x.logsumexp(0), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))], {
        rtol: 1e-12,
      });
      const big = tensor([
        [1000, 1000],
        [-1000, -1000],
      ]);
      assertClose(big.logsumexp(1), [1000 + Math.LN2, -1000 + Math.LN2], { rtol: 1e-6 });
      assert.deepEqual(big.logsumexp([0, 1], true).shape, [1, 1]);
    }));

  it('norm: p = 1, 2, ∞ overall and per dim', () =>
    scope(() => {
      const t = tensor([
        [3, -4],
        [-6, 8],
      ]);
      assertClose(t.norm(), [Math.sqrt(9 + 16 + 36 + 64)]);
      assert.equal(t.norm(1).item(), 21);
      assert.equal(t.norm(Infinity).item(), 8);
      assert.deepEqual(values(t.norm(2, 1)), [5, 10]);
      assert.deepEqual(values(t.norm(1, 0, true)), [9, 12]);
      assert.deepEqual(t.norm(1, 0, true).shape, [1, 2]);
    }));

  it('var and std, unbiased (n−1) and biased (n)', () =>
    scope(() => {
      // values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32
      const t = tensor([2, 4, 4, 4, 5, 5, 7, 9]);
      assertClose(t.var(0), [32 / 7]);
      assertClose(t.var(0, false), [4]);
      assertClose(t.std(0, false), [2]);
      assertClose(t.std(0), [Math.sqrt(32 / 7)]);
      assertClose(
        tensor(M).var(1),
        [
          [3, -1, 4, 1],
          [-5, 9, 2, 6],
          [5, 3, -5, 8],
        ].map((r) => {
          const m = r.reduce((a, b) => a + b) / r.length;
          return r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1);
        }),
      );
    }));

  it('all and any', () =>
    scope(() => {
      assert.equal(tensor([true, true], undefined, 'bool').all().item(), 1);
      assert.equal(tensor([true, false], undefined, 'bool').all().item(), 0);
      assert.equal(tensor([0, 0, 2]).any().item(), 1);
      assert.equal(zeros([3]).any().item(), 0);
    }));
});

describe('shape and indexing ops', () => {
  it('reshape, view, flatten, permute, transpose, t, squeeze, unsqueeze', () =>
    scope(() => {
      const x = arange(24).reshape(2, 3, 4);
      assert.deepEqual(x.shape, [2, 3, 4]);
      assert.deepEqual(x.view([4, -1]).shape, [4, 6]);
      assert.deepEqual(x.flatten().shape, [24]);
      assert.deepEqual(x.flatten(1).shape, [2, 12]);
      assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
      const p = x.permute(2, 0, 1);
      assert.deepEqual(p.shape, [4, 2, 3]);
      // p[a, b, c] = x[b, c, a] = 12 b + 4 c + a
      assert.equal(p.select(0, 3).select(0, 1).select(0, 2).item(), 12 + 8 + 3);
      assert.throws(() => p.view([24]), /view: .*(stride|contiguous)/);
      assert.deepEqual(values(p.reshape(24)).slice(0, 4), [0, 4, 8, 12]);
      assert.deepEqual(x.transpose(0, 2).shape, [4, 3, 2]);
      assert.deepEqual(tensor(A).t().tolist(), [
        [1, 0.5],
        [-2, 4],
        [3, -6],
      ]);
      const s = zeros([1, 3, 1]);
      assert.deepEqual(s.squeeze().shape, [3]);
      assert.deepEqual(s.squeeze(0).shape, [3, 1]);
      assert.deepEqual(s.squeeze(-1).shape, [1, 3]);
      assert.deepEqual(s.unsqueeze(1).shape, [1, 1, 3, 1]);
      assert.deepEqual(s.unsqueeze(-1).shape, [1, 3, 1, 1]);
      assert.equal(x.size(-1), 4);
      assert.equal(x.numel, 24);
      assert.equal(x.ndim, 3);
    }));

  it('expand, repeat, repeatInterleave', () =>
    scope(() => {
      const r = tensor([[1], [2]]);
      assert.deepEqual(r.expand(2, 3).tolist(), [
        [1, 1, 1],
        [2, 2, 2],
      ]);
      assert.deepEqual(r.expand(-1, 2).shape, [2, 2]);
      assert.deepEqual(tensor([1, 2]).repeat(2, 2).tolist(), [
        [1, 2, 1, 2],
        [1, 2, 1, 2],
      ]);
      assert.deepEqual(values(tensor([1, 2]).repeatInterleave(3, 0)), [1, 1, 1, 2, 2, 2]);
      assert.deepEqual(r.repeatInterleave(2, 1).tolist(), [
        [1, 1],
        [2, 2],
      ]);
    }));

  it('split (equal and given sizes), chunk, unbind, narrow', () =>
    scope(() => {
      const x = arange(10);
      assert.deepEqual(x.split(4).map(values), [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ]);
      assert.deepEqual(x.split([2, 3, 5]).map(values), [
        [0, 1],
        [2, 3, 4],
        [5, 6, 7, 8, 9],
      ]);
      assert.deepEqual(x.chunk(3).map(values), [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ]);
      const m = arange(6).reshape(2, 3);
      assert.deepEqual(m.chunk(3, 1).map(values), [
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
      assert.deepEqual(m.unbind(1).map(values), [
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
      assert.deepEqual(m.unbind().map(values), [
        [0, 1, 2],
        [3, 4, 5],
      ]);
      assert.deepEqual(values(m.narrow(1, 1, 2)), [1, 2, 4, 5]);
      assert.throws(() => x.split([2, 3]), /split_with_sizes|sum/);
    }));

  it('slice with negative and omitted bounds and steps, select', () =>
    scope(() => {
      const x = arange(10);
      assert.deepEqual(values(x.slice(0, 2, 5)), [2, 3, 4]);
      assert.deepEqual(values(x.slice(0, -3)), [7, 8, 9]);
      assert.deepEqual(values(x.slice(0, 1, -1, 3)), [1, 4, 7]);
      assert.deepEqual(values(x.slice(0, 8, 100)), [8, 9]);
      const m = arange(12).reshape(3, 4);
      assert.deepEqual(values(m.slice(-1, 1, 3)), [1, 2, 5, 6, 9, 10]);
      assert.deepEqual(values(m.select(1, -1)), [3, 7, 11]);
      assert.deepEqual(values(m.select(0, 1)), [4, 5, 6, 7]);
    }));

  it('indexSelect, gather, scatter, scatterAdd', () =>
    scope(() => {
      const m = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const idx = tensor([2, 0, 2], undefined, 'int64');
      assert.deepEqual(m.indexSelect(1, idx).tolist(), [
        [3, 1, 3],
        [6, 4, 6],
      ]);
      assert.deepEqual(m.indexSelect(0, tensor([1], undefined, 'int64')).tolist(), [[4, 5, 6]]);
      // gather: out[i][j] = m[i][g[i][j]]
      const g = tensor(
        [
          [0, 0],
          [2, 1],
        ],
        undefined,
        'int64',
      );
      assert.deepEqual(m.gather(1, g).tolist(), [
        [1, 1],
        [6, 5],
      ]);
      // gather from a transposed (non-contiguous) source
      assert.deepEqual(
        m
          .t()
          .gather(0, tensor([[1, 0]], undefined, 'int64'))
          .tolist(),
        [[2, 4]],
      );
      // scatter: out[i][s[i][j]] = src[i][j]
      const src = tensor([
        [10, 20],
        [30, 40],
      ]);
      const s = tensor(
        [
          [2, 0],
          [1, 2],
        ],
        undefined,
        'int64',
      );
      assert.deepEqual(zeros([2, 3]).scatter(1, s, src).tolist(), [
        [20, 0, 10],
        [0, 30, 40],
      ]);
      const same = tensor([[0, 0, 1]], undefined, 'int64');
      assert.deepEqual(
        zeros([1, 2])
          .scatterAdd(1, same, tensor([[1, 2, 3]]))
          .tolist(),
        [[3, 3]],
      );
    }));

  it('advanced indexing: index, indexPut (with accumulate), maskedSelect, nonzero', () =>
    scope(() => {
      const m = arange(12).reshape(3, 4);
      const rows = tensor([0, 2, 2], undefined, 'int64');
      const cols = tensor([1, 3, 0], undefined, 'int64');
      // m[rows, cols] picks pairs; m[rows] picks rows; m[:, cols] picks columns
      assert.deepEqual(values(m.index([rows, cols])), [1, 11, 8]);
      assert.deepEqual(m.index([rows]).shape, [3, 4]);
      assert.deepEqual(values(m.index([null, cols])), [1, 3, 0, 5, 7, 4, 9, 11, 8]);
      // boolean mask index
      const mask = m.gt(8);
      assert.deepEqual(values(m.index([mask])), [9, 10, 11]);
      const put = zeros([3]).indexPut([tensor([0, 2], undefined, 'int64')], tensor([5, 7]));
      assert.deepEqual(values(put), [5, 0, 7]);
      const acc = zeros([3]).indexPut(
        [tensor([1, 1, 2], undefined, 'int64')],
        tensor([1, 2, 3]),
        true,
      );
      assert.deepEqual(values(acc), [0, 3, 3]);
      const inPlace = zeros([2, 2]);
      inPlace.indexPut_(
        [tensor([1], undefined, 'int64'), tensor([0], undefined, 'int64')],
        tensor([9]),
      );
      assert.deepEqual(inPlace.tolist(), [
        [0, 0],
        [9, 0],
      ]);
      assert.deepEqual(values(m.maskedSelect(mask)), [9, 10, 11]);
      assert.deepEqual(tensor([0, 3, 0, 4]).nonzero().tolist(), [[1], [3]]);
    }));

  it('flip, roll, tril, triu, oneHot (via F), pad', () =>
    scope(() => {
      const m = arange(6).reshape(2, 3);
      assert.deepEqual(m.flip([1]).tolist(), [
        [2, 1, 0],
        [5, 4, 3],
      ]);
      assert.deepEqual(m.flip([0, 1]).tolist(), [
        [5, 4, 3],
        [2, 1, 0],
      ]);
      assert.deepEqual(values(arange(5).roll([2], [0])), [3, 4, 0, 1, 2]);
      const o = ones([3, 3]);
      assert.deepEqual(values(o.tril()), [1, 0, 0, 1, 1, 0, 1, 1, 1]);
      assert.deepEqual(values(o.triu(1)), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
      assert.deepEqual(values(o.tril(-1)), [0, 0, 0, 1, 0, 0, 1, 1, 0]);
    }));
});

describe('matrix products', () => {
  const a = uniformValues(3 * 4, 1);
  const b = uniformValues(4 * 5, 2);
  it('matmul / mm of [3,4]·[4,5] against a naive loop, and on transposed operands', () =>
    scope(() => {
      const ta = tensor(Float64Array.from(a), [3, 4]);
      const tb = tensor(Float64Array.from(b), [4, 5]);
      const want = jsMatmul(a, b, 3, 4, 5);
      assertClose(ta.matmul(tb), want, { rtol: 1e-12, atol: 1e-14 });
      assertClose(ta.mm(tb), want, { rtol: 1e-12, atol: 1e-14 });
      // (Bᵀ Aᵀ)ᵀ = A B, with non-contiguous operands
      const viaT = tb.t().matmul(ta.t()).t();
      assertClose(viaT, want, { rtol: 1e-12, atol: 1e-14 });
      // float32 result within float32 precision
      assertClose(ta.to('float32').matmul(tb.to('float32')), want, { rtol: 1e-5, atol: 1e-6 });
    }));

  it('matmul: vector·vector, matrix·vector, broadcast batch', () =>
    scope(() => {
      assert.equal(
        tensor([1, 2, 3])
          .matmul(tensor([4, 5, 6]))
          .item(),
        32,
      );
      assert.deepEqual(values(tensor(A).matmul(tensor([1, 1, 1]))), [2, -1.5]);
      const batch = tensor(Float64Array.from([...a, ...a.map((x) => 2 * x)]), [2, 3, 4]);
      const tb = tensor(Float64Array.from(b), [4, 5]);
      const out = batch.matmul(tb);
      assert.deepEqual(out.shape, [2, 3, 5]);
      const one = jsMatmul(a, b, 3, 4, 5);
      assertClose(out, [...one, ...one.map((x) => 2 * x)], { rtol: 1e-12, atol: 1e-14 });
      assert.throws(
        () => tensor([[1, 2]]).matmul(tensor([[1, 2]])),
        /^Error: matmul: .*mat1 and mat2 shapes cannot be multiplied \(1x2 and 1x2\)/,
      );
    }));

  it('bmm and baddbmm per batch; linear and addmm', () =>
    scope(() => {
      const x = uniformValues(2 * 2 * 3, 3);
      const y = uniformValues(2 * 3 * 2, 4);
      const bx = tensor(Float64Array.from(x), [2, 2, 3]);
      const by = tensor(Float64Array.from(y), [2, 3, 2]);
      const want = [
        ...jsMatmul(x.slice(0, 6), y.slice(0, 6), 2, 3, 2),
        ...jsMatmul(x.slice(6), y.slice(6), 2, 3, 2),
      ];
      assertClose(bx.bmm(by), want, { rtol: 1e-12, atol: 1e-14 });
      const c = full([2, 2, 2], 1, 'float64');
      // baddbmm: beta·c + alpha·(x y)
      assertClose(
        c.baddbmm(bx, by, 0.5, 2),
        want.map((v) => 0.5 + 2 * v),
        { rtol: 1e-12, atol: 1e-14 },
      );
      // linear: x Wᵀ + b
      const w = tensor(Float64Array.from([1, 0, -1, 2, 1, 0]), [2, 3]);
      const bias = tensor(Float64Array.from([0.5, -0.5]));
      const inp = tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
      const lin = [1 - 3 + 0.5, 2 + 2 - 0.5, 4 - 6 + 0.5, 8 + 5 - 0.5];
      assertClose(F.linear(inp, w, bias), lin, { rtol: 1e-12 });
      assertClose(F.linear(inp, w), [1 - 3, 2 + 2, 4 - 6, 8 + 5], { rtol: 1e-12 });
      // a transposed weight (non-contiguous) gives the same
      assertClose(F.linear(inp, w.t().contiguous().t(), bias), lin, { rtol: 1e-12 });
      // addmm(bias, x, Wᵀ) = the same, with beta and alpha
      assertClose(bias.addmm(inp, w.t()), lin, { rtol: 1e-12 });
      assertClose(
        bias.addmm(inp, w.t(), 2, 3),
        [3 * (1 - 3) + 1, 3 * 4 - 1, 3 * (4 - 6) + 1, 3 * 13 - 1],
        { rtol: 1e-12 },
      );
    }));
});

describe('dtype moves and in-place ops', () => {
  it('to() between dtypes: float→int truncates, bool is nonzero, values survive float64→float32', () =>
    scope(() => {
      const x = tensor([-1.7, 0, 0.2, 2.9]);
      assert.deepEqual(values(x.to('int32')), [-1, 0, 0, 2]);
      assert.equal(x.to('int32').dtype, 'int32');
      assert.deepEqual(values(x.bool()), [1, 0, 1, 1]);
      assert.equal(x.long().dtype, 'int64');
      assert.equal(x.to('float64').float().dtype, 'float32');
      assert.deepEqual(values(tensor([1, 0], undefined, 'bool').to('float32')), [1, 0]);
      assert.deepEqual(values(tensor([300], undefined, 'int32').to('uint8')), [44]);
      assert.equal(x.to('cpu').device, 'cpu');
      assert.equal(x.to('float16').to('float64').dtype, 'float64');
    }));

  it('in-place ops change the tensor and return it', () =>
    scope(() => {
      const x = tensor([1, 2, 3]);
      assert.equal(x.add_(1), x);
      assert.deepEqual(values(x), [2, 3, 4]);
      x.add_(tensor([1, 1, 1]), 2)
        .mul_(2)
        .sub_(tensor([1, 1, 1]))
        .div_(tensor([1, 1, 2]));
      assert.deepEqual(values(x), [7, 9, 5.5]);
      x.mul_(tensor([2, 2, 2])).div_(2);
      assert.deepEqual(values(x), [7, 9, 5.5]);
      x.clamp_(8, null);
      assert.deepEqual(values(x), [8, 9, 8]);
      x.fill_(4).sqrt_();
      assert.deepEqual(values(x), [2, 2, 2]);
      x.addcmul_(tensor([1, 2, 3]), tensor([2, 2, 2]), 0.5).addcdiv_(
        tensor([2, 2, 2]),
        tensor([1, 2, 4]),
      );
      assert.deepEqual(values(x), [5, 5, 5.5]);
      x.lerp_(tensor([7, 7, 7.5]), 0.5);
      assert.deepEqual(values(x), [6, 6, 6.5]);
      x.maskedFill_(x.gt(6), 0).copy_(x.add(1));
      assert.deepEqual(values(x), [7, 7, 1]);
      x.zero_();
      assert.deepEqual(values(x), [0, 0, 0]);
      // in place on a view writes through to the base
      const base = zeros([2, 3]);
      base.select(1, 1).fill_(5);
      assert.deepEqual(values(base), [0, 5, 0, 0, 5, 0]);
    }));

  it('uniform_ and normal_ fill with the requested distribution', () =>
    scope(() => {
      const u = zeros([10000]).uniform_(-2, 3);
      assert.ok(values(u).every((v) => v >= -2 && v < 3));
      assert.ok(Math.abs(u.mean().item() - 0.5) < 0.1);
      const n = zeros([10000], 'float64').normal_(1, 2);
      assert.ok(Math.abs(n.mean().item() - 1) < 0.1);
      assert.ok(Math.abs(n.std(0).item() - 2) < 0.1);
    }));

  it('metadata: tolist of float16, byteSize, toString', () =>
    scope(() => {
      const h = tensor([0.5, 1.5], undefined, 'float16');
      assert.deepEqual(h.tolist(), [0.5, 1.5]);
      assert.equal(h.byteSize, 4);
      assert.equal(zeros([2, 3]).toString(), 'Tensor(float32, [2, 3])');
    }));
});
