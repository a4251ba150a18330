/**
 * Training checkpoints: one safetensors file holding the model (`model.*`), the optimizer state
 * (`optim.*`), the random generator state (`rng`) and, in the metadata, the step, the data
 * position, the optimizer's hyper-parameters and the model configuration. Written atomically
 * (temp file, then rename), so a run killed at any moment leaves the previous checkpoint intact;
 * `--resume` continues from it and reaches the same parameters as an uninterrupted run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataPosition } from '../data/index.js';
import { CONFIG_METADATA_KEY, type T2VLP } from '../model/index.js';
import { getRngState, loadSafetensors, saveTensors, setRngState, disposeAll, type Tensor } from '../torch/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import { TrainingError } from './errors.js';

export interface TrainState {
  /** Optimizer steps taken. */
  step: number;
  /** Where the data loader resumes. */
  position: DataPosition;
  /** Settings the run was started with (checked on resume). */
  settingsHash: string;
}

export const LAST_CHECKPOINT = 'checkpoint-last.safetensors';

export async function saveTrainingCheckpoint(
  dir: string,
  model: T2VLP,
  optimizer: Optimizer,
  state: TrainState,
): Promise<string> {
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) tensors.set(`model.${k}`, t);
  const opt = optimizer.stateDict();
  for (const [k, t] of opt.tensors) tensors.set(`optim.${k}`, t);
  const rng = getRngState();
  tensors.set('rng', rng);
  const path = join(dir, LAST_CHECKPOINT);
  try {
    await saveTensors(path, tensors, {
      format: 't2vlp-train',
      [CONFIG_METADATA_KEY]: JSON.stringify(model.config),
      train_state: JSON.stringify(state),
      optimizer: JSON.stringify(opt.meta),
    });
  } finally {
    rng.dispose();
  }
  return path;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, LAST_CHECKPOINT));
}

/** Restores model, optimizer and RNG from `dir`'s last checkpoint; returns the saved state. */
export async function loadTrainingCheckpoint(dir: string, model: T2VLP, optimizer: Optimizer, settingsHash: string): Promise<TrainState> {
  const path = join(dir, LAST_CHECKPOINT);
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== 't2vlp-train' || !metadata.train_state)
      throw new TrainingError('RESUME_MISMATCH', `resume: ${path} is not a t2vlp training checkpoint`);
    const state = JSON.parse(metadata.train_state) as TrainState;
    if (state.settingsHash !== settingsHash)
      throw new TrainingError(
        'RESUME_MISMATCH',
        `resume: ${path} was written with other settings; resume with the same options or start a new --out folder`,
      );
    const modelTensors = new Map<string, Tensor>();
    const optTensors = new Map<string, Tensor>();
    for (const [k, t] of tensors) {
      if (k.startsWith('model.')) modelTensors.set(k.slice(6), t);
      else if (k.startsWith('optim.')) optTensors.set(k.slice(6), t);
    }
    model.loadStateDict(modelTensors, { source: path });
    optimizer.loadStateDict({ meta: JSON.parse(metadata.optimizer!), tensors: optTensors });
    const rng = tensors.get('rng');
    if (rng) setRngState(rng);
    return state;
  } finally {
    disposeAll(tensors);
  }
}
