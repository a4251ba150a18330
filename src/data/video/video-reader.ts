// The async entry point for clips: one object holding the sampling/preprocessing options and a
// concurrency limit on decoding work, reading from a video file, a frame folder, a WebVid
// TFRecord record or in-memory frames. Each call may pass an AbortSignal; aborting kills that call's ffmpeg process.
import { Limiter } from '../limiter.js';
import { readWebvidFrames } from '../tfrecord/webvid-shards.js';
import type { Rng } from '../random.js';
import type { VideoClip } from './clip.js';
import { readVideoClip, type DecodeOptions } from './decode-video.js';
import { clipFromFrames, readFrameFolder } from './frame-folder.js';
import type { RgbImage } from './pil-resize.js';
import type { SamplingOptions } from './sampling.js';

export type VideoSource =
  | { kind: 'file'; path: string; startSec?: number; endSec?: number }
  | { kind: 'frames'; dir: string }
  | { kind: 'tfrecord'; shardPath: string; offset: number }
  | { kind: 'rgb'; frames: RgbImage[] };

export interface VideoReaderOptions extends SamplingOptions, Omit<DecodeOptions, 'signal'> {
  /** Clips decoded at the same time (ffmpeg processes in flight; default 2). */
  concurrency?: number;
}

/**
 * Reads clips ready for the model (decode, sample, CLIP preprocessing; docs/DATA.md §2) from
 * video files, frame folders, WebVid records or in-memory frames, with at most `concurrency`
 * decodes at a time.
 */
export class VideoReader {
  private readonly limiter: Limiter;

  constructor(readonly options: VideoReaderOptions = {}) {
    this.limiter = new Limiter(options.concurrency ?? 2);
  }

  /** Reads one clip; `overrides` replace reader options for this call (e.g. frameOrder). */
  read(
    source: VideoSource | string,
    call: { signal?: AbortSignal; rng?: Rng } & SamplingOptions = {},
  ): Promise<VideoClip> {
    const src: VideoSource = typeof source === 'string' ? { kind: 'file', path: source } : source;
    const o = { ...this.options, ...call };
    if (src.kind === 'rgb') return Promise.resolve(clipFromFrames(src.frames, o));
    return this.limiter.run(async () => {
      switch (src.kind) {
        case 'file':
          return readVideoClip(src.path, {
            ...o,
            startSec: src.startSec ?? o.startSec,
            endSec: src.endSec ?? o.endSec,
          });
        case 'frames':
          return readFrameFolder(src.dir, o);
        case 'tfrecord':
          return clipFromFrames(await readWebvidFrames(src), o);
      }
    });
  }

  get running(): number {
    return this.limiter.running;
  }
}
