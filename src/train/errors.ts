/** Training errors with stable codes. */
export type TrainingErrorCode = 'NAN_LOSS' | 'BAD_OPTION' | 'NO_DATA' | 'RESUME_MISMATCH' | 'WORKER_DIED' | 'NO_FUSION' | 'NO_QA';

export class TrainingError extends Error {
  constructor(
    readonly code: TrainingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrainingError';
  }
}
