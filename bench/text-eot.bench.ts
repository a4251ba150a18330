/**
 * The text tower's EOT-only path against its full path (docs/ARCHITECTURE.md "CPU inference"):
 * `encodeText(ids, null, { eotOnly: true })` against `encodeText(ids)`, ViT-B/16 text tower
 * (random weights), float32, eval, gradients off, 64 captions of 32 tokens, with the end of text
 * last (only the last block's shortcut applies) and at position 11 with zero padding after it
 * (the tower also stops after the last EOT). The two paths alternate within one process and each
 * call's process CPU time is taken, so a loaded machine shifts both alike; medians are printed.
 * Environment: T2VLP_BENCH_THREADS (1), T2VLP_BENCH_REPS (7).
 */
import { T2VLP } from '../src/model/index.js';
import { getNumThreads, manualSeed, noGrad, randint, scope, setNumThreads, type Tensor } from '../src/torch/index.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** 64 captions of 32 random tokens with the end of text at `eot` and zeros after it. */
function captions(eot: number): Tensor {
  const ids = randint(1, 49000, [64, 32]);
  scope(() => {
    ids.narrow(1, eot, 1).fill_(49407);
    if (eot < 31) ids.narrow(1, eot + 1, 31 - eot).fill_(0);
  });
  return ids;
}

export default async function bench(): Promise<void> {
  const threads = Number(process.env.T2VLP_BENCH_THREADS ?? 1);
  const reps = Number(process.env.T2VLP_BENCH_REPS ?? 7);
  const saved = getNumThreads();
  setNumThreads(threads);
  manualSeed(0);
  const model = new T2VLP();
  model.eval();
  try {
    console.log(`text tower, EOT-only path against the full path: float32, ${threads} thread(s), CPU s per call, median of ${reps}, alternating`);
    for (const eot of [31, 11]) {
      const ids = captions(eot);
      const run = (eotOnly: boolean) => cpuSeconds(() => noGrad(() => scope(() => void model.encodeText(ids, null, { eotOnly }).embedding.toArray())));
      run(true); // warm-up, both paths
      run(false);
      const short: number[] = [];
      const all: number[] = [];
      for (let i = 0; i < reps; i++) {
        if (i % 2 === 0) {
          all.push(run(false));
          short.push(run(true));
        } else {
          short.push(run(true));
          all.push(run(false));
        }
      }
      ids.dispose();
      const [s, a] = [median(short), median(all)];
      console.log(
        `  EOT at ${String(eot).padEnd(2)}  eotOnly ${(64 / s).toFixed(1)} captions/s  full ${(64 / a).toFixed(1)} captions/s  time ratio ${(s / a).toFixed(3)}` +
          `  (CPU s: ${short.map((t) => t.toFixed(2)).join(' ')} | ${all.map((t) => t.toFixed(2)).join(' ')})`,
      );
    }
  } finally {
    model.dispose();
    setNumThreads(saved);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
