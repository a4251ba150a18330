/**
 * GradScaler (dynamic loss scaling for float16): scaled gradients come back unscaled; an inf or NaN
 * gradient skips the optimizer step and halves the factor; `growthInterval` clean steps double it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad, scope, tensor } from '../index.js';
import { parameter } from '../nn/parameter.js';
import { GradScaler } from './grad-scaler.js';
import { AdamW } from './adamw.js';

function setup() {
  const p = parameter([2]);
  noGrad(() => p.copy_(tensor([1, 2])));
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0 });
  return { p, opt };
}

describe('GradScaler', () => {
  test('scale → backward → unscale gives the true gradient; a clean step updates the weights', () => {
    const { p, opt } = setup();
    const s = new GradScaler({ initScale: 1024 });
    scope(() => s.scale(p.mul(p).sum()).backward());
    assert.deepEqual([...(p.grad!.toArray() as Float32Array)], [2048, 4096]);
    s.unscale([p]);
    assert.deepEqual([...(p.grad!.toArray() as Float32Array)], [2, 4]);
    assert.equal(s.step(opt), true);
    s.update();
    assert.notDeepEqual([...(p.toArray() as Float32Array)], [1, 2]);
    assert.equal(s.scaleFactor, 1024);
    assert.throws(() => (s.unscale([p]), s.unscale([p])), /once per step/);
    opt.disposeState();
    p.dispose();
  });

  test('an inf gradient skips the step and backs off; growthInterval clean steps grow the factor', () => {
    const { p, opt } = setup();
    const s = new GradScaler({ initScale: 256, growthInterval: 3 });
    // Step 1: inject inf into the gradient.
    scope(() => s.scale(p.mul(tensor([Infinity, 1])).sum()).backward());
    assert.equal(s.step(opt), false, 'step skipped');
    assert.deepEqual([...(p.toArray() as Float32Array)], [1, 2], 'weights untouched');
    s.update();
    assert.equal(s.scaleFactor, 128, 'backoff 0.5');
    assert.equal(s.skippedSteps, 1);
    opt.zeroGrad();
    // NaN counts as well.
    scope(() => s.scale(p.mul(tensor([NaN, 1])).sum()).backward());
    assert.equal(s.step(opt), false);
    s.update();
    assert.equal(s.scaleFactor, 64);
    opt.zeroGrad();
    // Three clean steps: the third doubles the factor.
    for (let i = 0; i < 3; i++) {
      scope(() => s.scale(p.sum()).backward());
      assert.equal(s.step(opt), true);
      s.update();
      opt.zeroGrad();
      assert.equal(s.scaleFactor, i < 2 ? 64 : 128, `after clean step ${i + 1}`);
    }
    assert.deepEqual(s.stateDict(), { scale: 128, growthTracker: 0 });
    opt.disposeState();
    p.dispose();
  });

  test('disabled: pass-through; bad options: RangeError naming them', () => {
    const s = new GradScaler({ enabled: false });
    assert.equal(s.scaleFactor, 1);
    assert.throws(() => new GradScaler({ backoffFactor: 2 }), /0 < backoffFactor < 1/);
  });
});
