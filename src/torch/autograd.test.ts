/**
 * Autograd behaviour: requiresGrad and leaves, backward with a gradient argument, accumulation
 * across backward calls, retained graphs, detach, noGrad/enableGrad (restored after exceptions),
 * clearing gradients, clipGradNorm against a hand computation (norm 13 from gradients [3, 4] and
 * [12]), and gradScale.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipGradNorm, enableGrad, gradScale, isGradEnabled, noGrad } from './autograd.js';
import { ones, tensor, zeros } from './creation.js';
import { Linear } from './nn/layers.js';
import { Parameter } from './nn/parameter.js';
import { scope } from './scope.js';
import { assertClose, values } from './testing/index.js';

const leaf = (v: number[]) => tensor(v).requiresGrad_(true);

describe('requiresGrad and backward', () => {
  it('leaves do not require grad by default; results of ops on ones that do, do', () =>
    scope(() => {
      const a = tensor([1, 2]);
      assert.equal(a.requiresGrad, false);
      assert.equal(a.isLeaf, true);
      const b = leaf([1, 2]);
      assert.equal(b.requiresGrad, true);
      const c = b.mul(a);
      assert.equal(c.requiresGrad, true);
      assert.equal(c.isLeaf, false);
      assert.equal(b.grad, null);
      assert.throws(
        () => tensor([1, 2], undefined, 'int64').requiresGrad_(true),
        /requiresGrad_: Only Tensors of floating point and complex dtype can require gradients/,
      );
    }));

  it('backward of a scalar: d/dx Σ x² = 2x; d/dx of a product rule', () =>
    scope(() => {
      const x = leaf([1, -2, 3]);
      x.square().sum().backward();
      assert.deepEqual(values(x.grad!), [2, -4, 6]);
      const u = leaf([2]);
      const v = leaf([5]);
      u.mul(v).mul(u).backward(); // u²v: d/du = 2uv = 20, d/dv = u² = 4
      assert.deepEqual(values(u.grad!), [20]);
      assert.deepEqual(values(v.grad!), [4]);
    }));

  it('backward with a gradient argument weights the outputs', () =>
    scope(() => {
      const x = leaf([1, 2, 3]);
      const y = x.mul(x); // dy/dx = 2x elementwise
      y.backward(tensor([1, 0.5, -1]));
      assert.deepEqual(values(x.grad!), [2, 2, -6]);
    }));

  it('backward of a non-scalar without a gradient is refused with a clear message', () =>
    scope(() => {
      const y = leaf([1, 2]).mul(2);
      assert.throws(
        () => y.backward(),
        /backward: a gradient argument is required for a tensor with 2 elements/,
      );
    }));

  it('gradients accumulate across backward calls until cleared', () =>
    scope(() => {
      const x = leaf([1, 2]);
      x.mul(3).sum().backward();
      x.mul(x).sum().backward();
      assert.deepEqual(values(x.grad!), [3 + 2, 3 + 4]);
      x.grad = null;
      assert.equal(x.grad, null);
      x.sum().backward();
      assert.deepEqual(values(x.grad!), [1, 1]);
      // zeroing in place keeps the tensor
      x.grad!.zero_();
      assert.deepEqual(values(x.grad!), [0, 0]);
      // setting a gradient explicitly
      x.grad = tensor([7, 8]);
      assert.deepEqual(values(x.grad!), [7, 8]);
    }));

  it('a second backward through the same graph needs retainGraph', () =>
    scope(() => {
      const x = leaf([2]);
      const y = x.exp().sum();
      y.backward(undefined, true);
      y.backward();
      assertClose(x.grad!, [2 * Math.exp(2)]);
      const z = x.exp().sum();
      z.backward();
      assert.throws(() => z.backward(), /backward: .*(second time|already been freed)/);
    }));

  it('retainGrad keeps the gradient of an intermediate', () =>
    scope(() => {
      const x = leaf([1, 2]);
      const h = x.mul(2).retainGrad();
      h.square().sum().backward();
      assert.deepEqual(values(h.grad!), [4, 8]);
      assert.deepEqual(values(x.grad!), [8, 16]);
    }));

  it('detach cuts the graph but shares memory', () =>
    scope(() => {
      const x = leaf([1, 2]);
      const d = x.detach();
      assert.equal(d.requiresGrad, false);
      x.mul(d).sum().backward(); // d is a constant: gradient is d, not 2x
      assert.deepEqual(values(x.grad!), [1, 2]);
      noGrad(() => d.add_(10));
      assert.deepEqual(values(x), [11, 12]);
    }));
});

describe('grad mode', () => {
  it('noGrad: results do not require grad; the mode is restored afterwards and after a throw', () =>
    scope(() => {
      const x = leaf([1, 2]);
      const y = noGrad(() => x.mul(2));
      assert.equal(y.requiresGrad, false);
      assert.equal(isGradEnabled(), true);
      assert.throws(() =>
        noGrad(() => {
          throw new Error('boom');
        }),
      );
      assert.equal(isGradEnabled(), true);
      const z = noGrad(() => enableGrad(() => x.mul(2)));
      assert.equal(z.requiresGrad, true);
      noGrad(() => {
        noGrad(() => undefined);
        assert.equal(isGradEnabled(), false);
      });
      assert.equal(isGradEnabled(), true);
    }));

  it('in-place updates of leaves are allowed under noGrad (what optimizers do) and refused outside', () =>
    scope(() => {
      const p = leaf([1, 2]);
      noGrad(() => p.sub_(tensor([1, 1])));
      assert.deepEqual(values(p), [0, 1]);
      assert.throws(
        () => p.add_(1),
        /add_: a leaf Variable that requires grad is being used in an in-place operation/,
      );
    }));

  it('noGrad refuses an async function', () => {
    assert.throws(() => noGrad(async () => 1), /noGrad\/enableGrad blocks are synchronous/);
    assert.equal(isGradEnabled(), true);
  });
});

describe('clipGradNorm and gradScale', () => {
  const params = () => {
    const a = new Parameter(zeros([2]));
    const b = new Parameter(zeros([1]));
    const c = new Parameter(zeros([3])); // no gradient: ignored
    a.grad = tensor([3, 4]);
    b.grad = tensor([12]);
    return [a, b, c];
  };

  it('scales all gradients by maxNorm / (total + 1e-6) and returns the total 2-norm', () =>
    scope(() => {
      const ps = params();
      const total = clipGradNorm(ps, 6.5);
      assertClose([total], [13]);
      const coef = 6.5 / (13 + 1e-6);
      assertClose(ps[0]!.grad!, [3 * coef, 4 * coef]);
      assertClose(ps[1]!.grad!, [12 * coef]);
      assert.equal(ps[2]!.grad, null);
      ps.forEach((p) => p.dispose());
    }));

  it('leaves gradients alone below maxNorm; p = 1 and ∞ norms', () =>
    scope(() => {
      const ps = params();
      assertClose([clipGradNorm(ps, 100)], [13]);
      assert.deepEqual(values(ps[0]!.grad!), [3, 4]);
      assertClose([clipGradNorm(ps, 100, 1)], [19]);
      assertClose([clipGradNorm(ps, 6, Infinity)], [12]);
      assertClose(ps[1]!.grad!, [12 * (6 / (12 + 1e-6))]);
      ps.forEach((p) => p.dispose());
    }));

  it('clips the gradients of a module’s parameters', () =>
    scope(() => {
      const lin = new Linear(3, 2);
      lin
        .forward(ones([4, 3]))
        .sum()
        .mul(100)
        .backward();
      const before = Math.hypot(...lin.parameters().flatMap((p) => values(p.grad!)));
      const total = clipGradNorm(lin.parameters(), 1);
      assertClose([total], [before], { rtol: 1e-5 });
      const after = Math.hypot(...lin.parameters().flatMap((p) => values(p.grad!)));
      assertClose([after], [1], { rtol: 1e-5 });
      lin.dispose();
    }));

  it('gradScale is the identity forward and multiplies the gradient backward', () =>
    scope(() => {
      const x = leaf([1, 2, 3]);
      const y = gradScale(x, 4);
      assert.deepEqual(values(y), [1, 2, 3]);
      y.mul(tensor([1, 10, 100]))
        .sum()
        .backward();
      assert.deepEqual(values(x.grad!), [4, 40, 400]);
      // and it composes with other ops: d/dx (gradScale(x, 0.5))² = 0.5 · 2x
      const z = leaf([3]);
      gradScale(z, 0.5).square().sum().backward();
      assert.deepEqual(values(z.grad!), [3]);
    }));
});
