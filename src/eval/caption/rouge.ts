/**
 * ROUGE-L as the COCO caption toolkit computes it (`pycocoevalcap` 1.2, docs/EVAL.md): for each
 * caption, the longest common subsequence with every reference gives a precision and a recall;
 * the best precision and the best recall (over references, separately) make an F-measure with
 * β = 1.2; the set's score is the mean over captions. Words are cut at single spaces, exactly as
 * the toolkit does, so an empty caption is one empty word.
 */
import { mean, splitSpaces } from './words.js';

const BETA = 1.2;

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L of one caption against its references (at least one). */
export function rougeLCaption(candidate: string, references: readonly string[]): number {
  const cand = splitSpaces(candidate);
  let precMax = 0;
  let recMax = 0;
  for (const reference of references) {
    const ref = splitSpaces(reference);
    const lcs = lcsLength(ref, cand);
    precMax = Math.max(precMax, lcs / cand.length);
    recMax = Math.max(recMax, lcs / ref.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax);
}

/** Mean ROUGE-L over aligned lists, and each caption's score. */
export function rougeL(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
): { score: number; perCaption: number[] } {
  const perCaption = candidates.map((c, i) => rougeLCaption(c, references[i]!));
  return { score: mean(perCaption), perCaption };
}
