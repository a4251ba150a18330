/**
 * The full stage-1 training step side by side with the original code's in PyTorch
 * (`npm run bench -- train-step-vs-pytorch`): t2vlp's step is the training loop's own functions
 * (bench/train-step.bench.ts runs them in a child); PyTorch's is bench/py/t2vlp_train_step.py
 * (the original module structure in train mode with autograd, the same objective, loss.backward(),
 * clip_grad_norm_, BertAdam with the same parameter groups, the logit-scale clamp). Same
 * configuration on both sides: batch 2, float32, CPU, ViT-B/16 with random weights, 12 frames of
 * 224², 32 tokens, the same thread count. Each side runs in its own process, so that its peak RSS
 * is its own; the processes alternate (t2vlp first in even rounds, PyTorch first in odd ones).
 * Each process runs its warm-up steps (the first also allocates the optimizer state), then its
 * timed steps; the table gives the median over all rounds of the CPU time of the whole process
 * per step (process.cpuUsage / time.process_time, which a loaded machine disturbs less) and of the
 * wall time, the largest peak RSS (VmHWM; Python's getrusage ru_maxrss) and t2vlp/PyTorch ratios.
 *
 * Environment: T2VLP_BENCH_SIDE_THREADS (2), T2VLP_BENCH_STEPS (timed steps per process, 2),
 * T2VLP_BENCH_WARMUP (1), T2VLP_BENCH_SIDE_ROUNDS (processes per side, 1), T2VLP_BENCH_BATCH (2),
 * T2VLP_BENCH_TINY=1 (small widths, 2 frames of 32 px: checks the runner in seconds; figures
 * meaningless).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { T2VLPConfig } from '../src/model/index.js';
import type { Config, Result } from './train-step.bench.js';

/** Tiny sizes (as bench/py/t2vlp_modules.py's TINY): the same code paths in seconds. */
export const TINY: Partial<T2VLPConfig> = {
  embedDim: 32,
  imageResolution: 32,
  visionLayers: 2,
  visionWidth: 64,
  textWidth: 64,
  textHeads: 2,
  textLayers: 2,
  numFrames: 2,
  jointLayers: 1,
  numCenters: 2,
  tubeLayers: 1,
};

interface Side {
  cpu: number[];
  wall: number[];
  peakRssBytes: number[];
  baseRssBytes: number[];
  loss: number[];
}

const GiB = 2 ** 30;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** An integer setting from the environment, at least `min`. */
const intSetting = (name: string, dflt: number, min = 1): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`train-step-vs-pytorch bench: ${name} must be an integer >= ${min}, got '${process.env[name]}'`);
  return v;
};

/** The last line of `stdout` that is a JSON object, or null. */
function lastJson(stdout: string): Record<string, unknown> | null {
  const line = stdout.split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
}

function failure(what: string, child: ReturnType<typeof spawnSync>): Error {
  const err = child.error ? `${child.error.message}; ` : '';
  return new Error(`train-step-vs-pytorch bench: the ${what} process failed (exit ${child.status}, ${err}stderr: ${String(child.stderr).slice(-2000)})`);
}

