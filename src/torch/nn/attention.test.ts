/**
 * nn.MultiheadAttention against a composed implementation with the same parameters (projections
 * with matmul, per-head softmax(q kᵀ/√d + mask) v written out, heads merged, out_proj), in float64
 * at 1e-10: self- and cross-attention, both layouts, additive masks [L, S], [N·H, L, S] and
 * [N, 1, L, S], boolean masks (true = blocked, as in PyTorch), key padding, and both together; gradients by
 * finite differences; dropout only in training.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noGrad } from '../autograd.js';
import { cat, rand, randn, tensor, zeros } from '../creation.js';
import { scope } from '../scope.js';
import { manualSeed } from '../system.js';
import type { Tensor } from '../tensor.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { MultiheadAttention } from './attention.js';

const E = 8;
const H = 2;
const N = 3;
const L = 4;
const S = 5;

function makeMha(batchFirst = false, dropout = 0): MultiheadAttention {
  manualSeed(11);
  const m = new MultiheadAttention(E, H, { batchFirst, dropout }).to('float64');
  // non-zero biases so that a mix-up of q/k/v biases would show
  scope(() => {
    m.in_proj_bias.detach().copy_(randn([3 * E], 'float64'));
    m.out_proj.bias!.detach().copy_(randn([E], 'float64'));
  });
  return m;
}

/**
 * The reference computation, batch-first [N, L, E] in and out. `mask` is additive and already
 * broadcastable to [N, H, L, S]; `pad` [N, S] is true at padding keys.
 */
function composed(
  m: MultiheadAttention,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  pad: Tensor | null,
): Tensor {
  const w = m.in_proj_weight;
  const b = m.in_proj_bias;
  const proj = (x: Tensor, i: number) =>
    x.matmul(w.narrow(0, i * E, E).t()).add(b.narrow(0, i * E, E));
  const [n, l] = q.shape as [number, number];
  const s = k.shape[1]!;
  const d = E / H;
  const heads = (x: Tensor, len: number) => x.reshape(n, len, H, d).permute(0, 2, 1, 3); // [N, H, len, d]
  const qh = heads(proj(q, 0), l);
  const kh = heads(proj(k, 1), s);
  const vh = heads(proj(v, 2), s);
  let scores = qh.matmul(kh.transpose(-1, -2)).div(Math.sqrt(d)); // [N, H, L, S]
  if (mask) scores = scores.add(mask);
  if (pad) scores = scores.maskedFill(pad.reshape(n, 1, 1, s), -Infinity);
  const out = scores.softmax(-1).matmul(vh).permute(0, 2, 1, 3).reshape(n, l, E);
  return out.matmul(m.out_proj.weight.t()).add(m.out_proj.bias!);
}

const inputs = () => {
  manualSeed(12);
  return {
    x: randn([N, L, E], 'float64'),
    k: randn([N, S, E], 'float64'),
    v: randn([N, S, E], 'float64'),
  };
};
const tol = { rtol: 1e-10, atol: 1e-12 };

