/**
 * Loading a model for inference from a path a user typed: the file must exist and be a T2VLP
 * checkpoint (any format `T2VLP.load` reads). A missing file, an embeddings file passed by
 * mistake, or a file that is not a model give one InferenceError line naming the file.
 */
import { stat } from 'node:fs/promises';
import { ConfigError, T2VLP } from '../model/index.js';
import { CheckpointError, nn, type Device } from '../torch/index.js';
import { readSafetensorsHeader } from '../torch/io/index.js';
import { EMBEDDINGS_FORMAT } from './embeddings.js';
import { InferenceError } from './errors.js';

export interface LoadForInferenceOptions {
  /** Weights dtype: 'float32' (default), 'bfloat16', or 'int8' (dynamic int8 Linear layers, CPU). */
  dtype?: 'float32' | 'bfloat16' | 'int8';
  /** Where the model computes (default 'cpu'); its methods move inputs there. */
  device?: Device;
}

async function isEmbeddingsFile(path: string): Promise<boolean> {
  try {
    return (await readSafetensorsHeader(path)).metadata.format === EMBEDDINGS_FORMAT;
  } catch {
    return false;
  }
}

/** `T2VLP.load` in eval mode, with user-facing errors (InferenceError NOT_FOUND / NOT_A_MODEL). */
export async function loadModelForInference(
  path: string,
  o: LoadForInferenceOptions = {},
): Promise<T2VLP> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InferenceError('NOT_FOUND', `checkpoint '${path}' does not exist`);
  if (st.isDirectory())
    throw new InferenceError(
      'NOT_A_MODEL',
      `checkpoint '${path}' is a folder; expected a checkpoint file`,
    );
  try {
    const model = (await T2VLP.load(path, { dtype: o.dtype })).eval();
    if (!o.device || o.device === 'cpu') return model;
    try {
      return model.to(o.device);
    } catch (e) {
      model.dispose();
      throw e;
    }
  } catch (e) {
    if (!(
      e instanceof CheckpointError ||
      e instanceof ConfigError ||
      e instanceof nn.StateDictError
    ))
      throw e;
    if (await isEmbeddingsFile(path))
      throw new InferenceError(
        'NOT_A_MODEL',
        `'${path}' is an embeddings file (from 't2vlp encode'), not a model checkpoint; pass a checkpoint to --checkpoint`,
        { cause: e },
      );
    const why = e.message.split('\n').slice(0, 4).join('; ');
    throw new InferenceError('NOT_A_MODEL', `'${path}' is not a T2VLP checkpoint: ${why}`, {
      cause: e,
    });
  }
}
