/**
 * `--device` on every command that computes: each declares the shared DEVICE_OPTION; the value
 * resolves to CUDA when there is a device and to the CPU otherwise; malformed values, CUDA on a
 * machine or build without it, and cuda:N out of range give a DeviceError naming the flag (the CUDA
 * cases are checked where this build sees no CUDA device, and the range where it sees some);
 * `--device cpu` runs a command end to end (encode; a training step with --checkpoint-activations)
 * and `--device cuda` stops it with the message. `--nproc` on CUDA: process i takes GPU i, more
 * processes than GPUs or one named GPU for several processes are refused; NCCL on CUDA, Gloo on the
 * CPU, and a backend that cannot reduce the device's tensors is refused before any process starts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { T2VLP } from '../model/index.js';
import { cuda, DeviceError } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { tinyDataset } from '../train/testing/tiny.js';
import { COMMANDS } from './commands/index.js';
import { commandDevice, distBackendFor, processDevice } from './device.js';
import { DEVICE_OPTION } from './options.js';
import { runCli } from './testing/run-cli.js';

const COMPUTING = ['train', 'eval', 'encode', 'search', 'index', 'serve', 'caption', 'ask', 'demo'];
const noCuda = cuda.isAvailable() ? 'this build sees a CUDA device' : false;
const withCuda = cuda.isAvailable() ? false : 'no CUDA device: this addon was built against a CPU-only libtorch or no GPU is visible';

let dir: string;
let ckpt: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-device-'));
  ckpt = join(dir, 'tiny.safetensors');
  const m = new T2VLP(TINY_CONFIG);
  await m.save(ckpt);
  m.dispose();
});
after(() => rm(dir, { recursive: true, force: true }));

describe('--device', () => {
  test('every command that computes declares it', async () => {
    for (const name of COMPUTING) {
      const cmd = (await COMMANDS[name]!.load()).default;
      assert.deepEqual(cmd.spec.options.device, DEVICE_OPTION, `t2vlp ${name} --device`);
    }
  });

  test('default: CUDA when available, else the CPU', () => {
    assert.equal(commandDevice(undefined), cuda.isAvailable() ? 'cuda' : 'cpu');
    assert.equal(commandDevice('cpu'), 'cpu');
  });

  test('int8 computes on the CPU by default, even where CUDA is available', () => {
    assert.equal(commandDevice(undefined, 'int8'), 'cpu');
    assert.equal(commandDevice(undefined, 'float32'), cuda.isAvailable() ? 'cuda' : 'cpu');
  });

  test('a malformed value names the flag and the accepted forms', () => {
    for (const bad of ['gpu', 'cpu:0', 'cuda:x', 'CUDA', ''])
      assert.throws(
        () => commandDevice(bad),
        (e: unknown) => e instanceof DeviceError && e.code === 'BAD_DEVICE' && e.message === `--device: '${bad}' is not a device; use cpu, cuda or cuda:N`,
      );
  });

  test('cuda without a CUDA device: what is missing and what to do', { skip: noCuda }, () => {
    for (const d of ['cuda', 'cuda:0', 'cuda:3'])
      assert.throws(
        () => commandDevice(d),
        (e: unknown) =>
          e instanceof DeviceError &&
          e.code === 'CUDA_UNAVAILABLE' &&
          e.message.startsWith(`--device: '${d}' asked for CUDA, but this build sees no CUDA device`) &&
          /LIBTORCH/.test(e.message),
      );
  });

  test('cuda:N beyond the devices there are', { skip: withCuda }, () => {
    const n = cuda.deviceCount();
    assert.throws(
      () => commandDevice(`cuda:${n}`),
      (e: unknown) => e instanceof DeviceError && e.code === 'BAD_DEVICE' && e.message === `--device: 'cuda:${n}' does not exist; this machine has ${n} CUDA device(s)`,
    );
  });

  test('--device cpu runs a command; a bad device stops it with the message and exit code 1', async () => {
    const out = join(dir, 'one.safetensors');
    const ok = await runCli(['encode', '--checkpoint', ckpt, '--text', 'a red circle', '--out', out, '--device', 'cpu']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^wrote 1 text embedding \[1, 32\]/);
    const bad = await runCli(['encode', '--checkpoint', ckpt, '--text', 'a red circle', '--out', out, '--device', 'tpu']);
    assert.equal(bad.code, 1);
    assert.equal(bad.err, "t2vlp encode: --device: 'tpu' is not a device; use cpu, cuda or cuda:N");
  });

  test('--device cuda on train and search without CUDA stops before any work', { skip: noCuda }, async () => {
    const train = await runCli(['train', '--data', join(dir, 'none'), '--out', join(dir, 'run'), '--device', 'cuda']);
    assert.equal(train.code, 1);
    assert.match(train.err, /^t2vlp train: --device: 'cuda' asked for CUDA, but this build sees no CUDA device/);
    const search = await runCli(['search', '--checkpoint', ckpt, '--index', join(dir, 'none.safetensors'), '--query', 'x', '--device', 'cuda:1']);
    assert.equal(search.code, 1);
    assert.match(search.err, /--device: 'cuda:1' asked for CUDA/);
  });

  test('train --device cpu --checkpoint-activations runs a step', async () => {
    const data = await tinyDataset();
    const r = await runCli([
      'train', '--preset', 'stage1', '--data', data, '--init', ckpt, '--out', join(dir, 'run'),
      '--batch-size', '4', '--max-words', '16', '--max-steps', '1', '--json', '--device', 'cpu', '--checkpoint-activations',
    ]);
    assert.equal(r.code, 0, r.err);
    const last = JSON.parse(r.out.split('\n').at(-1)!) as { steps: number; finalLoss: number };
    assert.equal(last.steps, 1);
    assert.ok(Number.isFinite(last.finalLoss));
  });

  test('--nproc on CUDA: one GPU per process, checked against the GPUs there are', () => {
    const base = { requested: undefined, device: 'cuda' as const, nproc: 4, deviceCount: 4 };
    assert.deepEqual([0, 1, 2, 3].map((localRank) => processDevice({ ...base, localRank })), ['cuda:0', 'cuda:1', 'cuda:2', 'cuda:3']);
    assert.equal(processDevice({ ...base, requested: 'cuda', localRank: 2 }), 'cuda:2');
    assert.equal(processDevice({ ...base, nproc: 1, localRank: 0 }), 'cuda', 'one process keeps the device it was given');
    assert.equal(processDevice({ ...base, device: 'cpu', localRank: 3 }), 'cpu');
    assert.throws(
      () => processDevice({ ...base, deviceCount: 2, localRank: 0 }),
      (e: Error) => e.message === '--nproc 4 on CUDA needs 4 GPUs on this machine (one per process); it has 2',
    );
    assert.throws(
      () => processDevice({ ...base, requested: 'cuda:1', device: 'cuda:1', localRank: 0 }),
      (e: Error) => e.message === '--device cuda:1 names one GPU, and --nproc 4 gives each process its own: pass --device cuda (process i takes GPU i)',
    );
  });

  test('the collective backend follows the device; a mismatched --dist-backend is refused', () => {
    assert.equal(distBackendFor('cuda:1', undefined), 'nccl');
    assert.equal(distBackendFor('cpu', undefined), 'gloo');
    assert.equal(distBackendFor('cuda', 'nccl'), 'nccl');
    assert.equal(distBackendFor('cpu', 'gloo'), 'gloo');
    assert.throws(() => distBackendFor('cpu', 'nccl'), /^UsageError: --dist-backend nccl reduces CUDA tensors: pass --device cuda/);
    assert.throws(() => distBackendFor('cuda:0', 'gloo'), /--dist-backend gloo reduces CPU tensors: on CUDA use nccl/);
  });

  test('train --nproc 2 --device cpu --dist-backend nccl stops before starting a process', async () => {
    const r = await runCli(['train', '--data', join(dir, 'none'), '--out', join(dir, 'run'), '--nproc', '2', '--device', 'cpu', '--dist-backend', 'nccl']);
    assert.equal(r.code, 2, 'a usage error');
    assert.match(r.err, /^t2vlp train: --dist-backend nccl reduces CUDA tensors/);
    assert.doesNotMatch(r.err, /worker rank/);
  });
});
