/**
 * An answer vocabulary for video QA (docs/FUSION.md "Question answering"): the reference scores
 * answers as single BPE tokens (a multi-token answer counts as its first token). With a vocabulary
 * of whole answers (the dataset's `train_ans2label.json`, or the training answers), each answer is
 * scored through the same tied output layer with, as its output embedding, the mean of its tokens'
 * embeddings and, as its bias, the mean of their logit biases; a one-token answer thus scores
 * exactly as in the reference, and no parameter is added.
 */
import { FusionError } from './fusion.js';

export class AnswerVocabulary {
  readonly #index = new Map<string, number>();

  /** `answers[i]` is label i; `tokenIds[i]` its BPE ids (without start / end ids). */
  private constructor(
    readonly answers: readonly string[],
    readonly tokenIds: readonly (readonly number[])[],
  ) {
    answers.forEach((a, i) => this.#index.set(a, i));
  }

  get size(): number {
    return this.answers.length;
  }

  /** The label of an answer, or -1 when it is not in the vocabulary. */
  indexOf(answer: string): number {
    return this.#index.get(answer) ?? -1;
  }

  /**
   * From `train_ans2label.json` ({ answer: label }): labels must be 0..n-1, each once.
   * `encode` maps an answer to its BPE ids (ClipTokenizer.encode).
   */
  static fromAns2Label(ans2label: Record<string, number>, encode: (text: string) => number[], source = 'train_ans2label.json'): AnswerVocabulary {
    const entries = Object.entries(ans2label);
    const answers = new Array<string>(entries.length);
    for (const [a, l] of entries) {
      if (!Number.isInteger(l) || l < 0 || l >= entries.length || answers[l] !== undefined)
        throw new FusionError('BAD_ANSWER', `AnswerVocabulary: ${source} maps '${a}' to ${String(l)}; labels must be the integers 0..${entries.length - 1}, each used once`);
      answers[l] = a;
    }
    return AnswerVocabulary.#make(answers, encode, source);
  }

  /**
   * From training answers: the distinct answers, most frequent first (ties in first-seen order),
   * keeping at most `maxSize` and only those seen at least `minCount` times.
   */
  static fromAnswers(answers: Iterable<string>, encode: (text: string) => number[], o: { maxSize?: number; minCount?: number } = {}): AnswerVocabulary {
    const counts = new Map<string, number>();
    for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
    const minCount = o.minCount ?? 1;
    const sorted = [...counts.entries()].filter(([, c]) => c >= minCount).sort((x, y) => y[1] - x[1]);
    const kept = sorted.slice(0, o.maxSize ?? sorted.length).map(([a]) => a);
    return AnswerVocabulary.#make(kept, encode, 'the training answers');
  }

  static #make(answers: string[], encode: (text: string) => number[], source: string): AnswerVocabulary {
    if (answers.length === 0) throw new FusionError('BAD_ANSWER', `AnswerVocabulary: ${source} hold no answer`);
    const ids = answers.map((a) => {
      const t = encode(a);
      if (t.length === 0) throw new FusionError('BAD_ANSWER', `AnswerVocabulary: answer '${a}' of ${source} has no tokens`);
      return t;
    });
    return new AnswerVocabulary(answers, ids);
  }
}
