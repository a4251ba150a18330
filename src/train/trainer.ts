/**
 * The training loop of every objective (objectives.ts; the preset's `objective` picks stage 1,
 * stage 2, retrieval, captioning or QA fine-tuning): BERT-style Adam with the
 * reference's parameter groups and warmup schedule, gradient accumulation, global gradient
 * clipping, the logit-scale clamp, data-parallel gradient averaging across processes (the
 * contrastive loss and the hard negatives see the global batch through the all-gather), atomic
 * checkpoints with everything needed to resume exactly, progress output and a metrics file.
 * Only rank 0 writes checkpoints and logs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
import { ANSWER_VOCABULARY_FILE, writeAnswerVocabulary, type AnswerVocabulary, type T2VLP } from '../model/index.js';
import { dist, scope } from '../torch/index.js';
import { GradScaler, makeSchedule, type GradScalerOptions } from '../torch/optim/index.js';
import { hasCheckpoint, loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainState } from './checkpoint.js';
import { TrainingError } from './errors.js';
import { OBJECTIVE_SPECS } from './objectives.js';
import { qaTrainingSamples } from './qa-samples.js';
import type { TrainSettings } from './presets.js';
import { Progress } from './progress.js';
import { AMP_DTYPES, applyStep, createOptimizer, microStep, type AmpMode } from './train-step.js';

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
  /**
   * Mixed precision (docs/ARCHITECTURE.md "Precisions"): the forward pass and loss run under autocast
   * on the model's device, matmuls in bfloat16 ('bf16') or float16 ('fp16', with dynamic loss
   * scaling); weights, gradients and the optimizer stay float32. Default: off (float32).
   */
  amp?: AmpMode;
  /** Loss-scaler settings for 'fp16' (tests); defaults are PyTorch's. */
  gradScaler?: GradScalerOptions;
  progress?: Progress;
  /**
   * Activation checkpointing of the visual blocks for this run (docs/TRAINING.md "Activation
   * checkpointing"); default: as the model is set.
   */
  checkpointActivations?: boolean;
  /** Called on every rank after each epoch. */
  onEpochEnd?: (epoch: number) => Promise<void> | void;
  signal?: AbortSignal;
  /**
   * QA: the whole-answer vocabulary to train over (samples are labelled from it, answers outside
   * it left out and counted); written to `outDir/train_ans2label.json`. Without: first-token answers.
   */
  answers?: AnswerVocabulary;
}

export type { AmpMode } from './train-step.js';

export interface TrainResult {
  /** Optimizer steps skipped by the fp16 loss scaler (inf/NaN gradients) over the whole run, those before a resume included; 0 otherwise. */
  skippedSteps: number;
  /** fp16: the loss scaler's factor after the last step (restored with the checkpoint on resume); undefined otherwise. */
  lossScale?: number;
  steps: number;
  totalSteps: number;
  /** Mean loss of each optimizer step run by this call. */
  losses: number[];
  /** The same per loss term of the objective (e.g. `terms.vtm[i]` of step i). */
  terms: Record<string, number[]>;
  skipped: SkipReport;
  seconds: number;
  /** QA with an answer vocabulary: training samples left out because their answer is not in it. */
  outOfVocabulary?: number;
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
  if (model.quantized)
    throw new TrainingError(
      'BAD_OPTION',
      "train: the model's Linear layers are quantized to int8 (model.quantize('int8') / --dtype int8), which is for inference only; " +
        'train the float32 model, with amp: bf16 (--amp bf16) for speed',
    );
  const question = objective.needsCaptions ? o.samples.findIndex((x) => x.qa) : -1;
  if (question >= 0)
    throw new TrainingError(
      'BAD_OPTION',
      `train (${s.objective}): sample ${question} (video '${o.samples[question]!.videoId}') is a question-answer pair, not a caption; ` +
        `train captioning on a caption dataset (--dataset msvd or msrvtt)`,
    );
  const qa = objective.needsQa ? qaTrainingSamples(o.samples, o.answers) : undefined;
  const samples = qa?.samples ?? o.samples;
  const answers = qa ? o.answers : undefined;
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const perStep = s.batchSize / world;
  const perMicro = perStep / s.gradAccum;
  if (!Number.isInteger(perMicro) || perMicro < 1)
    throw new TrainingError('BAD_OPTION', `train: batch size ${s.batchSize} must divide into ${world} processes × ${s.gradAccum} accumulation steps`);
  if (samples.length < s.batchSize)
    throw new TrainingError(
      'NO_DATA',
      `train: ${samples.length} training samples is fewer than one batch of ${s.batchSize}` +
        (qa?.outOfVocabulary ? ` (${qa.outOfVocabulary} QA samples left out: answer not in the vocabulary of ${answers!.size})` : ''),
    );

