/**
 * Where a Hugging Face model folder keeps its files: `save_pretrained` writes `config.json` and
 * `model.safetensors` (older versions `pytorch_model.bin`). `T2VLP.load` accepts the folder or
 * the weights file itself; in both cases `config.json` is looked for beside the weights.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheckpointError } from '../torch/io/index.js';

export const HF_WEIGHTS = ['model.safetensors', 'pytorch_model.bin'] as const;
export const HF_CONFIG = 'config.json';

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** `path` itself, or for a folder its weights file; a folder without one gets a NOT_FOUND CheckpointError. */
export async function weightsFileOf(path: string): Promise<string> {
  const s = await stat(path).catch(() => null);
  if (!s?.isDirectory()) return path;
  for (const name of HF_WEIGHTS) if (await isFile(join(path, name))) return join(path, name);
  const found = (await readdir(path)).sort();
  const sharded = found.includes('model.safetensors.index.json')
    ? ' It holds a sharded checkpoint (model.safetensors.index.json), which t2vlp does not read: merge the shards into one model.safetensors.'
    : '';
  throw new CheckpointError(
    'NOT_FOUND',
    path,
    `T2VLP.load: folder '${path}' has no ${HF_WEIGHTS.join(' or ')}; a Hugging Face CLIP folder (save_pretrained) has config.json and model.safetensors.${sharded} Found: ${found.length ? found.slice(0, 20).join(', ') : 'nothing'}. Pass the folder of a CLIPModel or a checkpoint file.`,
  );
}

/** The `config.json` beside a weights file, or null when there is none. */
export async function configBeside(weightsFile: string): Promise<string | null> {
  const path = join(dirname(weightsFile), HF_CONFIG);
  return (await isFile(path)) ? path : null;
}
