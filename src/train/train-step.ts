/**
 * The parts of one optimizer step (docs/TRAINING.md "Objectives"), shared by the training loop
 * (trainer.ts) and the training-step benchmark so both run the same code: the optimizer with
 * the reference's parameter groups; a micro-batch's forward and backward (through
 * `model.backward`, which also back-propagates through checkpointed visual blocks), the forward
 * under autocast with mixed precision (docs/ARCHITECTURE.md "Precisions"); and the update
 * (gradient averaging across processes, unscaling for fp16, global norm clipping, BertAdam, the
 * logit-scale clamp).
 */
import type { TensorBatch } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import type { GlobalBatchOptions } from '../model/losses.js';
import { autocast, clipGradNorm, dist, noGrad, scope } from '../torch/index.js';
import type { Parameter } from '../torch/nn/parameter.js';
import { BertAdam, type GradScaler } from '../torch/optim/index.js';
import type { ObjectiveContext, ObjectiveSpec } from './objectives.js';
import { parameterGroups } from './param-groups.js';
import type { TrainSettings } from './presets.js';

/** The reference clamps logit_scale to log(100) after every step. */
export const LOGIT_SCALE_MAX = Math.log(100);

/** Mixed precision of a training run: autocast's lower dtype ('fp16' also scales the loss). */
export type AmpMode = 'bf16' | 'fp16';
export const AMP_DTYPES = { bf16: 'bfloat16', fp16: 'float16' } as const;

/** How a micro-step runs beyond its batch: mixed precision, its loss scaler, the objective's context. */
export interface MicroStepOptions {
  amp?: AmpMode;
  /** fp16: the loss is scaled before backward. */
  scaler?: GradScaler | null;
  context?: ObjectiveContext;
}

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
export function microStep(
  model: T2VLP,
  objective: ObjectiveSpec,
  batch: TensorBatch,
  global: GlobalBatchOptions,
  gradAccum: number,
  o: MicroStepOptions = {},
): MicroStepResult {
  return scope(() => {
    const compute = () => objective.compute(model, batch, global, o.context);
    const out = o.amp ? autocast(compute, { dtype: AMP_DTYPES[o.amp], device: model.device }) : compute();
    // Backward outside the autocast region, as PyTorch recommends (its ops follow the forward's dtypes).
    const loss = out.loss.div(gradAccum);
    model.backward(o.scaler ? o.scaler.scale(loss) : loss);
    const terms: Record<string, number> = {};
    for (const n of objective.terms) terms[n] = out.terms[n]!.item();
    return { loss: out.loss.item(), terms };
  });
}

/**
 * The update after the micro-batches of a step: average across processes, unscale (fp16), clip,
 * BertAdam (skipped by the scaler when a gradient is inf/NaN), clamp, zero.
 */
export function applyStep(
  model: T2VLP,
  optimizer: BertAdam,
  params: Parameter[],
  o: { maxGradNorm: number; lrScale: number; scaler?: GradScaler | null },
): void {
  const scaler = o.scaler;
  dist.averageGradients(params);
  scaler?.unscale(params); // true gradients before clipping
  if (!scaler?.foundInf) clipGradNorm(params, o.maxGradNorm);
  if (scaler) {
    scaler.step(optimizer, o.lrScale);
    scaler.update();
  } else optimizer.step(o.lrScale);
  noGrad(() => model.clip.logit_scale.clamp_(null, LOGIT_SCALE_MAX));
  optimizer.zeroGrad();
}
