// One WebVid clip -> the bytes frozen_tfrecord.py stores for it (docs/DATA.md §4.1): F frames,
// each resized to exactly 256x256 with OpenCV's bilinear resize (no aspect preservation), in
// OpenCV's BGR channel order, uint8 [F, 256, 256, 3] in C order. The frames are uniformly
// spaced: the clip's N frames are cut into F equal segments (boundaries
// trunc(linspace(0, N, F + 1))) and the middle frame of each is taken, as Frozen-in-Time's
// 'uniform' sampling does (docs/DATA.md says only "12 per clip, uniformly"). Decoding
// reuses the video layer's ffmpeg helpers; a clip with fewer than F frames is too short.
import { VideoDecodeError } from '../errors.js';
import { decodeBySeek, decodeBySelect } from '../video/decode-video.js';
import { ffprobePath, lastErrorLine, runTool } from '../video/ffmpeg.js';
import { probeVideo, type VideoProbe } from '../video/probe.js';
import { WEBVID_FRAME_SIZE } from '../tfrecord/webvid-shards.js';
import type { RgbImage } from '../video/pil-resize.js';
import { cvResizeLinear } from './cv-resize.js';

export interface ExtractOptions {
  numFrames: number;
  signal?: AbortSignal;
  /** Seek to each frame instead of one decoding pass for clips longer than this (default 60 s). */
  seekThresholdSec?: number;
}

/** Frame indices of F uniformly spaced frames among N (N >= F gives F distinct ascending ones). */
export function uniformFrameIndices(n: number, f: number): number[] {
  const step = n / f; // numpy linspace(0, n, f + 1): start + k * step, last = stop
  const bound = (k: number) => (k === f ? n : Math.trunc(k * step));
  return Array.from({ length: f }, (_, k) => Math.floor((bound(k) + bound(k + 1) - 1) / 2));
}

/** Frames that really decode (ffprobe -count_frames), for containers that over-report. */
async function countDecodableFrames(path: string, signal?: AbortSignal): Promise<number> {
  const args = [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    path,
  ];
  const res = await runTool(ffprobePath(), args, {
    signal,
    what: 'extractWebvidFrames',
    file: path,
  });
  const n = Number(res.stdout.toString('utf8').trim().split(/[\s,]/)[0]);
  if (res.code !== 0 || !Number.isInteger(n))
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `extractWebvidFrames: ffprobe cannot count the frames of '${path}': ${lastErrorLine(res.stderr)}`,
    );
  return n;
}

/** The clip has fewer frames than are to be extracted. */
export class ClipTooShortError extends VideoDecodeError {
  constructor(path: string, frames: number, f: number) {
    super(
      'VIDEO_EMPTY',
      `extractWebvidFrames: '${path}' has ${frames} frame${frames === 1 ? '' : 's'}, fewer than the ${f} to extract`,
    );
  }
}

async function decodeUniform(
  path: string,
  probe: VideoProbe,
  n: number,
  o: ExtractOptions,
): Promise<RgbImage[]> {
  const wanted = uniformFrameIndices(n, o.numFrames);
  return probe.durationSec > (o.seekThresholdSec ?? 60)
    ? decodeBySeek(path, wanted, probe, { signal: o.signal })
    : decodeBySelect(path, wanted, { signal: o.signal });
}

/** Decodes `numFrames` uniformly spaced frames of a clip as BGR uint8 [F, 256, 256, 3]. */
export async function extractWebvidFrames(path: string, o: ExtractOptions): Promise<Uint8Array> {
  const f = o.numFrames;
  const probe = await probeVideo(path, o.signal);
  if (probe.frameCount < f) throw new ClipTooShortError(path, probe.frameCount, f);
  let frames = await decodeUniform(path, probe, probe.frameCount, o);
  if (frames.length < f) {
    // The container promised more frames than decode: plan again on the frames that exist.
    const real = await countDecodableFrames(path, o.signal);
    if (real < f) throw new ClipTooShortError(path, real, f);
    frames = await decodeUniform(path, probe, real, o);
    if (frames.length < f)
      throw new VideoDecodeError(
        'VIDEO_OPEN',
        `extractWebvidFrames: only ${frames.length} of ${f} planned frames of '${path}' decode`,
      );
  }
  const S = WEBVID_FRAME_SIZE;
  const frameBytes = S * S * 3;
  const out = new Uint8Array(f * frameBytes);
  frames.slice(0, f).forEach((img, k) => {
    const rgb = cvResizeLinear(img, S, S).data;
    const o = k * frameBytes;
    for (let i = 0; i < frameBytes; i += 3) {
      out[o + i] = rgb[i + 2]!;
      out[o + i + 1] = rgb[i + 1]!;
      out[o + i + 2] = rgb[i]!;
    }
  });
  return out;
}
