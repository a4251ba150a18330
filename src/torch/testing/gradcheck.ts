/**
 * gradcheck: compares the gradients autograd computes for `fn` with central finite differences,
 * in float64. A tensor-valued `fn` is reduced to the scalar Σ w·fn(x) with fixed pseudo-random
 * weights w (not drawn from libtorch's generator), so every output element's gradient counts and
 * a wrong sign or a swapped index cannot cancel out. Inputs that require grad are checked; other
 * inputs (indices, masks) are passed through unchanged.
 *
 *   gradcheck((a, b) => a.matmul(b), [randn([3, 4], 'float64').requiresGrad_(), b]);
 */
import { noGrad } from '../autograd.js';
import { tensor } from '../creation.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { jsRandom } from './assert-close.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Named in the failure message. */
  name?: string;
}

export class GradcheckError extends Error {
  readonly code = 'GRADCHECK_FAILED';
}

/** Σ w_i·out_i in float64, with w from a fixed seed (the same on every call). */
function weightedSum(out: Tensor, name: string): number {
  if (out.dtype !== 'float64')
    throw new GradcheckError(
      `gradcheck(${name}): fn returned ${out.dtype}; run gradcheck in float64`,
    );
  const v = out.toArray<'float64'>();
  const r = jsRandom(1234);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * (r() * 2 - 1);
  return s;
}

function weights(out: Tensor): Tensor {
  const r = jsRandom(1234);
  return tensor(
    Float64Array.from({ length: out.numel }, () => r() * 2 - 1),
    out.shape,
  );
}

/**
 * Throws a GradcheckError naming the input, the element, the analytical and the numerical
 * gradient when they differ by more than atol + rtol·max(|analytical|, |numerical|).
 * Returns the largest absolute difference seen.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  o: GradcheckOptions = {},
): number {
  const eps = o.eps ?? 1e-6;
  const rtol = o.rtol ?? 1e-6;
  const atol = o.atol ?? 1e-8;
  const name = o.name ?? (fn.name || 'fn');
  const checked = inputs.map((x) => x.requiresGrad);
  if (!checked.some(Boolean))
    throw new GradcheckError(`gradcheck(${name}): no input requires grad`);
  inputs.forEach((x, i) => {
    if (checked[i] && x.dtype !== 'float64')
      throw new GradcheckError(
        `gradcheck(${name}): input ${i} is ${x.dtype}; gradcheck needs float64`,
      );
  });
  return scope(() => {
    // Analytical: fresh leaves, so gradients already on `inputs` do not interfere.
    const leaves = inputs.map((x, i) => (checked[i] ? x.detach().clone().requiresGrad_(true) : x));
    const out = fn(...leaves);
    out.mul(weights(out)).sum().backward();
    const analytical = leaves.map((l, i) => {
      if (!checked[i]) return null;
      const g = l.grad;
      return g ? g.toArray<'float64'>() : new Float64Array(l.numel);
    });

    // Numerical: central differences, one element at a time.
    let maxDiff = 0;
    inputs.forEach((x, i) => {
      if (!checked[i]) return;
      const base = x.detach().contiguous().toArray<'float64'>();
      const shape = x.shape;
      const at = (k: number, delta: number): number =>
        scope(() => {
          const v = Float64Array.from(base);
          v[k] = base[k]! + delta;
          const args = inputs.map((y, j) =>
            j === i ? tensor(v, shape) : checked[j] ? y.detach() : y,
          );
          return noGrad(() => weightedSum(fn(...args), name));
        });
      for (let k = 0; k < base.length; k++) {
        const numerical = (at(k, eps) - at(k, -eps)) / (2 * eps);
        const a = analytical[i]![k]!;
        const diff = Math.abs(a - numerical);
        maxDiff = Math.max(maxDiff, diff);
        if (!(diff <= atol + rtol * Math.max(Math.abs(a), Math.abs(numerical))))
          throw new GradcheckError(
            `gradcheck(${name}): input ${i} [${shape.join(',')}] element ${k}: analytical ${a}, ` +
              `numerical ${numerical} (|diff| ${diff.toExponential(2)} > ${atol} + ${rtol}·max)`,
          );
      }
    });
    return maxDiff;
  });
}
