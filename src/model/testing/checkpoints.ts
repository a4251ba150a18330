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

/**
 * The caption model of the fixtures (README "Parameters"): params_stage1 + params_stage2 with a
 * 49408-row token embedding (rows 0..999 from stage 1, 1000..49405 zero, 49406/49407 from
 * caption_head's `param.token_embedding_special_rows`) and caption_head's `clip.fusion_logit_bias`.
 */
export async function captionCheckpoint(dir: string): Promise<string> {
  const all = new Map<string, RawTensor>();
  for (const file of ['params_stage1.safetensors', 'params_stage2.safetensors'])
    for (const [k, v] of (await readSafetensors(REFERENCE_DIR + file)).tensors) all.set(k, v);
  const cap = (await readSafetensors(REFERENCE_DIR + 'caption_head.safetensors')).tensors;
  const emb = all.get('clip.token_embedding.weight')!;
  const W = emb.shape[1]!;
  const V = 49408;
  const data = new Uint8Array(V * W * 4);
  data.set(emb.data, 0);
  data.set(cap.get('param.token_embedding_special_rows')!.data, (V - 2) * W * 4);
  all.set('clip.token_embedding.weight', { dtype: 'float32', shape: [V, W], data });
  all.set('clip.fusion_logit_bias', cap.get('param.clip.fusion_logit_bias')!);
  const path = join(dir, 'caption.safetensors');
  await writeSafetensors(path, all);
  return path;
}
