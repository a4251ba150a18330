/**
 * End-to-end training on toy tasks: an MLP learns XOR (AdamW) and a sine regression (BertAdam
 * with the warmup_cosine schedule); a 2-layer pre-LN transformer encoder built from
 * nn.MultiheadAttention, Linear and LayerNorm learns "is token 3 in the sequence". Each has a
 * stated loss threshold and step budget (a few seconds on 2 cores). Then resuming: N steps, save
 * model + optimizer state + RNG state to safetensors, restore into fresh objects, M more steps,
 * and the weights equal (bit for bit) those of an uninterrupted N + M step run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clipGradNorm, noGrad } from '../autograd.js';
import { arange, randint, randn, tensor } from '../creation.js';
import { MultiheadAttention } from '../nn/attention.js';
import * as F from '../nn/functional.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { Module, ModuleList } from '../nn/module.js';
import { scope } from '../scope.js';
import { disposeAll, loadSafetensors, saveTensors } from '../tensor-files.js';
import { getNumThreads, getRngState, manualSeed, setNumThreads, setRngState } from '../system.js';
import type { Tensor } from '../tensor.js';
import { AdamW } from './adamw.js';
import { BertAdam } from './bert-adam.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { makeSchedule } from './schedules.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

class MLP extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(inF: number, hidden: number, outF: number) {
    super();
    this.fc1 = new Linear(inF, hidden);
    this.fc2 = new Linear(hidden, outF);
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.fc2.forward(this.fc1.forward(x).tanh()));
  }
}

class Block extends Module {
  ln_1: LayerNorm;
  attn: MultiheadAttention;
  ln_2: LayerNorm;
  c_fc: Linear;
  c_proj: Linear;
  drop: Dropout;
  constructor(width: number, heads: number, dropout: number) {
    super();
    this.ln_1 = new LayerNorm(width);
    this.attn = new MultiheadAttention(width, heads, { batchFirst: true });
    this.ln_2 = new LayerNorm(width);
    this.c_fc = new Linear(width, 4 * width);
    this.c_proj = new Linear(4 * width, width);
    this.drop = new Dropout(dropout);
  }
  forward(x: Tensor): Tensor {
    return scope(() => {
      const h = this.ln_1.forward(x);
      const y = x.add(this.drop.forward(this.attn.forward(h, h, h)));
      return y.add(this.c_proj.forward(F.quickGelu(this.c_fc.forward(this.ln_2.forward(y)))));
    });
  }
}

/** Token embedding + learned positions, 2 pre-LN blocks, mean pooling, a 2-way head. */
class Encoder extends Module {
  token_embedding: Embedding;
  positional_embedding: Embedding;
  resblocks: ModuleList<Block>;
  ln_final: LayerNorm;
  head: Linear;
  constructor(vocab: number, len: number, width: number, heads: number, dropout = 0) {
    super();
    this.token_embedding = new Embedding(vocab, width);
    this.positional_embedding = new Embedding(len, width);
    this.resblocks = new ModuleList([
      new Block(width, heads, dropout),
      new Block(width, heads, dropout),
    ]);
    this.ln_final = new LayerNorm(width);
    this.head = new Linear(width, 2);
  }
  forward(ids: Tensor): Tensor {
    return scope(() => {
      const L = ids.shape[1]!;
      let x = this.token_embedding.forward(ids).add(this.positional_embedding.forward(arange(L))); // [B, L, W]
      for (const b of this.resblocks) x = b.forward(x);
      return this.head.forward(this.ln_final.forward(x).mean(1)); // [B, 2]
    });
  }
}

/** A batch for "is token 3 present": half the sequences get a 3 at a random position. */
function tokenBatch(B: number, L: number): { ids: Tensor; labels: Tensor } {
  return scope(() => {
    const ids = randint(4, 10, [B, L]); // tokens 4..9: no 3 yet
    const has = randint(0, 2, [B]);
    const pos = randint(0, L, [B]);
    const rows = arange(B).maskedSelect(has.eq(1));
    ids.indexPut_([rows, pos.maskedSelect(has.eq(1))], tensor([3], undefined, 'int64'));
    return { ids, labels: has };
  });
}

function trainStep(
  model: Module,
  opt: Optimizer,
  loss: () => Tensor,
  lrScale = 1,
  clip = 0,
): number {
  return scope(() => {
    opt.zeroGrad();
    const l = loss();
    l.backward();
    if (clip > 0) clipGradNorm(model.parameters(), clip);
    opt.step(lrScale);
    return l.item();
  });
}

// These tensors are tiny: one intra-op thread is as fast, and keeps the timing steady when other
// processes share the cores (spinning thread-pool workers slow small ops down many times over).
let threads = 0;
before(() => {
  threads = getNumThreads();
  setNumThreads(1);
});
after(() => setNumThreads(threads));

