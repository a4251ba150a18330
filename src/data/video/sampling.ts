// Which frames the reference reads and keeps (docs/DATA.md §2.1-2.2, §5), as pure functions of
// the probed frame count and frame rate. The reference truncates the container frame rate to an
// integer before sampling (29.97 fps samples as 29; docs/QUIRKS.md): reproduced by default because
// checkpoints were trained that way; `truncateFps: false` uses the exact rate instead.
import { DataOptionError } from '../errors.js';
import type { Rng } from '../random.js';

export interface SamplingOptions {
  /** Frames taken per second (sample_fp); 0 = every frame. Reference: 1 (2 for MSR-VTT fine-tuning). */
  featureFramerate?: number;
  /** M: frames per clip (12). */
  maxFrames?: number;
  /** When more than M frames: 0 head, 1 tail, 2 uniform (default). */
  slicePos?: 0 | 1 | 2;
  /** 0 keep (default), 1 reverse, 2 random permutation (needs `rng`). */
  frameOrder?: 0 | 1 | 2;
  /** When at most M frames: 'pad' with zeros (retrieval, default) or 'repeat' by linspace (QA, captioning). */
  fill?: 'pad' | 'repeat';
  /** Truncate the frame rate to an integer as the reference does (default true). */
  truncateFps?: boolean;
  /** Optional whole-second range, as RawVideoExtractor's start_time/end_time. */
  startSec?: number;
  endSec?: number;
}

export const DEFAULT_SAMPLING: Required<Omit<SamplingOptions, 'startSec' | 'endSec'>> = {
  featureFramerate: 1,
  maxFrames: 12,
  slicePos: 2,
  frameOrder: 0,
  fill: 'pad',
  truncateFps: true,
};

export function validateSampling(o: SamplingOptions, what: string): void {
  const bad = (msg: string) => {
    throw new DataOptionError('BAD_OPTION', `${what}: ${msg}`);
  };
  if (
    o.featureFramerate !== undefined &&
    !(Number.isInteger(o.featureFramerate) && o.featureFramerate >= 0)
  )
    bad(`featureFramerate must be an integer >= 0, got ${o.featureFramerate}`);
  if (o.maxFrames !== undefined && !(Number.isInteger(o.maxFrames) && o.maxFrames >= 1))
    bad(`maxFrames must be an integer >= 1, got ${o.maxFrames}`);
  if (o.slicePos !== undefined && ![0, 1, 2].includes(o.slicePos))
    bad(`slicePos must be 0, 1 or 2, got ${o.slicePos}`);
  if (o.frameOrder !== undefined && ![0, 1, 2].includes(o.frameOrder))
    bad(`frameOrder must be 0, 1 or 2, got ${o.frameOrder}`);
  if (o.fill !== undefined && o.fill !== 'pad' && o.fill !== 'repeat')
    bad(`fill must be 'pad' or 'repeat', got ${o.fill}`);
}

/**
 * Absolute frame indices the reference tries to read, in order: for sec = start..end (inclusive,
 * end = ceil(frameCount / fps)), offsets 0, interval, 2*interval, ... (< fps, first sample_fp).
 * Reading stops at the first index past the last frame, so the result is cut at `frameCount`.
 */
export function candidateFrameIndices(
  frameCount: number,
  fpsExact: number,
  o: SamplingOptions = {},
): number[] {
  const fps = o.truncateFps === false ? fpsExact : Math.trunc(fpsExact);
  if (!(fps > 0) || !(frameCount > 0)) return [];
  let sampleFp = o.featureFramerate ?? DEFAULT_SAMPLING.featureFramerate;
  let interval = 1;
  if (sampleFp > 0) interval = Math.floor(fps / sampleFp);
  else sampleFp = Math.ceil(fps);
  if (interval === 0) interval = 1;
  const inds: number[] = [];
  for (let k = 0; k * interval < fps && inds.length < sampleFp; k++) inds.push(k * interval);
  const totalDuration = Math.ceil(frameCount / fps);
  let startSec = 0;
  let endSec = totalDuration;
  if (o.startSec !== undefined) {
    startSec = Math.max(0, Math.floor(o.startSec));
    endSec =
      o.endSec !== undefined && o.endSec <= totalDuration ? Math.floor(o.endSec) : totalDuration;
  }
  const out: number[] = [];
  for (let sec = startSec; sec <= endSec; sec++) {
    const base = Math.trunc(sec * fps);
    for (const ind of inds) {
      const idx = base + ind;
      if (idx >= frameCount) return out;
      out.push(idx);
    }
  }
  return out;
}

/** numpy's floor(linspace(0, n - 1, m)) (cast to int truncates). */
export function linspaceIndices(n: number, m: number): number[] {
  if (m === 1) return [0];
  const step = (n - 1) / (m - 1);
  return Array.from({ length: m }, (_, i) => (i === m - 1 ? n - 1 : Math.trunc(i * step)));
}

/**
 * Positions (into the n decoded frames) that fill the clip, in clip order, after slicing,
 * filling and frame ordering. Length min(n, M), or M with fill 'repeat'.
 */
export function keptPositions(n: number, o: SamplingOptions = {}, rng?: Rng): number[] {
  const m = o.maxFrames ?? DEFAULT_SAMPLING.maxFrames;
  const slicePos = o.slicePos ?? DEFAULT_SAMPLING.slicePos;
  let pos: number[];
  if (n === 0) pos = [];
  else if (n > m) {
    if (slicePos === 0) pos = Array.from({ length: m }, (_, i) => i);
    else if (slicePos === 1) pos = Array.from({ length: m }, (_, i) => n - m + i);
    else pos = linspaceIndices(n, m);
  } else if ((o.fill ?? DEFAULT_SAMPLING.fill) === 'repeat') pos = linspaceIndices(n, m);
  else pos = Array.from({ length: n }, (_, i) => i);
  const order = o.frameOrder ?? DEFAULT_SAMPLING.frameOrder;
  if (order === 1) pos.reverse();
  else if (order === 2) {
    if (!rng)
      throw new DataOptionError('BAD_OPTION', 'keptPositions: frameOrder 2 (random) needs an rng');
    rng.shuffle(pos);
  }
  return pos;
}
