// OpenCV's cv2.resize(img, (W, H)) with its default INTER_LINEAR on 8-bit images, which is how
// frozen_tfrecord.py brings every WebVid frame to exactly 256x256 (docs/DATA.md §4.1: no aspect
// preservation, no antialiasing). Reproduced bit for bit (checked against OpenCV 4.10, fixture
// test/fixtures/data/cv-resize.json): source coordinates (d + 0.5) * scale - 0.5 computed in
// float32 and clamped at the borders, 11-bit fixed-point weights, an exact horizontal pass, and
// the vertical pass as OpenCV's SIMD kernel rounds it (each product taken >> 4 then >> 16, then
// (sum + 2) >> 2; rows keep their weights at the borders and fetch the clamped row twice). An exact 2x reduction on both axes is INTER_AREA's 2x2 mean in OpenCV, so
// here too. Works on any channel order (RGB in, RGB out).
import type { RgbImage } from '../video/pil-resize.js';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

interface Axis {
  /** First source index of each output position. */
  ofs: Int32Array;
  /** Weight of ofs[d] and of ofs[d] + 1, in 1/2048. */
  a0: Int16Array;
  a1: Int16Array;
}

/** cvRound of a float32: round half to even. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Source positions and weights along one axis. Columns clamp at the borders (position and
 * weight); rows keep their weights and only clamp the row they fetch, as OpenCV does.
 */
function axis(inSize: number, outSize: number, clampWeights: boolean): Axis {
  const scale = inSize / outSize;
  const ofs = new Int32Array(outSize);
  const a0 = new Int16Array(outSize);
  const a1 = new Int16Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights && s < 0) {
      f = 0;
      s = 0;
    }
    if (clampWeights && s >= inSize - 1) {
      f = 0;
      s = inSize - 1;
    }
    ofs[d] = s;
    const w0 = roundEven(Math.fround(Math.fround(1 - f) * COEF_SCALE));
    a0[d] = w0;
    a1[d] = roundEven(Math.fround(f * COEF_SCALE));
  }
  return { ofs, a0, a1 };
}

function halve(src: RgbImage): RgbImage {
  const w = src.width / 2;
  const h = src.height / 2;
  const out = new Uint8Array(w * h * 3);
  const s = src.data;
  const row = src.width * 3;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * row + 2 * x * 3;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++)
        out[o + c] = (s[i + c]! + s[i + 3 + c]! + s[i + row + c]! + s[i + row + 3 + c]! + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

/** cv2.resize(src, (width, height)) for a 3-channel uint8 image (INTER_LINEAR). */
export function cvResizeLinear(src: RgbImage, width: number, height: number): RgbImage {
  if (src.width === width && src.height === height)
    return { data: src.data.slice(), width, height };
  if (src.width === 2 * width && src.height === 2 * height) return halve(src);
  const xs = axis(src.width, width, true);
  const ys = axis(src.height, height, false);
  const row = (sy: number) => Math.min(Math.max(sy, 0), src.height - 1);
  const s = src.data;
  const n = width * 3;
  // Horizontal pass of one source row into Int32 (exact: at most 255 * 2048).
  const hpass = (sy: number, into: Int32Array) => {
    const base = sy * src.width * 3;
    for (let x = 0; x < width; x++) {
      const i = base + xs.ofs[x]! * 3;
      const w0 = xs.a0[x]!;
      const w1 = xs.a1[x]!;
      for (let c = 0; c < 3; c++) {
        into[x * 3 + c] = w1 === 0 ? s[i + c]! * w0 : s[i + c]! * w0 + s[i + 3 + c]! * w1;
      }
    }
  };
  const out = new Uint8Array(width * height * 3);
  let r0 = new Int32Array(n);
  let r1 = new Int32Array(n);
  let have0 = -1;
  let have1 = -1;
  for (let y = 0; y < height; y++) {
    const sy0 = row(ys.ofs[y]!);
    const sy1 = row(ys.ofs[y]! + 1);
    if (have0 !== sy0) {
      if (have1 === sy0) {
        [r0, r1] = [r1, r0];
        have0 = sy0;
        have1 = -1;
      } else {
        hpass(sy0, r0);
        have0 = sy0;
      }
    }
    if (have1 !== sy1) {
      hpass(sy1, r1);
      have1 = sy1;
    }
    const b0 = ys.a0[y]!;
    const b1 = ys.a1[y]!;
    const o = y * n;
    for (let i = 0; i < n; i++) {
      const v = (((r0[i]! >> 4) * b0) >> 16) + (((r1[i]! >> 4) * b1) >> 16);
      const q = (v + 2) >> 2;
      out[o + i] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return { data: out, width, height };
}
