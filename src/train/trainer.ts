/**
 * The training loop of every pre-training and retrieval objective (objectives.ts; the preset's
 * `objective` picks stage 1, stage 2 or retrieval fine-tuning): BERT-style Adam with the
 * reference's parameter groups and warmup schedule, gradient accumulation, global gradient
 * clipping, the logit-scale clamp, data-parallel gradient averaging across processes (the
 * contrastive loss and the hard negatives see the global batch through the all-gather), atomic
 * checkpoints with everything needed to resume exactly, progress output and a metrics file.
 * Only rank 0 writes checkpoints and logs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import {
  batchToTensors,
  collate,
  DataLoader,
  modelItemLoader,
  type ClipTokenizer,
  type ModelItem,
  type Sample,
  type SkipReport,
  type TextStyle,
  type VideoReader,
} from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { dist, scope } from '../torch/index.js';
import { makeSchedule } from '../torch/optim/index.js';
import { hasCheckpoint, loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainState } from './checkpoint.js';
import { TrainingError } from './errors.js';
import { OBJECTIVE_SPECS } from './objectives.js';
import type { TrainSettings } from './presets.js';
import { Progress } from './progress.js';
import { applyStep, createOptimizer, microStep } from './train-step.js';

export interface TrainRunOptions {
  model: T2VLP;
  samples: readonly Sample[];
  tokenizer: ClipTokenizer;
  videos: VideoReader;
  settings: TrainSettings;
  /** Caption rows as the source's loader builds them ('webvid' drops id 0; docs/DATA.md). */
  textStyle?: TextStyle;
  /** Checkpoints and metrics go here (rank 0). */
  outDir: string;
  /** Also checkpoint every this many optimizer steps (0: only at epoch ends). */
  checkpointEvery?: number;
  /** Continue from outDir's last checkpoint when there is one. */
  resume?: boolean;
  /** Stop after this many optimizer steps in total (for tests and time-boxed runs). */
  maxSteps?: number;
  progress?: Progress;
  /**
   * Activation checkpointing of the visual blocks for this run (docs/TRAINING.md "Activation
   * checkpointing"); default: as the model is set.
   */
  checkpointActivations?: boolean;
  /** Called on every rank after each epoch. */
  onEpochEnd?: (epoch: number) => Promise<void> | void;
  signal?: AbortSignal;
}

export interface TrainResult {
  steps: number;
  totalSteps: number;
  /** Mean loss of each optimizer step run by this call. */
  losses: number[];
  /** The same per loss term of the objective (e.g. `terms.vtm[i]` of step i). */
  terms: Record<string, number[]>;
  skipped: SkipReport;
  seconds: number;
}

