/**
 * torch.nn.functional ops against independent computations: convolutions against naive
 * JavaScript loops (stride, padding, dilation, groups), layer norm, softmax, losses (cross entropy
 * with class weights, ignore_index and label smoothing written out in JavaScript), normalize,
 * embedding, activations, dropout statistics, and scaled-dot-product attention against the composed
 * softmax(q kᵀ/√d + mask) v. float64 inputs compare at 1e-10 relative, float32 at 1e-5.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, ones, rand, randn, tensor, zeros } from '../creation.js';
import { scope } from '../scope.js';
import { manualSeed } from '../system.js';
import type { Tensor } from '../tensor.js';
import { assertClose, uniformValues, values } from '../testing/index.js';
import * as F from './functional.js';

const f64 = (v: number[], shape: number[]) => tensor(Float64Array.from(v), shape);

/** Naive N-d convolution (2-d or 3-d spatial) over flat C-order arrays. */
function naiveConv(
  x: number[],
  xs: number[],
  w: number[],
  ws: number[],
  b: number[] | null,
  stride: number[],
  pad: number[],
  dil: number[],
  groups: number,
): { out: number[]; shape: number[] } {
  const [N, , ...S] = xs as [number, number, ...number[]];
  const [O, Cg, ...K] = ws as [number, number, ...number[]];
  const D = S.length;
  const outS = S.map(
    (s, d) => Math.floor((s + 2 * pad[d]! - dil[d]! * (K[d]! - 1) - 1) / stride[d]!) + 1,
  );
  const strides = (shape: number[]) =>
    shape.map((_, i) => shape.slice(i + 1).reduce((a, c) => a * c, 1));
  const xst = strides(xs);
  const wst = strides(ws);
  const os = [N, O, ...outS];
  const ost = strides(os);
  const out = new Array<number>(os.reduce((a, c) => a * c, 1)).fill(0);
  const Og = O / groups;
  const iter = (dims: number[]): number[][] => {
    let acc: number[][] = [[]];
    for (const n of dims) acc = acc.flatMap((p) => Array.from({ length: n }, (_, i) => [...p, i]));
    return acc;
  };
  for (const [n, o, ...pos] of iter([N, O, ...outS]) as [number, number, ...number[]][]) {
    const g = Math.floor(o / Og);
    let s = b ? b[o]! : 0;
    for (let c = 0; c < Cg; c++)
      for (const k of iter(K)) {
        const ip = pos.map((p, d) => p * stride[d]! - pad[d]! + k[d]! * dil[d]!);
        if (ip.some((v, d) => v < 0 || v >= S[d]!)) continue;
        let xi = n * xst[0]! + (g * Cg + c) * xst[1]!;
        let wi = o * wst[0]! + c * wst[1]!;
        for (let d = 0; d < D; d++) {
          xi += ip[d]! * xst[2 + d]!;
          wi += k[d]! * wst[2 + d]!;
        }
        s += x[xi]! * w[wi]!;
      }
    let oi = n * ost[0]! + o * ost[1]!;
    pos.forEach((p, d) => (oi += p * ost[2 + d]!));
    out[oi] = s;
  }
  return { out, shape: os };
}

