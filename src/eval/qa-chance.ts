/**
 * Chance levels for video QA accuracy (docs/EVAL.md "Question answering"), to print beside a
 * model's accuracy: always giving the most frequent answer (of the training answers when given,
 * else of the scored answers themselves, which flatters it), and answering uniformly at random
 * over the answer vocabulary (an answer outside the vocabulary can never be right).
 */
import { QAAccuracyError } from './qa-accuracy.js';

export interface QaChance {
  mostFrequent: {
    answer: string;
    /** Fraction of the scored questions whose answer is `answer`. */
    accuracy: number;
    /** Where `answer` was counted: the training answers, or the scored ones. */
    from: 'train' | 'test';
  };
  /** Expected accuracy of a uniformly random answer among `vocabularySize`. */
  uniform: number;
}

export function qaChance(
  answers: readonly string[],
  o: { vocabularySize: number; vocabulary?: { indexOf(answer: string): number }; trainAnswers?: readonly string[] },
): QaChance {
  if (answers.length === 0) throw new QAAccuracyError('qaChance: no answers to score; expected at least one ground-truth answer');
  if (!Number.isInteger(o.vocabularySize) || o.vocabularySize < 1)
    throw new RangeError(`qaChance: vocabularySize must be an integer ≥ 1, got ${o.vocabularySize}`);
  const from = o.trainAnswers?.length ? 'train' : 'test';
  const counts = new Map<string, number>();
  for (const a of from === 'train' ? o.trainAnswers! : answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best = '';
  let most = -1;
  for (const [a, c] of counts) if (c > most) [best, most] = [a, c]; // ties: first seen
  const hits = answers.filter((a) => a === best).length;
  const reachable = o.vocabulary ? answers.filter((a) => o.vocabulary!.indexOf(a) >= 0).length : answers.length;
  return {
    mostFrequent: { answer: best, accuracy: hits / answers.length, from },
    uniform: reachable / answers.length / o.vocabularySize,
  };
}
