/**
 * Tensor-layer overhead against libtorch called from C++ directly, in the same run on the same
 * threads: a 2364x768 by 768x3072 float32 matmul (GFLOP/s), and the forward of a ViT-B/16-sized
 * encoder (12 pre-LN blocks of nn.MultiheadAttention + QuickGELU MLP 4x, width 768, 12 heads,
 * 197 tokens, batch 12) in seconds. Both sides: gradient recording off, one warm-up, median of
 * T2VLP_BENCH_REPS runs (default 3; at least 5 for the matmul). The C++ side is
 * bench/cpp/matmul_vit.cpp, compiled with g++ against the libtorch the addon uses
 * (native/find-libtorch.mjs) and cached under build/bench/.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getNumThreads,
  manualSeed,
  nn,
  noGrad,
  randn,
  scope,
  F,
  type Tensor,
} from '../src/torch/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(root, 'bench', 'cpp', 'matmul_vit.cpp');
const BINARY = join(root, 'build', 'bench', 'matmul_vit');
const [M, K, N] = [2364, 768, 3072];
const WIDTH = 768;
const HEADS = 12;
const LAYERS = 12;
const TOKENS = 197;
const BATCH = 12;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeMedian(fn: () => void, reps: number): number {
  fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

/** A CLIP residual block (pre-LN), batch-first [N, L, W]. */
class Block extends nn.Module {
  ln_1 = new nn.LayerNorm(WIDTH);
  attn = new nn.MultiheadAttention(WIDTH, HEADS, { batchFirst: true });
  ln_2 = new nn.LayerNorm(WIDTH);
  c_fc = new nn.Linear(WIDTH, 4 * WIDTH);
  c_proj = new nn.Linear(4 * WIDTH, WIDTH);
  forward(x: Tensor): Tensor {
    return scope(() => {
      const h = this.ln_1.forward(x);
      const y = x.add(this.attn.forward(h, h, h));
      return y.add(this.c_proj.forward(F.quickGelu(this.c_fc.forward(this.ln_2.forward(y)))));
    });
  }
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout.trim();
}

/** Compiles bench/cpp/matmul_vit.cpp unless the cached binary was built from the same source and flags. */
function buildCpp(): string {
  const q = (what: string) =>
    run(process.execPath, [join(root, 'native', 'find-libtorch.mjs'), what]);
  const libdir = q('libdir');
  const flags = [
    '-O2',
    `-std=${q('cxxstd')}`,
    `-D_GLIBCXX_USE_CXX11_ABI=${q('abi')}`,
    ...q('include')
      .split(/\s+/)
      .filter(Boolean)
      .map((d) => `-I${d}`),
    SOURCE,
    '-o',
    BINARY,
    `-L${libdir}`,
    ...q('libs').split(/\s+/).filter(Boolean),
    `-Wl,-rpath,${libdir}`,
  ];
  const stamp = createHash('sha256')
    .update(readFileSync(SOURCE))
    .update(flags.join(' '))
    .digest('hex');
  const stampFile = `${BINARY}.stamp`;
  if (existsSync(BINARY) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)
    return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const t0 = performance.now();
  run('g++', flags);
  writeFileSync(stampFile, stamp);
  console.log(
    `compiled ${SOURCE.slice(root.length + 1)} in ${((performance.now() - t0) / 1000).toFixed(0)} s (cached as ${BINARY.slice(root.length + 1)})`,
  );
  return BINARY;
}

export default async function bench(): Promise<void> {
  const reps = Number(process.env.T2VLP_BENCH_REPS ?? 3);
  const threads = getNumThreads();
  console.log(
    `threads: ${threads} (libtorch intra-op), repetitions: median of ${reps} after a warm-up`,
  );
  manualSeed(0);

  // Matmul
  const a = randn([M, K]).keep();
  const b = randn([K, N]).keep();
  const mmS = timeMedian(() => scope(() => noGrad(() => void a.matmul(b))), Math.max(reps, 5));
  const gflops = (2 * M * K * N) / mmS / 1e9;
  a.dispose();
  b.dispose();

  // ViT-B/16-sized encoder forward
  const blocks = new nn.ModuleList(Array.from({ length: LAYERS }, () => new Block()));
  blocks.eval();
  const x = randn([BATCH, TOKENS, WIDTH]).keep();
  const vitS = timeMedian(
    () =>
      scope(() =>
        noGrad(() => {
          let y = x;
          for (const blk of blocks) y = blk.forward(y);
          return y;
        }),
      ).dispose(),
    reps,
  );
  x.dispose();
  blocks.dispose();

  console.log(
    `matmul ${M}x${K} @ ${K}x${N} float32, TypeScript: ${(mmS * 1000).toFixed(1)} ms, ${gflops.toFixed(1)} GFLOP/s`,
  );
  console.log(
    `ViT-B/16 encoder forward (${LAYERS} layers, ${BATCH}x${TOKENS}x${WIDTH}), TypeScript: ${vitS.toFixed(3)} s`,
  );

  let cpp: { threads: number; matmul_s: number; matmul_gflops: number; vit_s: number };
  try {
    const bin = buildCpp();
    const out = run(bin, [String(threads), String(reps)]);
    cpp = JSON.parse(out.split('\n').pop()!) as typeof cpp;
  } catch (e) {
    console.log(`C++ baseline skipped: ${(e as Error).message.split('\n').slice(0, 5).join('\n')}`);
    return;
  }
  console.log(
    `matmul, C++ libtorch: ${(cpp.matmul_s * 1000).toFixed(1)} ms, ${cpp.matmul_gflops.toFixed(1)} GFLOP/s (threads ${cpp.threads})`,
  );
  console.log(`ViT-B/16 encoder forward, C++ libtorch: ${cpp.vit_s.toFixed(3)} s`);
  console.log(
    `ratio TypeScript / C++: matmul GFLOP/s ${(gflops / cpp.matmul_gflops).toFixed(3)}, ViT forward time ${(vitS / cpp.vit_s).toFixed(3)}`,
  );
}
