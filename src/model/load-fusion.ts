/**
 * Loading rules for the parts later stages add (docs/FUSION.md, docs/TRAINING.md "Checkpoints"):
 * - the fusion encoder (`clip.fusion_*`, `visual_linear.*`): a checkpoint with all of its keys
 *   gives a model with it; one with none gives a stage-1 model (or, with `{ fusion: true }`, a model
 *   whose fusion encoder is freshly initialised, to start stage 2); some but not all is an error
 *   listing the missing keys;
 * - the tightTransf cross encoder (`cross.*`, `similarity_dense.*`): present when its keys are,
 *   and then the model's default similarity is 'tight'.
 */
import { type T2VLPConfig, validateConfig } from './config.js';
import { FusionError } from './fusion.js';

export const FUSION_KEYS = [
  /^clip\.fusion_transformer\./,
  /^clip\.fusion_positional_embedding$/,
  /^clip\.fusion_proj_embedding$/,
  /^clip\.fusion_logit_bias$/,
  /^clip\.fusion_match_matrix$/,
  /^clip\.fusion_unmatch_matrix$/,
  /^visual_linear\./,
];
export const CROSS_KEYS = [/^cross\./, /^similarity_dense\./];

export const isFusionKey = (k: string): boolean => FUSION_KEYS.some((r) => r.test(k));
export const isCrossKey = (k: string): boolean => CROSS_KEYS.some((r) => r.test(k));

function countBlocks(keys: string[], prefix: string): number {
  let n = 0;
  for (const k of keys) if (k.startsWith(prefix)) n = Math.max(n, Number(k.slice(prefix.length).split('.')[0]) + 1);
  return n;
}

export interface LaterStagePlan {
  config: T2VLPConfig;
  /** The checkpoint has no fusion key and the caller asked for a fresh fusion encoder. */
  freshFusion: boolean;
  /** Keys the model should not receive (fusion keys when the caller asked for no fusion encoder). */
  drop: (k: string) => boolean;
}

/** The configuration's fusion and cross-encoder fields for a checkpoint with these keys. */
export function planLaterStages(
  keys: Iterable<string>,
  cfg: T2VLPConfig,
  fusion: boolean | undefined,
  explicit: Partial<T2VLPConfig> = {},
): LaterStagePlan {
  const all = [...keys];
  const hasFusionKeys = all.some(isFusionKey);
  const withFusion = fusion ?? hasFusionKeys;
  const fusionLayers = countBlocks(all, 'clip.fusion_transformer.resblocks.') || cfg.textLayers;
  const crossLayers = countBlocks(all, 'cross.transformer.resblocks.');
  const config: T2VLPConfig = {
    ...cfg,
    fusion: withFusion,
    fusionLayers,
    fusionRunLayers: Math.min(cfg.fusionRunLayers, fusionLayers),
    crossLayers,
    // 'tight' without the cross encoder's keys is left for validateConfig to reject.
    similarity: explicit.similarity ?? (crossLayers > 0 ? 'tight' : 'meanP'),
  };
  return {
    config: validateConfig(config),
    freshFusion: withFusion && !hasFusionKeys,
    drop: (k) => (!withFusion && isFusionKey(k)) || (crossLayers === 0 && isCrossKey(k)),
  };
}

/** Throws FUSION_KEYS_MISSING when the checkpoint has some but not all of the fusion encoder's keys. */
export function checkFusionComplete(missing: string[], plan: LaterStagePlan, file: string): void {
  if (!plan.config.fusion || plan.freshFusion) return;
  const lacking = missing.filter(isFusionKey);
  if (lacking.length === 0) return;
  const shown = lacking.slice(0, 20).join(', ') + (lacking.length > 20 ? `, ... (${lacking.length - 20} more)` : '');
  throw new FusionError(
    'FUSION_KEYS_MISSING',
    `T2VLP.load: ${file} has some of the fusion encoder's parameters but not all; missing (${lacking.length}): ${shown}. ` +
      'Use a complete stage-2/downstream checkpoint, or load with { fusion: false } to drop the fusion encoder ' +
      '(or { fusion: true } from a checkpoint with no fusion key to start stage 2 fresh).',
    lacking,
  );
}
