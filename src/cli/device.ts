/**
 * The device a command computes on, from its `--device` option (options.ts DEVICE_OPTION): the
 * value checked against this build's CUDA devices, or CUDA when there is one and CPU otherwise.
 * A DeviceError names the flag: CUDA_UNAVAILABLE on a machine or build without CUDA, BAD_DEVICE for
 * a malformed value or a cuda:N out of range.
 */
import type { T2VLP } from '../model/index.js';
import { cuda, parseDevice, type Device } from '../torch/index.js';

export function commandDevice(value: string | undefined): Device {
  if (value === undefined) return cuda.isAvailable() ? 'cuda' : 'cpu';
  return parseDevice(value, '--device');
}

/** `model` on `device` (moved in place; a no-op where it already is). */
export function onDevice(model: T2VLP, device: Device): T2VLP {
  const here = model.device;
  const same = here === device || (device === 'cuda' && here === 'cuda:0');
  return same ? model : model.to(device);
}
