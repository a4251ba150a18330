/**
 * Precision benchmark (docs/ARCHITECTURE.md "Precisions"): for float32, bfloat16 weights, bfloat16
 * autocast (float32 weights) and int8 dynamic quantization —
 *   1. the cosine of video and text embeddings to float32 on the fixtures' encodings
 *      (test/fixtures/reference/params_stage1 with stage1_loss's inputs);
 *   2. text-to-video R@1 on the generated retrieval task, for a tiny model trained briefly here
 *      (the 12 generated training videos; T2VLP_BENCH_EPOCHS, default 10 to stay short; the
 *      figures in the docs used 30);
 *   3. ViT-B/16 video encoding (12 frames, 224 px, random weights, batch 1) in s/video and GFLOP/s,
 *      against the float32 GEMM rate measured in the same run (T2VLP_BENCH_REPS, default 1).
 * Retrieval evaluation is async, so autocast (synchronous regions) is measured on 1 and 3 only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipTokenizer, CachingVideoReader, loadMsrvtt, VideoReader } from '../src/data/index.js';
import { evaluateRetrieval } from '../src/eval/index.js';
import { T2VLP } from '../src/model/index.js';
import { REFERENCE_DIR, fixture } from '../src/model/testing/parity.js';
import { autocast, manualSeed, noGrad, randn, scope, type Tensor } from '../src/torch/index.js';
import { Progress, trainStage1 } from '../src/train/index.js';
import { TINY_SETTINGS, tinyDataset } from '../src/train/testing/tiny.js';

const GFLOP_PER_FRAME = 35.1;
type Precision = 'float32' | 'bfloat16' | 'bf16-autocast' | 'int8';
const PRECISIONS: Precision[] = ['float32', 'bfloat16', 'bf16-autocast', 'int8'];

const loadAs = (path: string, p: Precision) =>
  T2VLP.load(path, { dtype: p === 'bfloat16' ? 'bfloat16' : p === 'int8' ? 'int8' : 'float32' });
const run = <T>(p: Precision, fn: () => T): T => (p === 'bf16-autocast' ? autocast(fn, { dtype: 'bfloat16' }) : fn());

function cosines(a: Tensor, b: Tensor): { min: number; mean: number } {
  return scope(() => {
    const c = a.mul(b).sum(-1).div(a.norm(2, -1).mul(b.norm(2, -1)));
    return { min: c.min().item(), mean: c.mean().item() };
  });
}

async function fixtureCosines(): Promise<void> {
  const f = await fixture('stage1_loss.safetensors');
  const g = (k: string) => f.get(k)!;
  const enc = (m: T2VLP, p: Precision) =>
    noGrad(() =>
      run(p, () => ({
        video: m.encodeVideo(g('input.video'), g('input.video_mask')).embedding.keep(),
        text: m.encodeText(g('input.input_ids'), g('input.attention_mask')).embedding.keep(),
      })),
    );
  let ref: { video: Tensor; text: Tensor } | undefined;
  console.log('1. fixture encodings (params_stage1, stage1_loss inputs): cosine to float32, min / mean over rows');
  for (const p of PRECISIONS) {
    const m = await loadAs(REFERENCE_DIR + 'params_stage1.safetensors', p);
    const e = scope(() => enc(m, p));
    m.dispose();
    if (!ref) ref = e;
    const v = cosines(e.video, ref.video);
    const t = cosines(e.text, ref.text);
    console.log(`   ${p.padEnd(14)} video ${v.min.toFixed(5)} / ${v.mean.toFixed(5)}   text ${t.min.toFixed(5)} / ${t.mean.toFixed(5)}`);
    if (e !== ref) {
      e.video.dispose();
      e.text.dispose();
    }
  }
  ref!.video.dispose();
  ref!.text.dispose();
  for (const t of f.values()) t.dispose();
}

async function retrieval(): Promise<void> {
  const epochs = Number(process.env.T2VLP_BENCH_EPOCHS ?? 10);
  const tokenizer = await ClipTokenizer.load();
  const dataDir = await tinyDataset();
  const train = await loadMsrvtt({ dataDir, videoDir: join(dataDir, 'videos'), split: 'train' });
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-precision-'));
  manualSeed(1);
  const model = new T2VLP(TINY_SETTINGS.model);
  const t0 = performance.now();
  await trainStage1({
    model,
    samples: train.samples,
    tokenizer,
    videos: new CachingVideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 }),
    settings: { ...TINY_SETTINGS, epochs },
    outDir: join(dir, 'run'),
    progress: new Progress({ quiet: true }),
  });
  const ckpt = join(dir, 'model.safetensors');
  await model.save(ckpt);
  model.dispose();
  console.log(`2. generated retrieval task (tiny model, ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(0)} s; one caption per training video)`);
  const videos = { ...train, samples: train.samples.filter((_, i) => i % 2 === 0) };
  const reader = new VideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 });
  for (const p of ['float32', 'bfloat16', 'int8'] as const) {
    const m = await loadAs(ckpt, p);
    const r = await evaluateRetrieval(m, videos, { tokenizer, videoReader: reader, maxWords: 16 });
    m.dispose();
    console.log(`   ${p.padEnd(14)} t2v R@1 ${r.t2v.R1.toFixed(1)}  R@5 ${r.t2v.R5.toFixed(1)}  mean rank ${r.t2v.MeanR.toFixed(2)}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

function timeIt(fn: () => void, reps: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return Math.min(...ts);
}

async function vitSpeed(): Promise<void> {
  const reps = Number(process.env.T2VLP_BENCH_REPS ?? 1);
  const gemm = scope(() => {
    const a = randn([1024, 768]);
    const b = randn([768, 3072]);
    const s = timeIt(() => scope(() => void a.matmul(b)), 5);
    return (2 * 1024 * 768 * 3072) / s / 1e9;
  });
  console.log(`3. ViT-B/16 video encoding, 12 frames, batch 1 (float32 GEMM rate in this run: ${gemm.toFixed(0)} GFLOP/s)`);
  manualSeed(0);
  const base = new T2VLP().eval();
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-precision-'));
  const ckpt = join(dir, 'vit-b16.safetensors');
  await base.save(ckpt);
  base.dispose();
  const frames = randn([1, 12, 3, 224, 224]).keep();
  let f32 = 0;
  for (const p of PRECISIONS) {
    const m = await loadAs(ckpt, p);
    const s = timeIt(() => noGrad(() => scope(() => void run(p, () => m.encodeVideo(frames).embedding))), reps);
    m.dispose();
    if (p === 'float32') f32 = s;
    console.log(`   ${p.padEnd(14)} ${s.toFixed(2)} s/video  ${((GFLOP_PER_FRAME * 12) / s).toFixed(0)} GFLOP/s  (${(s / f32).toFixed(2)}x float32's time)`);
  }
  frames.dispose();
  rmSync(dir, { recursive: true, force: true });
}

export default async function bench(): Promise<void> {
  await fixtureCosines();
  await retrieval();
  await vitSpeed();
}
