// Frame choice and extraction for WebVid shards: the middle frames of F equal segments
// (hand-computed cases, distinct and in range for every N >= F), the frames a real clip yields
// (read back from their index pattern), a container that promises more frames than decode, and
// a clip that is too short.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bgrToRgbInPlace } from '../video/preprocess.js';
import { encodeRgbVideo } from '../video/encode.js';
import { ffprobePath, runTool } from '../video/ffmpeg.js';
import { indexFrames, readFrameIndex, writeIndexVideo } from '../video/test-videos.js';
import { ClipTooShortError, extractWebvidFrames, uniformFrameIndices } from './extract-frames.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-webvid-extract-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const FRAME = 256 * 256 * 3;
function frameIndices(bgr: Uint8Array): number[] {
  const out: number[] = [];
  for (let o = 0; o < bgr.length; o += FRAME) {
    const data = bgr.slice(o, o + FRAME);
    bgrToRgbInPlace(data);
    out.push(readFrameIndex({ data, width: 256, height: 256 }));
  }
  return out;
}

test('uniformFrameIndices: the middle frame of each of F equal segments', () => {
  assert.deepEqual(uniformFrameIndices(12, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  // bounds trunc(linspace(0, 30, 13)) = 0 2 5 7 10 12 15 17 20 22 25 27 30
  assert.deepEqual(uniformFrameIndices(30, 12), [0, 3, 5, 8, 10, 13, 15, 18, 20, 23, 25, 28]);
  assert.deepEqual(uniformFrameIndices(100, 4), [12, 37, 62, 87]);
  for (let n = 12; n < 600; n++) {
    const idx = uniformFrameIndices(n, 12);
    assert.ok(idx[0]! >= 0 && idx[11]! < n, `in range for n=${n}`);
    for (let k = 1; k < 12; k++) assert.ok(idx[k]! > idx[k - 1]!, `ascending for n=${n}: ${idx}`);
  }
});

test('a clip gives its uniformly spaced frames, 256x256 BGR', async () => {
  const path = join(dir, 'clip.mp4');
  await writeIndexVideo(path, 37, 10, { width: 80, height: 48 });
  const bgr = await extractWebvidFrames(path, { numFrames: 12 });
  assert.equal(bgr.length, 12 * FRAME);
  assert.deepEqual(frameIndices(bgr), uniformFrameIndices(37, 12));
});

test('a container that promises more frames than decode is planned on the real ones', async () => {
  const path = join(dir, 'truncated.mp4');
  await encodeRgbVideo(indexFrames(200, 48, 48), path, {
    width: 48,
    height: 48,
    fps: 10,
    extraArgs: ['-movflags', '+faststart', '-g', '10'],
  });
  await truncate(path, Math.floor((await stat(path)).size * 0.5));
  const count = await runTool(
    ffprobePath(),
    [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      path,
    ],
    { what: 'test', file: path },
  );
  const real = Number(count.stdout.toString().trim());
  assert.ok(real > 12 && real < 190, `${real} frames decode of the 200 the header lists`);
  const got = frameIndices(await extractWebvidFrames(path, { numFrames: 12 }));
  assert.deepEqual(got, uniformFrameIndices(real, 12));
});

test('too short: a ClipTooShortError saying how many frames there are', async () => {
  const path = join(dir, 'short.mp4');
  await writeIndexVideo(path, 7, 10);
  await assert.rejects(
    extractWebvidFrames(path, { numFrames: 12 }),
    (e: unknown) =>
      e instanceof ClipTooShortError &&
      e.code === 'VIDEO_EMPTY' &&
      /short\.mp4' has 7 frames, fewer than the 12 to extract/.test(e.message),
  );
});
