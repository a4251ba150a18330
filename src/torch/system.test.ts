/**
 * Process-wide settings: the intra-op thread count (set, read back, and results independent of
 * it), the libtorch version string, devices, and the shape of memoryStats().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randn } from './creation.js';
import { scope } from './scope.js';
import {
  cudaAvailable,
  cudaDeviceCount,
  getNumThreads,
  libtorchVersion,
  manualSeed,
  memoryStats,
  setNumThreads,
} from './system.js';
import { assertClose } from './testing/index.js';

describe('threads', () => {
  it('setNumThreads is read back by getNumThreads, and a matmul agrees on 1 or 2 threads (rtol 1e-5)', () =>
    scope(() => {
      const original = getNumThreads();
      manualSeed(0);
      const a = randn([256, 300]);
      const b = randn([300, 200]);
      setNumThreads(1);
      assert.equal(getNumThreads(), 1);
      const one = a.matmul(b);
      setNumThreads(2);
      assert.equal(getNumThreads(), 2);
      assertClose(a.matmul(b), one, { rtol: 1e-5, atol: 1e-4 });
      setNumThreads(original);
      assert.equal(getNumThreads(), original);
      assert.throws(() => setNumThreads(0), /setNumThreads: threads must be at least 1, got 0/);
    }));
});

describe('version, devices, memory accounting', () => {
  it('libtorchVersion is major.minor.patch; the CPU build reports no CUDA devices', () => {
    assert.match(libtorchVersion(), /^\d+\.\d+\.\d+$/);
    assert.equal(cudaDeviceCount() > 0, cudaAvailable());
    if (!cudaAvailable()) assert.equal(cudaDeviceCount(), 0);
  });

  it('memoryStats counts live tensors and the bytes of their distinct storages', () =>
    scope(() => {
      const before = memoryStats();
      const a = randn([1000]);
      const view = a.narrow(0, 0, 10); // shares a's storage: counted once
      const after = memoryStats();
      assert.equal(after.liveTensors, before.liveTensors + 2);
      assert.equal(after.liveBytes, before.liveBytes + 4000);
      assert.equal(typeof after.freedByGc, 'number');
      view.dispose();
      a.dispose();
      assert.deepEqual(memoryStats(), before);
    }));
});
