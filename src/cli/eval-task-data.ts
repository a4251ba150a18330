/**
 * What `t2vlp eval --task caption|qa` reads besides the model (docs/EVAL.md "Captioning and QA
 * evaluation"): the split's samples through the dataset readers, the answer vocabulary of a QA
 * checkpoint, the video reader (short videos fill every frame slot, as the caption and QA loaders
 * do; docs/DATA.md §5), where the predictions go, and the untrained baseline to compare with.
 */
import { existsSync } from 'node:fs';
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
import { readSafetensorsHeader } from '../torch/io/index.js';
import { UsageError } from './args.js';
import type { EvalArgs } from './commands/eval.js';

export type EvalSplit = 'test' | 'val';

/** The parsed `t2vlp eval` options and the paths checked by the command. */
export interface TaskRun {
  args: EvalArgs;
  checkpoint: string;
  data: string;
  videoDir: string;
  split: EvalSplit;
}

/** Checkpoint metadata key holding a QA model's answer vocabulary ({ answer: label } JSON). */
export const ANSWERS_METADATA_KEY = 't2vlp_answers';

/** Caption references: MSR-VTT layout (the synthetic dataset's) or MSVD's. */
export async function readCaptionSplit(dataset: string, dataDir: string, split: EvalSplit, videoDir: string): Promise<Dataset> {
  if (dataset === 'msrvtt') return loadMsrvttCaptions({ dataDir, videoDir, split });
  if (dataset === 'msvd') return loadMsvd({ dataDir, videoDir, split });
  throw new UsageError(`--task caption reads --dataset msrvtt or msvd, got '${dataset}'`);
}

/** The folder with the QA files: DIR/qa (the synthetic dataset's layout) when it has the split, else DIR. */
export function qaFolder(dataset: string, dataDir: string, split: string): string {
  const file = dataset === 'msvd' ? `${split}_qa.json` : `${split}.jsonl`;
  return existsSync(join(dataDir, 'qa', file)) ? join(dataDir, 'qa') : dataDir;
}

/** Questions of the split, and the training answers when the train file is there (for the chance level). */
export async function readQaSplit(
  dataset: string,
  dataDir: string,
  split: EvalSplit,
  videoDir: string,
): Promise<{ dataset: Dataset; trainAnswers: string[]; folder: string }> {
  if (dataset !== 'msrvtt' && dataset !== 'msvd') throw new UsageError(`--task qa reads --dataset msrvtt (MSRVTT-QA) or msvd (MSVD-QA), got '${dataset}'`);
  const folder = qaFolder(dataset, dataDir, split);
  const load = (s: 'train' | EvalSplit, strict: boolean) =>
    dataset === 'msvd' ? loadMsvdQa({ dataDir: folder, videoDir, split: s, strict }) : loadMsrvttQa({ dataDir: folder, videoDir, split: s, strict });
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
 * tokens` (single tokens of the CLIP vocabulary, as the reference), else the vocabulary saved in
 * the checkpoint's metadata; a checkpoint without one is refused, naming both flags.
 */
export async function answerChoice(answers: string | undefined, checkpoint: string, tokenizer: ClipTokenizer): Promise<AnswerChoice> {
  const encode = (t: string) => tokenizer.encode(t);
  if (answers === 'tokens') return { source: 'tokens' };
  if (answers !== undefined) {
    if (!existsSync(answers)) throw new InferenceError('NOT_FOUND', `--answers '${answers}' does not exist; pass an ans2label JSON (e.g. DIR/qa/train_ans2label.json) or 'tokens'`);
    return { vocabulary: AnswerVocabulary.fromAns2Label(Object.fromEntries(await readAnswerVocab(answers)), encode, answers), source: answers };
  }
  const meta = await readSafetensorsHeader(checkpoint).then((h) => h.metadata, () => ({}) as Record<string, string>);
  const saved = meta[ANSWERS_METADATA_KEY];
  if (saved === undefined)
    throw new InferenceError(
      'NO_HEAD',
      `eval --task qa: checkpoint '${checkpoint}' has no answer vocabulary (it was not fine-tuned for QA, or saved without '${ANSWERS_METADATA_KEY}'); ` +
        `pass the vocabulary it was trained with (--answers DIR/qa/train_ans2label.json) or --answers tokens for single-token answers as the reference`,
    );
  let json: unknown;
  try {
    json = JSON.parse(saved);
  } catch (e) {
    throw new InferenceError('NOT_A_MODEL', `checkpoint '${checkpoint}': its '${ANSWERS_METADATA_KEY}' metadata is not JSON (${(e as Error).message}); pass --answers FILE`);
  }
  const map = Array.isArray(json) ? Object.fromEntries(json.map((a, i) => [String(a), i])) : (json as Record<string, number>);
  return { vocabulary: AnswerVocabulary.fromAns2Label(map, encode, `${checkpoint} (metadata)`), source: `${checkpoint} (saved vocabulary)` };
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
export async function baselineModel(b: BaselineKind, model: T2VLP, dtype: 'float32' | 'bfloat16'): Promise<T2VLP> {
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
