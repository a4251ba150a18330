/**
 * Data-parallel gradients equal single-process ones: two processes (testing/grad-worker.ts), each
 * with half of a global batch of 4, gather the embeddings with gradient for the contrastive loss
 * and average their gradients; every parameter's gradient must equal the one a single process
 * computes on the whole batch (max|diff| ≤ 1e-5·max|ref| + 1e-7). Summing instead of averaging
 * (×2), a gather without the world-size scaling (×½ on the contrastive part) or no gather at all
 * (a different loss) each fail this comparison. Adam-based training hides such scale errors, so
 * the gradients themselves are compared.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { T2VLP } from '../model/index.js';
import { disposeAll, loadTensors, scope } from '../torch/index.js';
import { globalBatch, GRAD_TEST_MODEL } from './testing/grad-batch.js';

const WORKER = fileURLToPath(new URL('./testing/grad-worker.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function rank(r: number, port: number, out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, String(r), '2', String(port), out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: err });
    });
  });
}

test('2 processes × 2 samples give the gradients of 1 process × 4 samples', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 't2vlp-grad-')), 'grads.safetensors');
  const port = await freePort();
  const runs = await Promise.all([0, 1].map((r) => rank(r, port, out)));
  for (const [r, run] of runs.entries()) assert.equal(run.code, 0, `rank ${r}: ${run.stderr.slice(-2000)}`);

  const batch = globalBatch();
  const model = new T2VLP(GRAD_TEST_MODEL);
  model.train();
  scope(() => model.stage1Loss(batch).loss.backward());
  const two = await loadTensors(out);
  try {
    let compared = 0;
    for (const [k, p] of model.namedParameters()) {
      const ref = p.grad;
      if (!ref) continue;
      const got = two.get(k);
      assert.ok(got, `the 2-process run has a gradient for ${k}`);
      scope(() => {
        const scale = ref.abs().max().item();
        const d = got.sub(ref).abs().max().item();
        assert.ok(d <= 1e-5 * scale + 1e-7, `${k}: max|diff| ${d.toExponential(3)} (scale ${scale.toExponential(3)})`);
      });
      ref.dispose();
      compared++;
    }
    assert.ok(compared > 20, `compared ${compared} gradients`);
  } finally {
    disposeAll(two);
    for (const t of Object.values(batch)) t.dispose();
    model.dispose();
  }
});
