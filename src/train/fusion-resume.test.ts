/**
 * Stage 2 (the fusion objective: vtm + mlm + plm + align) interrupted after a checkpoint and
 * resumed reaches exactly the parameters and the per-step losses of an uninterrupted run. Its
 * random parts must come back: the head dropout draws from the random generator state saved in
 * the checkpoint, the masked-LM masks from the data loader's position (docs/TRAINING.md
 * "Checkpoints"). The resumed model is built from another seed, so the generator is elsewhere
 * unless the checkpoint restores it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CachingVideoReader, ClipTokenizer, loadMsrvtt } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { LAST_CHECKPOINT } from './checkpoint.js';
import { FUSION_NEW_MODULES, type TrainSettings } from './presets.js';
import { Progress, type StepRecord } from './progress.js';
import { TINY_FUSION_MODEL, TINY_SETTINGS, tinyDataset } from './testing/tiny.js';
import { trainModel, type TrainRunOptions } from './trainer.js';

const tokenizer = await ClipTokenizer.load();
const dataDir = await tinyDataset();
const train = await loadMsrvtt({ dataDir, videoDir: join(dataDir, 'videos'), split: 'train' });
const videos = new CachingVideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 });
const tmp = () => mkdtempSync(join(tmpdir(), 't2vlp-fusion-resume-'));

// 24 training captions, batch 8: 3 steps per epoch; 3 epochs, stopped after 7 steps.
const STAGE2: TrainSettings = { ...TINY_SETTINGS, model: TINY_FUSION_MODEL, objective: 'fusion', epochs: 3, newModulePatterns: FUSION_NEW_MODULES, newModuleLr: 1e-3 };
const STEPS = 7;

function fresh(seed: number): T2VLP {
  manualSeed(seed);
  return new T2VLP(TINY_FUSION_MODEL);
}

const run = (model: T2VLP, outDir: string, extra: Partial<TrainRunOptions> = {}) =>
  trainModel({ model, samples: train.samples, tokenizer, videos, settings: STAGE2, outDir, maxSteps: STEPS, progress: new Progress({ quiet: true }), ...extra });

test('stage 2 interrupted after a checkpoint resumes to the parameters and losses of an uninterrupted run (dropout and masks included)', async () => {
  const a = fresh(3);
  const b = fresh(3);
  const c = fresh(99); // other weights and another generator state: everything must come from the checkpoint
  try {
    manualSeed(1234); // the generator state both runs start training from
    const whole = await run(a, tmp());
    assert.equal(whole.steps, STEPS);

    const dir = tmp();
    class KilledAt5 extends Progress {
      override step(r: StepRecord) {
        if (r.step === 5) throw new Error('killed'); // in epoch 1: step 5, after the checkpoint at 4, is lost
      }
    }
    manualSeed(1234);
    await assert.rejects(run(b, dir, { checkpointEvery: 2, progress: new KilledAt5({ quiet: true }) }), /killed/);
    assert.ok(existsSync(join(dir, LAST_CHECKPOINT)));

    manualSeed(4321); // a resumed process starts elsewhere
    const resumed = await run(c, dir, { resume: true });
    assert.equal(resumed.steps, STEPS);
    assert.equal(resumed.losses.length, STEPS - 4, 'steps 5..7 ran after the resume');
    for (const term of ['vtm', 'mlm', 'plm', 'align'])
      assert.deepEqual(resumed.terms[term], whole.terms[term]!.slice(4), `${term} of steps 5..7 (dropout and masks) equal the uninterrupted run's`);
    const sc = c.stateDict();
    for (const [k, t] of a.stateDict()) assert.ok(t.equal(sc.get(k)!), `${k} differs after resume`);
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});
