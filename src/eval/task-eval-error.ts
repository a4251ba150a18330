/**
 * The error class of the captioning and QA evaluations (caption-eval.ts, qa-eval.ts): bad input
 * that the model calls would only report deep inside, said up front with what was expected, what
 * was received and what to do.
 */

export type TaskEvalErrorCode = 'NO_SAMPLES' | 'MISSING_REFERENCES' | 'NO_QUESTION' | 'NO_FUSION_ENCODER' | 'BAD_OPTION';

export class TaskEvalError extends Error {
  readonly code: TaskEvalErrorCode;

  constructor(code: TaskEvalErrorCode, message: string) {
    super(message);
    this.name = 'TaskEvalError';
    this.code = code;
  }
}

/** Shows at most five ids of a list, quoted. */
export function someIds(ids: readonly string[]): string {
  return ids.slice(0, 5).map((id) => JSON.stringify(id)).join(', ') + (ids.length > 5 ? `, … (${ids.length - 5} more)` : '');
}

export function checkBatchSize(n: number | undefined, where: string): number {
  const b = n ?? 32;
  if (!Number.isInteger(b) || b < 1) throw new TaskEvalError('BAD_OPTION', `${where}: batchSize must be an integer ≥ 1, got ${b}`);
  return b;
}
