// Video file -> model input (docs/DATA.md §2.1-2.3). Probe with ffprobe, work out which frames
// the reference would read and keep (sampling.ts), decode only those with ffmpeg, streamed as
// RGB PPM frames over a pipe, then apply CLIP's transform in TypeScript (bit-exact Pillow
// bicubic, preprocess.ts). Short videos use one `select` pass; long ones seek to each kept
// frame (-ss per input), which avoids decoding the whole file. If the container over-reports
// its frame count, fewer frames come back than planned; the clip is then re-planned from the
// frames that actually decode, as the reference's read loop would.
//
// resize 'reference' (default) ships native-size frames to TS and resizes there exactly as
// Pillow; 'ffmpeg' lets swscale resize and crop (bicubic, B=0 C=0.5, in RGB), which moves far
// fewer bytes for large videos but differs from Pillow by a few levels (see preprocess tests).
//
// YUV -> RGB conversion is swscale's (ffmpeg's auto-inserted scaler, bicubic chroma), as in the
// reference's OpenCV capture, which uses the same library; ffmpeg honours a stream's colour
// matrix tag where OpenCV assumes BT.601, so tagged BT.709 videos may differ slightly. Needs
// ffmpeg >= 5.1 (-fps_mode).
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataOptionError, VideoDecodeError } from '../errors.js';
import type { Rng } from '../random.js';
import { assembleClip, type VideoClip } from './clip.js';
import { ffmpegPath, lastErrorLine, runTool } from './ffmpeg.js';
import type { RgbImage } from './pil-resize.js';
import { PpmStreamParser } from './ppm.js';
import { DEFAULT_IMAGE_SIZE } from './preprocess.js';
import { checkVideoLimits, type VideoLimits } from './limits.js';
import { probeVideo, type VideoProbe } from './probe.js';
import {
  candidateFrameIndices,
  DEFAULT_SAMPLING,
  keptPositions,
  validateSampling,
  type SamplingOptions,
} from './sampling.js';

export interface DecodeOptions {
  /** Output side S (224). */
  imageSize?: number;
  /** Where the resize happens: 'reference' (TS, exact Pillow bicubic; default) or 'ffmpeg'. */
  resize?: 'reference' | 'ffmpeg';
  /** 'select' (one decoding pass), 'seek' (-ss per kept frame) or 'auto' by duration (default). */
  access?: 'auto' | 'select' | 'seek';
  /** 'auto' seeks when the video is longer than this (default 60 s). */
  seekThresholdSec?: number;
  /** ffmpeg decoder threads per process (default: ffmpeg's choice). */
  threads?: number;
  /**
   * Let ffmpeg write the frames to a temporary file (in os.tmpdir(), removed after reading)
   * instead of a pipe (default false). Through a pipe, ffmpeg stalls as soon as the pipe is full
   * while this thread is busy (e.g. a model's forward pass); through a file it decodes the whole
   * clip meanwhile, so decoding overlaps synchronous work here.
   */
  spool?: boolean;
  /** Largest frame size and duration accepted (limits.ts; defaults 8192x8192 and 48 hours). */
  limits?: Partial<VideoLimits>;
  signal?: AbortSignal;
}

export interface VideoReadOptions extends SamplingOptions, DecodeOptions {
  /** Random source for frameOrder 2. */
  rng?: Rng;
}

function scaleFilter(size: number): string {
  const S = size;
  // torchvision: shorter side -> S, longer -> int(S * long / short); crop offsets use Python round.
  const w = `if(lte(iw\\,ih)\\,${S}\\,trunc(${S}*iw/ih))`;
  const h = `if(lte(iw\\,ih)\\,trunc(${S}*ih/iw)\\,${S})`;
  const half = (d: string) => `(trunc((${d})/2)+mod(${d}\\,2)*mod(trunc((${d})/2)\\,2))`;
  return (
    `format=rgb24,scale=w='${w}':h='${h}':flags=bicubic+accurate_rnd+full_chroma_int:param0=0:param1=0.5,` +
    `crop=${S}:${S}:'${half(`iw-${S}`)}':'${half(`ih-${S}`)}'`
  );
}

function commonArgs(o: DecodeOptions): string[] {
  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (o.threads) args.push('-threads', String(o.threads));
  return args;
}

let spoolCount = 0;

async function runFrames(args: string[], path: string, o: DecodeOptions): Promise<RgbImage[]> {
  const parser = new PpmStreamParser(undefined, path);
  const spoolFile = o.spool ? join(tmpdir(), `t2vlp-frames-${process.pid}-${++spoolCount}.ppm`) : undefined;
  if (spoolFile) args = [...args.slice(0, -1), '-y', spoolFile];
  let res: Awaited<ReturnType<typeof runTool>>;
  try {
    res = await runTool(ffmpegPath(), args, {
      signal: o.signal,
      what: 'decodeVideo',
      file: path,
      onStdout: (chunk) => parser.push(chunk),
    });
    if (spoolFile && res.code === 0) parser.push(await readFile(spoolFile));
  } finally {
    if (spoolFile) await rm(spoolFile, { force: true });
  }
  if (res.code !== 0) {
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `decodeVideo: ffmpeg cannot decode '${path}': ${lastErrorLine(res.stderr)}`,
    );
  }
  return parser.frames;
}

