// Small generated test videos whose frames carry their own index as a binary code (16 blocks,
// white = 1), so tests can check exactly which frames the decoder returned, even after lossy
// compression.
import type { RgbImage } from './pil-resize.js';
import { encodeRgbVideo } from './encode.js';

const COLS = 8;
const ROWS = 2;

/** Frames 0..n-1, each showing its index in 16 black/white blocks. */
export function indexFrames(n: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(n * width * height * 3);
  for (let f = 0; f < n; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = Math.floor((y * ROWS) / height) * COLS + Math.floor((x * COLS) / width);
        const v = (f >> bit) & 1 ? 255 : 0;
        const o = ((f * height + y) * width + x) * 3;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    }
  }
  return out;
}

/** Reads the index back from a decoded frame (any size: blocks are sampled at their centres). */
export function readFrameIndex(img: RgbImage): number {
  let idx = 0;
  for (let bit = 0; bit < COLS * ROWS; bit++) {
    const x = Math.floor(((bit % COLS) + 0.5) * (img.width / COLS));
    const y = Math.floor((Math.floor(bit / COLS) + 0.5) * (img.height / ROWS));
    if (img.data[(y * img.width + x) * 3]! > 127) idx |= 1 << bit;
  }
  return idx;
}

/** Writes an index-coded video of `n` frames. */
export async function writeIndexVideo(
  path: string,
  n: number,
  fps: number | string,
  o: { width?: number; height?: number; codec?: string; extraArgs?: string[] } = {},
): Promise<void> {
  const width = o.width ?? 64;
  const height = o.height ?? 32;
  await encodeRgbVideo(indexFrames(n, width, height), path, {
    width,
    height,
    fps,
    codec: o.codec,
    extraArgs: o.extraArgs,
  });
}
