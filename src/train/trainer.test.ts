/**
 * The training loop on a tiny generated dataset: the loss falls and retrieval improves; a run
 * interrupted after a checkpoint and resumed reaches exactly the parameters of an uninterrupted
 * run, and its metrics file lists each step once; a NaN loss stops training with a clear error and
 * leaves the last checkpoint intact; activation checkpointing trains to the same parameters.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClipTokenizer, loadMsrvtt, VideoReader } from '../data/index.js';
import { evaluateRetrieval } from '../eval/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed, noGrad } from '../torch/index.js';
import { LAST_CHECKPOINT } from './checkpoint.js';
import { Progress, type StepRecord } from './progress.js';
import { TINY_SETTINGS, tinyDataset } from './testing/tiny.js';
import { trainStage1, type TrainRunOptions } from './trainer.js';
import { CachingVideoReader } from '../data/index.js';
import { TrainingError } from './errors.js';

const tokenizer = await ClipTokenizer.load();
const dataDir = await tinyDataset();
const train = await loadMsrvtt({ dataDir, videoDir: join(dataDir, 'videos'), split: 'train' });
const videos = new CachingVideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 });

function fresh(seed = 1): T2VLP {
  manualSeed(seed);
  return new T2VLP(TINY_SETTINGS.model);
}

function run(model: T2VLP, outDir: string, extra: Partial<TrainRunOptions> = {}) {
  return trainStage1({ model, samples: train.samples, tokenizer, videos, settings: TINY_SETTINGS, outDir, progress: new Progress({ quiet: true }), ...extra });
}

const tmp = () => mkdtempSync(join(tmpdir(), 't2vlp-run-'));

/** The steps of a metrics file's step lines, in file order. */
const stepLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; step?: number })
    .filter((l) => l.type === 'step')
    .map((l) => l.step);

describe('trainStage1', () => {
  test('the loss falls and text-to-video retrieval on the training videos improves', async () => {
    const model = fresh();
    const trainVideos = { ...train, samples: train.samples.filter((_, i) => i % 2 === 0) }; // one caption per video
    const reader = new VideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 });
    const before = await evaluateRetrieval(model, trainVideos, { tokenizer, videoReader: reader, maxWords: 16 });
    const r = await run(model, tmp(), { settings: { ...TINY_SETTINGS, epochs: 30 } });
    const after = await evaluateRetrieval(model, trainVideos, { tokenizer, videoReader: reader, maxWords: 16 });
    model.dispose();
    const first = r.losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = r.losses.slice(-3).reduce((a, b) => a + b) / 3;
    assert.ok(last < first * 0.6, `loss fell from ${first.toFixed(3)} to ${last.toFixed(3)}`);
    assert.ok(after.t2v.MeanR < before.t2v.MeanR, `mean rank ${before.t2v.MeanR} → ${after.t2v.MeanR}`);
    console.log(`retrieval on training videos: R@1 ${before.t2v.R1} → ${after.t2v.R1}, mean rank ${before.t2v.MeanR} → ${after.t2v.MeanR}; loss ${first} → ${last}`);
    assert.ok(after.t2v.R1 > before.t2v.R1, `R@1 ${before.t2v.R1} → ${after.t2v.R1}`);
  });

  test('a run interrupted after a checkpoint resumes to the same parameters as an uninterrupted one, each step logged once', async () => {
    const steps = 7;
    const a = fresh(3);
    await run(a, tmp(), { maxSteps: steps });

    const dir = tmp();
    const b = fresh(3);
    const metricsFile = join(dir, 'metrics.jsonl');
    class KilledAt5 extends Progress {
      override step(r: StepRecord) {
        super.step(r);
        if (r.step === 5) throw new Error('killed'); // step 5, logged after the checkpoint at 4, is lost
      }
    }
    await assert.rejects(run(b, dir, { checkpointEvery: 2, maxSteps: steps, progress: new KilledAt5({ quiet: true, metricsFile }) }), /killed/);
    b.dispose();
    assert.ok(existsSync(join(dir, LAST_CHECKPOINT)));
    assert.deepEqual(stepLines(metricsFile), [1, 2, 3, 4, 5], 'the interrupted run logged step 5 after its checkpoint at 4');

    const c = fresh(99); // different initialisation: everything must come from the checkpoint
    const r = await run(c, dir, { resume: true, maxSteps: steps, progress: new Progress({ quiet: true, metricsFile }) });
    assert.equal(r.steps, steps);
    assert.deepEqual(stepLines(metricsFile), [1, 2, 3, 4, 5, 6, 7], 'metrics.jsonl holds each step once after the resume');
    const sc = c.stateDict();
    for (const [k, t] of a.stateDict()) assert.ok(t.equal(sc.get(k)!), `${k} differs after resume`);
    a.dispose();
    c.dispose();
  });

  test('a NaN loss stops training with an error naming the step and keeps the checkpoint', async () => {
    const model = fresh();
    const dir = tmp();
    await run(model, dir, { maxSteps: 2 });
    noGrad(() => model.clip.logit_scale.fill_(Number.NaN));
    await assert.rejects(run(model, dir, { maxSteps: 4 }), (e: unknown) => {
      assert.ok(e instanceof TrainingError);
      assert.equal(e.code, 'NAN_LOSS');
      assert.match(e.message, /the loss is NaN at step 1 .*last checkpoint/);
      return true;
    });
    assert.ok(existsSync(join(dir, LAST_CHECKPOINT)));
    model.dispose();
  });

  test('checkpointActivations: the same losses and parameters (within 1e-5 relative) over 4 steps; the setting is restored', async () => {
    const plain = fresh(5);
    const ckpt = fresh(5);
    const ra = await run(plain, tmp(), { maxSteps: 4 });
    // The setting is on during the steps (else this test would compare two plain runs).
    const during: boolean[] = [];
    const watch = new (class extends Progress {
      override step(...a: Parameters<Progress['step']>): void {
        during.push(ckpt.activationCheckpointing);
        super.step(...a);
      }
    })({ quiet: true });
    const rb = await run(ckpt, tmp(), { maxSteps: 4, checkpointActivations: true, progress: watch });
    assert.deepEqual(during, [true, true, true, true]);
    assert.equal(ckpt.activationCheckpointing, false, 'the model is left as it was');
    assert.equal(rb.losses.length, 4);
    ra.losses.forEach((l, i) => assert.ok(Math.abs(l - rb.losses[i]!) <= 1e-5 * Math.abs(l), `step ${i}: loss ${l} vs ${rb.losses[i]}`));
    const sb = ckpt.stateDict();
    for (const [k, t] of plain.stateDict()) {
      const scale = t.abs().max().item();
      const diff = t.sub(sb.get(k)!).abs().max().item();
      assert.ok(diff <= 1e-5 * Math.max(scale, 1e-12), `${k}: max|diff| ${diff} after 4 steps (max|param| ${scale})`);
    }
    plain.dispose();
    ckpt.dispose();
  });

  test('bad settings are rejected before training', async () => {
    const model = fresh();
    await assert.rejects(run(model, tmp(), { settings: { ...TINY_SETTINGS, batchSize: 7, gradAccum: 2 } }), /batch size 7 must divide/);
    await assert.rejects(run(model, tmp(), { settings: { ...TINY_SETTINGS, batchSize: 1000 } }), /fewer than one batch/);
    model.dispose();
  });
});
