/**
 * Strided copies: transposes, slices with offsets and steps, scalars, empty views and 2-byte
 * elements, against copies computed index by index.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isContiguous, stridedCopy, viewExtent } from './strided.js';

/** The reference: element (i0, i1, ...) = storage[offset + sum(i_k * stride_k)], one by one. */
function naive(
  storage: Uint8Array,
  elem: number,
  offset: number,
  shape: number[],
  stride: number[],
): number[] {
  const out: number[] = [];
  const rec = (d: number, at: number): void => {
    if (d === shape.length) {
      for (let b = 0; b < elem; b++) out.push(storage[at * elem + b]!);
      return;
    }
    for (let i = 0; i < shape[d]!; i++) rec(d + 1, at + i * stride[d]!);
  };
  rec(0, offset);
  return out;
}

describe('stridedCopy', () => {
  const storage = Uint8Array.from({ length: 96 }, (_, i) => i);
  const cases: [string, number, number, number[], number[]][] = [
    ['contiguous', 4, 0, [2, 3], [3, 1]],
    ['transposed', 4, 0, [3, 2], [1, 3]],
    ['offset slice', 4, 4, [2, 2], [3, 1]],
    ['stepped', 2, 1, [3, 4], [8, 2]],
    ['3-d permuted', 2, 0, [2, 3, 4], [1, 8, 2]],
    ['size-1 dims', 8, 2, [1, 3, 1], [99, 2, 7]],
    ['broadcast (stride 0)', 4, 5, [3, 2], [0, 1]],
    ['scalar', 8, 3, [], []],
    ['empty', 4, 0, [0, 5], [5, 1]],
  ];
  for (const [name, elem, offset, shape, stride] of cases)
    it(name, () => {
      assert.ok(viewExtent(offset, shape, stride) * elem <= storage.length);
      assert.deepEqual(
        Array.from(stridedCopy(storage, elem, offset, shape, stride)),
        naive(storage, elem, offset, shape, stride),
      );
    });

  it('measures views and contiguity', () => {
    assert.equal(viewExtent(4, [2, 3], [3, 1]), 10);
    assert.equal(viewExtent(0, [0, 3], [3, 1]), 0);
    assert.equal(viewExtent(2, [], []), 3);
    assert.ok(Number.isNaN(viewExtent(0, [2], [-1])));
    assert.equal(isContiguous([2, 3], [3, 1]), true);
    assert.equal(isContiguous([3, 2], [1, 3]), false);
    assert.equal(isContiguous([1, 4], [1, 1]), true);
  });
});
