// Unit tests of the frame-sampling arithmetic (docs/DATA.md §2.1-2.2, §5) against values
// worked out by hand from the reference's loops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../random.js';
import { candidateFrameIndices, keptPositions, linspaceIndices } from './sampling.js';

test('one frame per second, fps truncated (29.97 samples as 29)', () => {
  assert.deepEqual(
    candidateFrameIndices(100, 30000 / 1001, { featureFramerate: 1 }),
    [0, 29, 58, 87],
  );
  assert.deepEqual(
    candidateFrameIndices(100, 30000 / 1001, { featureFramerate: 1, truncateFps: false }),
    [0, 29, 59, 89],
  );
});

test('two frames per second: offsets 0 and fps//2', () => {
  assert.deepEqual(candidateFrameIndices(60, 25, { featureFramerate: 2 }), [0, 12, 25, 37, 50]);
});

test('every frame when featureFramerate is 0; interval at least 1 when sample_fp > fps', () => {
  assert.deepEqual(candidateFrameIndices(7, 3, { featureFramerate: 0 }), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(candidateFrameIndices(7, 3, { featureFramerate: 5 }), [0, 1, 2, 3, 4, 5, 6]);
});

test('zero fps or zero frames give no candidates', () => {
  assert.deepEqual(candidateFrameIndices(10, 0.5), []);
  assert.deepEqual(candidateFrameIndices(0, 25), []);
});

test('start/end seconds limit the seconds read (inclusive)', () => {
  assert.deepEqual(candidateFrameIndices(300, 10, { startSec: 3, endSec: 5 }), [30, 40, 50]);
});

test('numpy linspace indices', () => {
  assert.deepEqual(linspaceIndices(20, 12), [0, 1, 3, 5, 6, 8, 10, 12, 13, 15, 17, 19]);
  assert.deepEqual(linspaceIndices(5, 12), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
  assert.deepEqual(linspaceIndices(7, 1), [0]);
});

test('slice positions: head, tail, uniform; short videos pad or repeat', () => {
  assert.deepEqual(keptPositions(20, { maxFrames: 4, slicePos: 0 }), [0, 1, 2, 3]);
  assert.deepEqual(keptPositions(20, { maxFrames: 4, slicePos: 1 }), [16, 17, 18, 19]);
  assert.deepEqual(keptPositions(20, { maxFrames: 4, slicePos: 2 }), [0, 6, 12, 19]);
  assert.deepEqual(keptPositions(3, { maxFrames: 4, slicePos: 2 }), [0, 1, 2]);
  assert.deepEqual(keptPositions(3, { maxFrames: 4, fill: 'repeat' }), [0, 0, 1, 2]);
  assert.deepEqual(keptPositions(4, { maxFrames: 4, frameOrder: 1 }), [3, 2, 1, 0]);
  const a = keptPositions(6, { maxFrames: 6, frameOrder: 2 }, new Rng(1));
  assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(a, keptPositions(6, { maxFrames: 6, frameOrder: 2 }, new Rng(1)));
  assert.throws(() => keptPositions(6, { frameOrder: 2 }), /needs an rng/);
});
