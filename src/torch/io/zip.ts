/**
 * A read-only zip reader for PyTorch archives (torch.save since 1.6 and torch.jit.save): the
 * central directory (with ZIP64 records, which PyTorch always writes and archives over 4 GB
 * need), stored entries read with one positioned read into their own buffer, and deflated
 * entries inflated off the main thread. CRCs are not checked (it would mean hashing every
 * tensor byte); sizes and offsets are, so truncation is reported, not misread.
 */
import { promisify } from 'node:util';
import { kMaxLength } from 'node:buffer';
import { inflateRaw } from 'node:zlib';
import { CheckpointError, q } from './errors.js';
import { openForRead, readBytes, readAt, allocBytes, type OpenedFile } from './file-read.js';

const inflateRawAsync = promisify(inflateRaw);

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Deflate expands at most ~1032:1 (258-byte matches in 2-bit codes). */
const MAX_DEFLATE_RATIO = 1032;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function u64(v: DataView, at: number, f: OpenedFile, what: string): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CheckpointError(
      'BAD_ARCHIVE',
      f.path,
      `${f.op}: ${q(f.path)} has ${what} = ${n}, larger than any real file; the zip directory is corrupt`,
    );
  return Number(n);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export class ZipArchive {
  private constructor(
    private readonly file: OpenedFile,
    /** Entries by name, in directory order. */
    readonly entries: Map<string, ZipEntry>,
  ) {}

  get path(): string {
    return this.file.path;
  }

  /** Opens `path` and reads its central directory; `op` names the public caller in messages. */
  static async open(path: string, op = 'ZipArchive.open'): Promise<ZipArchive> {
    const f = await openForRead(path, op);
    try {
      return new ZipArchive(f, await readDirectory(f));
    } catch (e) {
      await f.fh.close();
      throw e;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Where an entry's data starts (after its local header, whose extra field can differ from the directory's). */
  private async dataStart(e: ZipEntry): Promise<number> {
    const f = this.file;
    const h = view(await readBytes(f, e.localHeaderOffset, 30, `the local header of ${q(e.name)}`));
    if (h.getUint32(0, true) !== SIG_LOCAL)
      throw new CheckpointError(
        'BAD_ARCHIVE',
        f.path,
        `${f.op}: ${q(f.path)} has no local header for ${q(e.name)} at byte ${e.localHeaderOffset}; the zip is corrupt`,
      );
    return e.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
  }

  /** The whole (decompressed) content of entry `name`, in a buffer of its own. */
  async read(name: string): Promise<Uint8Array> {
    const f = this.file;
    const e = this.entries.get(name);
    if (!e)
      throw new CheckpointError(
        'BAD_ARCHIVE',
        f.path,
        `${f.op}: ${q(f.path)} has no entry ${q(name)}`,
      );
    if (e.flags & 1)
      throw new CheckpointError(
        'UNSUPPORTED',
        f.path,
        `${f.op}: ${q(name)} in ${q(f.path)} is encrypted; re-save the archive without a password`,
      );
    const start = await this.dataStart(e);
    if (start + e.compressedSize > f.size)
      throw new CheckpointError(
        'TRUNCATED',
        f.path,
        `${f.op}: ${q(f.path)} is ${f.size} bytes but entry ${q(name)} ends at byte ${start + e.compressedSize}; the file is truncated, re-download or re-save it`,
      );
    if (e.method === 0) {
      if (e.compressedSize !== e.size)
        throw new CheckpointError(
          'BAD_ARCHIVE',
          f.path,
          `${f.op}: stored entry ${q(name)} in ${q(f.path)} has size ${e.size} but occupies ${e.compressedSize} bytes; the zip is corrupt`,
        );
      const out = allocBytes(e.size);
      await readAt(f, out, start, `entry ${q(name)}`);
      return out;
    }
    if (e.method === 8) {
      if (e.size > e.compressedSize * MAX_DEFLATE_RATIO + 64)
        throw new CheckpointError(
          'BAD_ARCHIVE',
          f.path,
          `${f.op}: entry ${q(name)} of ${q(f.path)} says it inflates from ${e.compressedSize} to ${e.size} bytes, more than deflate can encode; the zip directory is corrupt`,
        );
      const packed = await readBytes(f, start, e.compressedSize, `entry ${q(name)}`);
      let out: Buffer;
      try {
        // Bounded by the directory's size, which deflate's best ratio bounds by the packed size:
        // a deflate bomb stops there instead of inflating without limit.
        out = await inflateRawAsync(packed, { maxOutputLength: Math.min(e.size + 1, kMaxLength) });
      } catch (err) {
        throw new CheckpointError(
          'BAD_ARCHIVE',
          f.path,
          `${f.op}: entry ${q(name)} of ${q(f.path)} does not inflate (${(err as Error).message}); the zip is corrupt`,
          { cause: err },
        );
      }
      if (out.byteLength !== e.size)
        throw new CheckpointError(
          'BAD_ARCHIVE',
          f.path,
          `${f.op}: entry ${q(name)} of ${q(f.path)} inflates to ${out.byteLength} bytes; the directory says ${e.size}`,
        );
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    throw new CheckpointError(
      'UNSUPPORTED',
      f.path,
      `${f.op}: entry ${q(name)} of ${q(f.path)} uses zip compression method ${e.method}; only stored (0) and deflate (8) are read. Re-save it with torch.save`,
    );
  }

  /** Entry data as UTF-8 text. */
  async readText(name: string): Promise<string> {
    return new TextDecoder().decode(await this.read(name));
  }

  async close(): Promise<void> {
    await this.file.fh.close();
  }
}

/** Finds the end records and parses the central directory. */
async function readDirectory(f: OpenedFile): Promise<Map<string, ZipEntry>> {
  const fail = (code: 'TRUNCATED' | 'BAD_ARCHIVE' | 'UNSUPPORTED', msg: string): never => {
    throw new CheckpointError(code, f.path, `${f.op}: ${q(f.path)} ${msg}`);
  };
  if (f.size < 22)
    fail('TRUNCATED', `is ${f.size} bytes, too short for a zip archive (file truncated?)`);
  // The end record is 22 bytes plus a comment of up to 64 KiB; the ZIP64 locator sits just before it.
  const tailLen = Math.min(f.size, 22 + U16_MAX + 20);
  const tailStart = f.size - tailLen;
  const tail = await readBytes(f, tailStart, tailLen, 'the zip end record');
  const tv = view(tail);
  let end = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_END && i + 22 + tv.getUint16(i + 20, true) <= tailLen) {
      end = i;
      break;
    }
  }
  if (end < 0)
    return fail(
      'TRUNCATED',
      'is a zip archive without its end-of-central-directory record; the file is truncated, re-download or re-save it',
    );

  let count = tv.getUint16(end + 10, true);
  let cdSize = tv.getUint32(end + 12, true);
  let cdOffset = tv.getUint32(end + 16, true);
  if (tv.getUint16(end + 4, true) !== 0 || tv.getUint16(end + 6, true) !== 0)
    fail('UNSUPPORTED', 'is a multi-part (split) zip archive; join the parts first');
  let cdLimit = tailStart + end; // the directory must end before the end records
  if (end >= 20 && tv.getUint32(end - 20, true) === SIG_LOCATOR64) {
    const end64At = u64(tv, end - 12, f, 'the ZIP64 end record offset');
    if (end64At + 56 > tailStart + end)
      fail(
        'BAD_ARCHIVE',
        `has a ZIP64 end record offset ${end64At} past its end record; the zip is corrupt`,
      );
    const e64 = view(await readBytes(f, end64At, 56, 'the ZIP64 end record'));
    if (e64.getUint32(0, true) !== SIG_END64)
      fail('BAD_ARCHIVE', `has no ZIP64 end record at byte ${end64At}; the zip is corrupt`);
    count = u64(e64, 32, f, 'the entry count');
    cdSize = u64(e64, 40, f, 'the directory size');
    cdOffset = u64(e64, 48, f, 'the directory offset');
    cdLimit = end64At;
  } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    fail(
      'BAD_ARCHIVE',
      'says its directory is in a ZIP64 record but has no ZIP64 locator; the zip is corrupt',
    );
  }
  if (cdOffset + cdSize > cdLimit)
    fail(
      'TRUNCATED',
      `has its zip directory at bytes ${cdOffset}..${cdOffset + cdSize}, past the end records at ${cdLimit}; the file is truncated or corrupt`,
    );

  const cd = await readBytes(f, cdOffset, cdSize, 'the zip directory');
  const cv = view(cd);
  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== SIG_CENTRAL)
      fail(
        'BAD_ARCHIVE',
        `has a damaged zip directory: entry ${i} of ${count} at directory byte ${p} is not a directory record`,
      );
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen + commentLen > cdSize)
      fail('BAD_ARCHIVE', `has a damaged zip directory: entry ${i} runs past its end`);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    let size = cv.getUint32(p + 24, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    // ZIP64 extra field: the 64-bit values, in this order, of exactly the fields set to 0xFFFFFFFF.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = cv.getUint16(x, true);
      const len = cv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let y = x + 4;
        const next = (what: string): number => {
          if (y + 8 > x + 4 + len)
            fail('BAD_ARCHIVE', `has a short ZIP64 field for ${q(name)} (no ${what})`);
          const v = u64(cv, y, f, `the ${what} of ${q(name)}`);
          y += 8;
          return v;
        };
        if (size === U32_MAX) size = next('size');
        if (compressedSize === U32_MAX) compressedSize = next('compressed size');
        if (localHeaderOffset === U32_MAX) localHeaderOffset = next('offset');
      }
      x += 4 + len;
    }
    if (localHeaderOffset + 30 > cdOffset)
      fail(
        'BAD_ARCHIVE',
        `places entry ${q(name)} at byte ${localHeaderOffset}, past the start of the zip directory at ${cdOffset}; the zip is corrupt`,
      );
    if (!entries.has(name))
      entries.set(name, {
        name,
        method: cv.getUint16(p + 10, true),
        flags: cv.getUint16(p + 8, true),
        compressedSize,
        size,
        localHeaderOffset,
      });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
