/**
 * Materialising a strided view of a storage as C-contiguous bytes. PyTorch checkpoints store
 * storages, and each tensor is a (storage offset, shape, strides) view of one: transposed
 * weights, slices and tensors sharing a storage all arrive this way. Trailing dimensions that
 * are contiguous in the storage are copied as one run, so an ordinary tensor is one `set`.
 */

/**
 * Copies the view (`offset`, `shape`, `stride`, all in elements of `elemSize` bytes) of
 * `storage` into a new C-contiguous buffer. The caller has checked that the view lies inside
 * the storage (`viewExtent`).
 */
export function stridedCopy(
  storage: Uint8Array,
  elemSize: number,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): Uint8Array {
  let numel = 1;
  for (const d of shape) numel *= d;
  const out = new Uint8Array(numel * elemSize);
  if (numel === 0) return out;
  // Merge trailing dimensions that step through the storage contiguously into one run.
  let run = 1;
  let d = shape.length - 1;
  while (d >= 0 && (shape[d] === 1 || stride[d] === run)) {
    run *= shape[d]!;
    d--;
  }
  const runBytes = run * elemSize;
  const idx = new Array<number>(d + 1).fill(0);
  let src = offset;
  let dst = 0;
  for (;;) {
    const s = src * elemSize;
    if (runBytes <= 8) for (let b = 0; b < runBytes; b++) out[dst + b] = storage[s + b]!;
    else out.set(storage.subarray(s, s + runBytes), dst);
    dst += runBytes;
    let k = d;
    for (; k >= 0; k--) {
      src += stride[k]!;
      if (++idx[k]! < shape[k]!) break;
      src -= stride[k]! * shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

/**
 * The number of storage elements a view needs: 1 + the largest element index it touches
 * (0 for an empty view). Negative strides or offsets give NaN so callers reject them.
 */
export function viewExtent(
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): number {
  if (offset < 0 || stride.some((s) => s < 0)) return NaN;
  let last = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    last += (shape[i]! - 1) * stride[i]!;
  }
  return last + 1;
}

/** Whether the view is the C-contiguous layout of its shape (strides of size-1 dims ignored). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}