describe('convolutions against a naive loop', () => {
  const cases = [
    { name: 'plain 3x3', stride: 1, padding: 0, dilation: 1, groups: 1 },
    { name: 'stride 2, padding 1', stride: 2, padding: 1, dilation: 1, groups: 1 },
    { name: 'dilation 2, padding 2, groups 2', stride: 1, padding: 2, dilation: 2, groups: 2 },
  ];
  for (const c of cases)
    it(`conv2d ${c.name}`, () =>
      scope(() => {
        const xs = [2, 4, 7, 6];
        const ws = [6, 4 / c.groups, 3, 3];
        const x = uniformValues(
          xs.reduce((a, b) => a * b),
          11,
        );
        const w = uniformValues(
          ws.reduce((a, b) => a * b),
          12,
        );
        const b = uniformValues(6, 13);
        const r2 = (v: number) => [v, v];
        const want = naiveConv(
          x,
          xs,
          w,
          ws,
          b,
          r2(c.stride),
          r2(c.padding),
          r2(c.dilation),
          c.groups,
        );
        const got = F.conv2d(f64(x, xs), f64(w, ws), f64(b, [6]), c);
        assert.deepEqual(got.shape, want.shape);
        assertClose(got, want.out, { rtol: 1e-10, atol: 1e-12 });
      }));

  it('conv2d with rectangular stride/padding lists, no bias, on a non-contiguous (permuted) input', () =>
    scope(() => {
      const xs = [1, 3, 5, 8];
      const ws = [2, 3, 2, 3];
      const x = uniformValues(40 * 3, 21);
      const w = uniformValues(36, 22);
      const want = naiveConv(x, xs, w, ws, null, [2, 1], [1, 0], [1, 2], 1);
      // the same values stored as NHWC and permuted back to NCHW
      const nchw = f64(x, xs);
      const nhwcView = nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
      assert.equal(nhwcView.isContiguous, false);
      const got = F.conv2d(nhwcView, f64(w, ws), null, {
        stride: [2, 1],
        padding: [1, 0],
        dilation: [1, 2],
      });
      assert.deepEqual(got.shape, want.shape);
      assertClose(got, want.out, { rtol: 1e-10, atol: 1e-12 });
    }));

  it('conv3d (stride [1,2,2], padding 1) as for tube patches', () =>
    scope(() => {
      const xs = [1, 2, 4, 5, 5];
      const ws = [3, 2, 2, 3, 3];
      const x = uniformValues(2 * 4 * 25, 31);
      const w = uniformValues(3 * 2 * 18, 32);
      const b = uniformValues(3, 33);
      const want = naiveConv(x, xs, w, ws, b, [1, 2, 2], [1, 1, 1], [1, 1, 1], 1);
      const got = F.conv3d(f64(x, xs), f64(w, ws), f64(b, [3]), { stride: [1, 2, 2], padding: 1 });
      assert.deepEqual(got.shape, want.shape);
      assertClose(got, want.out, { rtol: 1e-10, atol: 1e-12 });
    }));

  it('a channel mismatch names conv2d and libtorch’s reason', () =>
    scope(() => {
      assert.throws(
        () => F.conv2d(zeros([1, 3, 4, 4]), zeros([2, 2, 3, 3])),
        (e: Error) =>
          e.message.startsWith('conv2d: ') &&
          /expected input\[1, 3, 4, 4\] to have 2 channels/.test(e.message),
      );
    }));
});

