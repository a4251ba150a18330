/**
 * Thumbnails at a moment: one JPEG frame (at most 320 px wide) cut by ffmpeg (`-ss T -frames:v 1`)
 * and cached in the index folder under a key of the file's path, size, mtime and the time
 * rounded to 0.1 s, so a file that changes gets new thumbnails. At most `concurrency` ffmpeg
 * processes run at once; concurrent requests for the same thumbnail share one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ffmpegPath } from '../data/index.js';
import { Limiter } from '../data/limiter.js';
import { lastErrorLine, runTool } from '../data/video/ffmpeg.js';
import { ServeError } from './errors.js';

export class Thumbnails {
  private readonly limiter: Limiter;
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    o: { concurrency?: number } = {},
  ) {
    this.limiter = new Limiter(o.concurrency ?? 2);
  }

  /** The path of the cached JPEG for `absPath` at `timeSec`. */
  async get(absPath: string, timeSec: number): Promise<string> {
    const st = await stat(absPath);
    const t = Math.max(0, Math.round(timeSec * 10) / 10);
    const key = createHash('sha1').update(`${absPath}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0${t}`).digest('hex');
    const file = join(this.dir, key.slice(0, 2), `${key}.jpg`);
    if (existsSync(file)) return file;
    let p = this.inFlight.get(file);
    if (!p) {
      p = this.limiter.run(() => this.make(absPath, t, file)).finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, p);
    }
    return p;
  }

  private async make(absPath: string, t: number, file: string): Promise<string> {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp.jpg`;
    const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-ss', t.toFixed(2), '-i', absPath, '-map', '0:v:0', '-frames:v', '1', '-vf', "scale='min(320,iw)':-2", '-q:v', '4', tmp];
    try {
      let res = await runTool(ffmpegPath(), args, { what: 'thumbnail', file: absPath });
      if (res.code !== 0 || !existsSync(tmp)) {
        // Past the last frame (a time rounded up at the very end): take the last frame instead.
        const i = args.indexOf('-ss');
        args.splice(i, 2, '-sseof', '-0.5');
        res = await runTool(ffmpegPath(), args, { what: 'thumbnail', file: absPath });
      }
      if (res.code !== 0 || !existsSync(tmp))
        throw new ServeError('NOT_FOUND', `no thumbnail at ${t} s of the video: ffmpeg: ${lastErrorLine(res.stderr)}`);
      await rename(tmp, file);
      return file;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
