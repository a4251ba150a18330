/**
 * The error class of the serving helpers (embedding files, model loading, search): a stable
 * `code` for programs and a message for people that names the file or value, says what was
 * expected and what to do next (docs/STYLE.md). The CLI prints the message as its one error line.
 */
export type InferenceErrorCode =
  /** A checkpoint, embeddings file, video folder or list that does not exist. */
  | 'NOT_FOUND'
  /** A file that loads but is not a T2VLP model checkpoint. */
  | 'NOT_A_MODEL'
  /** A file that is not an embeddings file written by `writeEmbeddings`. */
  | 'NOT_EMBEDDINGS'
  /** An embeddings file (or arrays for one) whose tensors and metadata disagree. */
  | 'BAD_EMBEDDINGS'
  /** An index made by another model, or of the wrong kind for the operation. */
  | 'INDEX_MISMATCH'
  /** A video folder or list with no videos in it, or a video set where every video failed. */
  | 'NO_VIDEOS'
  /** A folder or list names more videos than one run encodes (listVideoFiles' maxFiles). */
  | 'TOO_MANY_FILES'
  /** A query that is empty or tokenises to nothing. */
  | 'EMPTY_QUERY'
  /** An option value out of range. */
  | 'BAD_OPTION'
  /** A model without the head an operation needs (captioning / QA need the fusion encoder). */
  | 'NO_HEAD';

export class InferenceError extends Error {
  readonly code: InferenceErrorCode;
  constructor(code: InferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InferenceError';
    this.code = code;
  }
}
