/**
 * Checks that bench/py/t2vlp_train_step.py computes the step t2vlp computes, so that the
 * train-step-vs-pytorch bench compares like with like: on TINY sizes, the Python side writes its
 * initial weights, its batch, its first step's loss and its parameters after that step
 * (`--dump`); t2vlp loads the same weights, runs the training loop's own step functions
 * (createOptimizer, microStep, applyStep) on the same batch and compares the loss (relative
 * tolerance 1e-5) and each parameter's update Δ = after − before (tolerance per parameter:
 * 1e-4 × max|Δ_PyTorch| + 2 float32 ulps of max|before|, since small updates of large weights
 * are rounded to whole ulps). Run: `node --import tsx bench/train-step-parity.ts` (seconds).
 * Exits 1 on a mismatch, listing the parameters. Python is a bench-only tool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { T2VLP } from '../src/model/index.js';
import { disposeAll, loadTensors, ones, scope, setNumThreads, zeros } from '../src/torch/index.js';
import { applyStep, createOptimizer, microStep, OBJECTIVE_SPECS, PRESETS } from '../src/train/index.js';
import { TINY } from './train-step-vs-pytorch.bench.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-train-parity-'));
try {
  const py = fileURLToPath(new URL('./py/t2vlp_train_step.py', import.meta.url));
  const args = [py, '--threads', '1', '--batch', '2', '--steps', '0', '--warmup', '1', '--check', '--dump', dir, '--config', JSON.stringify(TINY)];
  const child = spawnSync('python3', args, { encoding: 'utf8', timeout: 300_000 });
  if (child.status !== 0) throw new Error(`train-step parity: ${py} failed (exit ${child.status}): ${child.error?.message ?? ''}${child.stdout.slice(-1000)}${child.stderr.slice(-2000)}`);
  setNumThreads(1);
  const weights = await loadTensors(join(dir, 'weights.pt'));
  const ref = await loadTensors(join(dir, 'reference.pt'));
  const model = new T2VLP(TINY);
  model.loadStateDict(weights);
  model.train();
  const settings = PRESETS.stage1!;
  const optimizer = createOptimizer(model, settings);
  const video = ref.get('video')!;
  const inputIds = ref.get('input_ids')!;
  const [B, T] = video.shape as [number, number];
  const L = inputIds.shape[1]!;
  const problems: string[] = [];
  scope(() => {
    const batch = { video, videoMask: ones([B, T], 'int64'), inputIds, attentionMask: ones([B, L], 'int64'), tokenTypeIds: zeros([B, L], 'int64') };
    const { loss } = microStep(model, OBJECTIVE_SPECS.stage1, batch, {}, 1);
    applyStep(model, optimizer, optimizer.parameters(), { maxGradNorm: settings.maxGradNorm, lrScale: 1 });
    const pyLoss = ref.get('loss')!.item();
    const lossErr = Math.abs(loss - pyLoss) / Math.abs(pyLoss);
    console.log(`loss: t2vlp ${loss.toFixed(7)}, PyTorch ${pyLoss.toFixed(7)} (relative difference ${lossErr.toExponential(2)}, tolerance 1e-5)`);
    if (!(lossErr <= 1e-5)) problems.push(`loss: t2vlp ${loss}, PyTorch ${pyLoss}`);
    let worst = { name: '', ratio: 0 };
    let compared = 0;
    for (const [name, p] of model.namedParameters()) {
      const before = weights.get(name);
      const after = ref.get(`after.${name}`);
      if (!before || !after) {
        problems.push(`${name}: not in the PyTorch dump`);
        continue;
      }
      const dPy = after.sub(before);
      const dOurs = p.sub(before);
      const scale = dPy.abs().max().item();
      const tol = 1e-4 * scale + 2 * before.abs().max().item() * 2 ** -23;
      const err = dOurs.sub(dPy).abs().max().item();
      compared++;
      if (err / tol > worst.ratio) worst = { name, ratio: err / tol };
      if (!(err <= tol)) problems.push(`${name}: update differs by ${err.toExponential(2)} (max |Δ PyTorch| ${scale.toExponential(2)}, tolerance ${tol.toExponential(2)})`);
    }
    console.log(`parameter updates: ${compared} parameters compared, worst error/tolerance ${worst.ratio.toFixed(3)} (${worst.name})`);
  });
  optimizer.disposeState();
  model.dispose();
  disposeAll(weights);
  disposeAll(ref);
  if (problems.length) {
    console.log(`train-step parity: ${problems.length} mismatch(es):\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else console.log('train-step parity: the PyTorch reference step matches t2vlp\'s');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
