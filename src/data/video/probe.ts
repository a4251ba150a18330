// Probes a video with ffprobe for what frame sampling needs (docs/DATA.md §2.1): frame count
// and frame rate as OpenCV reports them to the reference (CAP_PROP_FRAME_COUNT: the stream's
// nb_frames, else round(duration * fps); CAP_PROP_FPS: avg_frame_rate, else r_frame_rate),
// plus size, duration and start times for seeking.
import { stat } from 'node:fs/promises';
import { VideoDecodeError } from '../errors.js';
import { ffprobePath, lastErrorLine, runTool } from './ffmpeg.js';

export interface VideoProbe {
  path: string;
  width: number;
  height: number;
  /** Exact container frame rate (frames per second, fractional). */
  fps: number;
  /** Frames as the reference sees them (nb_frames, else round(duration * fps)). */
  frameCount: number;
  durationSec: number;
  /** Video stream start time minus container start time, seconds (for -ss seeking). */
  streamOffsetSec: number;
  codec: string;
}

function rate(s: unknown): number {
  if (typeof s !== 'string') return 0;
  const [n, d] = s.split('/').map(Number);
  if (!Number.isFinite(n) || !Number.isFinite(d) || !d) return 0;
  return n! / d!;
}

function num(s: unknown): number {
  const v = typeof s === 'string' || typeof s === 'number' ? Number(s) : NaN;
  return Number.isFinite(v) ? v : NaN;
}

export async function probeVideo(path: string, signal?: AbortSignal): Promise<VideoProbe> {
  try {
    const st = await stat(path);
    if (!st.isFile())
      throw new VideoDecodeError('VIDEO_OPEN', `probeVideo: '${path}' is not a file`);
    if (st.size === 0)
      throw new VideoDecodeError('VIDEO_EMPTY', `probeVideo: '${path}' is empty (0 bytes)`);
  } catch (err) {
    if (err instanceof VideoDecodeError) throw err;
    throw new VideoDecodeError('ENOENT', `probeVideo: video '${path}' does not exist`, {
      cause: err,
    });
  }
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration,start_time:format=duration,start_time',
    '-of',
    'json',
    path,
  ];
  const res = await runTool(ffprobePath(), args, { signal, what: 'probeVideo', file: path });
  if (res.code !== 0) {
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `probeVideo: ffprobe cannot open '${path}': ${lastErrorLine(res.stderr)}`,
    );
  }
  return parseProbeOutput(res.stdout, path);
}

/** A finite, non-negative number or 0: ffprobe output is data from a file (and may be anything). */
function nonNegative(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Turns ffprobe's `-of json` output for `path` into a VideoProbe. The output describes an
 * untrusted file, so every field is type-checked: anything but the expected shape is
 * 'VIDEO_OPEN' or 'VIDEO_EMPTY', never a TypeError, and numbers come out finite and >= 0.
 */
export function parseProbeOutput(stdout: Uint8Array, path: string): VideoProbe {
  let info: unknown;
  try {
    info = JSON.parse(new TextDecoder().decode(stdout));
  } catch {
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `probeVideo: unreadable ffprobe output for '${path}' (not JSON)`,
    );
  }
  if (!isRecord(info))
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `probeVideo: unreadable ffprobe output for '${path}': expected a JSON object`,
    );
  const streams = info.streams;
  const s = Array.isArray(streams) ? (streams[0] as unknown) : undefined;
  if (!isRecord(s))
    throw new VideoDecodeError('VIDEO_EMPTY', `probeVideo: '${path}' has no video stream`);
  const format = isRecord(info.format) ? info.format : {};
  const fps = nonNegative(rate(s.avg_frame_rate) || rate(s.r_frame_rate));
  let durationSec = num(format.duration);
  if (!(durationSec > 0)) durationSec = num(s.duration);
  durationSec = nonNegative(durationSec);
  const nb = num(s.nb_frames);
  const frameCount = nonNegative(
    nb > 0 ? Math.floor(nb) : durationSec > 0 && fps > 0 ? Math.floor(durationSec * fps + 0.5) : 0,
  );
  const streamStart = num(s.start_time);
  const formatStart = num(format.start_time);
  return {
    path,
    width: Math.floor(nonNegative(num(s.width))),
    height: Math.floor(nonNegative(num(s.height))),
    fps,
    frameCount,
    durationSec,
    streamOffsetSec:
      Number.isFinite(streamStart) && Number.isFinite(formatStart) ? streamStart - formatStart : 0,
    codec: typeof s.codec_name === 'string' ? s.codec_name : '',
  };
}
