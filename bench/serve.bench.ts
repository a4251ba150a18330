/**
 * Service benchmark (`npm run bench -- serve`), ViT-B/16 T2VLP with random weights (throughput
 * does not depend on the weights):
 *
 * 1. Indexing throughput on generated videos (320×180, 8 fps): video-seconds and windows per
 *    second with decode overlap (the default pipeline) and without (decode, then encode), next to
 *    the model's own encoding throughput on pre-decoded windows (the ceiling).
 * 2. Query latency end to end (HTTP + text encoding + search + merging) at 1, 8 and 32
 *    concurrent keep-alive clients (bench/serve-load-client.mjs, another process) against an index of 100,000 synthetic clustered 512-d vectors,
 *    exact and HNSW; raw search time per query and HNSW recall@10 against exact search.
 *
 * Sizes: T2VLP_BENCH_VECTORS (100000), T2VLP_BENCH_SECONDS per client level (4),
 * T2VLP_BENCH_INDEX_VIDEOS (2) × T2VLP_BENCH_VIDEO_SEC (12) → 4 windows, T2VLP_BENCH_BATCH (1).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClipTokenizer, encodeRgbVideo, VideoReader, type VideoClip } from '../src/data/index.js';
import { encodeWindows, indexLibrary, MomentIndex, planWindows, searchMoments } from '../src/library/index.js';
import { referenceRange } from '../src/library/indexer.js';
import { T2VLP } from '../src/model/index.js';
import { startService } from '../src/serve/index.js';
import { getNumThreads, manualSeed } from '../src/torch/index.js';
import { BENCH_IDENTITY, clustered, syntheticIndex } from './serve-vectors.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const CACHE = resolve('.t2vlp-cache/bench-serve');
const HERE = dirname(fileURLToPath(import.meta.url));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function makeVideos(dir: string, count: number, seconds: number): Promise<void> {
  const W = 320;
  const H = 180;
  const fps = 8;
  for (let v = 0; v < count; v++) {
    const n = seconds * fps;
    const frames = new Uint8Array(n * W * H * 3);
    for (let f = 0; f < n; f++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const o = ((f * H + y) * W + x) * 3;
          frames[o] = (x + f * 3 + v * 50) & 255;
          frames[o + 1] = (y * 2 + f) & 255;
          frames[o + 2] = ((x ^ y) + v * 30) & 255;
        }
    await encodeRgbVideo(frames, join(dir, `video-${v}.mp4`), { width: W, height: H, fps });
  }
}

async function indexingBench(model: T2VLP): Promise<void> {
  const videos = env('T2VLP_BENCH_INDEX_VIDEOS', 2);
  const seconds = env('T2VLP_BENCH_VIDEO_SEC', 12);
  const batchSize = env('T2VLP_BENCH_BATCH', 1);
  const lib = join(CACHE, `videos-${videos}x${seconds}s`);
  mkdirSync(lib, { recursive: true });
  await makeVideos(lib, videos, seconds);
  const windows = planWindows(seconds).length * videos;
  const fps = 2;

  // The model alone: windows decoded beforehand, then encoded in batches.
  const reader = new VideoReader({ maxFrames: 12, imageSize: 224, featureFramerate: fps, concurrency: 2 });
  const clips: VideoClip[] = [];
  for (let v = 0; v < videos; v++)
    for (const w of planWindows(seconds)) clips.push(await reader.read({ kind: 'file', path: join(lib, `video-${v}.mp4`), ...referenceRange(w) }));
  encodeWindows(model, clips.slice(0, 1)); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < clips.length; i += batchSize) encodeWindows(model, clips.slice(i, i + batchSize));
  const modelSec = (performance.now() - t0) / 1000;
  const modelRate = clips.length / modelSec;
  console.log(`model alone: ${clips.length} windows in ${modelSec.toFixed(1)} s = ${modelRate.toFixed(2)} windows/s (batch ${batchSize}, 12 frames at 224 px)`);

  for (const overlap of [true, false]) {
    const indexDir = join(CACHE, `index-${overlap ? 'overlap' : 'serial'}`);
    rmSync(indexDir, { recursive: true, force: true });
    const idx = MomentIndex.open({ root: lib, indexDir, identity: { ...BENCH_IDENTITY(model.config.embedDim), modelHash: 'bench-vit-b-16', fps } });
    try {
      const t1 = performance.now();
      const p = await indexLibrary(idx, { model, fps, batchSize, overlap, concurrency: 2 });
      const s = (performance.now() - t1) / 1000;
      if (p.windowsEncoded !== windows) throw new Error(`indexed ${p.windowsEncoded} windows, expected ${windows}`);
      const rate = p.windowsEncoded / s;
      console.log(
        `indexing ${overlap ? 'with decode overlap   ' : 'without overlap       '}: ${videos} videos × ${seconds} s in ${s.toFixed(1)} s = ${((videos * seconds) / s).toFixed(2)} video-s/s, ` +
          `${rate.toFixed(2)} windows/s (${((100 * rate) / modelRate).toFixed(0)}% of the model alone)`,
      );
    } finally {
      await idx.close();
    }
  }
}

/** Runs bench/serve-load-client.mjs (its own process, so clients do not share the server's thread). */
function loadFromOtherProcess(url: string, clients: number, seconds: number): Promise<{ latenciesMs: number[]; wallSec: number }> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [join(HERE, 'serve-load-client.mjs'), url, String(clients), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res(JSON.parse(out) as { latenciesMs: number[]; wallSec: number }) : rej(new Error(`load client exited with ${code}`))));
  });
}

