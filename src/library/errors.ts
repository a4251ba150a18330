/** Errors of the moment index: a stable `code` per failure a caller may handle. */
export type LibraryErrorCode =
  | 'NOT_FOUND'
  | 'BAD_OPTION'
  | 'MODEL_MISMATCH'
  | 'INDEX_CORRUPT'
  | 'INDEX_LOCKED'
  | 'UNKNOWN_VIDEO';

export class LibraryError extends Error {
  constructor(
    readonly code: LibraryErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'LibraryError';
  }
}
