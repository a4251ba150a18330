/**
 * The one place that loads the native addon and declares its interface. Everything else in the
 * project reaches libtorch through the `native` object exported here. The patterned ops are
 * declared by the generated `gen/ops.ts`; the hand-written functions are declared below. Loading
 * installs errors.ts's factory, so every native function throws TorchError instances.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType } from './dtype.js';
import { nativeErrorFactory } from './errors.js';
import type { GeneratedOps, Handle } from './gen/ops.js';

export type { Handle } from './gen/ops.js';

export interface MemoryStats {
  /** Tensor handles created and not yet disposed. */
  liveTensors: number;
  /** Bytes of the distinct storages those handles keep alive. */
  liveBytes: number;
  /** Handles that were never disposed and were freed by the garbage collector instead. */
  freedByGc: number;
}

/** One CUDA device's caching-allocator byte counts (torch.cuda.memory_stats, all pools together). */
export interface CudaMemoryStats {
  /** Bytes in live tensors now, and their peak since the last reset. */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** Bytes the allocator holds from the driver (live tensors plus its cache), and their peak. */
  reservedBytes: number;
  peakReservedBytes: number;
  activeBytes: number;
  /** Live allocations. */
  allocations: number;
  /** cudaMalloc failures that flushed the cache, and those that ended in out-of-memory. */
  allocRetries: number;
  ooms: number;
}

export interface NativeAddon extends GeneratedOps {
  dispose(h: Handle): void;
  isAlive(h: Handle): boolean;
  memoryStats(): MemoryStats;
  /** Makes every native function build its errors with `factory` (see errors.ts). */
  installErrorFactory(
    factory: (code: string, op: string, message: string, torchMessage: string) => Error,
  ): void;
  fromArray(data: ArrayBufferView, shape: number[], dtype: DType, pinned?: boolean): Handle;
  toArray(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  dtype(h: Handle): DType;
  device(h: Handle): string;
  isContiguous(h: Handle): boolean;
  item(h: Handle): number;
  sameStorage(a: Handle, b: Handle): boolean;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, flag: boolean): void;
  isLeaf(h: Handle): boolean;
  retainGrad(h: Handle): void;
  backward(h: Handle, grad: Handle | null, retainGraph: boolean): void;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  gradEnabled(): boolean;
  setGradEnabled(enabled: boolean): void;
  clipGradNorm(params: Handle[], maxNorm: number, normType: number): number;
  gradScale(h: Handle, factor: number): Handle;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  getRngState(): Handle;
  setRngState(h: Handle): void;
  version(): string;
  cudaDeviceCount(): number;
  cudaMemoryStats(index: number): CudaMemoryStats;
  cudaResetPeakMemoryStats(index: number): void;
  setAllowTF32(cublas: boolean, cudnn: boolean): void;
  allowTF32(): { cublas: boolean; cudnn: boolean };
  // Reduced precision (see precision/).
  autocastState(deviceType: 'cpu' | 'cuda'): { enabled: boolean; dtype: DType };
  setAutocast(deviceType: 'cpu' | 'cuda', enabled: boolean, dtype: DType): void;
  autocastNesting(delta: 1 | -1): number;
  quantizeLinearInt8(weight: Handle): {
    weight: Handle;
    colOffsets: Handle;
    packed: Handle;
    scale: number;
    zeroPoint: number;
  };
  linearInt8(
    x: Handle,
    weight: Handle,
    packed: Handle,
    colOffsets: Handle,
    scale: number,
    zeroPoint: number,
    bias: Handle,
  ): Handle;
  scaledDotProductAttention(
    q: Handle,
    k: Handle,
    v: Handle,
    mask: Handle | null,
    dropoutP: number,
    isCausal: boolean,
    scale: number | null,
  ): Handle;
  // Collectives (see src/torch/distributed/).
  distBackends(): string[];
  distInit(opts: {
    host: string;
    port: number;
    rank: number;
    worldSize: number;
    timeoutMs: number;
    backend: string;
    deviceIndex: number;
  }): void;
  distAllReduce(h: Handle, op: string): void;
  distBroadcast(h: Handle, root: number): void;
  distAllGather(h: Handle): Handle;
  distBarrier(): void;
  distDestroy(): void;
}

export class NativeAddonError extends Error {
  readonly code = 'NATIVE_ADDON_MISSING';
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new NativeAddonError('t2vlp: cannot find the package root');
    dir = up;
  }
  return dir;
}

function load(): NativeAddon {
  const root = packageRoot();
  const candidates = [
    process.env.T2VLP_ADDON,
    join(root, 'build', 'Release', 't2vlp.node'),
    join(root, 'build', 'Debug', 't2vlp.node'),
  ].filter((p): p is string => !!p);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new NativeAddonError(
      `t2vlp native addon not found (tried ${candidates.join(', ')}). ` +
        "Run 'npm run build:native', or set LIBTORCH=/path/to/libtorch first if libtorch is not installed.",
    );
  }
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (e) {
    throw new NativeAddonError(
      `t2vlp native addon at ${path} failed to load: ${(e as Error).message}. ` +
        "Rebuild it with 'npm run build:native' (the libtorch it was built against may have moved).",
    );
  }
  if (typeof addon.installErrorFactory !== 'function') {
    throw new NativeAddonError(
      `t2vlp native addon at ${path} predates TorchError (no installErrorFactory). Rebuild it with 'npm run build:native'.`,
    );
  }
  addon.installErrorFactory(nativeErrorFactory);
  return addon;
}

export const native: NativeAddon = load();
