/**
 * CUDA benchmark (skipped, saying so, without a CUDA device): ViT-B/16 T2VLP with random weights
 * on the first GPU — video encoding throughput at batch 32 (12 frames, 224², no grad) in float32
 * and bfloat16, one stage-1 training step at batch 32 (forward, backward, global clipping,
 * BertAdam, the logit-scale clamp) in float32, and the device's allocator peak. Every timed
 * iteration ends with a host read (`item()`), which waits for the GPU.
 */
import { T2VLP } from '../src/model/index.js';
import { clipGradNorm, cuda, manualSeed, noGrad, ones, optim, randint, randn, scope, withDevice } from '../src/torch/index.js';

const B = Number(process.env.T2VLP_BENCH_CUDA_BATCH ?? 32);
const ITERS = Number(process.env.T2VLP_BENCH_CUDA_ITERS ?? 5);

function time(label: string, perItem: number, fn: () => void): number {
  fn(); // warm-up (cuDNN/cuBLAS autotuning, allocator)
  const t0 = performance.now();
  for (let i = 0; i < ITERS; i++) fn();
  const s = (performance.now() - t0) / 1000 / ITERS;
  console.log(`${label.padEnd(48)} ${s.toFixed(3)} s/iteration  ${(perItem / s).toFixed(1)} videos/s`);
  return s;
}

export default async function cudaBench(): Promise<void> {
  if (!cuda.isAvailable()) {
    console.log('cuda: skipped (no CUDA device: CPU-only libtorch build or no GPU visible)');
    return;
  }
  manualSeed(0);
  const model = new T2VLP().to('cuda');
  model.eval();
  const frames = withDevice('cuda', () => randn([B, 12, 3, 224, 224]).keep());
  const mask = withDevice('cuda', () => ones([B, 12], 'int64').keep());
  try {
    const f32 = time(`encodeVideo float32, batch ${B}`, B, () =>
      scope(() => noGrad(() => model.encodeVideo(frames, mask).embedding.sum().item())),
    );
    // Training step, float32.
    model.train();
    const ids = withDevice('cuda', () => randint(1, 49000, [B, 32]).keep());
    const am = withDevice('cuda', () => ones([B, 32], 'int64').keep());
    const params = model.parameters();
    const opt = new optim.BertAdam(params, { lr: 1e-7, weightDecay: 0.2 });
    time(`stage-1 training step float32, batch ${B}`, B, () =>
      scope(() => {
        opt.zeroGrad();
        const r = model.stage1Loss({ video: frames, videoMask: mask, inputIds: ids, attentionMask: am });
        r.loss.backward();
        clipGradNorm(params, 1);
        opt.step();
        noGrad(() => model.clip.logit_scale.clamp_(null, Math.log(100)));
        r.loss.item();
      }),
    );
    opt.disposeState();
    model.zeroGrad();
    ids.dispose();
    am.dispose();
    model.eval();
    model.to('bfloat16');
    const bf16 = time(`encodeVideo bfloat16, batch ${B}`, B, () =>
      scope(() => noGrad(() => model.encodeVideo(frames, mask).embedding.sum().item())),
    );
    console.log(`bfloat16 / float32 time: ${(bf16 / f32).toFixed(2)}`);
  } finally {
    frames.dispose();
    mask.dispose();
    model.dispose();
  }
}
