/**
 * Parameter: a Tensor that a Module owns and an optimizer updates. It requires grad by default,
 * belongs to no scope (it lives until its module is disposed), and keeps its identity when
 * its data is replaced (loading a checkpoint, changing dtype), so optimizers keep working.
 */
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

/** A non-trainable tensor a Module owns and saves with its state (running statistics, tables). */
export class Buffer extends Tensor {
  constructor(data: Tensor) {
    super(native.detach(data.handleFor('Buffer')));
    keep(this);
  }
  setData(data: Tensor): void {
    this.replaceHandle(native.detach(data.handleFor('setData')));
  }
}

function isFloat(d: string): boolean {
  return d.startsWith('float') || d === 'bfloat16';
}
