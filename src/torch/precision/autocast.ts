/**
 * Autocast (PyTorch's torch.autocast): inside `autocast(fn, { dtype, device })` libtorch runs
 * matmul-like ops (linear, matmul, conv, attention) in bfloat16 or float16 while the weights stay
 * float32, and keeps precision-sensitive ops (softmax, layer norm, losses) in float32. The state is
 * per device type and thread-local in libtorch; this helper saves it, sets it, and restores it in
 * `finally`, so regions nest and an exception leaves the state as it found it. Synchronous only,
 * like scopes: an awaited continuation would run with whatever state is current then, so a
 * function returning a Promise is rejected (open one region per synchronous step instead).
 */
import type { Device } from '../device.js';
import { native } from '../native.js';
import { PrecisionError } from './errors.js';

export type AutocastDType = 'bfloat16' | 'float16';

export interface AutocastOptions {
  dtype: AutocastDType;
  /** Whose autocast to switch: the model's device ('cpu', 'cuda', 'cuda:N'); default 'cpu'. */
  device?: Device | string;
  /** false runs `fn` with autocast off for this device (a float32 island inside a region). */
  enabled?: boolean;
}

const deviceTypeOf = (d: string): 'cpu' | 'cuda' => (d.startsWith('cuda') ? 'cuda' : 'cpu');

/** Whether autocast is on for the device's type, and its lower dtype. */
export function autocastState(device: Device | string = 'cpu'): { enabled: boolean; dtype: string } {
  return native.autocastState(deviceTypeOf(device));
}

export function autocast<T>(fn: () => T, o: AutocastOptions): T {
  if (o.dtype !== 'bfloat16' && o.dtype !== 'float16')
    throw new PrecisionError('BAD_PRECISION', `autocast: dtype must be 'bfloat16' or 'float16', got '${String(o.dtype)}'`);
  const type = deviceTypeOf(o.device ?? 'cpu');
  const prev = native.autocastState(type);
  native.setAutocast(type, o.enabled ?? true, o.dtype);
  native.autocastNesting(1);
  try {
    const r = fn();
    if (r instanceof Promise)
      throw new PrecisionError(
        'ASYNC_AUTOCAST',
        'autocast: the function returned a Promise; autocast regions are synchronous: open one per synchronous step',
      );
    return r;
  } finally {
    native.autocastNesting(-1);
    native.setAutocast(type, prev.enabled, prev.dtype);
  }
}
