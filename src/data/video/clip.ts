// The model-ready form of one video (docs/DATA.md §2.2): M slots of normalised [3, S, S]
// frames, zero-filled past the kept frames, with a mask of valid slots. Assembly from decoded
// RGB frames is shared by the video-file, frame-folder and TFRecord paths.
import { toTensor, type Tensor } from '../torch-edge.js';
import type { RgbImage } from './pil-resize.js';
import { DEFAULT_IMAGE_SIZE, preprocessFrame } from './preprocess.js';

export interface VideoClip {
  /** [T, 3, S, S] normalised RGB; slots >= numFrames are all zeros. */
  frames: Float32Array;
  /** Shape [T]; 1 for slots holding a frame. */
  mask: Uint8Array;
  /** Slots holding a frame (n = min(N, M), or M when short videos are repeated). */
  numFrames: number;
  shape: [number, number, number, number];
  /** For each filled slot, the source frame index (video frame number or image position). */
  frameIndices: number[];
}

/**
 * Builds a clip from decoded frames: slot t gets frames[slotSources[t]] preprocessed. Frames
 * used by several slots (repeat fill) are preprocessed once.
 */
export function assembleClip(
  frames: readonly RgbImage[],
  slotSources: readonly number[],
  frameIndices: readonly number[],
  maxFrames: number,
  imageSize: number = DEFAULT_IMAGE_SIZE,
): VideoClip {
  const plane = 3 * imageSize * imageSize;
  const out = new Float32Array(maxFrames * plane);
  const mask = new Uint8Array(maxFrames);
  const done = new Map<number, number>(); // source -> slot already holding it
  slotSources.forEach((src, slot) => {
    const prev = done.get(src);
    if (prev !== undefined) out.copyWithin(slot * plane, prev * plane, (prev + 1) * plane);
    else {
      preprocessFrame(frames[src]!, out, slot * plane, imageSize);
      done.set(src, slot);
    }
    mask[slot] = 1;
  });
  return {
    frames: out,
    mask,
    numFrames: slotSources.length,
    shape: [maxFrames, 3, imageSize, imageSize],
    frameIndices: [...frameIndices],
  };
}

/** Tensors for one clip: frames float32 [T,3,S,S], mask int64 [T]. */
export function clipToTensors(clip: VideoClip): { frames: Tensor; mask: Tensor } {
  return {
    frames: toTensor(clip.frames, [...clip.shape]),
    mask: toTensor(
      BigInt64Array.from(clip.mask, (v) => BigInt(v)),
      [clip.shape[0]],
    ),
  };
}
