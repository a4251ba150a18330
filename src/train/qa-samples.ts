/**
 * QA training inputs (docs/TRAINING.md "Captioning and QA"): the answer vocabulary of a QA
 * dataset (its train_ans2label.json, else the distinct training answers, most frequent first),
 * and the training samples labelled against it. A training answer outside the vocabulary has no
 * class to learn: such samples are left out and counted (the reference would train on the
 * answer's first token instead; `qaAnswers: 'first-token'` keeps that).
 */
import type { Dataset, Sample } from '../data/index.js';
import { AnswerVocabulary } from '../model/index.js';
import { TrainingError } from './errors.js';

/** The dataset's vocabulary (`answerVocab`, read from train_ans2label.json) or one built from its answers. */
export function answerVocabularyOf(data: Dataset, encode: (text: string) => number[]): AnswerVocabulary {
  qaTrainingSamples(data.samples); // a dataset without QA pairs fails here, with the same error as training
  if (data.answerVocab?.size) return AnswerVocabulary.fromAns2Label(Object.fromEntries(data.answerVocab), encode, `the answer vocabulary of ${data.name}`);
  return AnswerVocabulary.fromAnswers(
    data.samples.flatMap((s) => (s.qa ? [s.qa.answer] : [])),
    encode,
  );
}

export interface QaTrainingSamples {
  samples: Sample[];
  /** Samples left out because their answer is not in the vocabulary. */
  outOfVocabulary: number;
}

/**
 * Checks every sample is a QA pair and, with a vocabulary, sets `qa.answerLabel` from it and
 * leaves out answers outside it. Without one the samples are returned as they are.
 */
export function qaTrainingSamples(samples: readonly Sample[], answers?: AnswerVocabulary): QaTrainingSamples {
  const bad = samples.findIndex((s) => !s.qa);
  if (bad >= 0)
    throw new TrainingError(
      'NO_QA',
      `train (qa): sample ${bad} (video '${samples[bad]!.videoId}') is not a question-answer pair; the QA objective needs a QA dataset ` +
        `(--dataset msrvtt-qa or msvd-qa: train.jsonl + train_ans2label.json, or train_qa.json)`,
    );
  if (!answers) return { samples: [...samples], outOfVocabulary: 0 };
  const out: Sample[] = [];
  for (const s of samples) {
    const label = answers.indexOf(s.qa!.answer);
    if (label >= 0) out.push({ ...s, qa: { ...s.qa!, answerLabel: label } });
  }
  return { samples: out, outOfVocabulary: samples.length - out.length };
}
