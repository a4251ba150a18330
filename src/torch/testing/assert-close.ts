/**
 * Test helpers for numeric comparisons: flat values of a tensor or nested array, and an
 * `assertClose` that reports the worst element (index, both values, the tolerance) on failure,
 * so a failing parity test says where it failed instead of printing two long arrays.
 */
import assert from 'node:assert/strict';
import { Tensor } from '../tensor.js';

export type Numeric = Tensor | number | ArrayLike<number | bigint> | NestedNumbers;
type NestedNumbers = (number | boolean | NestedNumbers)[];

/** The values of `x` in C order as JavaScript numbers (float16/bfloat16 converted). */
export function values(x: Numeric): number[] {
  if (x instanceof Tensor) {
    if (x.dtype === 'float16' || x.dtype === 'bfloat16') {
      const f = x.to('float32');
      try {
        return Array.from(f.toArray<'float32'>());
      } finally {
        f.dispose();
      }
    }
    return Array.from(x.toArray() as ArrayLike<number | bigint>, Number);
  }
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return (x as unknown[]).flat(Infinity as 1).map(Number);
  return Array.from(x as ArrayLike<number | bigint>, Number);
}

export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Prefix of the failure message. */
  message?: string;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN, ±Infinity
 * matches itself), and equal shapes when both sides are tensors.
 */
export function assertClose(actual: Numeric, expected: Numeric, o: CloseOptions = {}): void {
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const what = o.message ? `${o.message}: ` : '';
  if (actual instanceof Tensor && expected instanceof Tensor)
    assert.deepEqual(actual.shape, expected.shape, `${what}shape`);
  const a = values(actual);
  const e = values(expected);
  assert.equal(a.length, e.length, `${what}${a.length} values, expected ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) ? Number.isNaN(x) : x === y) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0)
    assert.fail(
      `${what}element ${worst} is ${a[worst]}, expected ${e[worst]} ` +
        `(|diff| ${Math.abs(a[worst]! - e[worst]!)} > ${atol} + ${rtol}·|expected|)`,
    );
}

/** A deterministic pseudo-random generator (mulberry32) for test data that must not touch libtorch's RNG. */
export function jsRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi) from `jsRandom(seed)`. */
export function uniformValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = jsRandom(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}
