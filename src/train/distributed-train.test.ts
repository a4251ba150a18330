/**
 * Data-parallel training through the CLI: `t2vlp train --nproc 2` (two processes on 127.0.0.1,
 * Gloo) reaches the same parameters as one process on the same global batch, and a worker that
 * dies stops the run with an error naming it instead of leaving the other waiting.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { T2VLP } from '../model/index.js';
import { loadSafetensors, manualSeed, disposeAll } from '../torch/index.js';
import { TINY_MODEL, tinyDataset } from './testing/tiny.js';

const BIN = fileURLToPath(new URL('../../bin/t2vlp.js', import.meta.url));
const dataDir = await tinyDataset();
const tmp = mkdtempSync(join(tmpdir(), 't2vlp-ddp-'));
manualSeed(5);
const init = new T2VLP(TINY_MODEL);
await init.save(join(tmp, 'init.safetensors'));
init.dispose();

function train(out: string, extra: string[], env: Record<string, string> = {}) {
  const args = [BIN, 'train', '--data', dataDir, '--out', out, '--preset', 'demo', '--init', join(tmp, 'init.safetensors'),
    '--batch-size', '8', '--max-words', '16', '--feature-framerate', '2', '--max-steps', '2', '--json', '--threads', '1', ...extra];
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
}

// Not skipped when the addon lacks Gloo: multi-process training is a feature, and scripts/setup.sh
// installs the headers it needs.
describe('multi-process training', () => {
  test('2 processes give the parameters of 1 process on the same global batch (within 2e-5)', async () => {
    const one = train(join(tmp, 'one'), ['--nproc', '1']);
    assert.equal(one.status, 0, one.stderr);
    const two = train(join(tmp, 'two'), ['--nproc', '2']);
    assert.equal(two.status, 0, two.stderr);
    const a = (await loadSafetensors(join(tmp, 'one', 'model.safetensors'))).tensors;
    const b = (await loadSafetensors(join(tmp, 'two', 'model.safetensors'))).tensors;
    const i0 = (await loadSafetensors(join(tmp, 'init.safetensors'))).tensors;
    let worst = 0;
    let moved = 0;
    for (const [k, t] of a) {
      worst = Math.max(worst, t.sub(b.get(k)!).abs().max().item());
      moved = Math.max(moved, t.sub(i0.get(k)!).abs().max().item());
    }
    disposeAll(a);
    disposeAll(b);
    disposeAll(i0);
    assert.ok(moved > 1e-4, `training changed the parameters (max change ${moved})`);
    assert.ok(worst < 2e-5 && worst < moved / 20, `max parameter difference 1 vs 2 processes: ${worst} (max change ${moved})`);
  });

  test('a worker that dies stops the run with an error naming it', () => {
    const r = train(join(tmp, 'dead'), ['--nproc', '2', '--max-steps', '50'], { T2VLP_FAULT_EXIT_RANK: '1' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /worker rank 1 exited with code 3; stopping the other workers/);
  });
});
