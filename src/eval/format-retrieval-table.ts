/**
 * A plain aligned text table of retrieval results for the CLI and logs: one line per direction
 * (t2v, v2t) with R@1, R@5, R@10, median and mean rank, the number of ranked queries, and any
 * extra comparison lines such as chance level or an untrained model.
 */
import type { RetrievalMetrics } from './rank-statistics.js';
import { RetrievalMetricsError } from './retrieval-input.js';

/** The numbers a table line shows; counts are optional (chance lines have none). */
export type RetrievalSummary = Pick<RetrievalMetrics, 'R1' | 'R5' | 'R10' | 'MedianR' | 'MeanR'> &
  Partial<Pick<RetrievalMetrics, 'numQueries' | 'numDropped'>>;

export interface RetrievalTableRow {
  label: string;
  metrics: RetrievalSummary;
}

export interface RetrievalTableOptions {
  /** Lines appended after the main results, e.g. `{ label: 't2v chance', metrics: ... }`. */
  extraRows?: readonly RetrievalTableRow[];
  /** Digits after the decimal point; default 1. */
  digits?: number;
}

const HEADER = ['', 'R@1', 'R@5', 'R@10', 'MdR', 'MnR', 'N'];

/**
 * Formats `{ t2v, v2t }` (either may be absent) or explicit rows as a table:
 *
 * ```
 *              R@1   R@5  R@10    MdR    MnR     N
 * t2v         44.5  71.3  80.3    2.0   15.3  1000
 * v2t         42.9  70.1  80.8    2.0   11.6  1000
 * t2v chance   0.1   0.5   1.0  500.5  500.5
 * ```
 *
 * N is the number of ranked queries (dropped ones excluded); a line without counts leaves it
 * blank, and the column is left out when no line has counts.
 */
export function formatRetrievalTable(
  results: { t2v?: RetrievalSummary; v2t?: RetrievalSummary } | readonly RetrievalTableRow[],
  opts: RetrievalTableOptions = {},
): string {
  const digits = opts.digits ?? 1;
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) {
    throw new RetrievalMetricsError(
      'BAD_OPTION',
      `formatRetrievalTable: digits must be an integer in [0, 10]; got ${digits}`,
    );
  }
  const main: RetrievalTableRow[] = Array.isArray(results)
    ? [...(results as readonly RetrievalTableRow[])]
    : (['t2v', 'v2t'] as const).flatMap((dir) => {
        const m = (results as { t2v?: RetrievalSummary; v2t?: RetrievalSummary })[dir];
        return m ? [{ label: dir, metrics: m }] : [];
      });
  const rows = [...main, ...(opts.extraRows ?? [])];

  const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
  const cells = rows.map(({ label, metrics: m }) => [
    label,
    num(m.R1),
    num(m.R5),
    num(m.R10),
    num(m.MedianR),
    num(m.MeanR),
    m.numQueries === undefined ? '' : String(m.numQueries - (m.numDropped ?? 0)),
  ]);
  // The N column only when some line has counts.
  const columns = cells.some((r) => r[6] !== '') ? HEADER.length : HEADER.length - 1;
  const table = [HEADER, ...cells].map((r) => r.slice(0, columns));
  const widths = table[0]!.map((_, col) => Math.max(...table.map((r) => r[col]!.length)));
  return table
    .map((r) =>
      r
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
