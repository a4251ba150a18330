/** Errors of the HTTP service; `status` is the HTTP status the API answers with. */
export type ServeErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'BUSY'
  | 'UNAUTHORIZED'
  | 'NOT_AVAILABLE'
  | 'RANGE'
  | 'UNSAFE_BIND';

const STATUS: Record<ServeErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  BUSY: 503,
  UNAUTHORIZED: 401,
  NOT_AVAILABLE: 501,
  RANGE: 416,
  UNSAFE_BIND: 500,
};

export class ServeError extends Error {
  readonly status: number;
  constructor(
    readonly code: ServeErrorCode,
    message: string,
    options?: ErrorOptions & { retryAfterSec?: number },
  ) {
    super(message, options);
    this.name = 'ServeError';
    this.status = STATUS[code];
    this.retryAfterSec = options?.retryAfterSec;
  }
  readonly retryAfterSec: number | undefined;
}
