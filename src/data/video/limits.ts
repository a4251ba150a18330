// Resource limits on what ffprobe says a video is, checked before any frame is decoded: a file
// whose header claims enormous frames (ffmpeg would allocate width x height x 3 bytes per frame)
// or a duration of days (the candidate frame list grows with the duration) is refused with a
// message naming the file, instead of exhausting memory. Real videos sit far below the defaults;
// `limits` in the decode options raises or lowers them.
import { VideoDecodeError } from '../errors.js';
import type { VideoProbe } from './probe.js';

export interface VideoLimits {
  /** Largest frame, in pixels (default 8192 x 8192: 8K video fits). */
  maxPixels: number;
  /** Longest duration, seconds (frame count / frame rate; default 48 hours). */
  maxDurationSec: number;
}

export const DEFAULT_VIDEO_LIMITS: Readonly<VideoLimits> = {
  maxPixels: 8192 * 8192,
  maxDurationSec: 48 * 3600,
};

export function checkVideoLimits(probe: VideoProbe, where: string, limits: Partial<VideoLimits> = {}): void {
  const l = { ...DEFAULT_VIDEO_LIMITS, ...limits };
  const pixels = probe.width * probe.height;
  if (pixels > l.maxPixels)
    throw new VideoDecodeError(
      'TOO_LARGE',
      `${where}: '${probe.path}' has ${probe.width}x${probe.height} frames (${pixels} pixels), over the limit of ${l.maxPixels}; ` +
        `downscale it first (ffmpeg -vf scale=-2:720) or raise limits.maxPixels`,
    );
  const durationSec = probe.fps > 0 ? Math.max(probe.frameCount / probe.fps, probe.durationSec) : probe.durationSec;
  if (!(durationSec <= l.maxDurationSec))
    throw new VideoDecodeError(
      'TOO_LARGE',
      `${where}: '${probe.path}' claims ${probe.frameCount} frames at ${probe.fps.toFixed(3)} fps (${(durationSec / 3600).toFixed(1)} hours), ` +
        `over the limit of ${(l.maxDurationSec / 3600).toFixed(1)} hours; cut it into clips first, or raise limits.maxDurationSec`,
    );
}
