// Encodes RGB frames produced in Node into a video file by piping raw rgb24 into ffmpeg's
// stdin (used by the synthetic dataset generator and by tests that need small videos).
// Output is deterministic for a given ffmpeg build: one encoder thread, bit-exact flags and no
// metadata that carries time or version strings.
import { VideoDecodeError } from '../errors.js';
import { ffmpegPath, lastErrorLine, runTool } from './ffmpeg.js';

export interface EncodeOptions {
  width: number;
  height: number;
  /** Frame rate, e.g. 8 or '30000/1001'. */
  fps: number | string;
  /** 'libx264' (default), 'mpeg4', 'mjpeg', 'libvpx-vp9', ... */
  codec?: string;
  /** Extra output arguments (e.g. ['-crf', '18']). */
  extraArgs?: string[];
  signal?: AbortSignal;
}

/** Writes `frames` ([n][height*width*3] RGB bytes, concatenated) to `outPath`. */
export async function encodeRgbVideo(
  frames: Uint8Array,
  outPath: string,
  o: EncodeOptions,
): Promise<void> {
  const frameBytes = o.width * o.height * 3;
  if (frames.length === 0 || frames.length % frameBytes !== 0) {
    throw new VideoDecodeError(
      'BAD_OPTION',
      `encodeRgbVideo: ${frames.length} bytes is not a whole number of ${o.width}x${o.height} RGB frames`,
    );
  }
  const codec = o.codec ?? 'libx264';
  const codecArgs =
    codec === 'libx264'
      ? [
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-crf',
          '18',
          '-pix_fmt',
          'yuv420p',
          '-x264-params',
          'threads=1',
        ]
      : codec === 'mjpeg'
        ? ['-c:v', 'mjpeg', '-q:v', '2', '-pix_fmt', 'yuvj420p']
        : ['-c:v', codec, '-q:v', '3', '-pix_fmt', 'yuv420p'];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${o.width}x${o.height}`,
    '-r',
    String(o.fps),
    '-i',
    'pipe:0',
    ...codecArgs,
    '-threads',
    '1',
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags:v',
    '+bitexact',
    ...(o.extraArgs ?? []),
    outPath,
  ];
  // stdin is fed whole; -nostdin only stops ffmpeg reading keyboard commands.
  const res = await runTool(
    ffmpegPath(),
    args.filter((a) => a !== '-nostdin'),
    {
      stdin: frames,
      signal: o.signal,
      what: 'encodeRgbVideo',
      file: outPath,
    },
  );
  if (res.code !== 0) {
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `encodeRgbVideo: ffmpeg cannot write '${outPath}': ${lastErrorLine(res.stderr)}`,
    );
  }
}
