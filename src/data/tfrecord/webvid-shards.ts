// WebVid's pre-extracted frame storage (docs/DATA.md §4): TFRecord shards of tf.train.Example
// records with one bytes feature 'image' = uint8 [F, 256, 256, 3] in OpenCV's BGR order, and
// an index file of "video_id \t shard_path \t byte_offset" lines (first occurrence of an id
// wins). Also writes shards in the same layout (1000 videos per shard), streamed one record at
// a time and renamed into place when complete (t2vlp prepare-webvid, tests).
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { AnnotationError, TfRecordError } from '../errors.js';
import type { RgbImage } from '../video/pil-resize.js';
import { bgrToRgbInPlace } from '../video/preprocess.js';
import { encodeBytesExample, parseExample } from './example-proto.js';
import { frameRecord, readRecordAt, type ReadRecordOptions } from './tfrecord.js';

export const WEBVID_FRAME_SIZE = 256;
const FRAME_BYTES = WEBVID_FRAME_SIZE * WEBVID_FRAME_SIZE * 3;

export interface WebvidLocation {
  shardPath: string;
  offset: number;
}

/** Reads `<dir>/<name>.index`; shard paths that do not exist as written are looked up in `dir`. */
export async function readWebvidIndex(
  dir: string,
  name = 'path',
): Promise<Map<string, WebvidLocation>> {
  const path = join(dir, `${name}.index`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AnnotationError(
      'ENOENT',
      `readWebvidIndex: cannot read '${path}': ${(err as NodeJS.ErrnoException).code}`,
      { cause: err },
    );
  }
  const out = new Map<string, WebvidLocation>();
  text.split('\n').forEach((line, i) => {
    line = line.replace(/\r$/, '');
    if (!line) return;
    const f = line.split('\t');
    const offset = Number(f[2]);
    if (f.length !== 3 || !Number.isInteger(offset) || offset < 0) {
      throw new AnnotationError(
        'BAD_FORMAT',
        `readWebvidIndex: line ${i + 1} of '${path}' is not 'video_id<TAB>shard_path<TAB>byte_offset': '${line}'`,
      );
    }
    if (out.has(f[0]!)) return;
    let shard = f[1]!;
    if (!isAbsolute(shard) || !existsSync(shard)) {
      const local = join(dir, basename(shard));
      if (existsSync(local) || !existsSync(shard)) shard = local;
    }
    out.set(f[0]!, { shardPath: shard, offset });
  });
  return out;
}

/** The frames of one video as RGB images (BGR bytes swapped), F = bytes / (256*256*3). */
export async function readWebvidFrames(
  loc: WebvidLocation,
  o: ReadRecordOptions = {},
): Promise<RgbImage[]> {
  const where = `'${loc.shardPath}' at byte ${loc.offset}`;
  const example = parseExample(await readRecordAt(loc.shardPath, loc.offset, o), where);
  const image = example.get('image');
  if (!image || !('bytes' in image) || image.bytes.length === 0) {
    throw new TfRecordError(
      'MISSING_FIELD',
      `readWebvidFrames: the record ${where} has no bytes feature 'image'`,
    );
  }
  const raw = image.bytes[0]!;
  if (raw.length === 0 || raw.length % FRAME_BYTES !== 0) {
    throw new TfRecordError(
      'BAD_FORMAT',
      `readWebvidFrames: 'image' of the record ${where} has ${raw.length} bytes, not a multiple of 256*256*3`,
    );
  }
  const frames: RgbImage[] = [];
  for (let f = 0; f < raw.length / FRAME_BYTES; f++) {
    const data = raw.slice(f * FRAME_BYTES, (f + 1) * FRAME_BYTES);
    bgrToRgbInPlace(data);
    frames.push({ data, width: WEBVID_FRAME_SIZE, height: WEBVID_FRAME_SIZE });
  }
  return frames;
}

/** `<name>-NNNNN.tfrecord`, frozen_tfrecord.py's shard file name. */
export function webvidShardName(name: string, shard: number): string {
  return `${name}-${String(shard).padStart(5, '0')}.tfrecord`;
}

/**
 * Streams examples into one shard: written to `<path>.tmp`, flushed to disk and renamed to
 * `path` by `close()`, so a shard file that exists is complete. `abort()` removes the temp file.
 */
export class WebvidShardWriter {
  private pos = 0;
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<WebvidShardWriter> {
    return new WebvidShardWriter(path, await open(`${path}.tmp`, 'w'));
  }

  /** Appends one video's BGR uint8 [F,256,256,3] bytes; returns the record's byte offset. */
  async append(bgr: Uint8Array): Promise<number> {
    const offset = this.pos;
    const record = frameRecord(encodeBytesExample({ image: [bgr] }));
    for (let done = 0; done < record.length;)
      done += (await this.fh.write(record, done, record.length - done)).bytesWritten;
    this.pos += record.length;
    return offset;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.pos;
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(`${this.path}.tmp`, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(`${this.path}.tmp`, { force: true });
  }
}

/**
 * Writes videos (id -> BGR uint8 [F,256,256,3] bytes) as `<dir>/<name>-NNNNN.tfrecord` shards of
 * `perShard` examples plus `<dir>/<name>.index`, like frozen_tfrecord.py.
 */
export async function writeWebvidShards(
  dir: string,
  videos: readonly { videoId: string; bgr: Uint8Array }[],
  o: { name?: string; perShard?: number } = {},
): Promise<void> {
  const name = o.name ?? 'path';
  const perShard = o.perShard ?? 1000;
  const lines: string[] = [];
  for (let s = 0; s * perShard < videos.length; s++) {
    const writer = await WebvidShardWriter.open(join(dir, webvidShardName(name, s)));
    try {
      for (const v of videos.slice(s * perShard, (s + 1) * perShard))
        lines.push(`${v.videoId}\t${writer.path}\t${await writer.append(v.bgr)}`);
      await writer.close();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
  await writeFile(join(dir, `${name}.index`), lines.join('\n') + '\n');
}
