/**
 * Side-by-side CPU comparison for bench/model.bench.ts: t2vlp against the original code's
 * structure in PyTorch (bench/py/t2vlp_video.py, a long-running child that encodes on request),
 * float32, eval, gradients off, the same thread count on both sides (default 1). Runs alternate
 * between the two sides (t2vlp first on even repetitions, PyTorch first on odd ones), and each side
 * reports the CPU time of its own process around the call (process.cpuUsage / time.process_time),
 * which a loaded machine disturbs less than wall-clock time; medians are printed, with wall time too.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { T2VLP } from '../src/model/index.js';
import { getNumThreads, manualSeed, noGrad, randint, randn, scope, setNumThreads, type Tensor } from '../src/torch/index.js';

interface Timing {
  cpu: number;
  wall: number;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The Python side: one JSON answer per command line. */
class PyTorchSide {
  readonly #child;
  readonly #lines: AsyncIterator<string>;
  private constructor(threads: number) {
    const py = fileURLToPath(new URL('./py/t2vlp_video.py', import.meta.url));
    this.#child = spawn('python3', [py, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }
  static async start(threads: number): Promise<PyTorchSide | null> {
    const side = new PyTorchSide(threads);
    const failed = new Promise<null>((resolve) => side.#child.once('error', () => resolve(null)));
    const first = await Promise.race([side.#next(), failed]);
    if (!first || !('ready' in first)) {
      side.close();
      return null;
    }
    return side;
  }
  async #next(): Promise<Record<string, unknown> | null> {
    const r = await this.#lines.next();
    return r.done ? null : (JSON.parse(r.value) as Record<string, unknown>);
  }
  async run(command: string): Promise<Timing> {
    this.#child.stdin.write(`${command}\n`);
    const r = await this.#next();
    if (!r || typeof r.cpu !== 'number') throw new Error(`bench/py/t2vlp_video.py: no answer to '${command}'`);
    return r as unknown as Timing;
  }
  close(): void {
    this.#child.stdin.end('quit\n');
  }
}

function timeT2vlp(fn: () => void): Timing {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000 };
}

export interface SideBySideResult {
  /** Median CPU seconds per call, t2vlp and PyTorch, per case. */
  [kase: string]: { t2vlp: number; pytorch: number };
}

/** Returns null (and says so) when python3 with torch is not available. */
export async function sideBySide(threads: number, reps: number, batches: number[]): Promise<SideBySideResult | null> {
  const saved = getNumThreads();
  const py = await PyTorchSide.start(threads);
  if (!py) {
    console.log('PyTorch comparison skipped (python3 with torch not available)');
    return null;
  }
  setNumThreads(threads);
  manualSeed(0);
  const model = new T2VLP();
  model.eval();
  const out: SideBySideResult = {};
  try {
    console.log(`side by side with PyTorch (bench/py/t2vlp_video.py), float32, ${threads} thread(s), CPU time, median of ${reps}:`);
    const cases: { name: string; command: string; input: Tensor; fn: (x: Tensor) => void; per: number; unit: 'video' | 'text' }[] = [];
    for (const B of batches)
      cases.push({ name: `video-b${B}`, command: `video ${B}`, input: randn([B, 12, 3, 224, 224]).keep(), fn: (x) => void model.encodeVideo(x).embedding, per: B, unit: 'video' });
    const ids = randint(1, 49000, [64, 32]);
    scope(() => void ids.narrow(1, 31, 1).fill_(49407)); // end of text last, as the Python side
    // 'text' as retrieval encodes captions (only the embedding is read); 'text-all': with every
    // token's feature too (encodeText's default), the path before the EOT-only shortcut;
    // 'text-short': 12-token captions (EOT at 11) zero-padded to 32 as the reference's loaders pad
    // them. The original code's work does not depend on where the EOT is, so its side runs the same command.
    const eotOnly = (x: Tensor) => void model.encodeText(x, null, { eotOnly: true }).embedding;
    const short = ids.clone();
    scope(() => {
      short.narrow(1, 11, 1).fill_(49407);
      short.narrow(1, 12, 20).fill_(0);
    });
    cases.push({ name: 'text', command: 'text 64 32', input: ids.keep(), fn: eotOnly, per: 64, unit: 'text' });
    cases.push({ name: 'text-all', command: 'text 64 32', input: ids.clone().keep(), fn: (x) => void model.encodeText(x).embedding, per: 64, unit: 'text' });
    cases.push({ name: 'text-short', command: 'text 64 32', input: short.keep(), fn: eotOnly, per: 64, unit: 'text' });
    for (const c of cases) {
      const ours = () => timeT2vlp(() => noGrad(() => scope(() => c.fn(c.input))));
      ours(); // warm-up, both sides
      await py.run(c.command);
      const a: Timing[] = [];
      const b: Timing[] = [];
      for (let i = 0; i < reps; i++) {
        if (i % 2 === 0) {
          a.push(ours());
          b.push(await py.run(c.command));
        } else {
          b.push(await py.run(c.command));
          a.push(ours());
        }
      }
      c.input.dispose();
      const [ta, tb] = [median(a.map((t) => t.cpu)), median(b.map((t) => t.cpu))];
      const [wa, wb] = [median(a.map((t) => t.wall)), median(b.map((t) => t.wall))];
      out[c.name] = { t2vlp: ta, pytorch: tb };
      const fmt = (s: number) => (c.unit === 'video' ? `${(s / c.per).toFixed(2)} s/video` : `${(c.per / s).toFixed(1)} captions/s`);
      console.log(
        `  ${c.name.padEnd(9)} t2vlp ${fmt(ta)}  PyTorch ${fmt(tb)}  time ratio t2vlp/PyTorch ${(ta / tb).toFixed(3)}` +
          `  (wall: ${fmt(wa)} vs ${fmt(wb)}; CPU s per run: ${a.map((t) => t.cpu.toFixed(2)).join(' ')} | ${b.map((t) => t.cpu.toFixed(2)).join(' ')})`,
      );
    }
  } finally {
    py.close();
    model.dispose();
    setNumThreads(saved);
  }
  return out;
}
