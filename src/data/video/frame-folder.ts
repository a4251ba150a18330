// Clips from frames that were extracted beforehand: a folder of JPEG/PNG images (decoded by
// ffmpeg, one short process per kept image) or frames already in memory (WebVid TFRecords).
// All images in sorted file-name order are the video's N frames; the frame rate plays no part
// (docs/DATA.md §4.2: sampling was fixed at extraction time). Note: ffmpeg's JPEG decoder may
// differ from Pillow/OpenCV's libjpeg by a level here and there; PNG decodes identically.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VideoDecodeError } from '../errors.js';
import { Limiter } from '../limiter.js';
import type { Rng } from '../random.js';
import { assembleClip, type VideoClip } from './clip.js';
import { ffmpegPath, lastErrorLine, runTool } from './ffmpeg.js';
import type { RgbImage } from './pil-resize.js';
import { PpmStreamParser } from './ppm.js';
import { DEFAULT_IMAGE_SIZE } from './preprocess.js';
import {
  DEFAULT_SAMPLING,
  keptPositions,
  validateSampling,
  type SamplingOptions,
} from './sampling.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp'];

export interface FrameSetOptions extends SamplingOptions {
  imageSize?: number;
  rng?: Rng;
  signal?: AbortSignal;
  /** Parallel ffmpeg processes for one folder (default 2). */
  imageConcurrency?: number;
}

/** Builds a clip from N in-memory RGB frames (slicing, fill and order as for videos). */
export function clipFromFrames(frames: readonly RgbImage[], o: FrameSetOptions = {}): VideoClip {
  validateSampling(o, 'clipFromFrames');
  const pos = keptPositions(frames.length, o, o.rng);
  return assembleClip(
    frames,
    pos,
    pos,
    o.maxFrames ?? DEFAULT_SAMPLING.maxFrames,
    o.imageSize ?? DEFAULT_IMAGE_SIZE,
  );
}

/** Image files of a frame folder in sorted name order. */
export async function listFrameFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    names = await readdir(dir);
  } catch (err) {
    throw new VideoDecodeError(
      'ENOENT',
      `readFrameFolder: frame folder '${dir}' does not exist or is not a directory`,
      { cause: err },
    );
  }
  return names.filter((n) => IMAGE_EXTENSIONS.some((e) => n.toLowerCase().endsWith(e))).sort();
}

/** Decodes one image file to RGB with ffmpeg. */
export async function decodeImage(path: string, signal?: AbortSignal): Promise<RgbImage> {
  const parser = new PpmStreamParser(undefined, path);
  const res = await runTool(
    ffmpegPath(),
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-i',
      path,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-c:v',
      'ppm',
      'pipe:1',
    ],
    { signal, what: 'decodeImage', file: path, onStdout: (c) => parser.push(c) },
  );
  if (res.code !== 0 || parser.frames.length !== 1) {
    throw new VideoDecodeError(
      'VIDEO_OPEN',
      `decodeImage: ffmpeg cannot decode image '${path}': ${lastErrorLine(res.stderr)}`,
    );
  }
  return parser.frames[0]!;
}

/** Reads a folder of frame images into a clip, decoding only the kept images. */
export async function readFrameFolder(dir: string, o: FrameSetOptions = {}): Promise<VideoClip> {
  validateSampling(o, 'readFrameFolder');
  const files = await listFrameFiles(dir);
  if (files.length === 0)
    throw new VideoDecodeError(
      'VIDEO_EMPTY',
      `readFrameFolder: '${dir}' holds no ${IMAGE_EXTENSIONS.join('/')} images`,
    );
  const pos = keptPositions(files.length, o, o.rng);
  const unique = [...new Set(pos)].sort((a, b) => a - b);
  const limiter = new Limiter(o.imageConcurrency ?? 2);
  const images = await Promise.all(
    unique.map((p) => limiter.run(() => decodeImage(join(dir, files[p]!), o.signal))),
  );
  const slotOf = new Map(unique.map((p, k) => [p, k]));
  return assembleClip(
    images,
    pos.map((p) => slotOf.get(p)!),
    pos,
    o.maxFrames ?? DEFAULT_SAMPLING.maxFrames,
    o.imageSize ?? DEFAULT_IMAGE_SIZE,
  );
}
