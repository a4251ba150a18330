/**
 * Retrieval metrics of a square similarity matrix whose row i is query i and whose column i is
 * its ground truth (docs/EVAL.md "Retrieval metrics", reference `metrics.py` `compute_metrics`).
 * By default each query gets one rank, the optimistic one: the number of candidates scored
 * strictly higher than its ground truth. `ties: 'reference'` reproduces `compute_metrics`, which
 * finds the rank by value equality and so lists every tied position (docs/QUIRKS.md,
 * docs/EVAL.md "Ties"). Both agree on any matrix without ties on a ground-truth value.
 */
import {
  RetrievalMetricsError,
  toMatrix,
  type Matrix,
  type SimilarityMatrixInput,
} from './retrieval-input.js';
import { NUMPY_RULES, summariseRanks, type RetrievalMetrics } from './rank-statistics.js';

/**
 * `optimistic`: one rank per query, ties resolved in the query's favour.
 * `reference`: the reference's own rule (every tied position for `compute_metrics`).
 */
export type TieMode = 'optimistic' | 'reference';

/**
 * What happens to a query whose ground-truth similarity is NaN or ±inf: `drop` leaves it out of
 * the statistics and counts it in `numDropped` (what the reference does: its equality test never
 * matches such a value), `throw` raises `NON_FINITE_GROUND_TRUTH` naming the query.
 */
export type NonFinitePolicy = 'drop' | 'throw';

export interface RetrievalMetricsOptions {
  /** Default `optimistic`. */
  ties?: TieMode;
  /** Default `drop`. */
  nonFinite?: NonFinitePolicy;
}

/**
 * How a rank is read off one row. `equality` lists every position whose value equals the ground
 * truth (`compute_metrics`, numpy sorts NaN last so NaN never outranks); `torchArgsort` is the
 * first such position with NaN ranked above everything (`torch.argsort(descending=True)` puts
 * NaN first; its order among equal values is unspecified, so the first tied position is used).
 */
export type RankRule = 'optimistic' | 'equality' | 'torchArgsort';

export function checkOptions(
  where: string,
  opts: RetrievalMetricsOptions,
): { ties: TieMode; nonFinite: NonFinitePolicy } {
  const ties = opts.ties ?? 'optimistic';
  const nonFinite = opts.nonFinite ?? 'drop';
  if (ties !== 'optimistic' && ties !== 'reference') {
    throw new RetrievalMetricsError(
      'BAD_OPTION',
      `${where}: ties must be 'optimistic' or 'reference'; got ${JSON.stringify(ties)}`,
    );
  }
  if (nonFinite !== 'drop' && nonFinite !== 'throw') {
    throw new RetrievalMetricsError(
      'BAD_OPTION',
      `${where}: nonFinite must be 'drop' or 'throw'; got ${JSON.stringify(nonFinite)}`,
    );
  }
  return { ties, nonFinite };
}

/**
 * Ranks every row of `m` against its ground-truth column `truthOf(row)`, appending the 0-based
 * ranks to one list. Rows whose ground-truth value is not finite are dropped or rejected.
 */
export function rankRows(
  where: string,
  m: Matrix,
  truthOf: (row: number) => number,
  rule: RankRule,
  nonFinite: NonFinitePolicy,
  rowLabel: (row: number) => string,
): { ranks: number[]; numDropped: number } {
  const { data, rows, cols } = m;
  const ranks: number[] = [];
  let numDropped = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const t = truthOf(r);
    const truth = data[base + t]!;
    if (!Number.isFinite(truth)) {
      if (nonFinite === 'throw') {
        throw new RetrievalMetricsError(
          'NON_FINITE_GROUND_TRUTH',
          `${where}: ${rowLabel(r)} scores its ground truth (column ${t}) as ${truth}; ` +
            `expected a finite similarity (check the model output, or pass nonFinite: 'drop' ` +
            `to leave such queries out)`,
        );
      }
      numDropped++;
      continue;
    }
    let greater = 0;
    let equal = 0; // includes the ground truth itself
    for (let c = 0; c < cols; c++) {
      const v = data[base + c]!;
      if (v > truth) greater++;
      else if (v === truth) equal++;
      else if (rule === 'torchArgsort' && v !== v) greater++;
    }
    if (rule === 'equality') {
      for (let k = 0; k < equal; k++) ranks.push(greater + k);
    } else {
      ranks.push(greater);
    }
  }
  return { ranks, numDropped };
}

/**
 * R@1/5/10, median and mean rank of a square similarity (rows = queries, column i = ground
 * truth of row i). For text-to-video pass captions × videos; for video-to-text its transpose.
 */
export function retrievalMetrics(
  sim: SimilarityMatrixInput,
  opts: RetrievalMetricsOptions = {},
): RetrievalMetrics {
  const where = 'retrievalMetrics';
  const { ties, nonFinite } = checkOptions(where, opts);
  const m = toMatrix(where, sim);
  if (m.rows !== m.cols) {
    throw new RetrievalMetricsError(
      'NOT_SQUARE',
      `${where}: expected a square similarity (row i's ground truth is column i); got ` +
        `${m.rows}×${m.cols}. With several captions per video use ` +
        `retrievalMetricsMulti(sim, captionVideoIndex)`,
    );
  }
  const rule: RankRule = ties === 'reference' ? 'equality' : 'optimistic';
  const { ranks, numDropped } = rankRows(
    where,
    m,
    (r) => r,
    rule,
    nonFinite,
    (r) => `query ${r}`,
  );
  if (ranks.length === 0) {
    throw new RetrievalMetricsError(
      'NO_VALID_QUERIES',
      `${where}: all ${m.rows} queries score their ground truth as NaN or ±inf; nothing to rank`,
    );
  }
  return summariseRanks(ranks, NUMPY_RULES, m.rows, numDropped);
}

/** Expected numbers for a ranking chosen uniformly at random among `numCandidates`. */
export function chanceRetrievalMetrics(
  numCandidates: number,
): Pick<RetrievalMetrics, 'R1' | 'R5' | 'R10' | 'MedianR' | 'MeanR'> {
  if (!Number.isInteger(numCandidates) || numCandidates < 1) {
    throw new RetrievalMetricsError(
      'BAD_OPTION',
      `chanceRetrievalMetrics: numCandidates must be a positive integer; got ${numCandidates}`,
    );
  }
  const n = numCandidates;
  const recall = (k: number): number => (Math.min(k, n) * 100) / n;
  return {
    R1: recall(1),
    R5: recall(5),
    R10: recall(10),
    MedianR: (n + 1) / 2,
    MeanR: (n + 1) / 2,
  };
}
