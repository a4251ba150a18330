/**
 * The leak test: 10,000 training iterations (forward, backward, AdamW step) of a small MLP, one
 * scope per iteration, in a plain synchronous loop. After a 1,000-iteration warm-up,
 * memoryStats().liveTensors and liveBytes must be exactly what they were, no tensor may have been
 * left to the garbage collector (freedByGc unchanged), and the process RSS may grow by less than
 * 20 MB between iteration 1,000 and 10,000. The same for no-grad inference, whose iterations are
 * 10 times cheaper: 10,000 iterations measured after a 10,000-iteration warm-up (the V8 heap and
 * the allocator settle within those, about 10 MB; flat afterwards, checked up to 100,000).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noGrad } from './autograd.js';
import { randn } from './creation.js';
import * as F from './nn/functional.js';
import { Linear } from './nn/layers.js';
import { Module } from './nn/module.js';
import { AdamW } from './optim/adamw.js';
import { scope } from './scope.js';
import { getNumThreads, manualSeed, memoryStats, setNumThreads } from './system.js';
import type { Tensor } from './tensor.js';

const ITERATIONS = 10_000;
const WARMUP = 1_000;
const RSS_BOUND_MB = 20;

class MLP extends Module {
  fc1 = new Linear(16, 64);
  fc2 = new Linear(64, 64);
  fc3 = new Linear(64, 4);
  forward(x: Tensor): Tensor {
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(x).relu()).relu());
  }
}

function watch(
  step: (i: number) => void,
  warmup = WARMUP,
): { rssGrowthMb: number; msPerIteration: number } {
  let base: ReturnType<typeof memoryStats> | null = null;
  let rssAtWarmup = 0;
  const t0 = performance.now();
  const last = warmup === WARMUP ? ITERATIONS : warmup + ITERATIONS;
  for (let i = 1; i <= last; i++) {
    step(i);
    if (i === warmup) {
      base = memoryStats();
      rssAtWarmup = process.memoryUsage().rss;
    } else if (base && i % 1000 === 0) {
      const now = memoryStats();
      assert.equal(now.liveTensors, base.liveTensors, `live tensors at iteration ${i}`);
      assert.equal(now.liveBytes, base.liveBytes, `live bytes at iteration ${i}`);
      assert.equal(now.freedByGc, base.freedByGc, `tensors left to the GC by iteration ${i}`);
    }
  }
  return {
    rssGrowthMb: (process.memoryUsage().rss - rssAtWarmup) / 2 ** 20,
    msPerIteration: (performance.now() - t0) / last,
  };
}

// These tensors are tiny: one intra-op thread is as fast, and keeps the timing steady when other
// processes share the cores (spinning thread-pool workers slow small ops down many times over).
let threads = 0;
before(() => {
  threads = getNumThreads();
  setNumThreads(1);
});
after(() => setNumThreads(threads));

describe('memory stays flat over 10,000 iterations', () => {
  it(`forward + backward + AdamW step: live tensors exact, RSS growth < ${RSS_BOUND_MB} MB`, () => {
    manualSeed(0);
    const model = new MLP();
    const opt = new AdamW(model.parameters(), { lr: 1e-3 });
    const x = randn([32, 16]).keep();
    const y = randn([32, 4]).keep();
    const start = memoryStats().liveTensors;
    const r = watch(() =>
      scope(() => {
        opt.zeroGrad();
        const loss = F.mseLoss(model.forward(x), y);
        loss.backward();
        opt.step();
      }),
    );
    // parameters (6) + x, y + AdamW's three state tensors per parameter
    assert.equal(memoryStats().liveTensors, start + 3 * 6);
    assert.ok(r.rssGrowthMb < RSS_BOUND_MB, `RSS grew ${r.rssGrowthMb.toFixed(1)} MB`);
    console.log(
      `  training: ${r.msPerIteration.toFixed(3)} ms/iteration, RSS growth ${r.rssGrowthMb.toFixed(1)} MB`,
    );
    opt.disposeState();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it(`no-grad inference returning a number: live tensors exact, RSS growth < ${RSS_BOUND_MB} MB`, () => {
    const model = new MLP();
    const x = randn([32, 16]).keep();
    const before = memoryStats().liveTensors;
    let acc = 0;
    const r = watch(() => {
      acc += scope(() => noGrad(() => model.forward(x).softmax(-1).max().item()));
    }, 10 * WARMUP);
    assert.ok(acc > 0);
    assert.equal(memoryStats().liveTensors, before);
    assert.ok(r.rssGrowthMb < RSS_BOUND_MB, `RSS grew ${r.rssGrowthMb.toFixed(1)} MB`);
    console.log(
      `  inference: ${r.msPerIteration.toFixed(3)} ms/iteration, RSS growth ${r.rssGrowthMb.toFixed(1)} MB`,
    );
    model.dispose();
    x.dispose();
  });
});
