/**
 * The transformer's inference path (grad mode off, float32: QuickGELU folded into the MLP's GEMMs,
 * residuals added in place) against the training path written as CLIP's block (x + attn(ln_1 x),
 * x + c_proj(quickGelu(c_fc(ln_2 x)))), on the same weights; and a block run at selected query
 * positions (`queries`, Transformer's `lastQueries`; shared [P] or per sample [N, P]); the Transformer's in-place residual stream
 * against the plain block-by-block run against the rows of the full output, with and
 * without an additive causal mask. Tolerance 1e-5 absolute + relative (float32 rounding of the
 * folded 1.702 scalings; both sides see the same inputs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, enableGrad, full, manualSeed, noGrad, randn, scope, tensor, type Tensor } from '../torch/index.js';
import { assertClose } from '../torch/testing/index.js';
import { ResidualAttentionBlock, Transformer } from './transformer.js';

const W = 32;
const HEADS = 4;
const TOL = { atol: 1e-5, rtol: 1e-5 };

function block(): ResidualAttentionBlock {
  manualSeed(3);
  const b = new ResidualAttentionBlock(W, HEADS);
  // Non-zero biases and LayerNorm affines, so that a dropped or mis-scaled bias would show.
  noGrad(() => {
    for (const p of b.parameters()) if (p.shape.length === 1) scope(() => p.copy_(randn(p.shape).mul(0.5)));
  });
  b.eval();
  return b;
}

/** The block written out as CLIP's, with gradients on so the block under test takes its training path. */
const slow = (b: ResidualAttentionBlock, x: Tensor, mask?: Tensor | null) => enableGrad(() => b.forward(x, mask).detach());

describe('ResidualAttentionBlock inference path', () => {
  it('matches the training path on the same weights (float32)', () =>
    scope(() => {
      const b = block();
      const x = randn([3, 7, W]);
      assertClose(noGrad(() => b.forward(x)), slow(b, x), TOL);
      const causal = full([7, 7], -Infinity).triu(1);
      assertClose(noGrad(() => b.forward(x, causal)), slow(b, x, causal), TOL);
      b.dispose();
    }));

  it('computes the MLP as QuickGELU between the two Linears', () =>
    scope(() => {
      const b = block();
      const x = randn([2, 5, W]);
      const expected = b.mlp.c_proj.forward(b.mlp.c_fc.forward(x).mul(b.mlp.c_fc.forward(x).mul(1.702).sigmoid()));
      assertClose(noGrad(() => b.mlp.forward(x)), expected.detach(), TOL);
      b.dispose();
    }));

  it('leaves its input untouched (residuals are added into fresh tensors)', () =>
    scope(() => {
      const b = block();
      const x = randn([2, 5, W]);
      const copy = x.clone();
      noGrad(() => b.forward(x));
      assertClose(x, copy, { atol: 0, rtol: 0 });
      b.dispose();
    }));
});

describe('Transformer inference path (residual stream updated in place)', () => {
  it('matches the training path block by block, with and without a mask, and leaves its input alone', () =>
    scope(() => {
      manualSeed(7);
      const t = new Transformer(W, 3, HEADS);
      noGrad(() => {
        for (const p of t.parameters()) if (p.shape.length === 1) scope(() => p.copy_(randn(p.shape).mul(0.5)));
      });
      t.eval();
      const x = randn([2, 6, W]);
      const copy = x.clone();
      for (const attnMask of [null, full([6, 6], -Infinity).triu(1)]) {
        const fast: Tensor[] = [];
        const plain: Tensor[] = [];
        const a = noGrad(() => t.forward(x, { attnMask, onBlock: (_, y) => void fast.push(y.keep()) }));
        const b = enableGrad(() => t.forward(x, { attnMask, onBlock: (_, y) => void plain.push(y.detach().keep()) }).detach());
        assertClose(a, b, TOL);
        assert.equal(fast.length, 3);
        fast.forEach((y, i) => assertClose(y, plain[i]!, TOL));
        for (const y of [...fast, ...plain]) y.dispose();
        // from/to: a run of blocks 1..2 on block 0's output equals the whole run
        const first = noGrad(() => t.forward(x, { attnMask, to: 1 }));
        assertClose(noGrad(() => t.forward(first, { attnMask, from: 1 })), b, TOL);
      }
      assertClose(x, copy, { atol: 0, rtol: 0 });
      t.dispose();
    }));
});

