/**
 * nn.init and the parameter factory: PyTorch's bounds and moments, fan computation, gradient-free
 * filling, and a factory that frees what it made when the initialiser throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { empty } from '../creation.js';
import { isGradEnabled } from '../autograd.js';
import { memoryStats } from '../system.js';
import * as init from './init.js';
import { Parameter, parameter } from './parameter.js';

const stats = (a: Float32Array) => {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of a) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / a.length;
  let sq = 0;
  for (const v of a) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / a.length) };
};

describe('nn.init', () => {
  it('fans follow PyTorch: [out, in, k, k] → fan_in = in·k², fan_out = out·k²', () => {
    const w = empty([8, 3, 4, 4]);
    assert.deepEqual(init.fans(w), { fanIn: 48, fanOut: 128 });
    w.dispose();
    const v = empty([5]);
    assert.throws(() => init.fans(v), /rank 2 or more, got \[5\]/);
    v.dispose();
  });

  it('kaimingUniform_(a = √5) is U(±1/√fan_in), the Linear default; xavierUniform_ is U(±√(6/(in+out)))', () => {
    const w = parameter([200, 50], (p) => init.kaimingUniform_(p, { a: Math.sqrt(5) }));
    const s = stats(w.toArray() as Float32Array);
    const b = 1 / Math.sqrt(50);
    assert.ok(s.max <= b && s.min >= -b, `within ±${b}`);
    assert.ok(s.max > 0.95 * b && s.min < -0.95 * b, 'fills the interval');
    const x = parameter([30, 10], init.xavierUniform_);
    const a = Math.sqrt(6 / 40);
    const sx = stats(x.toArray() as Float32Array);
    assert.ok(sx.max <= a && sx.min >= -a && sx.max > 0.9 * a);
    w.dispose();
    x.dispose();
  });

  it('normal_ has the requested moments; constant_, zeros_, ones_ fill', () => {
    const p = parameter([100_000], (t) => init.normal_(t, 2, 0.5));
    const s = stats(p.toArray() as Float32Array);
    assert.ok(Math.abs(s.mean - 2) < 0.01 && Math.abs(s.std - 0.5) < 0.01, `mean ${s.mean}, std ${s.std}`);
    init.constant_(p, 3);
    assert.equal(stats(p.toArray() as Float32Array).min, 3);
    init.zeros_(p);
    assert.equal(stats(p.toArray() as Float32Array).max, 0);
    init.ones_(p);
    assert.equal(stats(p.toArray() as Float32Array).mean, 1);
    assert.throws(() => init.normal_(p, 0, -1), /std must be non-negative/);
    assert.equal(p.requiresGrad, true);
    assert.equal(p.isLeaf, true, 'filling a leaf that requires grad records nothing');
    p.dispose();
  });
});

describe('nn.parameter', () => {
  it('makes a leaf Parameter that requires grad, zeros without an initialiser, with a dtype option', () => {
    const p = parameter([2, 3]);
    assert.ok(p instanceof Parameter);
    assert.deepEqual(p.tolist(), [[0, 0, 0], [0, 0, 0]]);
    assert.equal(p.requiresGrad, true);
    const q = parameter([2], init.ones_, { dtype: 'float64', requiresGrad: false });
    assert.equal(q.dtype, 'float64');
    assert.equal(q.requiresGrad, false);
    const r = parameter([1], init.ones_);
    assert.equal(r.item(), 1);
    assert.equal(isGradEnabled(), true, 'grad mode is restored after filling');
    for (const t of [p, q, r]) t.dispose();
  });

  it('frees the parameter when the initialiser throws', () => {
    const before = memoryStats().liveTensors;
    assert.throws(() => parameter([3], (p) => init.uniform_(p, 1, 0)), /expected a <= b/);
    assert.equal(memoryStats().liveTensors, before);
  });
});
