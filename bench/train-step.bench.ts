/**
 * Full training-step benchmark (`npm run bench -- train-step`): what the reference's step does —
 * forward, backward, global gradient clipping, BertAdam, the logit-scale clamp — through the
 * functions `trainModel` runs (src/train/train-step.ts: createOptimizer, microStep, applyStep),
 * stage-1 objective, ViT-B/16 with random weights, 12 frames of 224 px and 32 tokens per sample.
 * Configurations: batch 2 and 8 × float32 and bfloat16 weights × activation checkpointing off and
 * on (docs/TRAINING.md "Activation checkpointing"), on CUDA when there is a device, else the CPU.
 * Each configuration runs in its own process, so its peak RSS (VmHWM) is its own; on CUDA the
 * caching allocator's peak is reported too. The step time is the median of the timed steps after
 * the warm-up steps (the first step also allocates the optimizer state).
 *
 * Environment: T2VLP_BENCH_BATCHES (default "2,8"), T2VLP_BENCH_PRECISIONS ("float32,bfloat16"),
 * T2VLP_BENCH_CHECKPOINTING ("off,on"), T2VLP_BENCH_STEPS (timed steps, 1), T2VLP_BENCH_WARMUP
 * (untimed steps first, 1), T2VLP_BENCH_DEVICE (cpu, cuda, cuda:N; default CUDA when available).
 * bench/train-step-vs-pytorch.bench.ts runs `runConfig` in a child the same way, with a thread
 * count and, for its tiny check, other model sizes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TensorBatch } from '../src/data/index.js';
import { T2VLP, type T2VLPConfig } from '../src/model/index.js';
import {
  cuda,
  getNumThreads,
  hostMemory,
  manualSeed,
  ones,
  parseDevice,
  randint,
  randn,
  scope,
  setNumThreads,
  zeros,
  type Device,
  type Tensor,
} from '../src/torch/index.js';
import { applyStep, createOptimizer, microStep, OBJECTIVE_SPECS, PRESETS } from '../src/train/index.js';

/**
 * How a step's arithmetic is done. Today bfloat16 means bfloat16 weights (model.to('bfloat16')),
 * with BertAdam's state in the weights' dtype. Autocast (`--amp bf16`: float32 weights, bf16
 * matmuls) is added here as another entry: `prepare` leaves the weights in float32 and `around`
 * runs the step inside the autocast region.
 */
const PRECISIONS: Record<string, { prepare: (m: T2VLP) => void; around: <T>(fn: () => T) => T }> = {
  float32: { prepare: () => {}, around: (fn) => fn() },
  bfloat16: { prepare: (m) => void m.to('bfloat16'), around: (fn) => fn() },
};

export interface Config {
  batch: number;
  precision: string;
  checkpointing: boolean;
  device: Device;
  steps: number;
  warmup: number;
  /** Intra-op threads (default: libtorch's). */
  threads?: number;
  /** Model sizes over ViT-B/16 (frames and resolution of the batch follow them). */
  model?: Partial<T2VLPConfig>;
}

export interface Result {
  stepSec: number[];
  /** CPU time of the process (all threads) per timed step. */
  stepCpuSec: number[];
  loss: number;
  /** Peak RSS of the process, and its RSS once the model and batch exist. */
  peakRssBytes: number;
  baseRssBytes: number;
  cudaPeakAllocatedBytes?: number;
  cudaPeakReservedBytes?: number;
}