export async function trainModel(o: TrainRunOptions): Promise<TrainResult> {
  const s = o.settings;
  const { model } = o;
  const objective = OBJECTIVE_SPECS[s.objective];
  if (!objective)
    throw new TrainingError('BAD_OPTION', `train: unknown objective '${String(s.objective)}'; expected one of ${Object.keys(OBJECTIVE_SPECS).join(', ')}`);
  if (objective.needsFusion && !model.hasFusion)
    throw new TrainingError(
      'NO_FUSION',
      `train: the ${s.objective} objective (${objective.describe}) needs the fusion encoder, but the model has none ` +
        `(a stage-1 checkpoint). Start from a stage-2 checkpoint ('t2vlp train --preset fusion --init STAGE1' makes one; ` +
        `T2VLP.load(path, { fusion: true }) adds fresh fusion parameters), or train sim + align only (--objective stage1).`,
    );
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const perStep = s.batchSize / world;
  const perMicro = perStep / s.gradAccum;
  if (!Number.isInteger(perMicro) || perMicro < 1)
    throw new TrainingError('BAD_OPTION', `train: batch size ${s.batchSize} must divide into ${world} processes × ${s.gradAccum} accumulation steps`);
  if (o.samples.length < s.batchSize)
    throw new TrainingError('NO_DATA', `train: ${o.samples.length} training samples is fewer than one batch of ${s.batchSize}`);

  const loader = new DataLoader<Sample, ModelItem>(
    o.samples,
    modelItemLoader({ tokenizer: o.tokenizer, videos: o.videos, maxWords: s.maxWords, textStyle: o.textStyle, mlmLabels: objective.mlmLabels }),
    { batchSize: perMicro, shuffle: true, seed: s.seed, rank, worldSize: world, dropLast: true, concurrency: 2, prefetchBatches: 2 },
  );
  const stepsPerEpoch = Math.floor(loader.batchesPerEpoch / s.gradAccum);
  const totalSteps = stepsPerEpoch * s.epochs;
  const optimizer = createOptimizer(model, s);
  const schedule = makeSchedule(s.schedule, totalSteps, s.warmup);
  const params = optimizer.parameters();
  const settingsHash = createHash('sha256').update(JSON.stringify({ s, n: o.samples.length, world })).digest('hex').slice(0, 16);
  const progress = o.progress ?? new Progress({ quiet: rank !== 0 });
  if (rank === 0) mkdirSync(o.outDir, { recursive: true });

  let step = 0;
  if (o.resume && hasCheckpoint(o.outDir)) {
    const st = await loadTrainingCheckpoint(o.outDir, model, optimizer, settingsHash);
    step = st.step;
    loader.restore(st.position);
    progress.event('resume', { step, position: st.position });
  } else {
    dist.broadcastParameters(params);
  }

  const save = async (position: TrainState['position']) => {
    if (rank === 0) await saveTrainingCheckpoint(o.outDir, model, optimizer, { step, position, settingsHash });
  };

  const hadCheckpointing = model.activationCheckpointing;
  if (o.checkpointActivations !== undefined) model.setActivationCheckpointing(o.checkpointActivations);
  model.train();
  const started = Date.now();
  const losses: number[] = [];
  const termHistory: Record<string, number[]> = Object.fromEntries(objective.terms.map((n) => [n, []]));
  let samplesSeen = 0;
  let micro = 0;
  const zero = () => ({ loss: 0, terms: Object.fromEntries(objective.terms.map((n) => [n, 0])) as Record<string, number> });
  let acc = zero();
  const stepLimit = Math.min(totalSteps, o.maxSteps ?? Infinity);
  try {
    while (loader.position.epoch < s.epochs && step < stepLimit) {
      const epoch = loader.position.epoch;
      for await (const batch of loader.epoch({ signal: o.signal })) {
        const parts = scope(() =>
          microStep(model, objective, batchToTensors(collate(batch.items)), { worldSize: world, rank, allGather: dist.allGatherWithGrad }, s.gradAccum),
        );
        if (!Number.isFinite(parts.loss))
          throw new TrainingError(
            'NAN_LOSS',
            `train (${s.objective}): the loss is ${parts.loss} at step ${step + 1} (epoch ${epoch}, samples ${batch.sampleIndices.join(',')}); ` +
              `lower the learning rate or check these inputs. The last checkpoint in ${o.outDir} is intact.`,
          );
        acc.loss += parts.loss;
        for (const n of objective.terms) acc.terms[n]! += parts.terms[n]!;
        samplesSeen += batch.items.length * world;
        if (++micro % s.gradAccum !== 0) continue;
        const lrScale = schedule(step);
        applyStep(model, optimizer, params, { maxGradNorm: s.maxGradNorm, lrScale });
        step++;
        const k = s.gradAccum;
        losses.push(acc.loss / k);
        for (const n of objective.terms) termHistory[n]!.push(acc.terms[n]! / k);
        const secs = (Date.now() - started) / 1000;
        progress.step({
          step,
          totalSteps,
          epoch,
          loss: acc.loss / k,
          terms: Object.fromEntries(objective.terms.map((n) => [n, acc.terms[n]! / k])),
          lr: s.lr * lrScale,
          samplesPerSec: samplesSeen / Math.max(secs, 1e-9),
          etaSec: (secs / losses.length) * (stepLimit - step),
        });
        acc = zero();
        if (o.checkpointEvery && step % o.checkpointEvery === 0) await save(batch.position);
        if (step >= stepLimit) {
          await save(batch.position);
          break;
        }
      }
      if (step >= stepLimit && loader.position.epoch === epoch) break;
      await save(loader.position);
      await o.onEpochEnd?.(epoch);
    }
  } finally {
    model.setActivationCheckpointing(hadCheckpointing);
    model.eval();
    optimizer.disposeState();
  }
  const skipped = loader.report();
  if (skipped.skipped > 0) progress.event('skipped', { ...skipped });
  return { steps: step, totalSteps, losses, terms: termHistory, skipped, seconds: (Date.now() - started) / 1000 };
}

/** @deprecated The loop trains every objective now: use {@link trainModel} (same options; the preset's `objective` decides). */
export const trainStage1 = trainModel;
