/**
 * The BERT-style Adam of the reference (`modules/optimization.py`, docs/TRAINING.md
 * "Optimizer: BERT-style Adam"): each parameter's gradient is clipped to norm `maxGradNorm` on
 * its own, moments without bias correction, update = m/(√v + ε) + wd·p, p ← p − lr·update. The
 * learning-rate schedule is applied by the caller through `step(lrScale)` (see schedules.ts).
 */
import { zerosLike } from '../creation.js';
import type { Parameter } from '../nn/parameter.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface BertAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Per-parameter gradient clipping inside the step (1.0 in the reference; ≤ 0 disables). */
  maxGradNorm?: number;
}

export class BertAdam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly maxGradNorm: number;
  constructor(params: Parameter[] | ParamGroupInput[], o: BertAdamOptions = {}) {
    super(params, { lr: o.lr ?? 1e-4, weightDecay: o.weightDecay ?? 0.01 });
    this.betas = o.betas ?? [0.9, 0.98];
    this.eps = o.eps ?? 1e-6;
    this.maxGradNorm = o.maxGradNorm ?? 1.0;
  }

  protected update(p: Parameter, grad: Tensor, group: ParamGroup, lr: number): void {
    const [b1, b2] = this.betas;
    const m = this.slot(p, 'next_m', () => zerosLike(p));
    const v = this.slot(p, 'next_v', () => zerosLike(p));
    scope(() => {
      let g = grad;
      if (this.maxGradNorm > 0) {
        // clip_grad_norm_(p, max_norm) on this one parameter: scale by max/(norm + 1e-6) when below 1.
        const n = grad.norm().item();
        const coef = this.maxGradNorm / (n + 1e-6);
        if (coef < 1) g = grad.mul(coef);
      }
      m.mul_(b1).add_(g, 1 - b1);
      v.mul_(b2).addcmul_(g, g, 1 - b2);
      const update = m.div(v.sqrt().add(this.eps));
      if (group.weightDecay > 0) update.add_(p, group.weightDecay);
      p.add_(update, -lr);
    });
  }
}
