import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LibraryError } from './errors.js';
import { planWindows } from './windows.js';

test('a short video is one window over its whole length', () => {
  assert.deepEqual(planWindows(4.2), [{ start: 0, end: 4.2 }]);
  assert.deepEqual(planWindows(10), [{ start: 0, end: 10 }]);
  assert.deepEqual(planWindows(0), []);
});

test('long videos: overlapping windows, the last pulled back to at least half a window', () => {
  assert.deepEqual(planWindows(25, { windowSec: 10, strideSec: 7 }), [
    { start: 0, end: 10 },
    { start: 7, end: 17 },
    { start: 14, end: 24 },
    { start: 20, end: 25 },
  ]);
  assert.deepEqual(planWindows(18, { windowSec: 10, strideSec: 7 }), [
    { start: 0, end: 10 },
    { start: 7, end: 17 },
    { start: 13, end: 18 },
  ]);
  const ws = planWindows(2400);
  assert.equal(ws[0]!.start, 0);
  assert.equal(ws.at(-1)!.end, 2400);
  for (let i = 1; i < ws.length; i++) assert.ok(ws[i]!.start < ws[i - 1]!.end, 'consecutive windows overlap');
});

test('bad window options say what is expected', () => {
  assert.throws(() => planWindows(30, { windowSec: 10, strideSec: 12 }), (e: unknown) => e instanceof LibraryError && /strideSec must be .* from 1 to windowSec \(10\); got 12/.test(e.message));
  assert.throws(() => planWindows(30, { windowSec: 0.5 }), /windowSec must be a whole number/);
});
