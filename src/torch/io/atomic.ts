/**
 * Atomic file replacement for checkpoints and JSON outputs: the data goes to a temporary file
 * in the same folder, is flushed to disk (fsync), and is then renamed over the target, so a
 * reader sees either the old file or the complete new one, never a torn write, even if the
 * process dies mid-way. On any failure the temporary file is removed and the old file is left
 * as it was. A process killed mid-write (SIGKILL) cannot remove its temporary file: the next write
 * to the same target removes those of processes that no longer exist (test/crash/).
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What can be written: text (UTF-8), bytes, or a sequence of byte chunks written in order. */
export type AtomicWriteData =
  string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

const MAX_WRITE_BYTES = 1 << 30;

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const len = Math.min(chunk.byteLength - done, MAX_WRITE_BYTES);
    const { bytesWritten } = await fh.write(chunk, done, len);
    done += bytesWritten;
  }
}

async function* chunksOf(data: AtomicWriteData): AsyncIterable<Uint8Array> {
  if (typeof data === 'string') yield Buffer.from(data, 'utf8');
  else if (data instanceof Uint8Array) yield data;
  else yield* data;
}

/** fsync of the folder makes the rename itself durable; some platforms refuse it, which is harmless. */
async function syncFolder(folder: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(folder, 'r');
    await fh.sync();
  } catch {
    // Windows and some network filesystems cannot open or fsync a directory.
  } finally {
    await fh?.close().catch(() => {});
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `.<name>.<pid>.<hex>.tmp` files beside `path` left by processes that died mid-write. */
async function removeStaleTemporaries(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !processAlive(pid)) await unlink(join(dirname(path), name)).catch(() => {});
  }
}

/**
 * Writes `data` to `path` atomically (temp file in the same folder, fsync, rename). Errors from
 * the data source propagate unchanged; filesystem errors name `path` and say the old file is
 * intact. `mode` sets the new file's permissions (default 0o644 before the umask).
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicWriteData,
  opts: { mode?: number } = {},
): Promise<void> {
  await removeStaleTemporaries(path);
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let fh: FileHandle | undefined;
  let stage = 'create a temporary file for';
  try {
    fh = await open(tmp, 'wx', opts.mode ?? 0o644);
    stage = 'write';
    for await (const chunk of chunksOf(data)) {
      if (!(chunk instanceof Uint8Array))
        throw new TypeError(
          `writeFileAtomic: chunks for '${path}' must be Uint8Arrays, got ${typeof chunk}`,
        );
      await writeAll(fh, chunk);
    }
    stage = 'flush';
    await fh.sync();
    await fh.close();
    fh = undefined;
    stage = 'rename the temporary file onto';
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string' || !err.syscall) throw e; // not a filesystem error: the caller's own
    const wrapped = new Error(
      `writeFileAtomic: cannot ${stage} '${path}': ${err.message}; the previous file, if any, is unchanged`,
      { cause: e },
    );
    (wrapped as NodeJS.ErrnoException).code = err.code;
    throw wrapped;
  }
  await syncFolder(dirname(path));
}
