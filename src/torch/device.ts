/**
 * Devices: where factories create tensors. Every factory (zeros, randn, arange, tensor, ...) puts
 * its result on the default device, 'cpu' unless a `withDevice(device, fn)` call is running, so
 * model code that creates masks or indices needs no device plumbing: the model's public methods
 * run their bodies inside `withDevice(this.device, ...)` (PyTorch's torch.set_default_device, but
 * scoped). `cuda` reports the CUDA devices of the libtorch the addon was built against, and their
 * caching allocators' memory statistics.
 */
import { native, type CudaMemoryStats } from './native.js';

/** 'cpu', 'cuda' (the current CUDA device) or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

const stack: Device[] = [];

export class DeviceError extends Error {
  readonly code: 'BAD_DEVICE' | 'CUDA_UNAVAILABLE';
  constructor(code: DeviceError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Checks a device string ('cpu', 'cuda', 'cuda:N') and that the device exists. */
export function parseDevice(d: string, where = 'device'): Device {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(d);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined))
    throw new DeviceError('BAD_DEVICE', `${where}: '${d}' is not a device; use cpu, cuda or cuda:N`);
  if (m[1] === 'cuda') {
    const n = native.cudaDeviceCount();
    if (n === 0)
      throw new DeviceError(
        'CUDA_UNAVAILABLE',
        `${where}: '${d}' asked for CUDA, but this build sees no CUDA device (a CPU-only libtorch, or no GPU): set LIBTORCH to a CUDA libtorch and run npm run build:native on a machine with one`,
      );
    if (m[2] !== undefined && Number(m[2]) >= n)
      throw new DeviceError('BAD_DEVICE', `${where}: '${d}' does not exist; this machine has ${n} CUDA device(s)`);
  }
  return d as Device;
}

/** The device factories create tensors on now. */
export function defaultDevice(): Device {
  return stack[stack.length - 1] ?? 'cpu';
}

/** Runs `fn` with factories creating tensors on `device` (synchronous, like scopes). */
export function withDevice<T>(device: Device | string, fn: () => T): T {
  const d = device === 'cpu' ? 'cpu' : parseDevice(device, 'withDevice');
  stack.push(d);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('withDevice: the function returned a Promise; run it per synchronous step');
    return r;
  } finally {
    stack.pop();
  }
}

/**
 * The index of a CUDA device: 'cuda' is device 0. (Only an NCCL process group changes the current
 * CUDA device, to its process's GPU; the training command then names that GPU as cuda:N.)
 */
function cudaIndex(device: Device | string | number, where: string): number {
  if (typeof device === 'number') {
    if (!Number.isInteger(device) || device < 0)
      throw new DeviceError('BAD_DEVICE', `${where}: device index ${device} is not a CUDA device index; use 0, 1, ... or 'cuda:N'`);
    return Number(parseDevice(`cuda:${device}`, where).slice(5));
  }
  const d = parseDevice(device, where);
  if (d === 'cpu')
    throw new DeviceError('BAD_DEVICE', `${where}: 'cpu' has no CUDA allocator; use cuda or cuda:N (host memory: hostMemory())`);
  return d === 'cuda' ? 0 : Number(d.slice(5));
}

/** The CUDA devices of this build. */
export const cuda = {
  isAvailable: (): boolean => native.cudaDeviceCount() > 0,
  deviceCount: (): number => native.cudaDeviceCount(),
  /** The index of a CUDA device ('cuda' is 0, 'cuda:N' is N), checked to exist. */
  indexOf: (device: Device | string): number => cudaIndex(device, 'cuda.indexOf'),
  /**
   * Whether float32 matmuls (cuBLAS) and convolutions (cuDNN) may use TF32 tensor cores: faster,
   * about 1e-3 relative precision. libtorch's defaults: matmul false, convolution true.
   */
  allowTF32: (): { matmul: boolean; conv: boolean } => {
    const a = native.allowTF32();
    return { matmul: a.cublas, conv: a.cudnn };
  },
  setAllowTF32: (o: { matmul: boolean; conv: boolean }): void => native.setAllowTF32(o.matmul, o.conv),
  /**
   * The caching allocator's statistics of one device ('cuda', 'cuda:N' or N): bytes allocated and
   * reserved now and at their peak. A DeviceError where the build sees no CUDA device.
   */
  memoryStats: (device: Device | string | number = 'cuda'): CudaMemoryStats =>
    native.cudaMemoryStats(cudaIndex(device, 'cuda.memoryStats')),
  /** Restarts the peaks of `memoryStats(device)` from the current values. */
  resetPeakMemoryStats: (device: Device | string | number = 'cuda'): void =>
    native.cudaResetPeakMemoryStats(cudaIndex(device, 'cuda.resetPeakMemoryStats')),
};
