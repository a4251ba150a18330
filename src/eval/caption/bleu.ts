/**
 * BLEU-1..4 as the COCO caption toolkit computes it (`pycocoevalcap` 1.2, docs/EVAL.md):
 * clipped n-gram matches summed over the whole set, the "closest" reference length per caption
 * (ties go to the shorter reference), one brevity penalty on the summed lengths, and the
 * toolkit's smoothing constants (1e-15 added to matches and lengths, 1e-9 to the denominators),
 * which make a score with no matches a tiny positive number rather than zero.
 */
import { countNgrams, ngramOrder, splitWhitespace } from './words.js';

const MAX_N = 4;
const TINY = 1e-15;
const SMALL = 1e-9;

/** What one caption contributes: its length, the chosen reference length, guesses and matches per order. */
interface BleuCounts {
  testLength: number;
  refLength: number;
  guess: number[];
  correct: number[];
}

function cookCaption(candidate: string, references: readonly string[]): BleuCounts {
  const maxRefCounts = new Map<string, number>();
  const refLengths: number[] = [];
  for (const ref of references) {
    const words = splitWhitespace(ref);
    refLengths.push(words.length);
    for (const [gram, count] of countNgrams(words, MAX_N)) {
      maxRefCounts.set(gram, Math.max(maxRefCounts.get(gram) ?? 0, count));
    }
  }
  const words = splitWhitespace(candidate);
  const testLength = words.length;
  // "closest": the smallest |ref - test|, then the shorter reference.
  let refLength = refLengths[0]!;
  for (const l of refLengths) {
    const d = Math.abs(l - testLength);
    const best = Math.abs(refLength - testLength);
    if (d < best || (d === best && l < refLength)) refLength = l;
  }
  const guess = Array.from({ length: MAX_N }, (_, k) => Math.max(0, testLength - k));
  const correct = new Array<number>(MAX_N).fill(0);
  for (const [gram, count] of countNgrams(words, MAX_N)) {
    const order = ngramOrder(gram);
    correct[order - 1]! += Math.min(maxRefCounts.get(gram) ?? 0, count);
  }
  return { testLength, refLength, guess, correct };
}

function scoreCounts(c: BleuCounts): number[] {
  const scores: number[] = [];
  let product = 1;
  for (let k = 0; k < MAX_N; k++) {
    product *= (c.correct[k]! + TINY) / (c.guess[k]! + SMALL);
    scores.push(product ** (1 / (k + 1)));
  }
  const ratio = (c.testLength + TINY) / (c.refLength + SMALL);
  if (ratio < 1) {
    const penalty = Math.exp(1 - 1 / ratio);
    for (let k = 0; k < MAX_N; k++) scores[k]! *= penalty;
  }
  return scores;
}

/** Corpus BLEU-1..4 and each caption's own BLEU-1..4 (`perCaption[k][i]`), as fractions. */
export interface BleuResult {
  scores: [number, number, number, number];
  perCaption: number[][];
}

/**
 * BLEU over aligned lists: `candidates[i]` is scored against `references[i]` (at least one
 * each; callers validate). Words come from whitespace splitting, as in the toolkit.
 */
export function bleu(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
): BleuResult {
  const total: BleuCounts = {
    testLength: 0,
    refLength: 0,
    guess: new Array<number>(MAX_N).fill(0),
    correct: new Array<number>(MAX_N).fill(0),
  };
  const perCaption: number[][] = Array.from({ length: MAX_N }, () => []);
  candidates.forEach((candidate, i) => {
    const c = cookCaption(candidate, references[i]!);
    total.testLength += c.testLength;
    total.refLength += c.refLength;
    for (let k = 0; k < MAX_N; k++) {
      total.guess[k]! += c.guess[k]!;
      total.correct[k]! += c.correct[k]!;
    }
    scoreCounts(c).forEach((s, k) => perCaption[k]!.push(s));
  });
  const s = scoreCounts(total);
  return { scores: [s[0]!, s[1]!, s[2]!, s[3]!], perCaption };
}
