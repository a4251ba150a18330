/**
 * The one error class of checkpoint IO. Every reader and writer under src/torch/io throws
 * `CheckpointError` for a problem with a file (missing, truncated, malformed, an unsupported
 * feature), with a stable `code` for programs and a message for people that names the file and
 * says what was expected, what was found, and what to do next (see docs/STYLE.md). Bugs in the
 * caller's arguments are CheckpointErrors too (code 'INVALID_ARGUMENT'), so one `catch` handles IO.
 */

export type CheckpointErrorCode =
  /** The file cannot be opened (missing, a directory, no permission). */
  | 'NOT_FOUND'
  /** None of the formats t2vlp reads (safetensors, torch.save zip, TorchScript zip). */
  | 'NOT_A_CHECKPOINT'
  /** Shorter than its own header or directory says. */
  | 'TRUNCATED'
  /** A safetensors header that is not valid JSON or is inconsistent with itself or the file. */
  | 'BAD_HEADER'
  /** A zip archive whose directory or entries are malformed. */
  | 'BAD_ARCHIVE'
  /** A pickle stream that is malformed or does not describe tensors the way PyTorch does. */
  | 'BAD_PICKLE'
  /** A well-formed file that uses something these readers do not implement (a dtype, big-endian data, a compression method). */
  | 'UNSUPPORTED'
  /** A torch.save file in the pre-1.6, non-zip format. */
  | 'LEGACY_FORMAT'
  /** A tensor name asked for that the file does not have. */
  | 'MISSING_TENSOR'
  /** A tensor or option handed to a writer or reader that is not valid. */
  | 'INVALID_ARGUMENT'
  /** The operating system failed a read or write. */
  | 'IO';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** Stable identifier of the kind of failure. */
  readonly code: CheckpointErrorCode;
  /** The path of the file concerned, as the caller gave it. */
  readonly file: string;

  constructor(
    code: CheckpointErrorCode,
    file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.file = file;
  }
}

/** `'name'` quoting used in every message, so paths with spaces stay readable. */
export function q(s: string): string {
  return `'${s}'`;
}
