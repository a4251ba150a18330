/**
 * GradScaler (dynamic loss scaling for float16): scaled gradients come back unscaled; an inf or NaN
 * gradient skips the optimizer step and halves the factor; `growthInterval` clean steps double it;
 * stateDict/loadStateDict carry the counters over (through JSON), and a bad state is refused whole.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad, scope, tensor } from '../index.js';
import { parameter } from '../nn/parameter.js';
import { GradScaler, GradScalerStateError, type GradScalerState } from './grad-scaler.js';
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
    assert.deepEqual(s.stateDict(), { scale: 128, growthTracker: 0, skippedSteps: 2, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
    opt.disposeState();
    p.dispose();
  });

  test('stateDict round trip (through JSON): the loaded scaler continues as the saved one does', () => {
    const { p, opt } = setup();
    const a = new GradScaler({ initScale: 256, growthInterval: 3 });
    // One skipped step (inf) and one clean one: scale 128, growthTracker 1, skippedSteps 1.
    for (const x of [Infinity, 1]) {
      scope(() => a.scale(p.mul(tensor([x, 1])).sum()).backward());
      a.step(opt);
      a.update();
      opt.zeroGrad();
    }
    const saved = a.stateDict();
    assert.deepEqual(saved, { scale: 128, growthTracker: 1, skippedSteps: 1, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
    const b = new GradScaler({ initScale: 2 ** 16, growthInterval: 3 }); // initScale is not part of the state
    b.loadStateDict(JSON.parse(JSON.stringify(saved)) as GradScalerState);
    assert.deepEqual(b.stateDict(), saved);
    assert.equal(b.scaleFactor, 128);
    assert.equal(b.skippedSteps, 1);
    // Two more clean steps complete the interval of 3 (the restored tracker counts): 128 → 256.
    for (const s of [a, b])
      for (let i = 0; i < 2; i++) {
        scope(() => s.scale(p.sum()).backward());
        s.step(opt);
        s.update();
        opt.zeroGrad();
      }
    assert.equal(a.scaleFactor, 256);
    assert.deepEqual(b.stateDict(), a.stateDict());
    saved.scale = 1; // the returned object is a copy
    assert.equal(a.stateDict().scale, 256);
    opt.disposeState();
    p.dispose();
  });

  test('a bad state is refused with GradScalerStateError naming the field, and changes nothing', () => {
    const good = (): GradScalerState => ({ scale: 512, growthTracker: 1, skippedSteps: 3, growthFactor: 2, backoffFactor: 0.5, growthInterval: 4 });
    const cases: [Record<string, unknown> | null, string, RegExp][] = [
      [null, 'state', /expected the object stateDict\(\) returns, got null/],
      [{ ...good(), scale: Number.NaN }, 'scale', /'scale' must be a finite number > 0, got NaN/],
      [{ ...good(), scale: 0 }, 'scale', /'scale' must be a finite number > 0, got 0/],
      [{ ...good(), scale: '512' }, 'scale', /'scale' must be a finite number > 0, got string "512"/],
      [{ ...good(), growthTracker: 4 }, 'growthTracker', /'growthTracker' must be an integer in \[0, 4\), got 4/],
      [{ ...good(), growthTracker: -1 }, 'growthTracker', /got -1/],
      [{ ...good(), skippedSteps: 1.5 }, 'skippedSteps', /'skippedSteps' must be an integer >= 0, got 1.5/],
      [{ ...good(), skippedSteps: undefined }, 'skippedSteps', /got nothing \(the field is missing\)/],
      [{ ...good(), growthInterval: 2000 }, 'growthInterval', /saved by a scaler with growthInterval 2000, this one has 4; construct it with \{ growthInterval: 2000 \}/],
      [{ ...good(), backoffFactor: 0.25 }, 'backoffFactor', /backoffFactor 0.25, this one has 0.5/],
    ];
    const s = new GradScaler({ initScale: 64, growthInterval: 4 });
    const before = s.stateDict();
    for (const [state, field, message] of cases) {
      assert.throws(
        () => s.loadStateDict(state as unknown as GradScalerState),
        (e: unknown) => e instanceof GradScalerStateError && e.code === 'BAD_SCALER_STATE' && e.field === field && message.test(e.message) && /GradScaler\.loadStateDict/.test(e.message),
        `${field}: ${JSON.stringify(state)}`,
      );
      assert.deepEqual(s.stateDict(), before, 'a refused state changes nothing');
    }
    s.loadStateDict(good());
    assert.equal(s.scaleFactor, 512);
  });

  test('disabled: pass-through; bad options: RangeError naming them', () => {
    const s = new GradScaler({ enabled: false });
    assert.equal(s.scaleFactor, 1);
    assert.throws(() => new GradScaler({ backoffFactor: 2 }), /0 < backoffFactor < 1/);
  });
});
