/**
 * Input handling shared by the retrieval metrics: the error class, the accepted similarity
 * layouts (nested arrays, or a flat row-major array with its shape, which is also what a Tensor
 * gives through `toArray()` and `shape`) and their validation. Everything is normalised to a
 * row-major array plus dimensions so the ranking code never sees the caller's layout.
 */

/** Stable codes of {@link RetrievalMetricsError}. */
export type RetrievalMetricsErrorCode =
  | 'EMPTY_INPUT'
  | 'BAD_SHAPE'
  | 'RAGGED_ROWS'
  | 'NOT_A_NUMBER'
  | 'NOT_SQUARE'
  | 'BAD_CAPTION_INDEX'
  | 'NON_FINITE_GROUND_TRUTH'
  | 'NO_VALID_QUERIES'
  | 'BAD_OPTION';

/** Bad input to a retrieval metric; `code` is stable, the message says what to change. */
export class RetrievalMetricsError extends Error {
  readonly code: RetrievalMetricsErrorCode;

  constructor(code: RetrievalMetricsErrorCode, message: string) {
    super(message);
    this.name = 'RetrievalMetricsError';
    this.code = code;
  }
}

/** A row-major array with its shape (`shape` as a Tensor reports it). */
export interface ShapedArray {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/** A 2-D similarity: rows are queries, columns candidates. */
/** Anything with the Tensor interface used here (kept structural so this file loads no native code). */
export interface TensorLike {
  readonly shape: number[];
  toArray(): ArrayLike<number | bigint>;
  to(dtype: 'float64'): TensorLike;
  dispose(): void;
}

export type SimilarityMatrixInput = ReadonlyArray<ArrayLike<number>> | ShapedArray | TensorLike;

/** A 3-D similarity [videos, captions per video, videos], missing captions filled with -inf. */
export type SentenceTensorInput = ReadonlyArray<ReadonlyArray<ArrayLike<number>>> | ShapedArray | TensorLike;

/** A normalised 2-D similarity. */
export interface Matrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** A normalised 3-D similarity [videos, slots, videos]. */
export interface SentenceTensor {
  data: ArrayLike<number>;
  numVideos: number;
  maxCaptionsPerVideo: number;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && typeof (x as TensorLike).toArray === 'function' && typeof (x as TensorLike).to === 'function';
}

/** A Tensor's values as a float64 row-major array with its shape (the caller keeps the tensor). */
function fromTensor(t: TensorLike): ShapedArray {
  const d = t.to('float64');
  try {
    return { data: d.toArray() as Float64Array, shape: t.shape };
  } finally {
    d.dispose();
  }
}

function isShaped(x: unknown): x is ShapedArray {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'shape' in x;
}

function checkShape(
  where: string,
  shape: readonly number[],
  rank: number,
  dataLength: number,
): void {
  const dims = `[${shape.join(', ')}]`;
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RetrievalMetricsError(
      'BAD_SHAPE',
      `${where}: expected a shape of ${rank} non-negative integers; got ${dims}`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) {
    throw new RetrievalMetricsError(
      'EMPTY_INPUT',
      `${where}: the similarity is empty (shape ${dims}); pass at least one query and one candidate`,
    );
  }
  if (dataLength !== size) {
    throw new RetrievalMetricsError(
      'BAD_SHAPE',
      `${where}: shape ${dims} needs ${size} values; data has ${dataLength}`,
    );
  }
}

/** Copies nested rows into one Float64Array, checking that every row has `cols` numbers. */
function flattenRows(
  where: string,
  rows: ReadonlyArray<ArrayLike<number>>,
  cols: number,
  out: Float64Array,
  offset: number,
  label: (r: number) => string,
): void {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new RetrievalMetricsError(
        'RAGGED_ROWS',
        `${where}: ${label(r)} is not an array of numbers`,
      );
    }
    if (row.length !== cols) {
      throw new RetrievalMetricsError(
        'RAGGED_ROWS',
        `${where}: every row must have ${cols} values (as the first); ${label(r)} has ${row.length}`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== 'number') {
        throw new RetrievalMetricsError(
          'NOT_A_NUMBER',
          `${where}: ${label(r)}, column ${c} is ${JSON.stringify(v)} (${typeof v}); ` +
            `expected a number (parse strings such as "-inf" first)`,
        );
      }
      out[offset + r * cols + c] = v;
    }
  }
}

