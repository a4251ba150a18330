/**
 * CIDEr-D as the COCO caption toolkit computes it (`pycocoevalcap` 1.2, docs/EVAL.md): n-grams of
 * 1..4 words weighted by tf-idf, where the document frequency of an n-gram is the number of
 * scored videos whose references contain it and the idf uses log(number of scored videos); per
 * order, the candidate's weights are clipped by the reference's (min(c, r)·r), divided by both
 * norms, and damped by a Gaussian length penalty exp(-Δ²/2σ²) with σ = 6; the four orders are
 * averaged, then the references, and the result is ×10.
 *
 * Quirks kept for equality with the toolkit: the "length" in Δ is the number of bigrams (words
 * minus one, zero for an empty caption), not of words; with a single video every weight is zero,
 * so CIDEr is 0. Where no reference has any word the toolkit fails (max of an empty list); here
 * every score is then 0.
 */
import { countNgrams, mean, ngramOrder, splitWhitespace } from './words.js';

const MAX_N = 4;
const SIGMA = 6;

interface TfIdf {
  weights: Map<string, number>[]; // per order (index n-1)
  norms: number[];
  length: number; // bigram count, as the toolkit's
}

/** CIDEr-D over aligned lists (at least one reference each; callers validate). */
export function ciderD(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
): { score: number; perCaption: number[] } {
  const refCounts = references.map((refs) =>
    refs.map((r) => countNgrams(splitWhitespace(r), MAX_N)),
  );
  const documentFrequency = new Map<string, number>();
  for (const refs of refCounts) {
    const seen = new Set<string>();
    for (const counts of refs) for (const gram of counts.keys()) seen.add(gram);
    for (const gram of seen) documentFrequency.set(gram, (documentFrequency.get(gram) ?? 0) + 1);
  }
  const logNumVideos = Math.log(references.length);

  const toTfIdf = (counts: Map<string, number>): TfIdf => {
    const weights = Array.from({ length: MAX_N }, () => new Map<string, number>());
    const norms = new Array<number>(MAX_N).fill(0);
    let length = 0;
    for (const [gram, tf] of counts) {
      const df = Math.log(Math.max(1, documentFrequency.get(gram) ?? 0));
      const n = ngramOrder(gram) - 1;
      const w = tf * (logNumVideos - df);
      weights[n]!.set(gram, w);
      norms[n]! += w * w;
      if (n === 1) length += tf;
    }
    return { weights, norms: norms.map(Math.sqrt), length };
  };

  const similarity = (cand: TfIdf, ref: TfIdf): number[] => {
    const delta = cand.length - ref.length;
    const penalty = Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
    return cand.weights.map((weights, n) => {
      let val = 0;
      for (const [gram, wc] of weights) {
        const wr = ref.weights[n]!.get(gram) ?? 0;
        val += Math.min(wc, wr) * wr;
      }
      if (cand.norms[n] !== 0 && ref.norms[n] !== 0) val /= cand.norms[n]! * ref.norms[n]!;
      return val * penalty;
    });
  };

  const perCaption = candidates.map((candidate, i) => {
    const cand = toTfIdf(countNgrams(splitWhitespace(candidate), MAX_N));
    const sums = new Array<number>(MAX_N).fill(0);
    for (const counts of refCounts[i]!) {
      similarity(cand, toTfIdf(counts)).forEach((v, n) => (sums[n]! += v));
    }
    return (mean(sums) / refCounts[i]!.length) * 10;
  });
  return { score: mean(perCaption), perCaption };
}
