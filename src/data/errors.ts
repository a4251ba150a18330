// Error classes of the data layer. Each carries a stable `code` that callers and the training
// loader's skip report can rely on, and a message naming the file and the problem (docs/STYLE.md).

export type DataErrorCode =
  | 'ENOENT' // a file or folder does not exist
  | 'BAD_FORMAT' // an annotation file does not parse or lacks a field
  | 'MISSING_FIELD'
  | 'EMPTY_CAPTION' // a caption tokenises to nothing
  | 'CRC_MISMATCH'
  | 'TRUNCATED'
  | 'VIDEO_OPEN' // ffmpeg/ffprobe cannot open or parse the file
  | 'VIDEO_EMPTY' // no frame could be decoded (zero duration, zero fps, no video stream)
  | 'FFMPEG_MISSING'
  | 'ABORTED'
  | 'BAD_OPTION'
  | 'TENSOR_UNAVAILABLE'
  | 'DATASET_EXISTS'
  | 'TOO_LARGE'; // an input past a resource limit (a huge caption, frame or folder)

/** Base class: every data-layer error has a stable code. */
export class DataError extends Error {
  readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An annotation file is missing, malformed, or lacks a field. */
export class AnnotationError extends DataError {}

/** A video or frame folder cannot be probed or decoded. */
export class VideoDecodeError extends DataError {}

/** A TFRecord shard is truncated or fails its CRC check. */
export class TfRecordError extends DataError {}

/** A caption cannot be turned into ids (e.g. it tokenises to nothing). */
export class TokenizerError extends DataError {}

/** Invalid options passed to a data-layer function. */
export class DataOptionError extends DataError {}

/** Thrown when an AbortSignal stops a long job. */
export class DataAbortError extends DataError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('ABORTED', `${what}: aborted`, options);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new DataAbortError(what, { cause: signal.reason });
}
