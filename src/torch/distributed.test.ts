/**
 * Collectives across real processes: two ranks (testing/dist-worker.ts, spawned with
 * `node --import tsx`) rendezvous on 127.0.0.1 at a free port and run allReduce, broadcast,
 * allGather, allGatherWithGrad (the local slice's gradient is its share of the loss gradient
 * times the world size) and averageGradients; a peer that exits before a collective makes rank 0
 * fail with an error within the 5 s time-out instead of hanging; a missing peer makes
 * initialisation time out. Every spawn is killed after 30 s.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  distributedAvailable,
  distributedBackends,
  initProcessGroup,
  allReduce,
  DistributedError,
} from './distributed.js';
import { tensor } from './creation.js';
import { cuda } from './device.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'dist-worker.ts');
const KILL_AFTER_MS = 30_000;

interface RankResult {
  rank: number;
  ok: boolean;
  error?: string;
  code?: string;
  elapsedMs?: number;
  [k: string]: unknown;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs one rank; resolves with its JSON result line, the exit code and the wall time. */
function runRank(
  scenario: string,
  rank: number,
  world: number,
  port: number,
  env: Record<string, string> = {},
): Promise<{ result: RankResult | null; code: number | null; ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WORKER, scenario, String(rank), String(world), String(port)],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').filter(Boolean).pop();
      let result: RankResult | null = null;
      try {
        result = line ? (JSON.parse(line) as RankResult) : null;
      } catch {
        result = null;
      }
      resolve({ result, code, ms: Date.now() - t0, stderr: err });
    });
  });
}

