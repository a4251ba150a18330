/**
 * The error class of the caption metrics. Codes are stable; messages say what was expected,
 * what was received and what to do.
 */

/** Stable codes of {@link CaptionMetricsError}. */
export type CaptionMetricsErrorCode =
  | 'NO_CANDIDATES'
  | 'MISSING_REFERENCES'
  | 'BAD_CAPTION'
  | 'BAD_OPTION'
  | 'METEOR_UNAVAILABLE'
  | 'METEOR_FAILED';

/** Bad input to the caption metrics, or a METEOR run that was required and failed. */
export class CaptionMetricsError extends Error {
  readonly code: CaptionMetricsErrorCode;

  constructor(code: CaptionMetricsErrorCode, message: string) {
    super(message);
    this.name = 'CaptionMetricsError';
    this.code = code;
  }
}
