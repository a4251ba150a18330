// Decoding real (small, generated) videos: the frames the reader returns are exactly those the
// reference loop reads, for several frame rates, lengths, containers and every slice_framepos;
// seeking and select decoding agree; pixels of a losslessly stored image equal Pillow's
// (fixture pil-resize.json); bad files fail with their own error code and a message naming the
// file. Frames carry their index as a binary code (test-videos.ts), read back after decoding.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { VideoClip } from './clip.js';
import { decodeBySeek, decodeBySelect, readVideoClip } from './decode-video.js';
import { encodeRgbVideo } from './encode.js';
import { readFrameFolder } from './frame-folder.js';
import { CLIP_MEAN, CLIP_STD } from './preprocess.js';
import { probeVideo } from './probe.js';
import { patternImage } from './test-images.js';
import { readFrameIndex, writeIndexVideo } from './test-videos.js';
import { VideoReader } from './video-reader.js';

let dir = '';
const videos = [
  { name: 'ntsc.mp4', frames: 100, fps: '30000/1001', codec: 'libx264' }, // 29.97 -> sampled as 29
  { name: 'pal.avi', frames: 60, fps: '25', codec: 'mpeg4' },
  { name: 'short.mp4', frames: 8, fps: '10', codec: 'libx264' }, // < 1 s: one candidate
  { name: 'vp9.webm', frames: 40, fps: '8', codec: 'libvpx-vp9' }, // no nb_frames: duration * fps
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-video-'));
  await Promise.all(
    videos.map((v) =>
      writeIndexVideo(join(dir, v.name), v.frames, v.fps, {
        width: 48,
        height: 48,
        codec: v.codec,
      }),
    ),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The reference loop of RawVideoExtractorCV2, written out independently of sampling.ts. */
function referenceIndices(frameCount: number, fps: number, sampleFp: number): number[] {
  const f = Math.trunc(fps);
  const interval = Math.max(1, Math.floor(f / sampleFp));
  const inds = [];
  for (let i = 0; i < f; i += interval) inds.push(i);
  const out = [];
  for (let sec = 0; sec <= Math.ceil(frameCount / f); sec++) {
    for (const ind of inds.slice(0, sampleFp)) {
      if (sec * f + ind >= frameCount) return out;
      out.push(sec * f + ind);
    }
  }
  return out;
}

/** Un-normalises slot t of a clip back to an approximate uint8 RGB image. */
function slotImage(clip: VideoClip, t: number) {
  const S = clip.shape[2];
  const data = new Uint8Array(S * S * 3);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < S * S; i++) {
      const v = (clip.frames[t * 3 * S * S + c * S * S + i]! * CLIP_STD[c]! + CLIP_MEAN[c]!) * 255;
      data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  return { data, width: S, height: S };
}

for (const v of videos) {
  for (const slicePos of [0, 1, 2] as const) {
    for (const featureFramerate of [1, 2]) {
      test(`${v.name}: slicePos ${slicePos}, ${featureFramerate} frame(s)/s, 4 slots`, async () => {
        const path = join(dir, v.name);
        const probe = await probeVideo(path);
        assert.equal(probe.frameCount, v.frames);
        const cand = referenceIndices(v.frames, probe.fps, featureFramerate);
        const M = 4;
        const n = cand.length;
        const expected =
          n <= M
            ? cand
            : slicePos === 0
              ? cand.slice(0, M)
              : slicePos === 1
                ? cand.slice(-M)
                : [0, 1, 2, 3].map((i) => cand[Math.trunc((i * (n - 1)) / (M - 1))]!);
        const clip = await readVideoClip(path, { featureFramerate, maxFrames: M, slicePos });
        assert.deepEqual(clip.frameIndices, expected);
        assert.equal(clip.numFrames, expected.length);
        assert.deepEqual(
          Array.from(clip.mask),
          [1, 1, 1, 1].map((_, i) => (i < expected.length ? 1 : 0)),
        );
        assert.deepEqual(
          expected.map((_, t) => readFrameIndex(slotImage(clip, t))),
          expected,
          'decoded pixels show other frames',
        );
        for (let i = expected.length * 3 * 224 * 224; i < clip.frames.length; i++)
          assert.equal(clip.frames[i], 0);
      });
    }
  }
}

test('short video with fill "repeat" fills every slot (QA / captioning)', async () => {
  const clip = await readVideoClip(join(dir, 'pal.avi'), { maxFrames: 6, fill: 'repeat' });
  // frames 0, 25, 50 -> linspace(0, 2, 6) = 0, .4, .8, 1.2, 1.6, 2
  assert.deepEqual(clip.frameIndices, [0, 0, 0, 25, 25, 50]);
  assert.deepEqual(Array.from(clip.mask), [1, 1, 1, 1, 1, 1]);
});

test('seeking (-ss per frame) and select decoding return identical frames', async () => {
  const path = join(dir, 'ntsc.mp4');
  const probe = await probeVideo(path);
  const idx = [0, 1, 29, 30, 58, 99];
  const a = await decodeBySelect(path, idx);
  const b = await decodeBySeek(path, idx, probe);
  assert.deepEqual(a.map(readFrameIndex), idx);
  assert.equal(b.length, a.length);
  b.forEach((img, i) =>
    assert.ok(
      Buffer.compare(Buffer.from(img.data), Buffer.from(a[i]!.data)) === 0,
      `frame ${idx[i]} differs`,
    ),
  );
  const clipSeek = await readVideoClip(path, { access: 'seek', maxFrames: 4 });
  const clipSelect = await readVideoClip(path, { access: 'select', maxFrames: 4 });
  assert.deepEqual(clipSeek.frames, clipSelect.frames);
});

test('spooling frames through a temporary file gives the same clips as the pipe, and cleans up', async () => {
  const path = join(dir, 'ntsc.mp4');
  for (const access of ['select', 'seek'] as const) {
    const piped = await readVideoClip(path, { access, maxFrames: 6, startSec: 1, endSec: 2 });
    const spooled = await readVideoClip(path, { access, maxFrames: 6, startSec: 1, endSec: 2, spool: true });
    assert.deepEqual(spooled.frameIndices, piped.frameIndices);
    assert.deepEqual(spooled.frames, piped.frames);
  }
  const left = (await readdir(tmpdir())).filter((f) => f.startsWith(`t2vlp-frames-${process.pid}-`));
  assert.deepEqual(left, [], 'no spool file left behind');
  await assert.rejects(readVideoClip(join(dir, 'missing.mp4'), { spool: true }), /does not exist/);
});

test('pixels: a lossless video and a PNG folder give exactly the Pillow/torch values', async () => {
  const fixture = JSON.parse(
    await readFile(new URL('../../../test/fixtures/data/pil-resize.json', import.meta.url), 'utf8'),
  );
  const c = fixture.cases.find((x: { width: number }) => x.width === 320);
  const img = patternImage(320, 240);
  const frames = new Uint8Array(img.data.length * 2);
  frames.set(img.data, 0);
  frames.set(img.data, img.data.length);
  const mkv = join(dir, 'lossless.mkv');
  await encodeRgbVideo(frames, mkv, { width: 320, height: 240, fps: 1, codec: 'png' });
  const sha = (f: Float32Array) =>
    createHash('sha256')
      .update(new Uint8Array(f.buffer, 0, 3 * 224 * 224 * 4))
      .digest('hex');
  const clip = await readVideoClip(mkv, { maxFrames: 1 });
  assert.equal(sha(clip.frames), c.normalized_f32_sha256);
  // ffmpeg's scaler (bicubic B=0 C=0.5 in RGB) instead of Pillow: close, not equal.
  const fast = await readVideoClip(mkv, { maxFrames: 1, resize: 'ffmpeg' });
  let sum = 0;
  let max = 0;
  for (let i = 0; i < 3 * 224 * 224; i++) {
    const d = Math.abs(fast.frames[i]! - clip.frames[i]!) * 0.27 * 255; // back to ~8-bit levels
    sum += d;
    max = Math.max(max, d);
  }
  const mean = sum / (3 * 224 * 224);
  assert.ok(
    mean < 3,
    `resize 'ffmpeg' differs from Pillow by ${mean.toFixed(2)} levels on average (tolerance 3)`,
  );
  // Frame folder of PNGs: all images are the frames, decoded by ffmpeg.
  const folder = join(dir, 'frames');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(folder);
  await encodeRgbVideo(img.data, join(folder, 'img_0001.png'), {
    width: 320,
    height: 240,
    fps: 1,
    codec: 'png',
    extraArgs: ['-update', '1'],
  });
  await copyFile(join(folder, 'img_0001.png'), join(folder, 'img_0002.png'));
  await writeFile(join(folder, 'notes.txt'), 'not an image');
  const fromFolder = await readFrameFolder(folder, { maxFrames: 3 });
  assert.equal(fromFolder.numFrames, 2);
  assert.equal(sha(fromFolder.frames), c.normalized_f32_sha256);
});

test('bad inputs fail with a code and a message naming the file', async () => {
  const missing = join(dir, 'missing.mp4');
  await assert.rejects(readVideoClip(missing), {
    name: 'VideoDecodeError',
    code: 'ENOENT',
    message: /video '.*missing\.mp4' does not exist/,
  });
  const empty = join(dir, 'empty.mp4');
  await writeFile(empty, '');
  await assert.rejects(readVideoClip(empty), {
    code: 'VIDEO_EMPTY',
    message: /'.*empty\.mp4' is empty \(0 bytes\)/,
  });
  const garbage = join(dir, 'garbage.mp4');
  await writeFile(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  await assert.rejects(readVideoClip(garbage), {
    code: 'VIDEO_OPEN',
    message: /ffprobe cannot open '.*garbage\.mp4': .+/,
  });
  const cut = join(dir, 'cut.mp4');
  await copyFile(join(dir, 'ntsc.mp4'), cut);
  await truncate(cut, 2000);
  await assert.rejects(readVideoClip(cut), {
    code: 'VIDEO_OPEN',
    message: /cut\.mp4'.*(moov atom not found|Invalid data)/,
  });
  await assert.rejects(readVideoClip(join(dir, 'ntsc.mp4'), { maxFrames: 0 }), {
    name: 'DataOptionError',
    message: /maxFrames must be an integer >= 1, got 0/,
  });
  await assert.rejects(readFrameFolder(join(dir, 'nofolder')), {
    code: 'ENOENT',
    message: /frame folder '.*nofolder'/,
  });
});

test('a truncated file whose header promises more frames is re-planned on the frames that decode', async () => {
  const path = join(dir, 'faststart.mp4');
  const { indexFrames } = await import('./test-videos.js');
  await encodeRgbVideo(indexFrames(200, 48, 48), path, {
    width: 48,
    height: 48,
    fps: 10,
    extraArgs: ['-movflags', '+faststart', '-g', '10'],
  });
  const probe = await probeVideo(path);
  assert.equal(probe.frameCount, 200);
  const { size } = await (await import('node:fs/promises')).stat(path);
  await truncate(path, Math.floor(size * 0.5));
  const clip = await readVideoClip(path, { maxFrames: 4, slicePos: 1 });
  assert.equal(clip.numFrames, 4);
  const last = clip.frameIndices[3]!;
  assert.ok(
    last < 190,
    `tail frames should come from the decodable part, got ${clip.frameIndices}`,
  );
  assert.deepEqual(
    clip.frameIndices.map((_, t) => readFrameIndex(slotImage(clip, t))),
    clip.frameIndices,
  );
});

test('aborting a read kills ffmpeg and rejects with DataAbortError', async () => {
  const path = join(dir, 'long.mp4');
  await encodeRgbVideo(new Uint8Array(64 * 64 * 3 * 600), path, { width: 64, height: 64, fps: 30 });
  const reader = new VideoReader({
    concurrency: 1,
    featureFramerate: 0,
    maxFrames: 600,
    access: 'select',
  });
  const ac = new AbortController();
  const p = reader.read(path, { signal: ac.signal });
  setTimeout(() => ac.abort(), 30);
  await assert.rejects(p, {
    name: 'DataAbortError',
    code: 'ABORTED',
    message: /long\.mp4' ?: aborted|aborted/,
  });
  await assert.rejects(reader.read(path, { signal: AbortSignal.abort() }), { code: 'ABORTED' });
});
