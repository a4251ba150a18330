/**
 * Memory statistics per device: `cuda.memoryStats` / `cuda.resetPeakMemoryStats` (the CUDA
 * caching allocator through the native layer) and `hostMemory` / `resetPeakHostMemory` (the
 * process's RSS). Without a CUDA device the CUDA calls fail with a DeviceError saying so, and the
 * native functions with TORCH_UNAVAILABLE; with one, allocating 64 MiB moves allocated and peak by
 * that much and a reset brings the peak back down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cuda, DeviceError, empty, hostMemory, resetPeakHostMemory, scope, TorchError, withDevice } from './index.js';
import { native } from './native.js';

const MiB = 2 ** 20;
const noCuda = cuda.isAvailable() ? 'this build sees a CUDA device' : false;
const withCuda = cuda.isAvailable() ? false : 'no CUDA device: this addon was built against a CPU-only libtorch or no GPU is visible';

describe('cuda.memoryStats', () => {
  it('without CUDA: a DeviceError that says what is missing; the native call: TORCH_UNAVAILABLE', { skip: noCuda }, () => {
    for (const call of [() => cuda.memoryStats(), () => cuda.memoryStats('cuda:1'), () => cuda.resetPeakMemoryStats(0)])
      assert.throws(call, (e: unknown) => e instanceof DeviceError && e.code === 'CUDA_UNAVAILABLE' && /sees no CUDA device/.test(e.message));
    assert.throws(
      () => native.cudaMemoryStats(0),
      (e: unknown) => e instanceof TorchError && e.code === 'TORCH_UNAVAILABLE' && /^cudaMemoryStats: this libtorch sees no CUDA device/.test(e.message),
    );
  });

  it('rejects the CPU and negative indices, naming the call', () => {
    assert.throws(() => cuda.memoryStats('cpu'), (e: unknown) => e instanceof DeviceError && e.code === 'BAD_DEVICE' && /^cuda.memoryStats: 'cpu' has no CUDA allocator/.test(e.message));
    assert.throws(() => cuda.memoryStats(-1), (e: unknown) => e instanceof DeviceError && e.code === 'BAD_DEVICE' && /device index -1/.test(e.message));
  });

  it('counts an allocation and restarts the peak', { skip: withCuda }, () => {
    const before = cuda.memoryStats('cuda:0');
    scope(() => {
      withDevice('cuda:0', () => empty([16 * MiB], 'float32'));
      const during = cuda.memoryStats(0);
      assert.ok(during.allocatedBytes - before.allocatedBytes >= 64 * MiB, `allocated ${before.allocatedBytes} → ${during.allocatedBytes}`);
      assert.ok(during.peakAllocatedBytes >= during.allocatedBytes);
      assert.ok(during.reservedBytes >= during.allocatedBytes);
    });
    cuda.resetPeakMemoryStats('cuda');
    const after = cuda.memoryStats();
    assert.ok(after.peakAllocatedBytes < before.allocatedBytes + 64 * MiB, 'the peak restarted from the current value');
  });
});

describe('cuda.indexOf', () => {
  it("'cuda' is device 0 and 'cuda:N' is N where they exist; the CPU and missing devices are refused", () => {
    assert.throws(() => cuda.indexOf('cpu'), (e: unknown) => e instanceof DeviceError && /cuda.indexOf: 'cpu' has no CUDA allocator/.test(e.message));
    if (cuda.isAvailable()) {
      assert.equal(cuda.indexOf('cuda'), 0);
      assert.equal(cuda.indexOf(`cuda:${cuda.deviceCount() - 1}`), cuda.deviceCount() - 1);
    }
    assert.throws(() => cuda.indexOf(`cuda:${cuda.deviceCount()}`), (e: unknown) => e instanceof DeviceError);
  });
});

describe('hostMemory', () => {
  it('reports RSS now and its peak, which a reset brings back near the current RSS', () => {
    const big = Buffer.alloc(256 * MiB, 1);
    const m = hostMemory();
    assert.ok(m.rssBytes > 256 * MiB && m.peakRssBytes >= m.rssBytes, JSON.stringify(m));
    big.fill(2);
    if (process.platform !== 'linux') return;
    assert.equal(resetPeakHostMemory(), true);
    const after = hostMemory();
    assert.ok(after.peakRssBytes <= after.rssBytes + 16 * MiB, JSON.stringify(after));
  });
});
