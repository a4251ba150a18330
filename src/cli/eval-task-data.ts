/**
 * What `t2vlp eval --task caption|qa` reads besides the model (docs/EVAL.md "Captioning and QA
 * evaluation"): the split's samples through the dataset readers, the answer vocabulary of a QA
 * checkpoint (beside it, as `t2vlp train` writes it), the video reader (short videos fill every frame slot, as the caption and QA loaders
 * do; docs/DATA.md §5), where the predictions go, and the untrained baseline to compare with.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  loadMsrvttCaptions,
  loadMsrvttQa,
  loadMsvd,
  loadMsvdQa,
  readAnswerVocab,
  VideoReader,
  type ClipTokenizer,
  type Dataset,
} from '../data/index.js';
import { resetFusionEncoder } from '../eval/index.js';
import { InferenceError, loadModelForInference, videoReaderFor } from '../inference/index.js';
import { AnswerVocabulary, type T2VLP } from '../model/index.js';
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

/** The answer vocabulary's file name: MSRVTT-QA's, and what `t2vlp train` writes beside a QA checkpoint. */
const ANSWER_FILE = 'train_ans2label.json';

/** Caption references: MSR-VTT layout (the synthetic dataset's) or MSVD's (raw-captions.pkl, or its JSON form). */
export async function readCaptionEvalSplit(dataset: string, dataDir: string, split: EvalSplit, videoDir: string): Promise<Dataset> {
  if (dataset === 'msrvtt') return loadMsrvttCaptions({ dataDir, videoDir, split });
  if (dataset === 'msvd') {
    const json = !existsSync(join(dataDir, 'raw-captions.pkl')) && existsSync(join(dataDir, 'raw-captions.json'));
    return loadMsvd({ dataDir, videoDir, split, captionsFile: json ? 'raw-captions.json' : undefined });
  }
  throw new UsageError(`--task caption reads --dataset msrvtt or msvd, got '${dataset}'`);
}

/** The folder with the QA files: DIR when it has the split's file, else DIR/qa (the synthetic dataset's layout). */
export function qaFolder(dataset: string, dataDir: string, split: string): string {
  const file = dataset === 'msvd' ? `${split}_qa.json` : `${split}.jsonl`;
  return !existsSync(join(dataDir, file)) && existsSync(join(dataDir, 'qa', file)) ? join(dataDir, 'qa') : dataDir;
}

/** MSVD-QA videos are .avi in the release; a folder of .mp4 only (converted, or synthetic) is read as such. */
function msvdVideoExt(videoDir: string): string {
  const names = existsSync(videoDir) ? readdirSync(videoDir) : [];
  return !names.some((n) => n.endsWith('.avi')) && names.some((n) => n.endsWith('.mp4')) ? '.mp4' : '.avi';
}

/** Questions of the split, and the training answers when the train file is there (for the chance level). */
export async function readQaEvalSplit(
  dataset: string,
  dataDir: string,
  split: EvalSplit,
  videoDir: string,
): Promise<{ dataset: Dataset; trainAnswers: string[]; folder: string }> {
  if (dataset !== 'msrvtt' && dataset !== 'msvd') throw new UsageError(`--task qa reads --dataset msrvtt (MSRVTT-QA) or msvd (MSVD-QA), got '${dataset}'`);
  const folder = qaFolder(dataset, dataDir, split);
  const ans2label = existsSync(join(folder, ANSWER_FILE)) ? ANSWER_FILE : undefined;
  const load = (s: 'train' | EvalSplit, strict: boolean) =>
    dataset === 'msvd'
      ? loadMsvdQa({ dataDir: folder, videoDir, split: s, strict, ans2label, videoExt: msvdVideoExt(videoDir) })
      : loadMsrvttQa({ dataDir: folder, videoDir, split: s, strict });
  const d = await load(split, true);
  const trainFile = join(folder, dataset === 'msvd' ? 'train_qa.json' : 'train.jsonl');
  const trainAnswers = existsSync(trainFile) ? (await load('train', false)).samples.map((s) => s.qa!.answer) : [];
  return { dataset: d, trainAnswers, folder };
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
 * train` saves beside a QA checkpoint (train_ans2label.json in its folder); without one the
 * checkpoint is refused, naming both flags.
 */
export async function answerChoice(answers: string | undefined, checkpoint: string, tokenizer: ClipTokenizer): Promise<AnswerChoice> {
  if (answers === 'tokens') return { source: 'tokens' };
  const beside = join(dirname(checkpoint), ANSWER_FILE);
  const file = answers ?? (existsSync(beside) ? beside : undefined);
  if (file === undefined)
    throw new InferenceError(
      'NO_HEAD',
      `eval --task qa: checkpoint '${checkpoint}' has no answer vocabulary beside it ('${beside}', written by 't2vlp train --preset msrvtt-qa'); ` +
        `pass the vocabulary it was trained with (--answers DIR/qa/train_ans2label.json) or --answers tokens for single-token answers as the reference`,
    );
  if (!existsSync(file)) throw new InferenceError('NOT_FOUND', `--answers '${file}' does not exist; pass an ans2label JSON (e.g. DIR/qa/train_ans2label.json) or 'tokens'`);
  const vocabulary = AnswerVocabulary.fromAns2Label(Object.fromEntries(await readAnswerVocab(file)), (t) => tokenizer.encode(t), file);
  return { vocabulary, source: file };
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
export async function baselineModel(b: BaselineKind, model: T2VLP, dtype: 'float32' | 'bfloat16' | 'int8'): Promise<T2VLP> {
  if (b.kind === 'fresh') {
    resetFusionEncoder(model, { seed: 0 });
    return model;
  }
  if (b.kind !== 'checkpoint') throw new Error('baselineModel: no baseline');
  const other = await loadModelForInference(b.checkpoint, { dtype });
  if (!other.hasFusion) {
    other.dispose();
    throw new InferenceError('NO_HEAD', `--baseline '${b.checkpoint}' has no fusion encoder (a stage-1 checkpoint); pass a stage-2 or fine-tuned checkpoint, 'fresh' or 'none'`);
  }
  model.dispose();
  return other;
}
