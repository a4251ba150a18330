/**
 * Parameter: a Tensor that a Module owns and an optimizer updates. It requires grad by default,
 * belongs to no scope (it lives until its module is disposed), and keeps its identity when
 * its data is replaced (loading a checkpoint, changing dtype), so optimizers keep working.
 */
import { empty, zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { native } from '../native.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

export class Parameter extends Tensor {
  /** Takes over `data`'s storage as a leaf (`data` itself stays usable and owned by the caller). */
  constructor(data: Tensor, requiresGrad = true) {
    super(native.detach(data.handleFor('Parameter')));
    keep(this);
    if (requiresGrad && isFloat(this.dtype)) this.requiresGrad_(true);
  }

  /** A parameter that takes over `data` and disposes it (for freshly made initial values). */
  static adopt(data: Tensor, requiresGrad = true): Parameter {
    const p = new Parameter(data, requiresGrad);
    data.dispose();
    return p;
  }

  /** Points this parameter at new data (a detached leaf), keeping grad-requirement. */
  setData(data: Tensor): void {
    const req = this.requiresGrad;
    this.replaceHandle(native.detach(data.handleFor('setData')));
    if (req) this.requiresGrad_(true);
  }
}

/**
 * A new parameter of `shape` filled by `init` (zeros without one): PyTorch's
 * `nn.Parameter(torch.empty(shape))` followed by an `nn.init` call, in one expression.
 *
 *   this.positional_embedding = nn.parameter([ctx, width], (p) => nn.init.normal_(p, 0, 0.01));
 */
export function parameter(
  shape: number[],
  init?: (p: Parameter) => unknown,
  o: { dtype?: DType; requiresGrad?: boolean } = {},
): Parameter {
  const dtype = o.dtype ?? 'float32';
  const p = Parameter.adopt(init ? empty(shape, dtype) : zeros(shape, dtype), o.requiresGrad ?? true);
  if (init) {
    try {
      init(p);
    } catch (e) {
      p.dispose();
      throw e;
    }
  }
  return p;
}

/**
 * A non-trainable tensor a Module owns and saves with its state (running statistics, tables):
 * PyTorch's registered buffer.
 */
export class BufferTensor extends Tensor {
  constructor(data: Tensor) {
    super(native.detach(data.handleFor('BufferTensor')));
    keep(this);
  }
  setData(data: Tensor): void {
    this.replaceHandle(native.detach(data.handleFor('setData')));
  }
}

function isFloat(d: string): boolean {
  return d.startsWith('float') || d === 'bfloat16';
}
