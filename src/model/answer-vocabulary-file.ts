/**
 * The answer vocabulary a QA checkpoint was trained with, stored beside it as
 * `train_ans2label.json` ({ answer: label }, the MSRVTT-QA file's format): `t2vlp train` writes
 * it next to model.safetensors, and evaluation and `t2vlp ask` read it back
 * (docs/TRAINING.md "Captioning and QA").
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAnswerVocab } from '../data/datasets/qa.js';
import { writeFileAtomic } from '../torch/io/index.js';
import { AnswerVocabulary } from './answer-vocabulary.js';

export const ANSWER_VOCABULARY_FILE = 'train_ans2label.json';

/** { answer: label } of a vocabulary, labels in order. */
export function ans2label(v: AnswerVocabulary): Record<string, number> {
  return Object.fromEntries(v.answers.map((a, i) => [a, i]));
}

/** Writes the vocabulary as { answer: label } JSON (atomically). */
export async function writeAnswerVocabulary(path: string, v: AnswerVocabulary): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(ans2label(v)) + '\n');
}

/**
 * Reads { answer: label } JSON (train_ans2label.json) through the QA readers' `readAnswerVocab`
 * (AnnotationError on a missing file, bad JSON or a non-integer label); `encode` is ClipTokenizer.encode.
 */
export async function readAnswerVocabulary(path: string, encode: (text: string) => number[]): Promise<AnswerVocabulary> {
  return AnswerVocabulary.fromAns2Label(Object.fromEntries(await readAnswerVocab(path)), encode, path);
}

/** The vocabulary file beside a checkpoint (same folder), or undefined when there is none. */
export function answerVocabularyBeside(checkpoint: string): string | undefined {
  const p = join(dirname(checkpoint), ANSWER_VOCABULARY_FILE);
  return existsSync(p) ? p : undefined;
}