  const loader = new DataLoader<Sample, ModelItem>(
    samples,
    modelItemLoader({ tokenizer: o.tokenizer, videos: o.videos, maxWords: s.maxWords, textStyle: o.textStyle, mlmLabels: objective.mlmLabels }),
    { batchSize: perMicro, shuffle: true, seed: s.seed, rank, worldSize: world, dropLast: true, concurrency: 2, prefetchBatches: 2 },
  );
  const stepsPerEpoch = Math.floor(loader.batchesPerEpoch / s.gradAccum);
  const totalSteps = stepsPerEpoch * s.epochs;
  const optimizer = createOptimizer(model, s);
  const schedule = makeSchedule(s.schedule, totalSteps, s.warmup);
  const params = optimizer.parameters();
  const settingsHash = createHash('sha256').update(JSON.stringify({ s, n: samples.length, world, answers: answers?.size })).digest('hex').slice(0, 16);
  const progress = o.progress ?? new Progress({ quiet: rank !== 0 });
  if (rank === 0) mkdirSync(o.outDir, { recursive: true });
  if (rank === 0 && answers) await writeAnswerVocabulary(join(o.outDir, ANSWER_VOCABULARY_FILE), answers);

  const amp = o.amp;
  if (amp !== undefined && !(amp in AMP_DTYPES))
    throw new TrainingError('BAD_OPTION', `train: amp must be 'bf16' or 'fp16', got '${String(amp)}'`);
  const scaler = amp === 'fp16' ? new GradScaler(o.gradScaler) : null;

  let step = 0;
  if (o.resume && hasCheckpoint(o.outDir)) {
    const st = await loadTrainingCheckpoint(o.outDir, model, optimizer, settingsHash, { amp, scaler });
    step = st.step;
    loader.restore(st.position);
    if (rank === 0) await progress.startAt(step);
    progress.event('resume', { step, position: st.position, ...(scaler ? { lossScale: scaler.scaleFactor } : {}) });
  } else {
    if (rank === 0) await progress.startAt(0);
    dist.broadcastParameters(params);
  }
  // After startAt, which cuts the metrics file back: the run's own events come after it.
  if (qa?.outOfVocabulary) progress.event('out-of-vocabulary', { left: qa.outOfVocabulary, kept: samples.length, vocabulary: answers!.size });

  const save = async (position: TrainState['position']) => {
    if (rank === 0) await saveTrainingCheckpoint(o.outDir, model, optimizer, { step, position, settingsHash, amp: amp ?? 'off' }, scaler);
  };

  // On CUDA the frames go through pinned host memory: the copy to the GPU does not wait.
  const onCuda = model.device !== 'cpu';
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
          microStep(model, objective, batchToTensors(collate(batch.items), { pinVideo: onCuda }), { worldSize: world, rank, allGather: dist.allGatherWithGrad }, s.gradAccum, {
            amp,
            scaler,
            context: { answers },
          }),
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
        applyStep(model, optimizer, params, { maxGradNorm: s.maxGradNorm, lrScale, scaler });
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
  return {
    skippedSteps: scaler?.skippedSteps ?? 0,
    lossScale: scaler?.scaleFactor,
    steps: step,
    totalSteps,
    losses,
    terms: termHistory,
    skipped,
    seconds: (Date.now() - started) / 1000,
    outOfVocabulary: qa && answers ? qa.outOfVocabulary : undefined,
  };
}

/** @deprecated The loop trains every objective now: use {@link trainModel} (same options; the preset's `objective` decides). */
export const trainStage1 = trainModel;
