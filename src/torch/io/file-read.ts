/**
 * Opening a checkpoint and positioned reads from it, shared by the safetensors and zip readers.
 * Reads go straight into the buffer that will hold a tensor's bytes (no intermediate copy) and
 * turn "the file ended early" and operating-system failures into CheckpointErrors naming the
 * file, the byte range and what was being read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CheckpointError, q } from './errors.js';

/** One read call moves at most this much: Node rejects lengths past 2 GiB. */
const MAX_READ_BYTES = 1 << 30;

export interface OpenedFile {
  fh: FileHandle;
  /** Size in bytes when it was opened. */
  size: number;
  /** The path as the caller gave it, for messages. */
  path: string;
  /** The public function doing the reading, for messages ("readSafetensors"). */
  op: string;
}

/** Opens `path` for reading; 'NOT_FOUND' if it cannot be opened or is not a regular file. */
export async function openForRead(path: string, op: string): Promise<OpenedFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.message;
    throw new CheckpointError('NOT_FOUND', path, `${op}: cannot open ${q(path)}: ${why}`, {
      cause: e,
    });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new CheckpointError(
        'NOT_FOUND',
        path,
        `${op}: ${q(path)} is not a regular file (a directory?)`,
      );
    return { fh, size: st.size, path, op };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Runs `body` with the file open and closes it however `body` ends. */
export async function withFile<T>(
  path: string,
  op: string,
  body: (f: OpenedFile) => Promise<T>,
): Promise<T> {
  const f = await openForRead(path, op);
  try {
    return await body(f);
  } finally {
    await f.fh.close();
  }
}

/** An unpooled, zero-offset (so aligned for any dtype) buffer, not zero-filled: callers fill it. */
export function allocBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/**
 * Fills `target` from the file starting at byte `position`. 'TRUNCATED' if the file ends
 * first; `what` says what was being read ("tensor 'x'", "the zip directory").
 */
export async function readAt(
  f: OpenedFile,
  target: Uint8Array,
  position: number,
  what: string,
): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const len = Math.min(target.byteLength - done, MAX_READ_BYTES);
    let bytesRead: number;
    try {
      ({ bytesRead } = await f.fh.read(target, done, len, position + done));
    } catch (e) {
      throw new CheckpointError(
        'IO',
        f.path,
        `${f.op}: reading ${what} from ${q(f.path)} failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (bytesRead === 0) {
      const end = position + target.byteLength;
      throw new CheckpointError(
        'TRUNCATED',
        f.path,
        `${f.op}: ${q(f.path)} ends at byte ${position + done} while reading ${what} (bytes ${position}..${end}); the file is truncated, re-download or re-save it`,
      );
    }
    done += bytesRead;
  }
}

/** Reads `length` bytes at `position` into a new buffer. */
export async function readBytes(
  f: OpenedFile,
  position: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const out = allocBytes(length);
  await readAt(f, out, position, what);
  return out;
}

/** Printable summary of a file's first bytes for "found ..." in messages: hex and ASCII. */
export function describeBytes(b: Uint8Array): string {
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(b, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join(
    '',
  );
  return `${hex} ("${text}")`;
}
