/**
 * Autograd controls: noGrad/enableGrad blocks (synchronous, restoring the previous mode even when
 * the block throws), global gradient-norm clipping, and gradScale.
 */
import { native } from './native.js';
import { Tensor } from './tensor.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = native.gradEnabled();
  native.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('noGrad/enableGrad blocks are synchronous');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` with gradient recording off (PyTorch's `with torch.no_grad()`). */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn);
/** Runs `fn` with gradient recording on. */
export const enableGrad = <T>(fn: () => T): T => withGradMode(true, fn);
export const isGradEnabled = (): boolean => native.gradEnabled();

/**
 * Scales the gradients of `params` in place so that their joint `normType`-norm is at most
 * `maxNorm`; returns the norm before clipping (torch.nn.utils.clip_grad_norm_).
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  const hs = [...params].map((p) => p.handleFor('clipGradNorm'));
  return native.clipGradNorm(hs, maxNorm, normType);
}

/** Identity in the forward pass; multiplies the gradient by `factor` in the backward pass. */
export function gradScale(t: Tensor, factor: number): Tensor {
  return new Tensor(native.gradScale(t.handleFor('gradScale'), factor));
}
