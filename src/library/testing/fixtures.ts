/**
 * Test material for the library and the service: small generated videos (frames that encode
 * their own index, varied per video so each has its own content) and a random-weight
 * checkpoint (the tests pass test/fixtures/cli/tiny-model.ts's TINY_CONFIG). Everything is written to temporary folders.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeRgbVideo } from '../../data/index.js';
import { T2VLP, type T2VLPConfig } from '../../model/index.js';
import { manualSeed } from '../../torch/index.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `t2vlp-${prefix}-`));
}

/** A `seconds`-long video at `fps`, 32×32, whose frames differ by `seed`. */
export async function writeTestVideo(path: string, seconds: number, o: { fps?: number; seed?: number } = {}): Promise<void> {
  const fps = o.fps ?? 4;
  const n = Math.round(seconds * fps);
  const W = 32;
  const H = 32;
  const seed = o.seed ?? 0;
  const frames = new Uint8Array(n * W * H * 3);
  for (let f = 0; f < n; f++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o3 = ((f * H + y) * W + x) * 3;
        frames[o3] = (x * 8 + f * 5 + seed * 40) & 255;
        frames[o3 + 1] = (y * 8 + seed * 70) & 255;
        frames[o3 + 2] = ((x + y) * 4 + f * 3 + seed * 20) & 255;
      }
  mkdirSync(dirname(path), { recursive: true });
  await encodeRgbVideo(frames, path, { width: W, height: H, fps });
}

/** A file with a video extension that no decoder can read. */
export function writeCorruptVideo(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.from('this is not a video file, only text pretending to be one\n'.repeat(20)));
}

/** A random-weight checkpoint of `config` (tests pass TINY_CONFIG; seeded: the same bytes every time). */
export async function writeTinyCheckpoint(path: string, config: Partial<T2VLPConfig>, seed = 0): Promise<string> {
  manualSeed(seed);
  const m = new T2VLP(config);
  try {
    await m.save(path);
  } finally {
    m.dispose();
  }
  return path;
}
