// Runs the ffmpeg / ffprobe command-line tools as child processes (no native code, no frames
// on disk). Binaries: env T2VLP_FFMPEG (and T2VLP_FFPROBE, else the ffprobe beside
// T2VLP_FFMPEG), else `ffmpeg` / `ffprobe` on PATH. An AbortSignal kills the child (SIGKILL)
// and rejects with DataAbortError; stdout can be consumed incrementally (streamed frames).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataAbortError, VideoDecodeError } from '../errors.js';

export function ffmpegPath(): string {
  return process.env.T2VLP_FFMPEG || 'ffmpeg';
}

export function ffprobePath(): string {
  if (process.env.T2VLP_FFPROBE) return process.env.T2VLP_FFPROBE;
  const ff = process.env.T2VLP_FFMPEG;
  if (ff && ff.includes('/')) {
    const sibling = join(dirname(ff), basename(ff).replace(/ffmpeg/, 'ffprobe'));
    if (existsSync(sibling)) return sibling;
  }
  return 'ffprobe';
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Bytes written to the child's stdin (then closed). */
  stdin?: Uint8Array;
  /** Called with each stdout chunk; when given, stdout is not collected. */
  onStdout?: (chunk: Buffer) => void;
  /** Used in error messages ("decodeVideo", "probeVideo", ...). */
  what: string;
  /** The file the job is about, for error messages. */
  file: string;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

const STDERR_KEEP = 8192;

/** Runs `bin args`; resolves with the exit code (non-zero is not an error here). */
export function runTool(bin: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new DataAbortError(`${opts.what} '${opts.file}'`, { cause: opts.signal.reason }));
      return;
    }
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let settled = false;
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(() =>
        reject(new DataAbortError(`${opts.what} '${opts.file}'`, { cause: opts.signal?.reason })),
      );
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (opts.onStdout) {
        try {
          opts.onStdout(chunk);
        } catch (err) {
          child.kill('SIGKILL');
          finish(() => reject(err));
        }
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.stdin.on('error', () => {}); // EPIPE when the child exits early; the exit code tells
    child.on('error', (err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT';
      finish(() =>
        reject(
          new VideoDecodeError(
            missing ? 'FFMPEG_MISSING' : 'VIDEO_OPEN',
            missing
              ? `${opts.what}: '${bin}' not found. Install ffmpeg (e.g. 'apt-get install ffmpeg') or set T2VLP_FFMPEG=/path/to/ffmpeg`
              : `${opts.what}: cannot run '${bin}' for '${opts.file}': ${err.message}`,
            { cause: err },
          ),
        ),
      );
    });
    child.on('close', (code) =>
      finish(() => resolve({ stdout: Buffer.concat(out), stderr, code: code ?? -1 })),
    );
    if (opts.stdin) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}

/** The last meaningful line of ffmpeg's stderr, for error messages. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length ? lines[lines.length - 1]!.replace(/^\[[^\]]*\]\s*/, '') : 'no error output';
}
