/** The error every reduced-precision misuse raises: a stable `code` and a message saying what to do. */
export type PrecisionErrorCode = 'BAD_PRECISION' | 'INT8_TRAINING' | 'INT8_UNSUPPORTED' | 'ASYNC_AUTOCAST';

export class PrecisionError extends Error {
  readonly code: PrecisionErrorCode;
  constructor(code: PrecisionErrorCode, message: string) {
    super(message);
    this.name = 'PrecisionError';
    this.code = code;
  }
}
