/**
 * `t2vlp index` as a process: killed with SIGKILL at arbitrary points while indexing, then run
 * again, it ends with exactly the windows (and vectors) of an index built in one go: none lost,
 * none twice, the ANN graph in step with the catalog.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { contentHash, MomentIndex } from '../library/index.js';
import { tempDir, writeTestVideo, writeTinyCheckpoint } from '../library/testing/fixtures.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';

const BIN = resolve('bin/t2vlp.js');
let dir: string;
let lib: string;
let ckpt: string;

before(async () => {
  dir = tempDir('index-kill');
  lib = join(dir, 'lib');
  ckpt = await writeTinyCheckpoint(join(dir, 'tiny.safetensors'), TINY_CONFIG);
  await Promise.all([
    writeTestVideo(join(lib, 'long1.mp4'), 25, { seed: 1 }),
    writeTestVideo(join(lib, 'long2.mp4'), 30, { seed: 2 }),
    writeTestVideo(join(lib, 'x/long3.mp4'), 25, { seed: 3 }),
    writeTestVideo(join(lib, 'x/short.mp4'), 4, { seed: 4 }),
  ]);
});

function indexArgs(indexDir: string): string[] {
  return [BIN, 'index', '--library', lib, '--index', indexDir, '--checkpoint', ckpt, '--batch-size', '1', '--quiet', '--threads', '1'];
}

function runToEnd(indexDir: string): Promise<number> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, indexArgs(indexDir), { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', rej);
    c.on('exit', (code) => res(code ?? -1));
  });
}

function windowCount(indexDir: string): number {
  try {
    const db = new Database(join(indexDir, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM windows').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Starts the indexer and sends `signal` once at least `after` windows are committed. */
function killAfter(indexDir: string, after: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ killedAt: number; exitedEarly: boolean; code: Promise<number | null> }> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, indexArgs(indexDir), { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = new Promise<number | null>((r) => c.on('exit', (k) => r(k)));
    let done = false;
    const timer = setInterval(() => {
      const n = windowCount(indexDir);
      if (n >= after && !done) {
        done = true;
        clearInterval(timer);
        c.kill(signal);
        res({ killedAt: n, exitedEarly: false, code });
      }
    }, 20);
    c.on('error', rej);
    c.on('exit', () => {
      clearInterval(timer);
      if (!done) {
        done = true;
        res({ killedAt: windowCount(indexDir), exitedEarly: true, code });
      }
    });
  });
}

async function snapshot(indexDir: string): Promise<Map<string, Float32Array>> {
  const index = MomentIndex.open({
    root: lib,
    indexDir,
    readonly: true,
    identity: { modelHash: await contentHash(ckpt), modelName: ckpt, dim: 32, fps: 2, frames: 4, windows: {} },
  });
  try {
    const out = new Map<string, Float32Array>();
    const ids: number[] = [];
    for (const v of index.catalog.videos()) {
      assert.equal(v.state, 'done', `${v.path} finished`);
      for (const w of index.catalog.windowsOf(v.id)) {
        const key = `${v.path}@${w.start}`;
        assert.equal(out.has(key), false, `window ${key} stored once`);
        out.set(key, index.vectors.vector(w.id)!);
        ids.push(w.id);
      }
    }
    assert.equal(index.vectors.size, ids.length, 'the vector store holds exactly the catalog windows');
    return out;
  } finally {
    await index.close();
  }
}

let want: Map<string, Float32Array>;

async function assertSameAsReference(indexDir: string): Promise<void> {
  want ??= await (async () => {
    const reference = join(dir, 'reference-index');
    assert.equal(await runToEnd(reference), 0);
    const w = await snapshot(reference);
    assert.equal(w.size, 4 + 4 + 4 + 1);
    return w;
  })();
  const got = await snapshot(indexDir);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) {
    const g = got.get(k)!;
    const maxDiff = Math.max(...v.map((x, i) => Math.abs(x - g[i]!)));
    assert.ok(maxDiff < 1e-5, `${k}: vectors equal to the uninterrupted run (max |Δ| ${maxDiff}, tolerance 1e-5)`);
  }
}

test('kill -9 during indexing, twice, then resume: no window lost, none duplicated', { timeout: 300_000 }, async () => {

  const killed = join(dir, 'killed-index');
  const k1 = await killAfter(killed, 2);
  const k2 = await killAfter(killed, k1.killedAt + 4);
  assert.ok(!k1.exitedEarly && !k2.exitedEarly, `killed mid-run (after ${k1.killedAt} and ${k2.killedAt} windows)`);
  assert.ok(windowCount(killed) < 13, 'the index was incomplete when killed');
  assert.equal(await runToEnd(killed), 0);
  await assertSameAsReference(killed);
});

test('SIGTERM stops after the batch being written (exit 130); the next run completes the index', { timeout: 300_000 }, async () => {
  const stopped = join(dir, 'stopped-index');
  const k = await killAfter(stopped, 3, 'SIGTERM');
  assert.equal(k.exitedEarly, false);
  assert.equal(await k.code, 130);
  const n = windowCount(stopped);
  assert.ok(n >= 3 && n < 13, `stopped with ${n} windows committed`);
  assert.equal(await runToEnd(stopped), 0);
  await assertSameAsReference(stopped);
});
