/**
 * The "untrained" reference point of the captioning and QA evaluations (docs/EVAL.md "Captioning
 * and QA evaluation"): the same model with its fusion encoder — the part captioning and QA
 * fine-tune as a head, with the tied output layer — re-initialised as a fresh stage-2 start, the
 * CLIP towers and tube tokens kept. It shows what the fine-tuned head adds over the backbone.
 */
import { isFusionKey, T2VLP } from '../model/index.js';
import { manualSeed, type Tensor } from '../torch/index.js';
import { TaskEvalError } from './task-eval-error.js';

/**
 * Replaces, in place, the fusion encoder's parameters of `model` by freshly initialised ones
 * (reproducible: the global generator is seeded with `seed`, default 0). Builds a fresh model of
 * the same configuration for the values, so memory peaks at two models for a moment.
 */
export function resetFusionEncoder(model: T2VLP, o: { seed?: number } = {}): void {
  if (!model.hasFusion)
    throw new TaskEvalError('NO_FUSION_ENCODER', 'resetFusionEncoder: the model has no fusion encoder to re-initialise (a stage-1 checkpoint)');
  manualSeed(o.seed ?? 0);
  const fresh = new T2VLP(model.config);
  try {
    const values = new Map<string, Tensor>([...fresh.stateDict()].filter(([k]) => isFusionKey(k)));
    model.loadStateDict(values, { strict: false });
  } finally {
    fresh.dispose();
  }
}
