/**
 * QA accuracy (docs/EVAL.md "Question answering"): the share of questions whose predicted answer
 * equals the ground truth, overall and per answer type (MSRVTT-QA / MSVD-QA: what, who, how,
 * when, where). Answers are compared as given (the caller normalises them the same way on both
 * sides). A ground-truth answer outside the model's answer vocabulary can never be predicted, so
 * it counts as wrong (and in `outOfVocabulary` when a vocabulary is given), as in the reference.
 */

export interface QAItem {
  /** The predicted answer (string), or null when the model gave none. */
  prediction: string | null;
  answer: string;
  /** Answer type (question word); items without one go to 'other'. */
  type?: string;
}

export interface QAScore {
  correct: number;
  total: number;
  /** correct / total, a fraction (0 when total is 0). */
  accuracy: number;
}

export interface QAAccuracy extends QAScore {
  perType: Record<string, QAScore>;
  /** Items whose ground-truth answer is not in `vocabulary` (only counted when one is given). */
  outOfVocabulary: number;
}

export class QAAccuracyError extends Error {
  readonly code = 'EMPTY_QA_SET' as const;
  constructor(message: string) {
    super(message);
    this.name = 'QAAccuracyError';
  }
}

const score = (correct: number, total: number): QAScore => ({ correct, total, accuracy: total ? correct / total : 0 });

export function qaAccuracy(items: readonly QAItem[], o: { vocabulary?: { indexOf(answer: string): number } } = {}): QAAccuracy {
  if (items.length === 0)
    throw new QAAccuracyError('qaAccuracy: no questions to score; expected at least one { prediction, answer } item');
  const per = new Map<string, [number, number]>();
  let correct = 0;
  let oov = 0;
  for (const it of items) {
    const ok = it.prediction !== null && it.prediction === it.answer;
    if (ok) correct++;
    if (o.vocabulary && o.vocabulary.indexOf(it.answer) < 0) oov++;
    const t = it.type ?? 'other';
    const c = per.get(t) ?? [0, 0];
    per.set(t, [c[0] + (ok ? 1 : 0), c[1] + 1]);
  }
  const perType: Record<string, QAScore> = {};
  for (const [t, [c, n]] of [...per.entries()].sort((a, b) => a[0].localeCompare(b[0]))) perType[t] = score(c, n);
  return { ...score(correct, items.length), perType, outOfVocabulary: oov };
}