describe('MultiheadAttention against the composed computation', () => {
  it('self-attention, batch-first and sequence-first layouts', () =>
    scope(() => {
      const { x } = inputs();
      const bf = makeMha(true);
      const want = composed(bf, x, x, x, null, null);
      assertClose(bf.forward(x), want, tol);
      const sf = makeMha(false);
      const out = sf.forward(x.transpose(0, 1)); // [L, N, E] in and out
      assert.deepEqual(out.shape, [L, N, E]);
      assertClose(out.transpose(0, 1), want, tol);
      bf.dispose();
      sf.dispose();
    }));

  it('attendHeads is forward before out_proj; a projection workspace (no grad) gives the same', () =>
    scope(() => {
      const { x } = inputs();
      const m = makeMha(true);
      const heads = m.attendHeads(x);
      assertClose(m.out_proj.forward(heads), composed(m, x, x, x, null, null), tol);
      const ws = randn([N * L + 2, 3 * E], 'float64'); // larger than needed, stale contents
      assertClose(noGrad(() => m.attendHeads(x, x, x, { projWorkspace: ws })), heads.detach(), tol);
      m.dispose();
    }));

  it('cross-attention with S ≠ L (separate q, k, v projections)', () =>
    scope(() => {
      const { x, k, v } = inputs();
      const m = makeMha(true);
      const out = m.forward(x, k, v);
      assert.deepEqual(out.shape, [N, L, E]);
      assertClose(out, composed(m, x, k, v, null, null), tol);
      // key and value the same tensor, query different
      assertClose(m.forward(x, k), composed(m, x, k, k, null, null), tol);
      m.dispose();
    }));

  it('additive masks [L, S], [N·H, L, S] and [N, 1, L, S]', () =>
    scope(() => {
      const { x, k, v } = inputs();
      const m = makeMha(true);
      const ls = randn([L, S], 'float64');
      assertClose(m.forward(x, k, v, { attnMask: ls }), composed(m, x, k, v, ls, null), tol);
      // PyTorch's [N·H, L, S]: row n·H + h is batch n, head h
      const nh = randn([N * H, L, S], 'float64');
      assertClose(
        m.forward(x, k, v, { attnMask: nh }),
        composed(m, x, k, v, nh.reshape(N, H, L, S), null),
        tol,
      );
      const n1 = zeros([N, 1, L, S], 'float64').maskedFill(rand([N, 1, L, S]).gt(0.7), -Infinity);
      n1.select(3, 2).fill_(0); // every query keeps a key
      assertClose(m.forward(x, k, v, { attnMask: n1 }), composed(m, x, k, v, n1, null), tol);
      // a float32 mask is converted to the input's dtype
      assertClose(
        m.forward(x, k, v, { attnMask: ls.to('float32') }),
        composed(m, x, k, v, ls.to('float32').to('float64'), null),
        tol,
      );
      m.dispose();
    }));

  it('boolean masks: true marks the keys a query may not attend to, as in PyTorch', () =>
    scope(() => {
      const { x, k, v } = inputs();
      const m = makeMha(true);
      const allow = rand([L, S]).gt(0.5);
      allow.select(1, 0).fill_(true);
      const additive = zeros([L, S], 'float64').maskedFill(allow.logicalNot(), -Infinity);
      assertClose(
        m.forward(x, k, v, { attnMask: allow.logicalNot() }),
        composed(m, x, k, v, additive, null),
        tol,
      );
      const allow4 = rand([N, 1, L, S]).gt(0.5);
      allow4.select(3, 4).fill_(true);
      const add4 = zeros([N, 1, L, S], 'float64').maskedFill(allow4.logicalNot(), -Infinity);
      assertClose(m.forward(x, k, v, { attnMask: allow4.logicalNot() }), composed(m, x, k, v, add4, null), tol);
      m.dispose();
    }));

  it('key padding (bool or 0/1), alone and with an additive mask, sequence-first layout', () =>
    scope(() => {
      const { x, k, v } = inputs();
      const m = makeMha(false);
      const pad = tensor(
        Uint8Array.from([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]),
        [N, S],
        'bool',
      );
      const sf = (t: Tensor) => t.transpose(0, 1);
      const got = sf(m.forward(sf(x), sf(k), sf(v), { keyPaddingMask: pad }));
      assertClose(got, composed(m, x, k, v, null, pad), tol);
      const asInt = pad.to('int64');
      assertClose(
        sf(m.forward(sf(x), sf(k), sf(v), { keyPaddingMask: asInt })),
        composed(m, x, k, v, null, pad),
        tol,
      );
      const ls = randn([L, S], 'float64');
      const both = sf(m.forward(sf(x), sf(k), sf(v), { attnMask: ls, keyPaddingMask: pad }));
      assertClose(both, composed(m, x, k, v, ls, pad), tol);
      // padded keys do not influence the output: changing them changes nothing
      const k2 = k.clone();
      k2.select(0, 0).select(0, 3).fill_(100);
      assertClose(
        sf(m.forward(sf(x), sf(k2), sf(v), { keyPaddingMask: pad })).select(0, 0),
        got.select(0, 0),
        tol,
      );
      m.dispose();
    }));

  it('a mask of the wrong rank and a wrong width are refused with a message', () =>
    scope(() => {
      const { x } = inputs();
      const m = makeMha(true);
      assert.throws(
        () => m.forward(x, x, x, { attnMask: zeros([L]) }),
        /MultiheadAttention: attnMask of rank 1; expected 2, 3 or 4/,
      );
      assert.throws(
        () => m.forward(cat([x, x], 2)),
        /MultiheadAttention: input width 16, expected 8/,
      );
      assert.throws(
        () => new MultiheadAttention(10, 3),
        /embedDim 10 is not divisible by numHeads 3/,
      );
      m.dispose();
    }));
});

describe('MultiheadAttention training behaviour', () => {
  it('gradients with respect to the input match finite differences (float64)', () =>
    scope(() => {
      const m = makeMha(true);
      const x = randn([2, 3, E], 'float64').requiresGrad_(true);
      const mask = randn([3, 3], 'float64');
      gradcheck((t) => m.forward(t, t, t, { attnMask: mask }), [x], { name: 'mha self-attention' });
      const kv = randn([2, 4, E], 'float64').requiresGrad_(true);
      gradcheck((q, kk) => m.forward(q, kk, kk), [x, kv], { name: 'mha cross-attention' });
      m.dispose();
    }));

  it('every parameter receives a gradient', () =>
    scope(() => {
      const m = makeMha(true);
      const { x } = inputs();
      m.forward(x).square().sum().backward();
      assert.deepEqual(
        m.namedParameters().map(([k]) => k),
        ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'],
      );
      for (const [k, p] of m.namedParameters())
        assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${k} has a gradient`);
      m.dispose();
    }));

  it('attention dropout applies in training only', () =>
    scope(() => {
      const m = makeMha(true, 0.5);
      const { x } = inputs();
      m.eval();
      const a = m.forward(x);
      assertClose(m.forward(x), a, tol);
      assertClose(a, composed(m, x, x, x, null, null), tol);
      m.train();
      manualSeed(1);
      const b = m.forward(x);
      assert.ok(!b.allclose(a), 'training output differs');
      m.dispose();
    }));
});