describe('toy tasks reach a loss threshold', () => {
  it('MLP learns XOR with AdamW: BCE < 0.02 within 600 steps', () => {
    manualSeed(0);
    const model = new MLP(2, 16, 1);
    const opt = new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0 });
    const x = tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
    const y = tensor([0, 1, 1, 0], [4, 1]);
    let loss = Infinity;
    let steps = 0;
    const t0 = performance.now();
    while (loss >= 0.02 && steps < 600) {
      loss = trainStep(model, opt, () => F.binaryCrossEntropyWithLogits(model.forward(x), y));
      steps++;
    }
    assert.ok(loss < 0.02, `loss ${loss} after ${steps} steps`);
    const pred = scope(() => model.forward(x).gt(0).to('float32').tolist());
    assert.deepEqual(pred, [[0], [1], [1], [0]]);
    assert.ok(performance.now() - t0 < 5000);
    opt.disposeState();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('MLP fits y = sin(3x) with BertAdam and warmup_cosine: MSE < 0.01 within 1500 steps', () => {
    manualSeed(1);
    const model = new MLP(1, 32, 1);
    const total = 1500;
    const schedule = makeSchedule('warmup_cosine', total, 0.05);
    const opt = new BertAdam(model.parameters(), { lr: 0.02, weightDecay: 0 });
    const x = scope(() => randn([128, 1]).clamp(-1.5, 1.5));
    const y = scope(() => x.mul(3).sin());
    let loss = Infinity;
    let step = 0;
    for (; step < total && loss >= 0.01; step++)
      loss = trainStep(model, opt, () => F.mseLoss(model.forward(x), y), schedule(step));
    assert.ok(loss < 0.01, `loss ${loss} after ${step} steps`);
    opt.disposeState();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('2-layer transformer encoder learns "is token 3 present": CE < 0.1 within 300 steps, held-out accuracy ≥ 95%', () => {
    manualSeed(2);
    const model = new Encoder(10, 8, 16, 2);
    const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
    let loss = Infinity;
    let step = 0;
    const t0 = performance.now();
    for (; step < 300 && loss >= 0.1; step++) {
      const { ids, labels } = tokenBatch(32, 8);
      loss = trainStep(model, opt, () => F.crossEntropy(model.forward(ids), labels), 1, 1.0);
      ids.dispose();
      labels.dispose();
    }
    assert.ok(loss < 0.1, `loss ${loss} after ${step} steps`);
    model.eval();
    const { ids, labels } = tokenBatch(256, 8);
    const acc = scope(() =>
      noGrad(() => model.forward(ids).argmax(1).eq(labels).to('float32').mean().item()),
    );
    assert.ok(acc >= 0.95, `held-out accuracy ${acc}`);
    assert.ok(performance.now() - t0 < 20000);
    ids.dispose();
    labels.dispose();
    opt.disposeState();
    model.dispose();
  });
});

describe('resuming from a checkpoint is bit-identical', () => {
  /** Saves weights, optimizer state and the RNG state into one safetensors file. */
  async function checkpoint(path: string, model: Module, opt: Optimizer): Promise<void> {
    const st = opt.stateDict();
    const rng = getRngState();
    const tensors = new Map<string, Tensor>(model.stateDict());
    for (const [k, t] of st.tensors) tensors.set(`optimizer.${k}`, t);
    tensors.set('rng_state', rng);
    await saveTensors(path, tensors, { optimizer: JSON.stringify(st.meta) });
    rng.dispose();
  }

  async function restore(path: string, model: Module, opt: Optimizer): Promise<void> {
    const { tensors, metadata } = await loadSafetensors(path);
    const weights = new Map(
      [...tensors].filter(([k]) => !k.startsWith('optimizer.') && k !== 'rng_state'),
    );
    model.loadStateDict(weights);
    const state: OptimizerState = {
      meta: JSON.parse(metadata.optimizer!) as OptimizerState['meta'],
      tensors: new Map(
        [...tensors]
          .filter(([k]) => k.startsWith('optimizer.'))
          .map(([k, t]) => [k.slice('optimizer.'.length), t]),
      ),
    };
    opt.loadStateDict(state);
    setRngState(tensors.get('rng_state')!);
    disposeAll(tensors);
  }

  for (const kind of ['BertAdam', 'AdamW'] as const)
    it(`${kind}: 6 steps, save, restore into fresh objects, 6 more steps = 12 uninterrupted steps (equal())`, async () => {
      const total = 12;
      const schedule = makeSchedule('warmup_cosine', total, 0.25);
      const make = () => {
        manualSeed(42); // same initial weights
        const model = new Encoder(10, 6, 8, 2, 0.1); // with dropout: the RNG matters
        const opt =
          kind === 'BertAdam'
            ? new BertAdam(model.parameters(), { lr: 1e-2 })
            : new AdamW(model.parameters(), { lr: 1e-2 });
        return { model, opt };
      };
      const run = (model: Module, opt: Optimizer, from: number, to: number) => {
        for (let s = from; s < to; s++) {
          const { ids, labels } = tokenBatch(8, 6);
          trainStep(
            model,
            opt,
            () => F.crossEntropy((model as Encoder).forward(ids), labels),
            schedule(s),
            1,
          );
          ids.dispose();
          labels.dispose();
        }
      };

      const straight = make();
      manualSeed(7);
      run(straight.model, straight.opt, 0, total);

      const first = make();
      manualSeed(7);
      run(first.model, first.opt, 0, total / 2);
      const path = join(dir, `${kind}.safetensors`);
      await checkpoint(path, first.model, first.opt);
      manualSeed(999); // disturb the generator: restore must bring it back
      const second = make();
      await restore(path, second.model, second.opt);
      assert.equal(second.opt.stepCount, total / 2);
      run(second.model, second.opt, total / 2, total);

      const a = straight.model.stateDict();
      const b = second.model.stateDict();
      assert.ok(a.size > 10);
      for (const [k, t] of a) assert.ok(t.equal(b.get(k)!), `'${k}' equals the uninterrupted run`);
      const sa = straight.opt.stateDict().tensors;
      const sb = second.opt.stateDict().tensors;
      for (const [k, t] of sa) assert.ok(t.equal(sb.get(k)!), `optimizer state '${k}' equals`);
      // and the interrupted run without restoring the RNG would differ: the check has teeth
      const control = make();
      await restore(path, control.model, control.opt);
      manualSeed(999);
      run(control.model, control.opt, total / 2, total);
      assert.ok(![...a].every(([k, t]) => t.equal(control.model.stateDict().get(k)!)));
      for (const r of [straight, first, second, control]) {
        r.opt.disposeState();
        r.model.dispose();
      }
    });
});