const list = (name: string, dflt: string) => (process.env[name] ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
const GiB = 2 ** 30;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One configuration, in this process. */
function runConfig(c: Config): Result {
  const precision = PRECISIONS[c.precision];
  if (!precision) throw new RangeError(`train-step bench: precision '${c.precision}' is not one of ${Object.keys(PRECISIONS).join(', ')}`);
  if (c.threads !== undefined) setNumThreads(c.threads);
  manualSeed(0);
  const model = new T2VLP(c.model);
  precision.prepare(model);
  if (c.device !== 'cpu') model.to(c.device);
  model.setActivationCheckpointing(c.checkpointing).train();
  const settings = { ...PRESETS.stage1!, batchSize: c.batch };
  const optimizer = createOptimizer(model, settings);
  const params = optimizer.parameters();
  const B = c.batch;
  const { numFrames: T, imageResolution: R } = model.config;
  const batch: TensorBatch = scope(() => ({
    video: randn([B, T, 3, R, R]).keep(),
    videoMask: ones([B, T], 'int64').keep(),
    inputIds: randint(1, 49000, [B, 32]).keep(),
    attentionMask: ones([B, 32], 'int64').keep(),
    tokenTypeIds: zeros([B, 32], 'int64').keep(),
  }));
  const baseRssBytes = hostMemory().rssBytes;
  if (c.device !== 'cpu') cuda.resetPeakMemoryStats(c.device);
  const stepSec: number[] = [];
  const stepCpuSec: number[] = [];
  let loss = NaN;
  for (let i = 0; i < c.warmup + c.steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    precision.around(() => {
      loss = microStep(model, OBJECTIVE_SPECS.stage1, batch, {}, 1).loss; // item() waits for a GPU
      applyStep(model, optimizer, params, { maxGradNorm: settings.maxGradNorm, lrScale: 1 });
    });
    if (i >= c.warmup) {
      stepSec.push((performance.now() - t0) / 1000);
      const cpu = process.cpuUsage(c0);
      stepCpuSec.push((cpu.user + cpu.system) / 1e6);
    }
  }
  const r: Result = { stepSec, stepCpuSec, loss, peakRssBytes: hostMemory().peakRssBytes, baseRssBytes };
  if (c.device !== 'cpu') {
    const s = cuda.memoryStats(c.device);
    r.cudaPeakAllocatedBytes = s.peakAllocatedBytes;
    r.cudaPeakReservedBytes = s.peakReservedBytes;
  }
  for (const t of Object.values(batch) as Tensor[]) t.dispose();
  optimizer.disposeState();
  model.dispose();
  return r;
}

export default async function bench(): Promise<void> {
  const deviceArg = process.env.T2VLP_BENCH_DEVICE;
  const device: Device = deviceArg ? parseDevice(deviceArg, 'T2VLP_BENCH_DEVICE') : cuda.isAvailable() ? 'cuda' : 'cpu';
  const steps = Number(process.env.T2VLP_BENCH_STEPS ?? 1);
  const warmup = Number(process.env.T2VLP_BENCH_WARMUP ?? 1);
  console.log(`device: ${device}, threads: ${getNumThreads()}, ${warmup} warm-up + ${steps} timed step(s) per configuration, stage-1 objective, ViT-B/16, 12 frames × 224², 32 tokens`);
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [];
  for (const batch of list('T2VLP_BENCH_BATCHES', '2,8').map(Number))
    for (const precision of list('T2VLP_BENCH_PRECISIONS', 'float32,bfloat16'))
      for (const ck of list('T2VLP_BENCH_CHECKPOINTING', 'off,on')) {
        const config: Config = { batch, precision, checkpointing: ck === 'on', device, steps, warmup };
        const label = `batch ${batch}, ${precision}, checkpointing ${ck}`;
        const child = spawnSync(process.execPath, ['--import', 'tsx', self, JSON.stringify(config)], { encoding: 'utf8', timeout: 3_600_000 });
        const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
        if (child.status !== 0 || !line) {
          console.log(`${label}: FAILED (exit ${child.status})\n${child.stderr.slice(-2000)}`);
          continue;
        }
        const r = JSON.parse(line) as Result;
        const cudaPart =
          r.cudaPeakAllocatedBytes !== undefined
            ? `, ${device} peak allocated ${(r.cudaPeakAllocatedBytes / GiB).toFixed(2)} GiB (reserved ${(r.cudaPeakReservedBytes! / GiB).toFixed(2)})`
            : '';
        const row =
          `${label.padEnd(40)} ${median(r.stepSec).toFixed(2)} s/step, peak RSS ${(r.peakRssBytes / GiB).toFixed(2)} GiB ` +
          `(+${((r.peakRssBytes - r.baseRssBytes) / GiB).toFixed(2)} over model and batch)${cudaPart}, loss ${r.loss.toFixed(4)}`;
        rows.push(row);
        console.log(row);
      }
  if (rows.length === 0) throw new Error('train-step bench: every configuration failed');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  console.log(JSON.stringify(runConfig(config)));
}