/** Validates and normalises a 2-D similarity; `where` names the calling function. */
export function toMatrix(where: string, sim: SimilarityMatrixInput): Matrix {
  if (isTensorLike(sim)) sim = fromTensor(sim);
  if (isShaped(sim)) {
    checkShape(where, sim.shape, 2, sim.data.length);
    return { data: sim.data, rows: sim.shape[0]!, cols: sim.shape[1]! };
  }
  if (!Array.isArray(sim)) {
    throw new RetrievalMetricsError(
      'BAD_SHAPE',
      `${where}: expected number[][] or { data, shape: [rows, cols] }; got ${typeof sim}`,
    );
  }
  const rows = sim.length;
  const first: unknown = sim[0];
  if (rows > 0 && (typeof first !== 'object' || first === null || !('length' in first))) {
    throw new RetrievalMetricsError(
      'RAGGED_ROWS',
      `${where}: expected number[][] (one array per query); row 0 is ${typeof first}`,
    );
  }
  const cols = rows > 0 ? (first as ArrayLike<number>).length : 0;
  if (rows === 0 || cols === 0) {
    throw new RetrievalMetricsError(
      'EMPTY_INPUT',
      `${where}: the similarity is empty (${rows} rows, ${cols} columns); ` +
        `pass at least one query and one candidate`,
    );
  }
  const data = new Float64Array(rows * cols);
  flattenRows(where, sim, cols, data, 0, (r) => `row ${r}`);
  return { data, rows, cols };
}

/** Validates and normalises a [videos, captions per video, videos] similarity. */
export function toSentenceTensor(where: string, sim: SentenceTensorInput): SentenceTensor {
  if (isTensorLike(sim)) sim = fromTensor(sim);
  let data: ArrayLike<number>;
  let shape: number[];
  if (isShaped(sim)) {
    checkShape(where, sim.shape, 3, sim.data.length);
    data = sim.data;
    shape = [...sim.shape];
  } else {
    if (!Array.isArray(sim)) {
      throw new RetrievalMetricsError(
        'BAD_SHAPE',
        `${where}: expected number[][][] or { data, shape: [videos, captions, videos] }; ` +
          `got ${typeof sim}`,
      );
    }
    const v0 = sim[0];
    const slots = Array.isArray(v0) ? v0.length : 0;
    const cols = slots > 0 && typeof v0![0]?.length === 'number' ? v0![0]!.length : 0;
    shape = [sim.length, slots, cols];
    if (shape.includes(0)) {
      throw new RetrievalMetricsError(
        'EMPTY_INPUT',
        `${where}: the similarity is empty (shape [${shape.join(', ')}]); ` +
          `pass at least one video with one caption`,
      );
    }
    const flat = new Float64Array(sim.length * slots * cols);
    for (let v = 0; v < sim.length; v++) {
      const block = sim[v];
      if (!Array.isArray(block) || block.length !== slots) {
        throw new RetrievalMetricsError(
          'RAGGED_ROWS',
          `${where}: every video must have ${slots} caption slots (as video 0, pad with -inf); ` +
            `video ${v} has ${Array.isArray(block) ? block.length : typeof block}`,
        );
      }
      flattenRows(where, block, cols, flat, v * slots * cols, (s) => `video ${v}, caption ${s}`);
    }
    data = flat;
  }
  const [numVideos, maxCaptionsPerVideo, cols] = shape as [number, number, number];
  if (cols !== numVideos) {
    throw new RetrievalMetricsError(
      'NOT_SQUARE',
      `${where}: expected [videos, captions per video, videos] with the same video count ` +
        `first and last; got [${shape.join(', ')}]`,
    );
  }
  return { data, numVideos, maxCaptionsPerVideo };
}
