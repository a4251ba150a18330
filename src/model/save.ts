/**
 * Writing a t2vlp checkpoint: the state dict in safetensors (atomically), with the configuration
 * in the metadata so that `T2VLP.load` rebuilds the same model without inference.
 */
import { save } from '../torch/index.js';
import { CONFIG_METADATA_KEY } from './load.js';
import type { T2VLP } from './t2vlp.js';

export async function saveT2VLP(model: T2VLP, path: string, extra: Record<string, string> = {}): Promise<void> {
  await save(path, model.stateDict(), {
    format: 't2vlp',
    [CONFIG_METADATA_KEY]: JSON.stringify(model.config),
    // Also in the configuration (`fusion`); spelled out for tools that read metadata only.
    t2vlp_has_fusion: String(model.hasFusion),
    ...extra,
  });
}
