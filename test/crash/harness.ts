/**
 * Crash-test harness: runs the real `t2vlp` binary (bin/t2vlp.js, which runs the sources in a
 * checkout) as a child process and kills it with SIGKILL, either after a delay drawn from a seeded
 * generator or the moment a file whose name matches a pattern appears in a watched folder (a
 * temporary file of an atomic write: the kill then lands in the middle of writing it). Nothing
 * can run on SIGKILL, so what is left on disk is exactly what a power cut or an OOM kill leaves.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 't2vlp.js');

/** Seeds 1..n, n from T2VLP_CRASH_SEEDS when set (a longer run: `T2VLP_CRASH_SEEDS=20 npm test -- test/crash`). */
export function crashSeeds(n: number): number[] {
  const env = Number(process.env.T2VLP_CRASH_SEEDS);
  const count = Number.isInteger(env) && env > 0 ? env : n;
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** mulberry32: a small seeded generator, so each seed's kill plan is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface KillPlan {
  /** Kill this many milliseconds after the start. */
  afterMs?: number;
  /** Kill when `test` holds for the names in `folder` (checked on every fs.watch event and every 5 ms). */
  whenFiles?: { folder: string; test: (names: string[]) => boolean };
  /** With `whenFiles`: wait this long after the condition holds, then kill. */
  thenMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  ms: number;
  out: string;
  err: string;
}

/** Runs `t2vlp ...args`; with a plan, SIGKILLs it at the planned moment (if it is still running). */
export function runT2vlp(args: string[], plan: KillPlan = {}, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    let killed = false;
    const kill = () => {
      if (killed || child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const timers: NodeJS.Timeout[] = [];
    let watcher: FSWatcher | undefined;
    if (plan.afterMs !== undefined) timers.push(setTimeout(kill, plan.afterMs));
    if (plan.whenFiles) {
      const { folder, test } = plan.whenFiles;
      let armed = false;
      const look = () => {
        try {
          if (armed || !test(readdirSync(folder))) return;
          armed = true;
          if (plan.thenMs) timers.push(setTimeout(kill, plan.thenMs));
          else kill();
        } catch {
          // the folder does not exist yet
        }
      };
      try {
        watcher = watch(folder, look);
      } catch {
        // created later by the job: polling covers it
      }
      timers.push(setInterval(look, 5));
    }
    timers.push(setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`t2vlp ${args.join(' ')}: no exit within ${timeoutMs} ms`)); }, timeoutMs));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      watcher?.close();
      resolve({ code, signal, killed: killed && signal === 'SIGKILL', ms: Date.now() - t0, out, err });
    });
  });
}

/** sha256 of every file under `dir` (relative path → hash), dot-files excluded unless asked. */
export function treeHashes(dir: string, withDotFiles = false): Map<string, string> {
  const res = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (!withDotFiles && name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else res.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return res;
}

export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
