/**
 * Byte-level reshaping of checkpoint records, for mapping other CLIP layouts onto the reference
 * one before any tensor exists: stacking q, k and v projections into one `in_proj_weight`
 * (concatenation along the first dimension is concatenation of the C-contiguous bytes) and
 * turning a Linear's [out, in] weight into CLIP's [in, out] projection matrix. Callers check
 * that shapes agree; these only require what they need to be well defined.
 */
import { DTYPE_SIZE } from '../torch/index.js';
import type { RawTensor } from '../torch/io/index.js';

/** Concatenates records of one dtype and equal trailing dimensions along dimension 0. */
export function concatRows(parts: readonly RawTensor[]): RawTensor {
  const first = parts[0];
  if (!first || first.shape.length === 0)
    throw new RangeError('concatRows: needs at least one tensor of rank ≥ 1');
  const tail = first.shape.slice(1).join(',');
  let rows = 0;
  let bytes = 0;
  for (const p of parts) {
    if (
      p.dtype !== first.dtype ||
      p.shape.slice(1).join(',') !== tail ||
      p.shape.length !== first.shape.length
    )
      throw new RangeError(
        `concatRows: ${p.dtype} [${p.shape.join(',')}] does not stack on ${first.dtype} [${first.shape.join(',')}]`,
      );
    rows += p.shape[0]!;
    bytes += p.data.byteLength;
  }
  const data = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.byteLength;
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

/** The transpose of a 2-D record, made contiguous: [R, C] → [C, R]. */
export function transposeMatrix(t: RawTensor): RawTensor {
  if (t.shape.length !== 2)
    throw new RangeError(`transposeMatrix: expected a 2-D tensor, got [${t.shape.join(',')}]`);
  const [r, c] = t.shape as [number, number];
  const size = DTYPE_SIZE[t.dtype];
  const data = new Uint8Array(t.data.byteLength);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      const from = (i * c + j) * size;
      const to = (j * r + i) * size;
      for (let b = 0; b < size; b++) data[to + b] = t.data[from + b]!;
    }
  return { dtype: t.dtype, shape: [c, r], data };
}