async function latencyBench(model: T2VLP): Promise<void> {
  const n = env('T2VLP_BENCH_VECTORS', 100_000);
  const dim = model.config.embedDim;
  const data = clustered(dim, Math.max(10, Math.round(n / 100)), 1.0, 7);
  const indexDir = await syntheticIndex(CACHE, n, dim, data, console.log);
  const lib = join(CACHE, 'empty-library');
  mkdirSync(lib, { recursive: true });

  // Raw search: exact vs HNSW, and recall@10.
  const idx = MomentIndex.open({ root: lib, indexDir, identity: BENCH_IDENTITY(dim), readonly: true, exactBelow: 1 });
  try {
    const queries = Array.from({ length: 200 }, (_, i) => data.near((i * 37) % data.centers.length));
    let hit = 0;
    let tExact = 0;
    let tAnn = 0;
    for (const q of queries) {
      let t = performance.now();
      const exact = idx.vectors.search(q, 10, { exact: true });
      tExact += performance.now() - t;
      t = performance.now();
      const ann = idx.vectors.search(q, 10);
      tAnn += performance.now() - t;
      const truth = new Set(exact.map((m) => m.key));
      hit += ann.filter((m) => truth.has(m.key)).length;
    }
    console.log(
      `search alone over ${n} vectors: exact ${(tExact / queries.length).toFixed(2)} ms/query, HNSW ${(tAnn / queries.length).toFixed(2)} ms/query; HNSW recall@10 ${(hit / (10 * queries.length)).toFixed(4)}`,
    );
    const t = performance.now();
    for (const q of queries.slice(0, 50)) searchMoments(idx, q, { k: 10 });
    console.log(`moments (top 10 videos, merged, best frame) with HNSW: ${((performance.now() - t) / 50).toFixed(2)} ms/query`);
  } finally {
    await idx.close();
  }

  const tokenizer = await ClipTokenizer.load();
  const seconds = env('T2VLP_BENCH_SECONDS', 4);
  for (const mode of ['exact', 'hnsw'] as const) {
    const svc = await startService({
      model,
      tokenizer,
      modelName: 'synthetic vectors',
      modelHash: 'bench-synthetic',
      library: lib,
      indexDir,
      port: 0,
      indexing: false,
      fps: 2,
      vectors: { exactBelow: mode === 'exact' ? Number.POSITIVE_INFINITY : 4096 },
    });
    try {
      for (const clients of [1, 8, 32]) {
        const batchesBefore = svc.queue.stats.batches;
        const { latenciesMs: lat, wallSec } = await loadFromOtherProcess(svc.url, clients, seconds);
        console.log(
          `${mode.padEnd(5)} ${String(clients).padStart(2)} client(s): p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, ` +
            `${(lat.length / wallSec).toFixed(1)} queries/s (${lat.length} queries in ${svc.queue.stats.batches - batchesBefore} text batches, warm-up included)`,
        );
      }
    } finally {
      await svc.close();
    }
  }
}

export default async function bench(): Promise<void> {
  console.log(`threads: ${getNumThreads()}`);
  manualSeed(0);
  const model = new T2VLP().eval();
  try {
    if (process.env.T2VLP_BENCH_SKIP_INDEXING !== '1') await indexingBench(model);
    await latencyBench(model);
  } finally {
    model.dispose();
  }
}
