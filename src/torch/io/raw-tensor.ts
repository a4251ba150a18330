/**
 * The record every checkpoint reader returns and every writer takes: a dtype, a shape and the
 * C-contiguous little-endian bytes, with no native handle attached. The tensor layer turns these
 * into tensors; config inference and tests can read values directly with `rawTensorToNumbers`.
 */
import { DTYPE_SIZE, isDType, viewBytes, type DType } from '../dtype.js';
import { CheckpointError, q } from './errors.js';

export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** C-contiguous little-endian bytes: numel(shape) * DTYPE_SIZE[dtype] of them. */
  data: Uint8Array;
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isRawTensor(x: unknown): x is RawTensor {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Partial<RawTensor>;
  return isDType(t.dtype) && Array.isArray(t.shape) && t.data instanceof Uint8Array;
}

/** Throws 'INVALID_ARGUMENT' unless `t` is a well-formed RawTensor; `where` names the file and op. */
export function checkRawTensor(t: unknown, name: string, file: string, op: string): RawTensor {
  const bad = (what: string): never => {
    throw new CheckpointError(
      'INVALID_ARGUMENT',
      file,
      `${op}: tensor ${q(name)} for ${q(file)} ${what}`,
    );
  };
  if (typeof t !== 'object' || t === null)
    return bad(`is ${t === null ? 'null' : typeof t}, expected { dtype, shape, data }`);
  const r = t as Partial<RawTensor>;
  if (!isDType(r.dtype))
    return bad(
      `has dtype ${JSON.stringify(r.dtype)}, expected one of float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool`,
    );
  if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    return bad(`has shape ${JSON.stringify(r.shape)}, expected an array of non-negative integers`);
  if (!(r.data instanceof Uint8Array)) return bad('has no Uint8Array `data`');
  const expected = numelOf(r.shape) * DTYPE_SIZE[r.dtype];
  if (r.data.byteLength !== expected)
    return bad(
      `has ${r.data.byteLength} bytes of data; ${r.dtype} [${r.shape.join(',')}] needs ${expected}`,
    );
  return r as RawTensor;
}

/** IEEE half-precision bits to a number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** bfloat16 bits (the top half of a float32) to a number. */
export function bfloat16ToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/**
 * Every element as a JavaScript number, in C order. Exact for all dtypes except int64 values
 * beyond ±2^53 (use `viewBytes('int64', t.data)` for those). Booleans are 0 and 1.
 */
export function rawTensorToNumbers(t: RawTensor): Float64Array {
  const n = numelOf(t.shape);
  const out = new Float64Array(n);
  switch (t.dtype) {
    case 'float16': {
      const v = viewBytes('float16', t.data);
      for (let i = 0; i < n; i++) out[i] = float16ToNumber(v[i]!);
      return out;
    }
    case 'bfloat16': {
      const v = viewBytes('bfloat16', t.data);
      for (let i = 0; i < n; i++) out[i] = bfloat16ToNumber(v[i]!);
      return out;
    }
    case 'int64': {
      const v = viewBytes('int64', t.data);
      for (let i = 0; i < n; i++) out[i] = Number(v[i]!);
      return out;
    }
    default: {
      const v = viewBytes(t.dtype, t.data) as
        Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
      for (let i = 0; i < n; i++) out[i] = v[i]!;
      return out;
    }
  }
}
