/**
 * The fusion objectives train: on a tiny fusion model and a fixed generated batch, a few AdamW
 * steps on stage2Loss lower each of mlm, plm, vtm and align, and retrievalLoss lowers each of its
 * terms; a step leaves no tensor behind; the global-batch options are honoured.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cat, manualSeed, memoryStats, optim, randint, randn, scope, tensor, type Tensor } from '../torch/index.js';
import { T2VLP, type Stage2Batch } from './index.js';

const TINY = {
  embedDim: 32,
  imageResolution: 16,
  visionLayers: 2,
  visionWidth: 64,
  visionPatchSize: 8,
  contextLength: 77,
  vocabSize: 40,
  textWidth: 32,
  textHeads: 2,
  textLayers: 2,
  numFrames: 4,
  jointLayers: 1,
  tubeLayers: 1,
  eotTokenId: 39,
  fusion: true,
} as const;
const B = 4;
const L = 8;

/** Captions [SOT, words, EOT, 0...] of lengths 8, 6, 5, 7; videos with 4, 3, 4, 2 valid frames. */
function generatedBatch(): Stage2Batch {
  const lengths = [8, 6, 5, 7];
  const frames = [4, 3, 4, 2];
  const ids: number[][] = [];
  const labels: number[][] = [];
  const words = randint(1, 38, [B, L]).toArray() as BigInt64Array;
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    const row = Array.from({ length: L }, (_, j) => (j === 0 ? 38 : j === n - 1 ? 39 : j < n ? Number(words[b * L + j]) : 0));
    ids.push(row);
    const vm = Array.from({ length: 4 }, (_, t) => (t < frames[b]! ? 1 : 0));
    const tm: number[] = row.map((_, j) => (j < n ? 1 : 0));
    tm[1] = -1; // masked-LM positions
    tm[n - 2] = -1;
    labels.push([vm[0]!, ...vm, ...tm]);
  }
  const vm = frames.map((f) => Array.from({ length: 4 }, (_, t) => (t < f ? 1 : 0)));
  return {
    video: randn([B, 4, 3, 16, 16]),
    videoMask: tensor(vm, undefined, 'int64'),
    inputIds: tensor(ids, undefined, 'int64'),
    attentionMask: tensor(ids.map((r) => r.map((x) => (x > 0 ? 1 : 0))), undefined, 'int64'),
    fusionLabels: tensor(labels, undefined, 'int64'),
  };
}

const draws = { plmStart: [2, 1, 0, 3], t2vHard: [1, 2, 3, 0], v2tHard: [3, 0, 1, 2] };

describe('fusion objectives train', () => {
  test('stage 2: a few steps lower mlm, plm, vtm and align; a step leaves no tensor behind', () => {
    manualSeed(7);
    const model = new T2VLP(TINY);
    const batch = generatedBatch();
    const opt = new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 0 });
    const losses = () => scope(() => {
      model.eval();
      const r = model.stage2Loss(batch, { draws });
      return { mlm: r.mlm.item(), plm: r.plm.item(), vtm: r.vtm.item(), align: r.align.item() };
    });
    try {
      const first = losses();
      const live = memoryStats().liveTensors;
      model.train();
      for (let step = 0; step < 10; step++) {
        scope(() => {
          opt.zeroGrad();
          model.stage2Loss(batch, { draws }).loss.backward();
          opt.step();
        });
        if (step === 0) {
          opt.zeroGrad();
          // Optimizer state (2 slots per parameter with a gradient) is the only growth.
          const grew = memoryStats().liveTensors - live;
          assert.ok(grew <= 2 * model.parameters().length, `live tensors grew by ${grew}`);
        }
      }
      const last = losses();
      for (const k of ['mlm', 'plm', 'vtm', 'align'] as const)
        assert.ok(last[k] < first[k], `${k} went down: ${first[k].toFixed(4)} → ${last[k].toFixed(4)}`);
    } finally {
      opt.zeroGrad();
      model.dispose();
      for (const t of Object.values(batch)) t.dispose();
    }
  });

  test('retrieval: a few steps lower vtm, contrastive and align', () => {
    manualSeed(8);
    const model = new T2VLP(TINY);
    const batch = generatedBatch();
    const opt = new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 0 });
    const d = { t2vHard: draws.t2vHard, v2tHard: draws.v2tHard };
    const losses = () => scope(() => {
      model.eval();
      const r = model.retrievalLoss(batch, { draws: d });
      return { vtm: r.vtm.item(), contrastive: r.contrastive.item(), align: r.align.item() };
    });
    try {
      const first = losses();
      model.train();
      for (let step = 0; step < 10; step++)
        scope(() => {
          opt.zeroGrad();
          model.retrievalLoss(batch, { draws: d }).loss.backward();
          opt.step();
        });
      const last = losses();
      for (const k of ['vtm', 'contrastive', 'align'] as const)
        assert.ok(last[k] < first[k], `${k} went down: ${first[k].toFixed(4)} → ${last[k].toFixed(4)}`);
    } finally {
      opt.zeroGrad();
      model.dispose();
      for (const t of Object.values(batch)) t.dispose();
    }
  });

  test('global batch: hard negatives index the gathered batch; rank is required across processes', () => {
    manualSeed(9);
    const model = new T2VLP(TINY).eval();
    const batch = generatedBatch();
    try {
      scope(() => {
        const gather = (t: Tensor) => cat([t.detach(), t.detach()], 0); // two identical "processes"
        // Rank 1 of 2: the local pairs are 4..7 of the global batch; draws index the global batch,
        // whose halves are identical here, so either half gives the local loss.
        const local = model.stage2Loss(batch, { draws });
        for (const t2vHard of [[1, 2, 3, 0], [5, 6, 7, 4]]) {
          const r = model.stage2Loss(batch, { worldSize: 2, rank: 1, allGather: gather, draws: { ...draws, t2vHard } });
          assert.ok(Math.abs(r.vtm.item() - local.vtm.item()) < 1e-5, `t2vHard [${t2vHard.join(', ')}] gives the local loss`);
        }
        // Without draws, hard negatives are sampled from the global batch, never the own pair.
        for (let rep = 0; rep < 3; rep++) {
          const drawn: Record<string, number[]> = {};
          const trace = (name: string, t: Tensor) => {
            if (name.startsWith('random.')) drawn[name] = Array.from(t.toArray() as BigInt64Array, Number);
          };
          const sampled = model.stage2Loss(batch, { worldSize: 2, rank: 1, allGather: gather, trace });
          assert.ok(Number.isFinite(sampled.vtm.item()));
          for (const k of ['random.t2v_hard_idx', 'random.v2t_hard_idx']) {
            assert.equal(drawn[k]!.length, 4);
            drawn[k]!.forEach((j, i) => assert.ok(j !== 4 + i && j >= 0 && j < 8, `${k}[${i}] = ${j} is not the own pair`));
          }
        }
        assert.throws(
          () => model.stage2Loss(batch, { worldSize: 2, allGather: gather }),
          /stage2Loss: worldSize is 2 but rank is undefined; pass \{ rank: dist.rank\(\) \}/,
        );
        assert.throws(() => model.stage2Loss(batch, { draws: { ...draws, t2vHard: [1, 2, 3, 4] } }), /draws.t2vHard must hold 4 integers in \[0, 3\]/);
      });
    } finally {
      model.dispose();
      for (const t of Object.values(batch)) t.dispose();
    }
  });
});