/** The numbers dist-worker's 'collectives' scenario must print on each of `runs.length` ranks. */
function checkCollectives(runs: Awaited<ReturnType<typeof runRank>>[], device: ((r: number) => string) | string): void {
  const world = runs.length;
  const tri = (world * (world + 1)) / 2;
  for (const [r, run] of runs.entries()) {
    assert.ok(run.result, `rank ${r} printed a result (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    assert.equal(run.result.ok, true, `rank ${r}: ${run.result.error}`);
    const res = run.result;
    assert.equal(res.world, world);
    assert.equal(res.device, typeof device === 'function' ? device(r) : device);
    assert.deepEqual(res.sum, [tri, 10 * tri]);
    assert.deepEqual(res.max, [world - 1, 0]);
    assert.deepEqual(res.broadcast, [world - 1, world - 1, world - 1]);
    assert.deepEqual(res.gatheredShape, [2 * world, 2]);
    assert.deepEqual(res.gathered, Array.from({ length: 4 * world }, (_, i) => Math.floor(i / 4)));
    assert.deepEqual(res.gatheredWithGrad, Array.from({ length: 6 * world }, (_, i) => i));
    // w = 1..6·world as [2·world, 3]; rank r's slice is rows 2r, 2r+1; gradient = w slice × world size
    const w = Array.from({ length: 6 }, (_, i) => 1 + 6 * r + i);
    assert.deepEqual(res.localGrad, w.map((v) => world * v));
    assert.deepEqual(res.averaged, [(world + 1) / 2, world + 1]);
    assert.equal(run.code, 0);
  }
}

// Never skipped: collectives are a feature, and scripts/setup.sh installs the Gloo headers they need.
describe('collectives across two processes', () => {
  it('the addon was built with collectives', () => {
    assert.ok(distributedAvailable(), 'the addon has no collectives: apt-get install libgloo-dev, then npm run build:native');
    assert.ok(distributedBackends().includes('gloo'), `backends: ${distributedBackends().join(', ')}`);
  });

  it('allReduce, broadcast, allGather, allGatherWithGrad and averageGradients give the expected values', async () => {
    const port = await freePort();
    const runs = await Promise.all([0, 1].map((r) => runRank('collectives', r, 2, port)));
    checkCollectives(runs, 'cpu');
  });

  it('a peer that exits before a collective makes rank 0 fail within the time-out, not hang', async () => {
    const port = await freePort();
    const [r0, r1] = await Promise.all(
      [0, 1].map((r) => runRank('peer-dies', r, 2, port, { T2VLP_DIST_TIMEOUT_MS: '5000' })),
    );
    assert.equal(r1!.result?.exiting, true, r1!.stderr.slice(-2000));
    const res = r0!.result;
    assert.ok(
      res,
      `rank 0 printed a result (exit ${r0!.code}, ${r0!.ms} ms): ${r0!.stderr.slice(-2000)}`,
    );
    assert.equal(res.ok, false, 'the all-reduce must fail');
    assert.equal(res.code, 'COLLECTIVE_FAILED');
    assert.match(res.error!, /^allReduce failed on rank 0\/2: allReduce: /);
    assert.ok(res.elapsedMs! < 6000, `failed after ${res.elapsedMs} ms`);
    assert.equal(r0!.code, 0, 'the process exits normally after the error');
  });

  it('a peer that stays alive but never joins the collective makes rank 0 fail after the time-out', async () => {
    const port = await freePort();
    const [r0] = await Promise.all(
      [0, 1].map((r) => runRank('peer-stalls', r, 2, port, { T2VLP_DIST_TIMEOUT_MS: '2000' })),
    );
    const res = r0!.result;
    assert.ok(res, `rank 0 printed a result (exit ${r0!.code}): ${r0!.stderr.slice(-2000)}`);
    assert.equal(res.ok, false);
    assert.match(res.error!, /^allReduce failed on rank 0\/2: allReduce: .*[Tt]imed out/);
    assert.ok(res.elapsedMs! >= 1500 && res.elapsedMs! < 8000, `failed after ${res.elapsedMs} ms`);
  });

  it('initialisation without the other rank times out with an error', async () => {
    const port = await freePort();
    const r0 = await runRank('no-peer', 0, 2, port, { T2VLP_DIST_TIMEOUT_MS: '2000' });
    assert.ok(r0.result, `rank 0 printed a result: ${r0.stderr.slice(-2000)}`);
    assert.equal(r0.result.ok, false);
    assert.match(r0.result.error!, /^initProcessGroup: /);
    assert.ok(r0.result.elapsedMs! < 10_000, `failed after ${r0.result.elapsedMs} ms`);
  });
});

const gpus = cuda.deviceCount();
const ncclBuilt = distributedBackends().includes('nccl');

describe('NCCL on CUDA tensors, one GPU per process', () => {
  it('without NCCL in the build, or without a GPU, initProcessGroup says which', { skip: ncclBuilt && gpus > 0 ? 'this build has NCCL and sees a GPU' : false }, () => {
    assert.throws(
      () => initProcessGroup({ rank: 0, worldSize: 1, backend: 'nccl' }),
      (e: unknown) =>
        ncclBuilt
          ? /^initProcessGroup: .*the nccl backend needs CUDA device 0, and this process sees 0 CUDA device\(s\)/.test((e as Error).message)
          : e instanceof DistributedError &&
            e.code === 'NOT_AVAILABLE' &&
            /has no nccl backend \(it has: gloo\); NCCL needs the addon built against a CUDA libtorch/.test(e.message),
    );
  });

  const skipGpu = !ncclBuilt ? 'this addon was built without NCCL (a CPU-only libtorch, or no nccl.h)' : gpus === 0 ? 'no CUDA device' : false;
  it(`the collectives on ${Math.min(2, gpus) || 'the'} GPU(s), one process each, give the expected values`, { skip: skipGpu }, async () => {
    const world = Math.min(2, gpus);
    const port = await freePort();
    const runs = await Promise.all(
      Array.from({ length: world }, (_, r) => runRank('collectives', r, world, port, { T2VLP_DIST_BACKEND: 'nccl' })),
    );
    checkCollectives(runs, (r) => `cuda:${r}`);
  });
});

describe('collectives in this process without a group', () => {
  it('calls before initProcessGroup and bad options are refused with a message', () => {
    assert.throws(
      () => allReduce(tensor([1])),
      (e: Error) =>
        e instanceof DistributedError &&
        e.code === 'NOT_INITIALISED' &&
        /allReduce: call initProcessGroup first/.test(e.message),
    );
    assert.throws(
      () => initProcessGroup({ rank: 2, worldSize: 2 }),
      /rank must be in \[0, 2\), got 2/,
    );
    assert.throws(
      () => initProcessGroup({ rank: 0, worldSize: 0 }),
      /worldSize must be a positive integer, got 0/,
    );
    assert.throws(
      () => initProcessGroup({ rank: 0, worldSize: 1, backend: 'mpi' as never }),
      (e: unknown) => e instanceof DistributedError && e.code === 'BAD_OPTIONS' && /backend must be 'gloo' or 'nccl', got 'mpi'/.test(e.message),
    );
  });
});
