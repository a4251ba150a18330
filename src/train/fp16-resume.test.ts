/**
 * fp16 training with dynamic loss scaling, stopped at step K and resumed, equals the uninterrupted
 * run: the checkpoint carries the loss scaler's factor, clean-step count and skipped-step count
 * (docs/TRAINING.md "Resuming mixed-precision runs"). And the precision takes part in what makes
 * a checkpoint resumable: a checkpoint of another --amp, or one without the scaler's state resumed
 * in fp16, is refused with RESUME_MISMATCH.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CachingVideoReader, ClipTokenizer, loadMsrvtt } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { disposeAll, loadSafetensors, manualSeed, saveTensors } from '../torch/index.js';
import { LAST_CHECKPOINT, loadTrainingCheckpoint } from './checkpoint.js';
import { TrainingError } from './errors.js';
import { Progress } from './progress.js';
import { TINY_SETTINGS, tinyDataset } from './testing/tiny.js';
import { createOptimizer } from './train-step.js';
import { trainModel, type TrainRunOptions } from './trainer.js';

const tokenizer = await ClipTokenizer.load();
const dataDir = await tinyDataset();
const train = await loadMsrvtt({ dataDir, videoDir: join(dataDir, 'videos'), split: 'train' });
const videos = new CachingVideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 });
const tmp = () => mkdtempSync(join(tmpdir(), 't2vlp-fp16-resume-'));

// 24 captions, batch 8: 3 steps per epoch. A loss of ~4.5 scaled by 2^17 overflows float16, so the
// scale moves within a few steps. Measured (libtorch 2.13 CPU): steps 1-2 skipped (2^17 → 2^15),
// 3 clean (growthTracker 1), 4 clean (→ 2^16), 5 skipped (→ 2^15), 6-7 clean (→ 2^16). Stopped after
// K = 3, the checkpoint holds scale 2^15, growthTracker 1, skippedSteps 2; a resume that restarted
// the scaler at 2^17 (or forgot the tracker) would skip or grow at other steps.
const SCALER = { initScale: 2 ** 17, growthInterval: 2 };
const STEPS = 7;
const K = 3;

function fresh(seed: number): T2VLP {
  manualSeed(seed);
  return new T2VLP(TINY_SETTINGS.model);
}

const run = (model: T2VLP, outDir: string, extra: Partial<TrainRunOptions> = {}) =>
  trainModel({
    model,
    samples: train.samples,
    tokenizer,
    videos,
    settings: { ...TINY_SETTINGS, epochs: 3 },
    outDir,
    maxSteps: STEPS,
    amp: 'fp16',
    gradScaler: SCALER,
    progress: new Progress({ quiet: true }),
    ...extra,
  });

const mismatch = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TrainingError, String(e));
  assert.equal(e.code, 'RESUME_MISMATCH');
  assert.match(e.message, pattern);
  return true;
};

/** Rewrites `dir`'s checkpoint metadata with `edit` (to make older or damaged checkpoints). */
async function editCheckpoint(dir: string, edit: (metadata: Record<string, string>) => void) {
  const path = join(dir, LAST_CHECKPOINT);
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    edit(metadata);
    await saveTensors(path, tensors, metadata);
  } finally {
    disposeAll(tensors);
  }
}

