/**
 * What `t2vlp eval --task caption|qa` reads besides the model (docs/EVAL.md "Captioning and QA
 * evaluation"): the split's samples through the dataset readers, the answer vocabulary of a QA
 * checkpoint (beside it, as `t2vlp train` writes it), the video reader (short videos fill every frame slot, as the caption and QA loaders
 * do; docs/DATA.md §5), where the predictions go, and the untrained baseline to compare with.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  qaSplitFolder,
  readCaptionSplit,
  readQaSplit,
  readQaTrainAnswers,
  VideoReader,
  type ClipTokenizer,
  type Dataset,
  type QaFormat,
} from '../data/index.js';
import { resetFusionEncoder } from '../eval/index.js';
import { InferenceError, loadModelForInference, videoReaderFor } from '../inference/index.js';
import { ANSWER_VOCABULARY_FILE, answerVocabularyBeside, readAnswerVocabulary, type AnswerVocabulary, type T2VLP } from '../model/index.js';
import type { Device } from '../torch/index.js';
import { UsageError } from './args.js';
import type { EvalArgs } from './commands/eval.js';

export type EvalSplit = 'test' | 'val';

/** The parsed `t2vlp eval` options and the paths checked by the command. */
export interface TaskRun {
  args: EvalArgs;
  /** Frames per second sampled (--fps, default 1 for caption and QA as the reference scripts). */
  fps: number;
  checkpoint: string;
  data: string;
  videoDir: string;
  split: EvalSplit;
}

/** Caption references: `readCaptionSplit` (docs/DATA.md §8) for --dataset msrvtt or msvd. */
export async function readCaptionEvalSplit(dataset: string, dataDir: string, split: EvalSplit, videoDir: string): Promise<Dataset> {
  if (dataset !== 'msrvtt' && dataset !== 'msvd') throw new UsageError(`--task caption reads --dataset msrvtt or msvd, got '${dataset}'`);
  return readCaptionSplit(dataset, dataDir, split, { videoDir });
}

/**
 * Questions of the split (`readQaSplit`, docs/DATA.md §8: --dataset msrvtt is MSRVTT-QA, msvd
 * MSVD-QA), the training answers when the train file is there (for the chance level), and the
 * folder the questions came from.
 */
export async function readQaEvalSplit(
  dataset: string,
  dataDir: string,
  split: EvalSplit,
  videoDir: string,
): Promise<{ dataset: Dataset; trainAnswers: string[]; folder: string }> {
  if (dataset !== 'msrvtt' && dataset !== 'msvd') throw new UsageError(`--task qa reads --dataset msrvtt (MSRVTT-QA) or msvd (MSVD-QA), got '${dataset}'`);
  const format: QaFormat = dataset === 'msvd' ? 'msvd-qa' : 'msrvtt-qa';
  const d = await readQaSplit(format, dataDir, split, { videoDir, strict: true });
  const trainAnswers = await readQaTrainAnswers(format, dataDir, { videoDir });
  return { dataset: d, trainAnswers, folder: qaSplitFolder(format, dataDir, split) };
}

export interface AnswerChoice {
  /** undefined: single-token answers (the reference). */
  vocabulary?: AnswerVocabulary;
  /** Where it came from: a file, the checkpoint, or 'tokens'. */
  source: string;
}

/**
 * The answers a QA checkpoint chooses among: `--answers FILE` (an ans2label JSON), `--answers
 * tokens` (single tokens of the CLIP vocabulary, as the reference), else the vocabulary `t2vlp
 * train` saves beside a QA checkpoint (`answerVocabularyBeside`); without one the checkpoint is
 * refused, naming both flags.
 */
