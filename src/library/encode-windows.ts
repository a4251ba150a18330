/**
 * One forward pass over decoded windows: the meanP window embedding (what search ranks, as
 * `T2VLP.encodeVideo(...).embedding`) and each valid frame's L2-normalised embedding (to find the
 * best frame of a hit: the frame whose embedding is closest to the query).
 */
import type { VideoClip } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { F, noGrad, pinnedTensor, scope, tensor } from '../torch/index.js';
import { LibraryError } from './errors.js';

export interface EncodedWindow {
  /** [E]. */
  embedding: Float32Array;
  /** [n, E] for the n valid frames, in slot order. */
  frames: Float32Array;
}

export function encodeWindows(model: T2VLP, clips: readonly VideoClip[]): EncodedWindow[] {
  const { numFrames: T, imageResolution: R, embedDim: E } = model.config;
  const n = clips.length;
  if (!n) return [];
  const plane = 3 * R * R;
  const pixels = new Float32Array(n * T * plane);
  const mask = new BigInt64Array(n * T);
  clips.forEach((c, b) => {
    const [slots, , h, w] = c.shape;
    if (slots > T || h !== R || w !== R)
      throw new LibraryError('BAD_OPTION', `a window was read as [${c.shape.join(', ')}]; the model takes at most ${T} frames of ${R}×${R}`);
    pixels.set(c.frames, b * T * plane);
    c.mask.forEach((m, t) => (mask[b * T + t] = BigInt(m)));
  });
  const { emb, frames } = noGrad(() =>
    scope(() => {
      // On CUDA the frames go through pinned host memory (an asynchronous copy).
      const x = model.device === 'cpu' ? tensor(pixels, [n, T, 3, R, R]) : pinnedTensor(pixels, [n, T, 3, R, R]);
      const v = model.encodeVideo(x, tensor(mask, [n, T]));
      return {
        emb: v.embedding.toArray() as Float32Array,
        frames: F.normalize(v.frames, 2, -1).contiguous().toArray() as Float32Array,
      };
    }),
  );
  return clips.map((c, b) => {
    const valid: number[] = [];
    c.mask.forEach((m, t) => m && valid.push(t));
    const f = new Float32Array(valid.length * E);
    valid.forEach((t, i) => f.set(frames.subarray((b * T + t) * E, (b * T + t + 1) * E), i * E));
    return { embedding: emb.slice(b * E, (b + 1) * E), frames: f };
  });
}