describe('Transformer inference path on a single row (N·L = 1: one token of a cached decoding step)', () => {
  it('matches the training path and leaves every parameter untouched', () =>
    scope(() => {
      manualSeed(11);
      const t = new Transformer(W, 2, HEADS);
      noGrad(() => {
        for (const p of t.parameters()) if (p.shape.length === 1) scope(() => p.copy_(randn(p.shape).mul(0.5)));
      });
      t.eval();
      const before = [...t.parameters()].map((p) => p.detach().clone());
      const x = randn([1, 1, W]);
      const fast = noGrad(() => t.forward(x));
      const plain = enableGrad(() => t.forward(x).detach());
      assertClose(fast, plain, TOL);
      [...t.parameters()].forEach((p, i) => assertClose(p.detach(), before[i]!, { atol: 0, rtol: 0 }));
      t.dispose();
    }));
});

describe('queries: output at selected positions only', () => {
  it('equals the selected rows of the full output, without and with a mask', () =>
    scope(() => {
      const b = block();
      const x = randn([2, 9, W]);
      const q = tensor([0, 3, 8], [3], 'int64');
      for (const mask of [null, full([9, 9], -Infinity).triu(1)]) {
        const part = noGrad(() => b.forward(x, mask, q));
        assert.deepEqual(part.shape, [2, 3, W]);
        assertClose(part, noGrad(() => b.forward(x, mask)).indexSelect(1, q), TOL);
        assertClose(slow(b, x, mask).indexSelect(1, q), enableGrad(() => b.forward(x, mask, q).detach()), TOL);
      }
      b.dispose();
    }));

  it('per-sample positions [N, P]: the rows of each sample, each with its mask row ([L, L], [N·heads, L, L], [N, 1, L, L])', () =>
    scope(() => {
      const b = block();
      const x = randn([3, 8, W]);
      const q = tensor([7, 2, 0, 5, 3, 3], [3, 2], 'int64'); // sample n reads rows q[n]
      const causal = full([8, 8], -Infinity).triu(1);
      const perSample = randn([3, 1, 8, 8]).mul(2); // a different additive mask for each sample
      const perHead = randn([3 * HEADS, 8, 8]);
      const rowsOf = (y: Tensor) => y.index([arange(3).reshape(3, 1), q]); // [3, 2, W]
      for (const mask of [null, causal, perSample, perHead]) {
        const part = noGrad(() => b.forward(x, mask, q));
        assert.deepEqual(part.shape, [3, 2, W]);
        assertClose(part, rowsOf(noGrad(() => b.forward(x, mask))), TOL);
        assertClose(enableGrad(() => b.forward(x, mask, q).detach()), rowsOf(slow(b, x, mask)), TOL);
      }
      b.dispose();
    }));

  it('Transformer applies lastQueries to the last block run only', () =>
    scope(() => {
      manualSeed(5);
      const t = new Transformer(W, 3, HEADS);
      t.eval();
      const x = randn([2, 6, W]);
      const q = arange(0, 6, 3);
      const full3 = noGrad(() => t.forward(x));
      const part = noGrad(() => t.forward(x, { lastQueries: q }));
      assert.deepEqual(part.shape, [2, 2, W]);
      assertClose(part, full3.indexSelect(1, q), TOL);
      const first2 = noGrad(() => t.forward(x, { to: 2, lastQueries: q }));
      assertClose(first2, noGrad(() => t.forward(x, { to: 2 })).indexSelect(1, q), TOL);
      // one position per sample, as the text tower's end of text, under a causal mask
      const causal = full([6, 6], -Infinity).triu(1);
      const eot = tensor([4, 1], [2, 1], 'int64');
      const own = noGrad(() => t.forward(x, { attnMask: causal, lastQueries: eot }));
      assert.deepEqual(own.shape, [2, 1, W]);
      assertClose(own, noGrad(() => t.forward(x, { attnMask: causal })).index([arange(2).reshape(2, 1), eot]), TOL);
      t.dispose();
    }));
});
