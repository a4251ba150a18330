/**
 * Synthetic index material for bench/serve.bench.ts: `n` unit vectors in `clusters` Gaussian
 * clusters (random Gaussian vectors make every ANN index look bad; real embeddings cluster),
 * written as a moment index (catalog + HNSW graph) of fake videos, cached on disk by its
 * parameters because building the HNSW graph of 100,000 vectors takes a minute on 2 cores.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MomentIndex, type IndexIdentity } from '../src/library/index.js';

/** A small seeded PRNG (mulberry32) and Box–Muller normals. */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uni = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uni() + 1e-12)) * Math.cos(2 * Math.PI * uni());
}

export function normalize(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export interface Clustered {
  centers: Float32Array[];
  /** Draws a unit vector near center c. */
  near(c: number): Float32Array;
}

export function clustered(dim: number, clusters: number, spread: number, seed: number): Clustered {
  const g = gaussian(seed);
  const centers = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dim }, g)));
  const noise = spread / Math.sqrt(dim);
  return { centers, near: (c) => normalize(centers[c]!.map((x) => x + noise * g())) };
}

export const BENCH_IDENTITY = (dim: number): IndexIdentity => ({ modelHash: 'bench-synthetic', modelName: 'synthetic vectors', dim, fps: 2, frames: 12, windows: {} });

/** The cached index folder of n clustered vectors (100 windows per fake video). */
export async function syntheticIndex(root: string, n: number, dim: number, data: Clustered, log: (s: string) => void): Promise<string> {
  const dir = join(root, `index-${n}x${dim}-c${data.centers.length}`);
  if (existsSync(join(dir, 'complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const idx = MomentIndex.open({ root, indexDir: dir, identity: BENCH_IDENTITY(dim), threads: 2 });
  try {
    const perVideo = 100;
    for (let v = 0; v * perVideo < n; v++) {
      const count = Math.min(perVideo, n - v * perVideo);
      const id = idx.catalog.beginVideo({ path: `synthetic/video-${v}.mp4`, size: 1, mtimeMs: 0, hash: `h${v}`, duration: count * 7 + 3, planned: count });
      const rows = Array.from({ length: count }, (_, i) => {
        const e = data.near((v * perVideo + i) % data.centers.length);
        return { start: i * 7, end: i * 7 + 10, embedding: e, frames: e, frameTimes: [i * 7 + 5] };
      });
      const ids = idx.catalog.addWindows(id, rows);
      const flat = new Float32Array(ids.length * dim);
      rows.forEach((r, i) => flat.set(r.embedding, i * dim));
      idx.vectors.add(ids, flat);
      idx.catalog.finishVideo(id);
    }
  } finally {
    await idx.close();
  }
  writeFileSync(join(dir, 'complete'), '');
  log(`built a synthetic index of ${n} vectors (${dim}-d, ${data.centers.length} clusters) in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached in ${dir})`);
  return dir;
}
