// Deterministic synthetic RGB images for preprocessing tests and benches; the same formula is
// used by test/fixtures/data/gen-pil-resize.py to make the Pillow reference.
import type { RgbImage } from './pil-resize.js';

/** r = (13x + 7y) % 256, g = ((x ^ y) * 5) % 256, b = x < floor(w/2) ? 9y % 256 : 255 - 3x % 256. */
export function patternImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const half = Math.floor(width / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 13 + y * 7) % 256;
      data[o + 1] = ((x ^ y) * 5) % 256;
      data[o + 2] = x < half ? (y * 9) % 256 : 255 - ((x * 3) % 256);
    }
  }
  return { data, width, height };
}
