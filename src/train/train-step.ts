/**
 * The parts of one optimizer step (docs/TRAINING.md "Objectives"), shared by the training loop
 * (trainer.ts) and the training-step benchmark so both run the same code: the optimizer with
 * the reference's parameter groups; a micro-batch's forward and backward (through
 * `model.backward`, which also back-propagates through checkpointed visual blocks); and the update
 * (gradient averaging across processes, global norm clipping, BertAdam, the logit-scale clamp).
 */
import type { TensorBatch } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import type { GlobalBatchOptions } from '../model/losses.js';
import { clipGradNorm, dist, noGrad, scope, type Tensor } from '../torch/index.js';
import { BertAdam } from '../torch/optim/index.js';
import type { ObjectiveSpec } from './objectives.js';
import { parameterGroups } from './param-groups.js';
import type { TrainSettings } from './presets.js';

/** The reference clamps logit_scale to log(100) after every step. */
export const LOGIT_SCALE_MAX = Math.log(100);

/** BertAdam over the reference's parameter groups (param-groups.ts) for `s`. */
export function createOptimizer(model: T2VLP, s: TrainSettings): BertAdam {
  return new BertAdam(
    parameterGroups(model.namedParameters(), {
      lr: s.lr,
      coefLr: s.coefLr,
      newModuleLr: s.newModuleLr,
      newModulePatterns: [...s.newModulePatterns],
      weightDecay: s.weightDecay,
      freezeLayerNum: s.freezeLayerNum,
    }),
    { betas: [0.9, 0.98], eps: 1e-6, maxGradNorm: 1.0 },
  );
}

export interface MicroStepResult {
  loss: number;
  terms: Record<string, number>;
}

/**
 * Forward and backward of one micro-batch: the objective's loss divided by `gradAccum` is
 * back-propagated (gradients accumulate); returns the undivided loss and its terms.
 */
export function microStep(model: T2VLP, objective: ObjectiveSpec, batch: TensorBatch, global: GlobalBatchOptions, gradAccum: number): MicroStepResult {
  return scope(() => {
    const out = objective.compute(model, batch, global);
    model.backward(out.loss.div(gradAccum));
    const terms: Record<string, number> = {};
    for (const n of objective.terms) terms[n] = out.terms[n]!.item();
    return { loss: out.loss.item(), terms };
  });
}

/** The update after the micro-batches of a step: average across processes, clip, BertAdam, clamp, zero. */
export function applyStep(model: T2VLP, optimizer: BertAdam, params: Tensor[], o: { maxGradNorm: number; lrScale: number }): void {
  dist.averageGradients(params);
  clipGradNorm(params, o.maxGradNorm);
  optimizer.step(o.lrScale);
  noGrad(() => model.clip.logit_scale.clamp_(null, LOGIT_SCALE_MAX));
  optimizer.zeroGrad();
}