describe('fp16 loss scaler across a resume', () => {
  test(`stopped after step ${K} and resumed: the scale, the skipped steps and the parameters (exactly) of an uninterrupted run`, async () => {
    const a = fresh(3);
    const b = fresh(3);
    const c = fresh(99); // other weights and generator: everything must come from the checkpoint
    try {
      manualSeed(1234);
      const whole = await run(a, tmp());
      assert.equal(whole.steps, STEPS);
      assert.ok(whole.skippedSteps > 0, `the run skipped steps (${whole.skippedSteps})`);

      const dir = tmp();
      manualSeed(1234);
      const part = await run(b, dir, { maxSteps: K });
      assert.equal(part.steps, K);
      assert.notEqual(part.lossScale, SCALER.initScale, 'the scale moved before the checkpoint');
      assert.ok(part.skippedSteps > 0, 'steps were skipped before the checkpoint');

      manualSeed(4321);
      const resumed = await run(c, dir, { resume: true });
      console.log(
        `fp16: after ${K} steps scale ${part.lossScale} (${part.skippedSteps} skipped); after ${STEPS}: uninterrupted ${whole.lossScale} ` +
          `(${whole.skippedSteps} skipped), resumed ${resumed.lossScale} (${resumed.skippedSteps} skipped)`,
      );
      assert.equal(resumed.steps, STEPS);
      assert.equal(resumed.losses.length, STEPS - K, `steps ${K + 1}..${STEPS} ran after the resume`);
      assert.equal(resumed.lossScale, whole.lossScale, 'the loss scale');
      assert.equal(resumed.skippedSteps, whole.skippedSteps, 'skipped steps over the whole run');
      // Tolerance: none. The same kernels on the same inputs in one process give the same bits.
      assert.deepEqual(resumed.losses, whole.losses.slice(K), 'the losses of the resumed steps');
      const sc = c.stateDict();
      for (const [k, t] of a.stateDict()) assert.ok(t.equal(sc.get(k)!), `${k} differs after resume`);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test('another precision than the checkpoint was written in is refused, naming both and what to do', async () => {
    const model = fresh(5);
    try {
      const fp16 = tmp();
      await run(model, fp16, { maxSteps: 1 });
      await assert.rejects(
        run(model, fp16, { resume: true, maxSteps: 2, amp: undefined }),
        mismatch(/written by a run with --amp fp16, this run has --amp off; resume with --amp fp16/),
      );
      await assert.rejects(run(model, fp16, { resume: true, maxSteps: 2, amp: 'bf16' }), mismatch(/--amp fp16, this run has --amp bf16/));

      const f32 = tmp();
      await run(model, f32, { maxSteps: 1, amp: undefined });
      await assert.rejects(run(model, f32, { resume: true, maxSteps: 2 }), mismatch(/--amp off, this run has --amp fp16; resume with --amp off/));

      const bf16 = tmp();
      await run(model, bf16, { maxSteps: 1, amp: 'bf16' });
      await assert.rejects(run(model, bf16, { resume: true, maxSteps: 2 }), mismatch(/--amp bf16, this run has --amp fp16/));
      const r = await run(model, bf16, { resume: true, maxSteps: 2, amp: 'bf16' });
      assert.equal(r.steps, 2, 'the same precision resumes');
    } finally {
      model.dispose();
    }
  });

  test('a checkpoint without the scaler state (older t2vlp) resumes in float32 but not in fp16; a bad or foreign scaler state is refused', async () => {
    const model = fresh(6);
    try {
      const old = tmp();
      await run(model, old, { maxSteps: 1, amp: undefined });
      await editCheckpoint(old, (m) => {
        const { amp: _, ...state } = JSON.parse(m.train_state!) as Record<string, unknown>;
        m.train_state = JSON.stringify(state);
      });
      await assert.rejects(
        run(model, old, { resume: true, maxSteps: 2 }),
        mismatch(/holds no fp16 loss-scaler state .*would restart the loss scale at 131072 .*start a new --out folder/),
      );
      assert.equal((await run(model, old, { resume: true, maxSteps: 2, amp: undefined })).steps, 2);

      const dir = tmp();
      await run(model, dir, { maxSteps: 1 });
      await assert.rejects(
        run(model, dir, { resume: true, maxSteps: 2, gradScaler: { ...SCALER, growthInterval: 5 } }),
        mismatch(/loss-scaler state in .* cannot be restored: .*growthInterval 2, this one has 5/),
      );
      await editCheckpoint(dir, (m) => {
        m.grad_scaler = JSON.stringify({ ...JSON.parse(m.grad_scaler!), scale: -1 });
      });
      await assert.rejects(run(model, dir, { resume: true, maxSteps: 2 }), mismatch(/cannot be restored: .*'scale' must be a finite number > 0, got -1/));
      await assert.rejects(
        loadTrainingCheckpoint(dir, model, createOptimizer(model, TINY_SETTINGS), 'any', { amp: 'fp16' }),
        (e: unknown) => e instanceof TrainingError && e.code === 'BAD_OPTION' && /amp 'fp16' needs the run's GradScaler/.test(e.message),
      );
    } finally {
      model.dispose();
    }
  });
});