describe('normalisation, softmax, embedding, activations', () => {
  it('layerNorm over the last dim and the last two dims, with weight and bias', () =>
    scope(() => {
      const v = uniformValues(2 * 3 * 4, 41, -3, 3);
      const w = uniformValues(4, 42);
      const b = uniformValues(4, 43);
      const eps = 1e-5;
      const want: number[] = [];
      for (let r = 0; r < 6; r++) {
        const row = v.slice(r * 4, r * 4 + 4);
        const m = row.reduce((a, c) => a + c) / 4;
        const varB = row.reduce((a, c) => a + (c - m) ** 2, 0) / 4;
        row.forEach((x, i) => want.push(((x - m) / Math.sqrt(varB + eps)) * w[i]! + b[i]!));
      }
      const x = f64(v, [2, 3, 4]);
      assertClose(F.layerNorm(x, [4], f64(w, [4]), f64(b, [4]), eps), want, {
        rtol: 1e-10,
        atol: 1e-12,
      });
      // over [3, 4] without affine: each [3,4] block has mean 0, biased variance ≈ 1
      const ln2 = F.layerNorm(x, [3, 4]);
      for (const blk of ln2.unbind(0)) {
        assert.ok(Math.abs(blk.mean().item()) < 1e-12);
        assertClose(blk.var([0, 1], false), [1], { rtol: 1e-4 });
      }
      // non-contiguous input: the transpose of a [4, 6] laid out as [6, 4]
      const t = f64(v, [4, 6]).t();
      const viaContig = F.layerNorm(t.contiguous(), [4]);
      assertClose(F.layerNorm(t, [4]), viaContig, { rtol: 1e-12, atol: 1e-14 });
    }));

  it('softmax and logSoftmax against exp/Σexp, stable for large logits, along any dim', () =>
    scope(() => {
      const v = [1, 2, 3, 1000, 1001, 1002];
      const x = f64(v, [2, 3]);
      const row = [1, 2, 3].map((a) => Math.exp(a - 3));
      const s = row.reduce((a, b) => a + b);
      const p = row.map((r) => r / s);
      assertClose(x.softmax(-1), [...p, ...p], { rtol: 1e-12 });
      assertClose(F.logSoftmax(x, 1), [...p, ...p].map(Math.log), { rtol: 1e-12 });
      const col = F.softmax(f64([0, Math.log(3), 0, 0], [2, 2]), 0);
      assertClose(col, [0.5, 0.75, 0.5, 0.25], { rtol: 1e-12 });
      // rows of a transposed input sum to 1
      assertClose(randn([5, 4]).t().softmax(1).sum(1), [1, 1, 1, 1], { rtol: 1e-6 });
    }));

  it('embedding picks rows; normalize divides by the clamped p-norm', () =>
    scope(() => {
      const w = arange(12).reshape(4, 3).to('float32');
      const ids = tensor(
        [
          [3, 0],
          [1, 1],
        ],
        undefined,
        'int64',
      );
      const e = F.embedding(ids, w);
      assert.deepEqual(e.shape, [2, 2, 3]);
      assert.deepEqual(values(e), [9, 10, 11, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
      const n = F.normalize(
        tensor([
          [3, 4],
          [0, 0],
        ]),
      );
      assertClose(n, [0.6, 0.8, 0, 0]);
      assertClose(F.normalize(tensor([[3, -4]]), 1, 1), [3 / 7, -4 / 7]);
      assertClose(F.normalize(tensor([[3], [4]]), 2, 0), [0.6, 0.8]);
    }));

  it('quickGelu, silu, relu, sigmoid, tanh, gelu through F', () =>
    scope(() => {
      const xs = [-3, -0.5, 0, 0.25, 2];
      const x = f64(xs, [5]);
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      assertClose(
        F.quickGelu(x),
        xs.map((v) => v * sig(1.702 * v)),
        { rtol: 1e-12 },
      );
      assertClose(
        F.silu(x),
        xs.map((v) => v * sig(v)),
        { rtol: 1e-12 },
      );
      assertClose(
        F.relu(x),
        xs.map((v) => Math.max(v, 0)),
      );
      assertClose(F.sigmoid(x), xs.map(sig), { rtol: 1e-12 });
      assertClose(F.tanh(x), xs.map(Math.tanh), { rtol: 1e-12 });
      assertClose(F.gelu(f64([1], [1])), [0.8413447460685429], { rtol: 1e-12 });
    }));

  it('pad, oneHot, bilinear interpolation with aligned corners', () =>
    scope(() => {
      assert.deepEqual(F.pad(tensor([[1, 2]]), [1, 2], -1).tolist(), [[-1, 1, 2, -1, -1]]);
      assert.deepEqual(F.pad(tensor([[1]]), [0, 0, 1, 0]).tolist(), [[0], [1]]);
      assert.deepEqual(F.oneHot(tensor([2, 0], undefined, 'int64'), 3).tolist(), [
        [0, 0, 1],
        [1, 0, 0],
      ]);
      // align_corners: output i samples input i·(in−1)/(out−1) = i/2
      const up = F.interpolate(tensor([0, 1, 2, 3], [1, 1, 2, 2]), [3, 3], 'bilinear', true);
      assertClose(up, [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
      assert.deepEqual(F.interpolate(rand([1, 3, 4, 4]), [7, 5], 'bicubic').shape, [1, 3, 7, 5]);
    }));

  it('dropout: identity when not training, zeros about p and scales the rest by 1/(1−p)', () =>
    scope(() => {
      const x = ones([20000]);
      assert.ok(F.dropout(x, 0.3, false).equal(x));
      manualSeed(5);
      const y = F.dropout(x, 0.3, true);
      const v = values(y);
      const zerosFrac = v.filter((a) => a === 0).length / v.length;
      assert.ok(Math.abs(zerosFrac - 0.3) < 0.02, `fraction dropped ${zerosFrac}`);
      assert.ok(v.every((a) => a === 0 || Math.abs(a - 1 / 0.7) < 1e-6));
      assert.equal(F.dropout(x, 1, true).sum().item(), 0);
      assert.throws(() => F.dropout(x, 1.5, true), /dropout: p must be in \[0, 1\], got 1.5/);
    }));
});

describe('losses computed by hand', () => {
  const logits = [
    [2, 1, 0.1],
    [0.5, 2.5, -1],
    [-1, 0, 3],
    [1, 1, 1],
  ];
  const target = [0, 1, 2, 1];
  const logp = logits.map((r) => {
    const m = Math.max(...r);
    const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
    return r.map((v) => v - lse);
  });
  const X = () => f64(logits.flat(), [4, 3]);
  const T = (t = target) => tensor(t, undefined, 'int64');

  it('cross entropy: mean, sum, none', () =>
    scope(() => {
      const per = target.map((t, i) => -logp[i]![t]!);
      assertClose(F.crossEntropy(X(), T(), { reduction: 'none' }), per, { rtol: 1e-12 });
      assertClose(F.crossEntropy(X(), T(), { reduction: 'sum' }), [per.reduce((a, b) => a + b)], {
        rtol: 1e-12,
      });
      assertClose(F.crossEntropy(X(), T()), [per.reduce((a, b) => a + b) / 4], { rtol: 1e-12 });
    }));

  it('cross entropy with class weights: Σ w_t·loss / Σ w_t', () =>
    scope(() => {
      const w = [0.2, 1, 3];
      const num = target.reduce((a, t, i) => a + w[t]! * -logp[i]![t]!, 0);
      const den = target.reduce((a, t) => a + w[t]!, 0);
      assertClose(F.crossEntropy(X(), T(), { weight: f64(w, [3]) }), [num / den], { rtol: 1e-12 });
    }));

  it('cross entropy with ignore_index: ignored rows count neither in the sum nor the mean', () =>
    scope(() => {
      const t = [0, -100, 2, 7];
      const kept = [0, 2];
      const want = kept.reduce((a, i) => a - logp[i]![t[i]!]!, 0) / kept.length;
      assertClose(F.crossEntropy(X(), T([0, -100, 2, -100])), [want], { rtol: 1e-12 });
      assertClose(F.crossEntropy(X(), T([0, 7, 2, 7]), { ignoreIndex: 7 }), [want], {
        rtol: 1e-12,
      });
      const none = values(
        F.crossEntropy(X(), T([0, 7, 2, 7]), { ignoreIndex: 7, reduction: 'none' }),
      );
      assert.equal(none[1], 0);
      assert.equal(none[3], 0);
    }));

  it('cross entropy with label smoothing ε: (1−ε)·nll + ε·mean over classes of −log p', () =>
    scope(() => {
      const eps = 0.1;
      const C = 3;
      const per = target.map(
        (t, i) => (1 - eps) * -logp[i]![t]! + (eps / C) * logp[i]!.reduce((a, v) => a - v, 0),
      );
      assertClose(
        F.crossEntropy(X(), T(), { labelSmoothing: eps }),
        [per.reduce((a, b) => a + b) / 4],
        { rtol: 1e-12 },
      );
      // together with ignore_index: the ignored row drops out of both terms
      const kept = [0, 2, 3];
      const want = kept.reduce((a, i) => a + per[i]!, 0) / kept.length;
      assertClose(F.crossEntropy(X(), T([0, -100, 2, 1]), { labelSmoothing: eps }), [want], {
        rtol: 1e-12,
      });
    }));

  it('cross entropy over [N, C, L] (a class dim in the middle) equals the flattened form', () =>
    scope(() => {
      const x = randn([2, 5, 3], 'float64');
      const t = tensor([0, 4, 2, 1, 1, 3], [2, 3], 'int64');
      const flat = F.crossEntropy(x.permute(0, 2, 1).reshape(6, 5), t.reshape(6));
      assertClose(F.crossEntropy(x, t), flat, { rtol: 1e-12 });
    }));

  it('nll loss of log-probabilities; mse; binary cross entropy with logits', () =>
    scope(() => {
      const lp = f64(logp.flat(), [4, 3]);
      const per = target.map((t, i) => -logp[i]![t]!);
      assertClose(F.nllLoss(lp, T()), [per.reduce((a, b) => a + b) / 4], { rtol: 1e-12 });
      assertClose(F.nllLoss(lp, T([0, 1, -100, -100])), [(per[0]! + per[1]!) / 2], { rtol: 1e-12 });
      const a = [1, 2, 3, 4];
      const b = [1.5, 2, 2, 6];
      assertClose(F.mseLoss(f64(a, [4]), f64(b, [4])), [(0.25 + 0 + 1 + 4) / 4], { rtol: 1e-12 });
      assertClose(F.mseLoss(f64(a, [4]), f64(b, [4]), 'sum'), [5.25], { rtol: 1e-12 });
      assertClose(F.mseLoss(f64(a, [2, 2]), f64(b, [2, 2]), 'none'), [0.25, 0, 1, 4]);
      const z = [-2, 0.5, 3];
      const y = [0, 1, 1];
      const bce = z.map((v, i) => Math.max(v, 0) - v * y[i]! + Math.log1p(Math.exp(-Math.abs(v))));
      assertClose(
        F.binaryCrossEntropyWithLogits(f64(z, [3]), f64(y, [3])),
        [bce.reduce((p, q) => p + q) / 3],
        { rtol: 1e-12 },
      );
      assert.throws(
        () => F.mseLoss(zeros([2]), zeros([2]), 'avg' as F.Reduction),
        /mseLoss: reduction must be 'none', 'mean' or 'sum', got 'avg'/,
      );
    }));
});

describe('scaled-dot-product attention', () => {
  function composed(q: Tensor, k: Tensor, v: Tensor, mask?: Tensor | null, scale?: number): Tensor {
    const d = q.size(-1);
    let s = q.matmul(k.transpose(-2, -1)).mul(scale ?? 1 / Math.sqrt(d));
    if (mask) s = mask.dtype === 'bool' ? s.maskedFill(mask.logicalNot(), -Infinity) : s.add(mask);
    return s.softmax(-1).matmul(v);
  }
  const qkv = () => {
    manualSeed(3);
    return [
      randn([2, 3, 4, 8], 'float64'),
      randn([2, 3, 5, 8], 'float64'),
      randn([2, 3, 5, 6], 'float64'),
    ] as const;
  };

  it('no mask, custom scale', () =>
    scope(() => {
      const [q, k, v] = qkv();
      assertClose(F.scaledDotProductAttention(q, k, v), composed(q, k, v), {
        rtol: 1e-10,
        atol: 1e-12,
      });
      assertClose(
        F.scaledDotProductAttention(q, k, v, { scale: 0.3 }),
        composed(q, k, v, null, 0.3),
        { rtol: 1e-10, atol: 1e-12 },
      );
    }));

  it('additive [L, S] and [N, 1, L, S] masks, a boolean mask (true = may attend), causal', () =>
    scope(() => {
      const [q, k, v] = qkv();
      const add = randn([4, 5], 'float64');
      assertClose(F.scaledDotProductAttention(q, k, v, { mask: add }), composed(q, k, v, add), {
        rtol: 1e-10,
        atol: 1e-12,
      });
      const perBatch = zeros([2, 1, 4, 5], 'float64').maskedFill(
        rand([2, 1, 4, 5]).gt(0.6),
        -Infinity,
      );
      perBatch.select(3, 0).fill_(0); // every row keeps one key
      assertClose(
        F.scaledDotProductAttention(q, k, v, { mask: perBatch }),
        composed(q, k, v, perBatch),
        { rtol: 1e-10, atol: 1e-12 },
      );
      const allow = rand([4, 5]).gt(0.4).logicalOr(arange(5).eq(0));
      assertClose(F.scaledDotProductAttention(q, k, v, { mask: allow }), composed(q, k, v, allow), {
        rtol: 1e-10,
        atol: 1e-12,
      });
      const [qs, ks, vs] = [q, k.narrow(2, 0, 4), v.narrow(2, 0, 4)];
      const causal = ones([4, 4], 'bool').tril();
      assertClose(
        F.scaledDotProductAttention(qs, ks, vs, { isCausal: true }),
        composed(qs, ks, vs, causal),
        { rtol: 1e-10, atol: 1e-12 },
      );
    }));

  it('float32 inputs, transposed (non-contiguous) q/k/v', () =>
    scope(() => {
      const [q, k, v] = qkv().map((t) =>
        t.transpose(1, 2).contiguous().transpose(1, 2).to('float32'),
      );
      assert.equal(q!.isContiguous, false);
      assertClose(F.scaledDotProductAttention(q!, k!, v!), composed(q!, k!, v!), {
        rtol: 1e-5,
        atol: 1e-6,
      });
    }));
});