function runT2vlp(c: Config): Result {
  const script = fileURLToPath(new URL('./train-step.bench.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, JSON.stringify(c)], { encoding: 'utf8', timeout: 3_600_000 });
  const r = child.status === 0 ? lastJson(child.stdout) : null;
  if (!r) throw failure('t2vlp', child);
  return r as unknown as Result;
}

/** null when python3 with torch is not there. */
function runPyTorch(c: Config): Record<string, unknown> | null {
  const script = fileURLToPath(new URL('./py/t2vlp_train_step.py', import.meta.url));
  const args = [script, '--threads', String(c.threads), '--batch', String(c.batch), '--steps', String(c.steps), '--warmup', String(c.warmup)];
  if (c.model) args.push('--config', JSON.stringify(c.model));
  const child = spawnSync('python3', args, { encoding: 'utf8', timeout: 3_600_000 });
  if (child.error || /No module named 'torch'/.test(child.stderr)) return null;
  const r = child.status === 0 ? lastJson(child.stdout) : null;
  if (!r) throw failure('PyTorch', child);
  return r;
}

export default async function bench(): Promise<void> {
  const threads = intSetting('T2VLP_BENCH_SIDE_THREADS', 2);
  const steps = intSetting('T2VLP_BENCH_STEPS', 2);
  const warmup = intSetting('T2VLP_BENCH_WARMUP', 1, 0);
  const rounds = intSetting('T2VLP_BENCH_SIDE_ROUNDS', 1);
  const batch = intSetting('T2VLP_BENCH_BATCH', 2);
  const tiny = process.env.T2VLP_BENCH_TINY === '1';
  const config: Config = { batch, precision: 'float32', checkpointing: false, device: 'cpu', steps, warmup, threads, ...(tiny ? { model: TINY } : {}) };
  const sizes = tiny ? 'TINY sizes (2 frames of 32 px; a check of the runner, not a measurement)' : 'ViT-B/16, 12 frames × 224²';
  console.log(
    `stage-1 training step, t2vlp vs PyTorch (bench/py/t2vlp_train_step.py): batch ${batch}, float32, CPU, ${sizes}, 32 tokens, ` +
      `${threads} thread(s) each; ${rounds} process(es) per side, alternating, each ${warmup} warm-up + ${steps} timed step(s)`,
  );
  // Probed first: round 0 runs t2vlp's side (minutes at full size) before PyTorch's.
  if (spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    console.log('PyTorch comparison skipped (python3 with torch not available)');
    return;
  }
  const ours: Side = { cpu: [], wall: [], peakRssBytes: [], baseRssBytes: [], loss: [] };
  const theirs: Side = { cpu: [], wall: [], peakRssBytes: [], baseRssBytes: [], loss: [] };
  let torchVersion = '';
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? ['t2vlp', 'pytorch'] : ['pytorch', 't2vlp']) {
      const t0 = performance.now();
      if (side === 't2vlp') {
        const r = runT2vlp(config);
        ours.cpu.push(...r.stepCpuSec);
        ours.wall.push(...r.stepSec);
        ours.peakRssBytes.push(r.peakRssBytes);
        ours.baseRssBytes.push(r.baseRssBytes);
        ours.loss.push(r.loss);
      } else {
        const r = runPyTorch(config);
        if (!r) {
          console.log('PyTorch comparison skipped (python3 with torch not available)');
          return;
        }
        torchVersion = String(r.torch);
        theirs.cpu.push(...(r.cpu as number[]));
        theirs.wall.push(...(r.wall as number[]));
        theirs.peakRssBytes.push(r.peak_rss_bytes as number);
        theirs.baseRssBytes.push(r.base_rss_bytes as number);
        theirs.loss.push(r.loss as number);
      }
      console.log(`  round ${round + 1}, ${side}: ${((performance.now() - t0) / 1000).toFixed(1)} s for the process`);
    }
  }
  const rows: [string, number, number, (x: number) => string][] = [
    ['step, CPU time (median)', median(ours.cpu), median(theirs.cpu), (s) => `${s.toFixed(2)} s`],
    ['step, wall time (median)', median(ours.wall), median(theirs.wall), (s) => `${s.toFixed(2)} s`],
    ['peak RSS', Math.max(...ours.peakRssBytes), Math.max(...theirs.peakRssBytes), (b) => `${(b / GiB).toFixed(2)} GiB`],
    ['RSS with model and batch, before step 1', median(ours.baseRssBytes), median(theirs.baseRssBytes), (b) => `${(b / GiB).toFixed(2)} GiB`],
  ];
  console.log(`\n| CPU, ${threads} thread(s), batch ${batch} | t2vlp | PyTorch ${torchVersion} | t2vlp/PyTorch |\n|---|---|---|---|`);
  for (const [name, a, b, fmt] of rows) console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(3)} |`);
  console.log(
    `per-step CPU s: t2vlp ${ours.cpu.map((s) => s.toFixed(2)).join(' ')} | PyTorch ${theirs.cpu.map((s) => s.toFixed(2)).join(' ')}; ` +
      `last loss (random weights, different draws): t2vlp ${ours.loss.map((l) => l.toFixed(4)).join(' ')} | PyTorch ${theirs.loss.map((l) => l.toFixed(4)).join(' ')}`,
  );
}
