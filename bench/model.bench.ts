/**
 * Model benchmark: ViT-B/16 T2VLP (random weights) — video encoding (12 frames, 224 px) in
 * seconds per video at batch 1 and 4, text encoding in captions/s (32 tokens), one stage-1
 * training step (batch 2), peak RSS; float32 and bfloat16. Achieved GFLOP/s use 35.1 GFLOP per
 * 224-px ViT-B/16 frame forward. First, when Python's torch is installed, video (batch 1 and 4)
 * and text encoding run side by side with the original code's structure in PyTorch
 * (bench/vs-pytorch.ts, bench/py/t2vlp_video.py): float32, single-threaded by default, CPU time,
 * alternating runs. Environment: T2VLP_BENCH_REPS (2), T2VLP_BENCH_SIDE_REPS (3),
 * T2VLP_BENCH_SIDE_THREADS (1), T2VLP_BENCH_SIDE_BATCHES ('1,4'; empty for text only),
 * T2VLP_BENCH_SIDE_ONLY=1 to stop after the comparison.
 */
import { T2VLP } from '../src/model/index.js';
import { sideBySide } from './vs-pytorch.js';
import { getNumThreads, manualSeed, noGrad, randint, randn, scope, ones, type Tensor } from '../src/torch/index.js';

const GFLOP_PER_FRAME = 35.1;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

function time(fn: () => void, reps: number): number {
  fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

export default async function bench(): Promise<void> {
  const reps = Number(process.env.T2VLP_BENCH_REPS ?? 2);
  const sideThreads = Number(process.env.T2VLP_BENCH_SIDE_THREADS ?? 1);
  const sideBatches = (process.env.T2VLP_BENCH_SIDE_BATCHES ?? '1,4').split(',').filter(Boolean).map(Number);
  await sideBySide(sideThreads, Number(process.env.T2VLP_BENCH_SIDE_REPS ?? 3), sideBatches);
  if (process.env.T2VLP_BENCH_SIDE_ONLY === '1') return;
  console.log(`threads: ${getNumThreads()}`);
  let peak = rssMb();
  const results: Record<string, number> = {};
  for (const dtype of ['float32', 'bfloat16'] as const) {
    manualSeed(0);
    const model = new T2VLP();
    if (dtype === 'bfloat16') model.to('bfloat16');
    model.eval();
    for (const B of [1, 4]) {
      const frames = randn([B, 12, 3, 224, 224]).keep();
      const s = time(() => noGrad(() => scope(() => void model.encodeVideo(frames).embedding)), B === 1 ? reps + 1 : reps);
      frames.dispose();
      peak = Math.max(peak, rssMb());
      results[`${dtype}-video-b${B}`] = s / B;
      console.log(`${dtype} video encoding, batch ${B}: ${(s / B).toFixed(2)} s/video, ${((GFLOP_PER_FRAME * 12 * B) / s).toFixed(0)} GFLOP/s`);
    }
    const ids = randint(1, 49000, [64, 32]).keep();
    const sText = time(() => noGrad(() => scope(() => void model.encodeText(ids).embedding)), reps);
    ids.dispose();
    console.log(`${dtype} text encoding (32 tokens): ${(64 / sText).toFixed(0)} captions/s`);
    if (dtype === 'float32') {
      model.train();
      const batch = scope(() => ({
        video: randn([2, 12, 3, 224, 224]).keep(),
        videoMask: ones([2, 12], 'int64').keep(),
        inputIds: randint(1, 49000, [2, 32]).keep(),
        attentionMask: ones([2, 32], 'int64').keep(),
      }));
      const sTrain = time(() => {
        scope(() => model.stage1Loss(batch).loss.backward());
        model.zeroGrad();
      }, 1);
      for (const t of Object.values(batch) as Tensor[]) t.dispose();
      peak = Math.max(peak, rssMb());
      console.log(`${dtype} stage-1 training step (batch 2, forward + backward): ${sTrain.toFixed(2)} s`);
    }
    model.dispose();
  }
  console.log(`bfloat16 / float32 video encoding time, batch 4: ${(results['bfloat16-video-b4']! / results['float32-video-b4']!).toFixed(2)}`);
  console.log(`peak RSS (sampled): ${peak.toFixed(0)} MB`);

}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
