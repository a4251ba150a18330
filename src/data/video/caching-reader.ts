/**
 * A VideoReader that keeps decoded clips in memory, for training on small datasets for many
 * epochs (the demo): each video is decoded once. Only valid when sampling is deterministic
 * (frameOrder 0), which the constructor checks.
 */
import { VideoReader, type VideoReaderOptions, type VideoSource } from './video-reader.js';

type Clip = Awaited<ReturnType<VideoReader['read']>>;

export class CachingVideoReader extends VideoReader {
  readonly #cache = new Map<string, Promise<Clip>>();
  constructor(options: VideoReaderOptions = {}) {
    super(options);
    if ((options.frameOrder ?? 0) !== 0) throw new RangeError('CachingVideoReader: frameOrder must be 0 (deterministic sampling)');
  }
  override read(source: VideoSource | string, call: Parameters<VideoReader['read']>[1] = {}): Promise<Clip> {
    const key = typeof source === 'string' ? source : JSON.stringify(source);
    let p = this.#cache.get(key);
    if (!p) {
      p = super.read(source, call);
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
    }
    return p;
  }
  get size(): number {
    return this.#cache.size;
  }
}