/** Decodes the frames with the given indices (ascending) in one pass with a select filter. */
export function decodeBySelect(
  path: string,
  indices: readonly number[],
  o: DecodeOptions = {},
): Promise<RgbImage[]> {
  const expr = indices.map((i) => `eq(n\\,${i})`).join('+');
  let vf = `select='${expr}'`;
  if (o.resize === 'ffmpeg') vf += ',' + scaleFilter(o.imageSize ?? DEFAULT_IMAGE_SIZE);
  const args = [
    ...commonArgs(o),
    '-i',
    path,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    vf,
    '-fps_mode',
    'passthrough',
    '-frames:v',
    String(indices.length),
    '-f',
    'image2pipe',
    '-c:v',
    'ppm',
    'pipe:1',
  ];
  return runFrames(args, path, o);
}

/** Decodes the frames with the given indices by seeking to each (one ffmpeg, one input per frame). */
export function decodeBySeek(
  path: string,
  indices: readonly number[],
  probe: VideoProbe,
  o: DecodeOptions = {},
): Promise<RgbImage[]> {
  const args = [...commonArgs(o)];
  indices.forEach((i) => {
    // Half a frame early: the first frame at or after this time is frame i, whatever the rounding.
    const t = Math.max(0, probe.streamOffsetSec + (i - 0.5) / probe.fps);
    args.push('-ss', t.toFixed(6), '-i', path);
  });
  const post = o.resize === 'ffmpeg' ? ',' + scaleFilter(o.imageSize ?? DEFAULT_IMAGE_SIZE) : '';
  const parts = indices.map((_, k) => `[${k}:v:0]trim=end_frame=1${post}[v${k}]`);
  const graph =
    indices.length === 1
      ? parts[0]!.replace(/\[v0\]$/, '[out]')
      : `${parts.join(';')};${indices.map((_, k) => `[v${k}]`).join('')}concat=n=${indices.length}:v=1:a=0[out]`;
  args.push(
    '-filter_complex',
    graph,
    '-map',
    '[out]',
    '-fps_mode',
    'passthrough',
    '-f',
    'image2pipe',
    '-c:v',
    'ppm',
    'pipe:1',
  );
  return runFrames(args, path, o);
}

function useSeek(probe: VideoProbe, o: DecodeOptions): boolean {
  if (o.access === 'seek') return true;
  if (o.access === 'select') return false;
  return probe.durationSec > (o.seekThresholdSec ?? 60);
}

/** Reads one video file into a clip as the reference loaders do. */
export async function readVideoClip(path: string, o: VideoReadOptions = {}): Promise<VideoClip> {
  validateSampling(o, 'readVideoClip');
  if (o.resize !== undefined && o.resize !== 'reference' && o.resize !== 'ffmpeg') {
    throw new DataOptionError(
      'BAD_OPTION',
      `readVideoClip: resize must be 'reference' or 'ffmpeg', got '${o.resize}'`,
    );
  }
  const maxFrames = o.maxFrames ?? DEFAULT_SAMPLING.maxFrames;
  const probe = await probeVideo(path, o.signal);
  checkVideoLimits(probe, 'readVideoClip', o.limits);
  if (!(probe.fps > 0))
    throw new VideoDecodeError(
      'VIDEO_EMPTY',
      `readVideoClip: '${path}' reports a frame rate of 0; cannot sample frames`,
    );
  if (!(Math.trunc(probe.fps) > 0) && o.truncateFps !== false) {
    throw new VideoDecodeError(
      'VIDEO_EMPTY',
      `readVideoClip: '${path}' has ${probe.fps.toFixed(3)} fps, which truncates to 0 (reference quirk, docs/QUIRKS.md); pass truncateFps: false`,
    );
  }
  const cand = candidateFrameIndices(probe.frameCount, probe.fps, o);
  if (cand.length === 0) {
    throw new VideoDecodeError(
      'VIDEO_EMPTY',
      `readVideoClip: '${path}' has no frames to sample (frame count ${probe.frameCount}, duration ${probe.durationSec}s)`,
    );
  }
  const plan = (n: number) => {
    const pos = keptPositions(n, o, o.rng);
    const unique = [...new Set(pos)].sort((a, b) => a - b);
    return { pos, unique };
  };
  let { pos, unique } = plan(cand.length);
  let wanted = unique.map((p) => cand[p]!);
  let frames = useSeek(probe, o)
    ? await decodeBySeek(path, wanted, probe, o)
    : await decodeBySelect(path, wanted, o);
  if (frames.length < wanted.length) {
    // The container promised more frames than decode: re-plan on what really exists.
    const all = await decodeBySelect(path, cand, o);
    if (all.length === 0)
      throw new VideoDecodeError(
        'VIDEO_EMPTY',
        `readVideoClip: no frame of '${path}' could be decoded`,
      );
    const real = cand.slice(0, all.length);
    ({ pos, unique } = plan(real.length));
    wanted = unique.map((p) => real[p]!);
    frames = unique.map((p) => all[p]!);
  }
  const slotOf = new Map(unique.map((p, k) => [p, k]));
  const sources = pos.map((p) => slotOf.get(p)!);
  return assembleClip(
    frames,
    sources,
    sources.map((k) => wanted[k]!),
    maxFrames,
    o.imageSize ?? DEFAULT_IMAGE_SIZE,
  );
}
