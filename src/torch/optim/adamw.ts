/**
 * AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW: decoupled weight decay
 * p ← p(1 − lr·wd), bias-corrected moments, ε added to √v̂.
 */
import { zerosLike } from '../creation.js';
import type { Parameter } from '../nn/parameter.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  constructor(params: Parameter[] | ParamGroupInput[], o: AdamWOptions = {}) {
    super(params, { lr: o.lr ?? 1e-3, weightDecay: o.weightDecay ?? 1e-2 });
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
  }

  protected update(p: Parameter, g: Tensor, group: ParamGroup, lr: number): void {
    const [b1, b2] = this.betas;
    const m = this.slot(p, 'exp_avg', () => zerosLike(p));
    const v = this.slot(p, 'exp_avg_sq', () => zerosLike(p));
    const stepT = this.slot(p, 'step', () => zerosLike(p).sum());
    stepT.add_(1);
    const t = stepT.item();
    scope(() => {
      if (group.weightDecay) p.mul_(1 - lr * group.weightDecay);
      m.lerp_(g, 1 - b1);
      v.mul_(b2).addcmul_(g, g, 1 - b2);
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
      p.addcdiv_(m, denom, -lr / bc1);
    });
  }
}
