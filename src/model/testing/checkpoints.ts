/**
 * Checkpoints assembled from the reference fixtures for tests: the fusion-stage model is
 * params_stage1 + params_stage2 (fixtures README, "Parameters"); the tightTransf model is
 * params_stage1 + the `param.*` tensors of stage1_tight. Written as one safetensors file in `dir`.
 */
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type RawTensor } from '../../torch/io/index.js';
import { REFERENCE_DIR } from './parity.js';

async function merged(dir: string, name: string, parts: { file: string; strip?: string }[]): Promise<string> {
  const all = new Map<string, RawTensor>();
  for (const p of parts) {
    const r = await readSafetensors(REFERENCE_DIR + p.file);
    for (const [k, v] of r.tensors) {
      if (p.strip === undefined) all.set(k, v);
      else if (k.startsWith(p.strip)) all.set(k.slice(p.strip.length), v);
    }
  }
  const path = join(dir, name);
  await writeSafetensors(path, all);
  return path;
}

/** params_stage1 + params_stage2: the fusion-stage (and retrieval) model of the fixtures. */
export const fusionCheckpoint = (dir: string): Promise<string> =>
  merged(dir, 'fusion.safetensors', [{ file: 'params_stage1.safetensors' }, { file: 'params_stage2.safetensors' }]);

/** params_stage1 + stage1_tight's cross encoder. */
export const tightCheckpoint = (dir: string): Promise<string> =>
  merged(dir, 'tight.safetensors', [{ file: 'params_stage1.safetensors' }, { file: 'stage1_tight.safetensors', strip: 'param.' }]);
