// CLIP's image transform (docs/DATA.md §2.3) on decoded RGB frames: resize the shorter side
// to S with Pillow's bicubic filter, centre-crop S x S, scale to [0, 1], normalise per channel,
// CHW layout. Float arithmetic follows torch's float32 ops (x/255, then (x - mean) / std, each
// rounded to float32), so values equal torchvision's ToTensor + Normalize exactly.
import {
  centerCropOffsets,
  pilBicubicResizeCrop,
  resizedSize,
  type RgbImage,
} from './pil-resize.js';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
export const DEFAULT_IMAGE_SIZE = 224;

const MEAN32 = CLIP_MEAN.map(Math.fround);
const STD32 = CLIP_STD.map(Math.fround);

/** Resize (shorter side = size, bicubic) and centre-crop to size x size; uint8 HWC RGB. */
export function resizeCenterCrop(img: RgbImage, size: number = DEFAULT_IMAGE_SIZE): RgbImage {
  const out = resizedSize(img.width, img.height, size);
  const { left, top } = centerCropOffsets(out.width, out.height, size);
  return pilBicubicResizeCrop(img, out.width, out.height, { left, top, width: size, height: size });
}

// (v / 255 - mean) / std for each byte value and channel, rounded as float32 ops round.
const LUT: Float32Array[] = [0, 1, 2].map((c) => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++)
    t[v] = Math.fround(Math.fround(Math.fround(v / 255) - MEAN32[c]!) / STD32[c]!);
  return t;
});

/** uint8 HWC RGB (size x size) -> normalised float32 CHW written into `out` at `offset`. */
export function normalizeToChw(img: RgbImage, out: Float32Array, offset = 0): void {
  const { data, width, height } = img;
  const plane = width * height;
  for (let c = 0; c < 3; c++) {
    const lut = LUT[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = lut[data[i * 3 + c]!]!;
  }
}

/** The whole CLIP transform of one frame into `out` ([3, size, size] at `offset`). */
export function preprocessFrame(
  img: RgbImage,
  out: Float32Array,
  offset = 0,
  size = DEFAULT_IMAGE_SIZE,
): void {
  const cropped = img.width === size && img.height === size ? img : resizeCenterCrop(img, size);
  normalizeToChw(cropped, out, offset);
}

/** BGR -> RGB in place (OpenCV order, e.g. WebVid TFRecord frames). */
export function bgrToRgbInPlace(data: Uint8Array): void {
  for (let i = 0; i + 2 < data.length; i += 3) {
    const b = data[i]!;
    data[i] = data[i + 2]!;
    data[i + 2] = b;
  }
}
