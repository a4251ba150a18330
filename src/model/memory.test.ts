/**
 * Leak checks on the real model (a small configuration of the same code): a stage-1 training step
 * (forward, both losses, backward, global clipping, BertAdam, the logit-scale clamp), no-grad
 * encoding of videos and texts with the similarity, and batches coming through the data loader.
 * After a warm-up, memoryStats().liveTensors and liveBytes must stay exactly where they were, no
 * tensor may be left to the garbage collector, and RSS may grow by less than a bound. A tensor
 * leaked on any pass through the tube-token, text or loss code fails these tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataLoader } from '../data/index.js';
import { clipGradNorm, getNumThreads, manualSeed, memoryStats, noGrad, optim, randint, randn, scope, setNumThreads, tensor } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { T2VLP } from './index.js';

const CONFIG = { ...TINY_CONFIG, vocabSize: 1000, eotTokenId: 999 };
const RSS_BOUND_MB = 25;

function watch(iterations: number, warmup: number, step: (i: number) => void): number {
  let base: ReturnType<typeof memoryStats> | null = null;
  let rss = 0;
  for (let i = 1; i <= warmup + iterations; i++) {
    step(i);
    if (i === warmup) {
      base = memoryStats();
      rss = process.memoryUsage().rss;
    } else if (base && i % 20 === 0) {
      const now = memoryStats();
      assert.equal(now.liveTensors, base.liveTensors, `live tensors at iteration ${i}`);
      assert.equal(now.liveBytes, base.liveBytes, `live bytes at iteration ${i}`);
      assert.equal(now.freedByGc, base.freedByGc, `tensors left to the GC by iteration ${i}`);
    }
  }
  return (process.memoryUsage().rss - rss) / 2 ** 20;
}

let threads = 0;
let model: T2VLP;
before(() => {
  threads = getNumThreads();
  setNumThreads(1);
  manualSeed(0);
  model = new T2VLP(CONFIG);
});
after(() => {
  model.dispose();
  setNumThreads(threads);
});

const batch = (B: number) => ({
  video: randn([B, 4, 3, 32, 32]).keep(),
  videoMask: tensor([[1, 1, 1, 0], [1, 1, 0, 0]].slice(0, B), undefined, 'int64').keep(),
  inputIds: randint(1, 998, [B, 8]).keep(),
  attentionMask: tensor([[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]].slice(0, B), undefined, 'int64').keep(),
});
const disposeBatch = (b: ReturnType<typeof batch>) => Object.values(b).forEach((t) => t.dispose());

describe('memory stays flat on the real model', () => {
  it(`stage-1 training step (loss, backward, clip, BertAdam, clamp): live tensors exact, RSS < ${RSS_BOUND_MB} MB`, () => {
    model.train();
    const b = batch(2);
    const params = model.parameters();
    const opt = new optim.BertAdam(params, { lr: 1e-4, weightDecay: 0.2 });
    const growth = watch(200, 40, () =>
      scope(() => {
        opt.zeroGrad();
        const out = model.stage1Loss(b);
        out.loss.backward();
        clipGradNorm(params, 1);
        opt.step();
        noGrad(() => model.clip.logit_scale.clamp_(null, Math.log(100)));
        assert.ok(Number.isFinite(out.loss.item()));
      }),
    );
    assert.ok(growth < RSS_BOUND_MB, `RSS grew ${growth.toFixed(1)} MB`);
    opt.disposeState();
    model.zeroGrad();
    model.eval();
    disposeBatch(b);
  });

  it(`no-grad encodeVideo + encodeText + similarity: live tensors exact, RSS < ${RSS_BOUND_MB} MB`, () => {
    const b = batch(2);
    const before = memoryStats().liveTensors;
    const growth = watch(300, 60, () =>
      scope(() =>
        noGrad(() => {
          const v = model.encodeVideo(b.video, b.videoMask);
          const t = model.encodeText(b.inputIds, b.attentionMask);
          return model.similarity(t, v, { videoMask: b.videoMask }).sum().item();
        }),
      ),
    );
    assert.equal(memoryStats().liveTensors, before);
    assert.ok(growth < RSS_BOUND_MB, `RSS grew ${growth.toFixed(1)} MB`);
    disposeBatch(b);
  });

  it(`batches from the data loader, wrapped as tensors and encoded: live tensors exact, RSS < ${RSS_BOUND_MB} MB`, async () => {
    const samples = Array.from({ length: 16 }, (_, i) => i);
    const loader = new DataLoader(
      samples,
      async (i) => Float32Array.from({ length: 4 * 3 * 32 * 32 }, (_, k) => Math.sin(i + k)),
      { batchSize: 2, shuffle: true, seed: 1, concurrency: 2, prefetchBatches: 2 },
    );
    let base: ReturnType<typeof memoryStats> | null = null;
    let rss = 0;
    let batches = 0;
    for (let epoch = 0; epoch < 20; epoch++) {
      for await (const bt of loader.epoch()) {
        scope(() =>
          noGrad(() => {
            const frames = tensor(new Float32Array(bt.items.flatMap((a) => [...a])), [bt.items.length, 4, 3, 32, 32]);
            return model.encodeVideo(frames).embedding.sum().item();
          }),
        );
        batches++;
      }
      if (epoch === 4) {
        base = memoryStats();
        rss = process.memoryUsage().rss;
      } else if (base) {
        const now = memoryStats();
        assert.equal(now.liveTensors, base.liveTensors, `live tensors after epoch ${epoch}`);
        assert.equal(now.freedByGc, base.freedByGc, `tensors left to the GC by epoch ${epoch}`);
      }
    }
    assert.equal(batches, 20 * 8);
    const growth = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.ok(growth < RSS_BOUND_MB, `RSS grew ${growth.toFixed(1)} MB`);
  });
});