export async function answerChoice(answers: string | undefined, checkpoint: string, tokenizer: ClipTokenizer): Promise<AnswerChoice> {
  if (answers === 'tokens') return { source: 'tokens' };
  const file = answers ?? answerVocabularyBeside(checkpoint);
  if (file === undefined)
    throw new InferenceError(
      'NO_HEAD',
      `eval --task qa: checkpoint '${checkpoint}' has no answer vocabulary beside it ('${join(dirname(checkpoint), ANSWER_VOCABULARY_FILE)}', written by 't2vlp train --preset msrvtt-qa'); ` +
        `pass the vocabulary it was trained with (--answers DIR/qa/train_ans2label.json) or --answers tokens for single-token answers as the reference`,
    );
  if (!existsSync(file)) throw new InferenceError('NOT_FOUND', `--answers '${file}' does not exist; pass an ans2label JSON (e.g. DIR/qa/train_ans2label.json) or 'tokens'`);
  return { vocabulary: await readAnswerVocabulary(file, (t) => tokenizer.encode(t)), source: file };
}

/** Why each task needs the fusion encoder, and what to evaluate instead. */
const NEEDS_FUSION = {
  caption: "so it cannot caption; evaluate a caption checkpoint (from 't2vlp train --preset msrvtt-caption' or 'msvd-caption')",
  qa: "so it has no answer head; evaluate a QA checkpoint (from 't2vlp train --preset msrvtt-qa' or 'msvd-qa')",
} as const;

/** The evaluated model; a checkpoint without a fusion encoder (stage 1) is refused, and freed. */
export async function loadTaskModel(task: keyof typeof NEEDS_FUSION, checkpoint: string, dtype: 'float32' | 'bfloat16' | 'int8', device?: Device): Promise<T2VLP> {
  const model = await loadModelForInference(checkpoint, { dtype, device });
  if (!model.hasFusion) {
    model.dispose();
    throw new InferenceError('NO_HEAD', `eval --task ${task}: checkpoint '${checkpoint}' has no fusion encoder (a stage-1 model), ${NEEDS_FUSION[task]}`);
  }
  return model;
}

/** The model's sampling with short videos filling every slot (caption and QA loaders, docs/DATA.md §5). */
export function taskVideoReader(model: T2VLP, o: { frames?: number; fps: number; concurrency: number }): VideoReader {
  return new VideoReader({ ...videoReaderFor(model, o).options, fill: 'repeat' });
}

/** `--predictions`, or CKPT's folder: <checkpoint name>.<task>-<split>-predictions.json. */
export function predictionsPath(given: string | undefined, checkpoint: string, task: string, split: string): string {
  if (given) return given;
  const name = basename(checkpoint).replace(/\.(safetensors|pt|pth|bin)$/, '');
  return join(dirname(checkpoint), `${name}.${task}-${split}-predictions.json`);
}

export type BaselineKind = { kind: 'fresh' } | { kind: 'checkpoint'; checkpoint: string } | { kind: 'none' };

export function baselineOf(flag: string): BaselineKind {
  if (flag === 'none') return { kind: 'none' };
  if (flag === 'fresh') return { kind: 'fresh' };
  if (!existsSync(flag)) throw new UsageError(`--baseline '${flag}' does not exist; pass 'fresh' (default), 'none' or a checkpoint`);
  return { kind: 'checkpoint', checkpoint: flag };
}

/**
 * The baseline model, after the evaluated model is done with: `fresh` re-initialises `model`'s
 * fusion encoder in place (seed 0) and returns it; a checkpoint is loaded (and `model` disposed).
 */
export async function baselineModel(b: BaselineKind, model: T2VLP, dtype: 'float32' | 'bfloat16' | 'int8', device?: Device): Promise<T2VLP> {
  if (b.kind === 'fresh') {
    resetFusionEncoder(model, { seed: 0 });
    return model;
  }
  if (b.kind !== 'checkpoint') throw new Error('baselineModel: no baseline');
  const other = await loadModelForInference(b.checkpoint, { dtype, device });
  if (!other.hasFusion) {
    other.dispose();
    throw new InferenceError('NO_HEAD', `--baseline '${b.checkpoint}' has no fusion encoder (a stage-1 checkpoint); pass a stage-2 or fine-tuned checkpoint, 'fresh' or 'none'`);
  }
  model.dispose();
  return other;
}
