/**
 * Tensor-layer overhead against libtorch called from C++ directly, in the same run on the same
 * threads: a 2364x768 by 768x3072 float32 matmul (GFLOP/s), and the forward of a ViT-B/16-sized
 * encoder (12 pre-LN blocks of nn.MultiheadAttention + QuickGELU MLP 4x, width 768, 12 heads,
 * 197 tokens, batch 12) in seconds. Gradient recording is off on both sides. The C++ side
 * (bench/cpp/matmul_vit.cpp, compiled with g++ against the addon's libtorch, cached under
 * build/bench/) runs as a child process that times one computation per request, so TypeScript and
 * C++ runs alternate: one warm-up each, then the median of T2VLP_BENCH_REPS pairs (default 3; at
 * least 7 for the matmul).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
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

function seconds(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
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

/** The C++ baseline process: `time('vit')` runs one forward there and resolves with its seconds. */
class CppBaseline {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly threads: number,
  ) {}

  static async start(bin: string, threads: number): Promise<CppBaseline> {
    const child = spawn(bin, [String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    const m = /^ready (\d+)$/.exec(first.done ? '' : first.value);
    if (!m) throw new Error(`${bin} did not start: ${first.done ? stderr : first.value}`);
    return new CppBaseline(child, lines, Number(m[1]));
  }

  async time(what: 'matmul' | 'vit'): Promise<number> {
    this.child.stdin.write(`${what}\n`);
    const r = await this.lines.next();
    const v = r.done ? NaN : Number(r.value);
    if (!Number.isFinite(v))
      throw new Error(`C++ baseline answered '${r.done ? '(end)' : r.value}' to ${what}`);
    return v;
  }

  close(): void {
    this.child.stdin.end('quit\n');
  }
}

export default async function bench(): Promise<void> {
  const reps = Number(process.env.T2VLP_BENCH_REPS ?? 3);
  const threads = getNumThreads();
  let cpp: CppBaseline | null = null;
  try {
    cpp = await CppBaseline.start(buildCpp(), threads);
  } catch (e) {
    console.log(`C++ baseline skipped: ${(e as Error).message.split('\n').slice(0, 5).join('\n')}`);
  }
  console.log(
    `threads: ${threads} (libtorch intra-op${cpp ? `; C++ baseline ${cpp.threads}` : ''}), ` +
      `median of ${reps} alternating runs after a warm-up (matmul: ${Math.max(reps, 7)})`,
  );
  manualSeed(0);

  // Matmul
  const a = randn([M, K]).keep();
  const b = randn([K, N]).keep();
  const tsMatmul = () => seconds(() => scope(() => noGrad(() => void a.matmul(b))));
  const mm = { ts: [] as number[], cpp: [] as number[] };
  for (let i = 0; i <= Math.max(reps, 7); i++) {
    const t = tsMatmul();
    const c = cpp ? await cpp.time('matmul') : NaN;
    if (i > 0) {
      // run 0 is the warm-up
      mm.ts.push(t);
      mm.cpp.push(c);
    }
  }
  a.dispose();
  b.dispose();

  // ViT-B/16-sized encoder forward
  const blocks = new nn.ModuleList(Array.from({ length: LAYERS }, () => new Block()));
  blocks.eval();
  const x = randn([BATCH, TOKENS, WIDTH]).keep();
  const tsVit = () =>
    seconds(() =>
      scope(() =>
        noGrad(() => {
          let y = x;
          for (const blk of blocks) y = blk.forward(y);
          return y;
        }),
      ).dispose(),
    );
  const vit = { ts: [] as number[], cpp: [] as number[] };
  for (let i = 0; i <= reps; i++) {
    const t = tsVit();
    const c = cpp ? await cpp.time('vit') : NaN;
    if (i > 0) {
      vit.ts.push(t);
      vit.cpp.push(c);
    }
  }
  x.dispose();
  blocks.dispose();
  cpp?.close();

  const gflops = (s: number) => (2 * M * K * N) / s / 1e9;
  const [mmTs, vitTs] = [median(mm.ts), median(vit.ts)];
  console.log(
    `matmul ${M}x${K} @ ${K}x${N} float32, TypeScript: ${(mmTs * 1000).toFixed(1)} ms, ${gflops(mmTs).toFixed(1)} GFLOP/s`,
  );
  console.log(
    `ViT-B/16 encoder forward (${LAYERS} layers, ${BATCH}x${TOKENS}x${WIDTH}), TypeScript: ${vitTs.toFixed(3)} s`,
  );
  if (!cpp) return;
  const [mmCpp, vitCpp] = [median(mm.cpp), median(vit.cpp)];
  console.log(
    `matmul, C++ libtorch: ${(mmCpp * 1000).toFixed(1)} ms, ${gflops(mmCpp).toFixed(1)} GFLOP/s`,
  );
  console.log(`ViT-B/16 encoder forward, C++ libtorch: ${vitCpp.toFixed(3)} s`);
  console.log(
    `ratio TypeScript / C++: matmul GFLOP/s ${(gflops(mmTs) / gflops(mmCpp)).toFixed(3)}, ` +
      `ViT forward time ${(vitTs / vitCpp).toFixed(3)}`,
  );
  console.log(
    `(all ViT runs, s: TypeScript ${vit.ts.map((v) => v.toFixed(2)).join(' ')}; C++ ${vit.cpp.map((v) => v.toFixed(2)).join(' ')})`,
  );
}
