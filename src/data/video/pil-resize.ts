// Pillow's bicubic resampling of 8-bit RGB images (libImaging/Resample.c, Pillow 7+), bit for
// bit: separable convolution, horizontal pass then vertical, each pass rounding and clipping to
// uint8; the kernel is the a = -0.5 cubic stretched by the scale factor when shrinking
// (antialiasing); coefficients are normalised in double precision and then rounded to 22-bit
// fixed point. CLIP's transform resizes with it (docs/DATA.md §2.3), so frames resized here
// equal the reference's for the same decoded RGB input. Only the rows and columns that the
// centre crop keeps are computed; each output pixel depends on its own coordinates only, so
// the result equals resizing everything and cropping after.

const PRECISION_BITS = 32 - 8 - 2;
const SUPPORT = 2.0;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // [outSize*2]: xmin, count
  kk: Int32Array; // [outSize*ksize] fixed point
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for output positions [first, first+count). */
function coeffs(inSize: number, outSize: number, first: number, count: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(count * 2);
  const kk = new Int32Array(count * ksize);
  const k = new Float64Array(ksize);
  for (let j = 0; j < count; j++) {
    const xx = first + j;
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    let xmin = Math.trunc(center - support + 0.5); // C (int) truncates toward zero
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let v = x < xmax ? k[x]! : 0;
      if (x < xmax && ww !== 0) v /= ww;
      kk[j * ksize + x] =
        v < 0
          ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS))
          : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[j * 2] = xmin;
    bounds[j * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** torchvision's Resize(size) output size for a (w, h) image: shorter side = size. */
export function resizedSize(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's CenterCrop offsets: round((H - S) / 2), round((W - S) / 2). */
export function centerCropOffsets(
  width: number,
  height: number,
  size: number,
): { left: number; top: number } {
  return { left: pyRound((width - size) / 2), top: pyRound((height - size) / 2) };
}

export interface RgbImage {
  data: Uint8Array; // HWC, RGB
  width: number;
  height: number;
}

/**
 * Resize an RGB image with Pillow's bicubic filter to (outW, outH) and return the window
 * [left, left+cropW) x [top, top+cropH) of the result.
 */
export function pilBicubicResizeCrop(
  img: RgbImage,
  outW: number,
  outH: number,
  crop: { left: number; top: number; width: number; height: number },
): RgbImage {
  const { data, width: inW, height: inH } = img;
  const needH = outW !== inW;
  const needV = outH !== inH;
  const cw = crop.width;
  const ch = crop.height;
  // Horizontal pass over the input rows the vertical pass will read.
  let src = data;
  let srcW = inW;
  let rowOffset = 0; // input row of src's row 0
  let rows = inH;
  const vert = needV ? coeffs(inH, outH, crop.top, ch) : undefined;
  if (needH) {
    const hc = coeffs(inW, outW, crop.left, cw);
    let yFirst = 0;
    let yLast = inH;
    if (vert) {
      yFirst = vert.bounds[0]!;
      yLast = vert.bounds[(ch - 1) * 2]! + vert.bounds[(ch - 1) * 2 + 1]!;
    } else {
      yFirst = crop.top;
      yLast = crop.top + ch;
    }
    rows = yLast - yFirst;
    const tmp = new Uint8Array(rows * cw * 3);
    const half = 1 << (PRECISION_BITS - 1);
    for (let y = 0; y < rows; y++) {
      const inRow = (y + yFirst) * inW * 3;
      for (let x = 0; x < cw; x++) {
        const xmin = hc.bounds[x * 2]!;
        const n = hc.bounds[x * 2 + 1]!;
        const kOff = x * hc.ksize;
        let s0 = half;
        let s1 = half;
        let s2 = half;
        for (let i = 0; i < n; i++) {
          const kv = hc.kk[kOff + i]!;
          const p = inRow + (xmin + i) * 3;
          s0 += data[p]! * kv;
          s1 += data[p + 1]! * kv;
          s2 += data[p + 2]! * kv;
        }
        const o = (y * cw + x) * 3;
        tmp[o] = clip8(s0);
        tmp[o + 1] = clip8(s1);
        tmp[o + 2] = clip8(s2);
      }
    }
    src = tmp;
    srcW = cw;
    rowOffset = yFirst;
  } else {
    // No horizontal resampling: take the crop's columns directly.
    const tmp = new Uint8Array(inH * cw * 3);
    for (let y = 0; y < inH; y++)
      tmp.set(data.subarray((y * inW + crop.left) * 3, (y * inW + crop.left + cw) * 3), y * cw * 3);
    src = tmp;
    srcW = cw;
  }
  const out = new Uint8Array(cw * ch * 3);
  if (!vert) {
    for (let y = 0; y < ch; y++) {
      const r = y + crop.top - rowOffset;
      out.set(src.subarray(r * srcW * 3, (r + 1) * srcW * 3), y * cw * 3);
    }
    return { data: out, width: cw, height: ch };
  }
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < ch; y++) {
    const ymin = vert.bounds[y * 2]! - rowOffset;
    const n = vert.bounds[y * 2 + 1]!;
    const kOff = y * vert.ksize;
    for (let x = 0; x < cw; x++) {
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let i = 0; i < n; i++) {
        const kv = vert.kk[kOff + i]!;
        const p = ((ymin + i) * srcW + x) * 3;
        s0 += src[p]! * kv;
        s1 += src[p + 1]! * kv;
        s2 += src[p + 2]! * kv;
      }
      const o = (y * cw + x) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return { data: out, width: cw, height: ch };
}
