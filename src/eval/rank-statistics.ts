/**
 * From a list of 0-based ranks to the reported retrieval numbers (docs/EVAL.md "Retrieval
 * metrics"): R@1/5/10 in percent, median and mean rank 1-based. The two reference functions
 * differ in small ways that `reference` mode reproduces: `compute_metrics` uses numpy's median
 * (mean of the two middle values) and float64 recalls, `tensor_text_to_video_metrics` uses
 * `torch.median` (the lower middle value) and float32 recalls.
 */

/** Retrieval numbers for one direction. */
export interface RetrievalMetrics {
  /** Percentage of ranks < 1, < 5, < 10. */
  R1: number;
  R5: number;
  R10: number;
  /** Median rank, 1-based (MR / MdR). */
  MedianR: number;
  /** Mean rank, 1-based (MnR). */
  MeanR: number;
  /** Population standard deviation of the ranks (the reference's `Std_Rank`). */
  StdR: number;
  /**
   * The 0-based ranks the numbers are computed over, in query order: one per ranked query by
   * default; with `ties: 'reference'` every tied position (the reference's `cols`).
   */
  ranks: number[];
  /** Queries examined (rows, or caption slots for the padded multi-sentence tensor). */
  numQueries: number;
  /** Queries left out because their ground-truth similarity is NaN or ±inf (padding included). */
  numDropped: number;
}

/** How the median of an even-length rank list is taken. */
export type MedianRule = 'numpy' | 'lower';

export interface SummaryRules {
  median: MedianRule;
  /** Round the recalls to float32, as torch's int64 / int division does. */
  float32Recall: boolean;
}

export const NUMPY_RULES: SummaryRules = { median: 'numpy', float32Recall: false };
export const TORCH_RULES: SummaryRules = { median: 'lower', float32Recall: true };

/** Summarises a non-empty list of 0-based ranks. */
export function summariseRanks(
  ranks: number[],
  rules: SummaryRules,
  numQueries: number,
  numDropped: number,
): RetrievalMetrics {
  const n = ranks.length;
  let below1 = 0;
  let below5 = 0;
  let below10 = 0;
  let sum = 0;
  for (const r of ranks) {
    if (r < 1) below1++;
    if (r < 5) below5++;
    if (r < 10) below10++;
    sum += r;
  }
  // Same order of operations as the reference: count * 100 / length. Rounding the float64
  // quotient to float32 equals torch's float32 division (float64 has over 2 × 24 + 2 bits).
  const recall = (count: number): number => {
    const pct = (count * 100) / n;
    return rules.float32Recall ? Math.fround(pct) : pct;
  };
  const mean = sum / n;
  let squares = 0;
  for (const r of ranks) squares += (r - mean) * (r - mean);

  const sorted = Float64Array.from(ranks).sort();
  const mid = n >> 1;
  const median =
    n % 2 === 1
      ? sorted[mid]!
      : rules.median === 'lower'
        ? sorted[mid - 1]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2;

  return {
    R1: recall(below1),
    R5: recall(below5),
    R10: recall(below10),
    MedianR: median + 1,
    MeanR: mean + 1,
    StdR: Math.sqrt(squares / n),
    ranks,
    numQueries,
    numDropped,
  };
}
