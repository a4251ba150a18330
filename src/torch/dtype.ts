/**
 * Element types of tensors, with their sizes and the typed arrays that carry them across the
 * native boundary. float16 and bfloat16 have no JavaScript typed array: they travel as raw
 * Uint16Array bits and are converted with `Tensor.to('float32')`.
 */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
];

/** Bytes per element. */
export const DTYPE_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** The typed array `toArray()` returns for each dtype. */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** The dtype implied by a typed array (Uint8Array means uint8; use an explicit dtype for bool). */
export function dtypeOfArray(a: AnyTypedArray | Int16Array | Int8Array): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array)
    throw new TypeError('a Uint16Array is ambiguous: pass dtype "float16" or "bfloat16"');
  throw new TypeError(`unsupported array type ${Object.prototype.toString.call(a)}`);
}

/** A view of raw little-endian bytes as the typed array of `dtype` (copies when unaligned). */
export function viewBytes<D extends DType>(dtype: D, bytes: Uint8Array): TypedArrayOf[D] {
  const size = DTYPE_SIZE[dtype];
  if (bytes.byteLength % size !== 0)
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  let b = bytes;
  if (b.byteOffset % size !== 0) b = b.slice();
  const n = b.byteLength / size;
  const buf = b.buffer;
  const off = b.byteOffset;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, off, n) as TypedArrayOf[D];
    case 'float64':
      return new Float64Array(buf, off, n) as TypedArrayOf[D];
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf, off, n) as TypedArrayOf[D];
    case 'int64':
      return new BigInt64Array(buf, off, n) as TypedArrayOf[D];
    case 'int32':
      return new Int32Array(buf, off, n) as TypedArrayOf[D];
    case 'int16':
      return new Int16Array(buf, off, n) as unknown as TypedArrayOf[D];
    case 'int8':
      return new Int8Array(buf, off, n) as unknown as TypedArrayOf[D];
    default:
      return new Uint8Array(buf, off, n) as TypedArrayOf[D];
  }
}
