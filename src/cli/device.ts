/**
 * The device a command computes on, from its `--device` option (options.ts DEVICE_OPTION): the
 * value checked against this build's CUDA devices, or CUDA when there is one (and `dtype`, the
 * command's --dtype, is not int8) and CPU otherwise.
 * A DeviceError names the flag: CUDA_UNAVAILABLE on a machine or build without CUDA, BAD_DEVICE for
 * a malformed value or a cuda:N out of range.
 */
import type { T2VLP } from '../model/index.js';
import { cuda, parseDevice, type Device } from '../torch/index.js';
import type { DistributedBackend } from '../torch/distributed.js';
import { UsageError } from './args.js';

export function commandDevice(value: string | undefined, dtype?: string): Device {
  // int8 kernels are CPU kernels (FBGEMM): an int8 model computes on the CPU unless --device says otherwise (and is then refused).
  if (value === undefined) return cuda.isAvailable() && dtype !== 'int8' ? 'cuda' : 'cpu';
  return parseDevice(value, '--device');
}

/** `model` on `device` (moved in place; a no-op where it already is). */
export function onDevice(model: T2VLP, device: Device): T2VLP {
  const here = model.device;
  const same = here === device || (device === 'cuda' && here === 'cuda:0');
  return same ? model : model.to(device);
}

/**
 * The device of process `localRank` of a data-parallel run with `nproc` processes on this machine:
 * on CUDA each process takes its own GPU, `cuda:localRank` (one GPU per process, as NCCL wants);
 * a CPU run stays on the CPU. `requested` is the `--device` value as given (undefined: not given).
 */
export function processDevice(o: { requested: string | undefined; device: Device; localRank: number; nproc: number; deviceCount: number }): Device {
  if (o.device === 'cpu' || o.nproc <= 1) return o.device;
  if (o.requested !== undefined && o.requested !== 'cuda')
    throw new UsageError(`--device ${o.requested} names one GPU, and --nproc ${o.nproc} gives each process its own: pass --device cuda (process i takes GPU i)`);
  if (o.nproc > o.deviceCount)
    throw new UsageError(`--nproc ${o.nproc} on CUDA needs ${o.nproc} GPUs on this machine (one per process); it has ${o.deviceCount}`);
  return `cuda:${o.localRank}`;
}

/** The collective backend for a process computing on `device`: NCCL on CUDA, Gloo on the CPU, unless `requested` names one. */
export function distBackendFor(device: Device, requested: string | undefined): DistributedBackend {
  const onCuda = device !== 'cpu';
  if (requested === undefined) return onCuda ? 'nccl' : 'gloo';
  if (requested === 'nccl' && !onCuda) throw new UsageError('--dist-backend nccl reduces CUDA tensors: pass --device cuda, or use gloo on the CPU');
  if (requested === 'gloo' && onCuda) throw new UsageError('--dist-backend gloo reduces CPU tensors: on CUDA use nccl (the default), or pass --device cpu');
  return requested as DistributedBackend;
}
