/**
 * Training checkpoints: one safetensors file holding the model (`model.*`), the optimizer state
 * (`optim.*`), the random generator state (`rng`) and, in the metadata, the step, the data
 * position, the run's precision, the optimizer's hyper-parameters, the fp16 loss scaler's state
 * (`grad_scaler`, fp16 runs only) and the model configuration. Written atomically
 * (temp file, then rename), so a run killed at any moment leaves the previous checkpoint intact;
 * `--resume` continues from it and reaches the same parameters as an uninterrupted run. A resume
 * in another precision than the checkpoint's is refused (docs/TRAINING.md "Resuming mixed-precision runs").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataPosition } from '../data/index.js';
import { CONFIG_METADATA_KEY, type T2VLP } from '../model/index.js';
import { getRngState, loadSafetensors, saveTensors, setRngState, disposeAll, type Tensor } from '../torch/index.js';
import { GradScalerStateError, type GradScaler, type GradScalerState, type Optimizer } from '../torch/optim/index.js';
import { TrainingError } from './errors.js';
import type { AmpMode } from './train-step.js';

export interface TrainState {
  /** Optimizer steps taken. */
  step: number;
  /** Where the data loader resumes. */
  position: DataPosition;
  /** Settings the run was started with (checked on resume). */
  settingsHash: string;
  /**
   * The run's mixed precision ('off': float32), checked on resume. Absent in checkpoints written
   * before t2vlp recorded it, which are taken for float32 or bf16 (they hold no loss-scaler state).
   */
  amp?: AmpMode | 'off';
}

/** The precision a checkpoint is written and resumed in: trainModel's `amp`, and for 'fp16' the run's loss scaler. */
export interface CheckpointPrecision {
  amp?: AmpMode;
  /** 'fp16': the run's scaler, saved with the checkpoint and restored from it. */
  scaler?: GradScaler | null;
}

export const LAST_CHECKPOINT = 'checkpoint-last.safetensors';

export async function saveTrainingCheckpoint(
  dir: string,
  model: T2VLP,
  optimizer: Optimizer,
  state: TrainState,
  scaler?: GradScaler | null,
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
      ...(scaler ? { grad_scaler: JSON.stringify(scaler.stateDict()) } : {}),
    });
  } finally {
    rng.dispose();
  }
  return path;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, LAST_CHECKPOINT));
}

/**
 * Restores model, optimizer, RNG and (fp16) the loss scaler from `dir`'s last checkpoint; returns
 * the saved state. The checkpoint must have been written with the same settings and precision.
 */
export async function loadTrainingCheckpoint(
  dir: string,
  model: T2VLP,
  optimizer: Optimizer,
  settingsHash: string,
  precision: CheckpointPrecision = {},
): Promise<TrainState> {
  const path = join(dir, LAST_CHECKPOINT);
  const amp = precision.amp ?? 'off';
  if (amp === 'fp16' && !precision.scaler)
    throw new TrainingError('BAD_OPTION', `resume: amp 'fp16' needs the run's GradScaler to restore its state from ${path}; pass { amp: 'fp16', scaler }`);
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
    if (state.amp !== undefined && state.amp !== amp)
      throw new TrainingError(
        'RESUME_MISMATCH',
        `resume: ${path} was written by a run with --amp ${state.amp}, this run has --amp ${amp}; ` +
          `resume with --amp ${state.amp} (trainModel amp: ${state.amp === 'off' ? 'undefined' : `'${state.amp}'`}), or start a new --out folder to train in another precision`,
      );
    if (precision.scaler) loadScaler(precision.scaler, metadata.grad_scaler, path);
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

/** Restores the fp16 loss scaler (before the model, so a refused state leaves the model untouched). */
function loadScaler(scaler: GradScaler, saved: string | undefined, path: string): void {
  if (saved === undefined)
    throw new TrainingError(
      'RESUME_MISMATCH',
      `resume: ${path} holds no fp16 loss-scaler state (it was written by a float32 or bf16 run, or by a t2vlp that did not save it); ` +
        `resuming with --amp fp16 would restart the loss scale at ${scaler.scaleFactor} instead of continuing the run. ` +
        'Resume it without --amp fp16, or start a new --out folder',
    );
  try {
    scaler.loadStateDict(JSON.parse(saved) as GradScalerState);
  } catch (e) {
    if (!(e instanceof GradScalerStateError || e instanceof SyntaxError)) throw e;
    throw new TrainingError('RESUME_MISMATCH', `resume: the loss-scaler state in ${path} cannot be restored: ${e.message}`, { cause: e });
  }
}
