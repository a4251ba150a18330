/**
 * `t2vlp train` killed with SIGKILL at random moments (seeded: after a random number of finished
 * steps plus a random delay), in the middle of writing a
 * checkpoint and in the middle of writing the final model; then rerun with `--resume`. After each
 * kill, a checkpoint on disk is complete and loadable, a final model on disk is the finished one,
 * and the resumed run ends with a model.safetensors byte-identical to an uninterrupted run's
 * (same parameters bit for bit) and a metrics.jsonl listing each step once. See docs/TRAINING.md (checkpoints and resume).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { disposeAll, loadSafetensors } from '../../src/torch/index.js';
import { crashSeeds, fileHash, runT2vlp, seededRandom, type KillPlan } from './harness.js';
import { crashInputs, tmp } from './fixtures.js';

const CKPT = 'checkpoint-last.safetensors';
const STEPS = 4; // optimizer steps of the run below
let args: (out: string) => string[];
let reference: { hash: string; ms: number; steps: number };

before(async () => {
  const { dataDir, checkpoint } = await crashInputs();
  // 5 training videos x 2 captions, batch 4: 2 steps per epoch, 2 epochs, a checkpoint every step.
  args = (out) => ['train', '--data', dataDir, '--out', out, '--init', checkpoint, '--preset', 'demo', '--batch-size', '4', '--max-frames', '4', '--max-words', '16', '--epochs', '2', '--threads', '1', '--checkpoint-every', '1', '--json'];
  const out = tmp('train-ref');
  const r = await runT2vlp(args(out));
  assert.equal(r.code, 0, r.err);
  reference = { hash: fileHash(join(out, 'model.safetensors')), ms: r.ms, steps: STEPS };
});

/** Step lines in the run's metrics file (0 before the first). */
function stepsIn(out: string): number {
  try {
    return readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"step"')).length;
  } catch {
    return 0;
  }
}

/** The step of each step line in the run's metrics file, in file order. */
function stepNumbers(out: string): number[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"step"'))
    .map((l) => (JSON.parse(l) as { step: number }).step);
}

/** What a kill may leave: a complete checkpoint (or none), the finished model (or none), no other visible file. */
async function checkLeftovers(out: string, what: string): Promise<number> {
  if (!existsSync(out)) return 0;
  const visible = readdirSync(out).filter((f) => !f.startsWith('.'));
  for (const f of visible) assert.ok([CKPT, 'model.safetensors', 'metrics.jsonl'].includes(f), `${what}: unexpected file ${f}`);
  if (visible.includes('model.safetensors'))
    assert.equal(fileHash(join(out, 'model.safetensors')), reference.hash, `${what}: a model.safetensors on disk is the finished one`);
  if (!visible.includes(CKPT)) return 0;
  const { tensors, metadata } = await loadSafetensors(join(out, CKPT));
  disposeAll(tensors);
  assert.equal(metadata.format, 't2vlp-train', `${what}: checkpoint metadata`);
  const step = (JSON.parse(metadata.train_state!) as { step: number }).step;
  assert.ok(step >= 1 && step <= reference.steps, `${what}: checkpoint step ${step}`);
  return step;
}

async function killThenResume(plan: (out: string) => KillPlan, what: string): Promise<string> {
  const out = tmp('train');
  const first = await runT2vlp(args(out), plan(out));
  const step = await checkLeftovers(out, what);
  if (!first.killed) assert.equal(first.code, 0, `${what}: ${first.err}`);
  const resumed = await runT2vlp([...args(out), '--resume']);
  assert.equal(resumed.code, 0, `${what}: resume failed: ${resumed.err}`);
  assert.equal(fileHash(join(out, 'model.safetensors')), reference.hash, `${what}: resumed model differs from the uninterrupted run's`);
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], `${what}: temporary files of the killed run are removed`);
  assert.deepEqual(stepNumbers(out), Array.from({ length: reference.steps }, (_, i) => i + 1), `${what}: metrics.jsonl lists each step once, in order`);
  return `${what}: ${first.killed ? `killed at ${first.ms} ms, checkpoint at step ${step}` : 'finished before the kill'}, resumed to identical parameters`;
}

describe('t2vlp train killed with SIGKILL, then --resume', () => {
  for (const seed of crashSeeds(2)) {
    const rand = seededRandom(seed);
    const stepsDone = Math.floor(rand() * STEPS); // 0..3 finished steps, then a random delay
    const thenMs = Math.round(rand() * 2000);
    test(`seed ${seed}: a kill ${thenMs} ms after step ${stepsDone} finished`, async () => {
      const plan = (out: string): KillPlan => ({ whenFiles: { folder: out, test: () => stepsIn(out) >= stepsDone }, thenMs });
      console.log(await killThenResume(plan, `seed ${seed}`));
    });
  }

  test('a kill while a checkpoint after the first is being written', async () => {
    const msg = await killThenResume(
      (out) => ({ whenFiles: { folder: out, test: (n) => n.includes(CKPT) && n.some((f) => f.startsWith(`.${CKPT}.`)) } }),
      'mid-checkpoint',
    );
    console.log(msg);
    assert.match(msg, /killed/);
  });

  test('a kill while the final model is being written', async () => {
    const msg = await killThenResume(
      (out) => ({ whenFiles: { folder: out, test: (n) => n.some((f) => f.startsWith('.model.safetensors.')) } }),
      'mid-final-model',
    );
    console.log(msg);
    assert.match(msg, /killed/);
  });
});
