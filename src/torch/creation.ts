/**
 * Making tensors: from typed arrays, nested number arrays or numbers, and the PyTorch factory
 * functions (zeros, ones, full, arange, seeded random draws) plus the list ops cat, stack, where.
 */
import { DTYPE_SIZE, dtypeOfArray, isDType, type AnyTypedArray, type DType } from './dtype.js';
import { defaultDevice } from './device.js';
import { native } from './native.js';
import { Tensor, type Scalar } from './tensor.js';

type NestedNumbers = number | boolean | NestedNumbers[];

function inferShape(x: NestedNumbers): number[] {
  const shape: number[] = [];
  let cur: NestedNumbers = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedNumbers;
  }
  return shape;
}

function flatten(x: NestedNumbers, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(x)) throw new TypeError('tensor: ragged nested array');
    out.push(Number(x));
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[depth])
    throw new TypeError(`tensor: ragged nested array (expected length ${shape[depth]} at depth ${depth})`);
  for (const v of x) flatten(v, shape, depth + 1, out);
}

function toTyped(values: number[], dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'int32': return Int32Array.from(values);
    case 'int16': return Int16Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8':
    case 'bool': return Uint8Array.from(values, (v) => (dtype === 'bool' ? (v ? 1 : 0) : v));
    default: {
      // float16/bfloat16 from numbers: go through float32 and convert natively.
      return Float32Array.from(values);
    }
  }
}

/**
 * A tensor holding a copy of `data`. The dtype comes from the typed array (Float32Array →
 * float32, BigInt64Array → int64, ...) unless given; nested arrays and numbers default to float32.
 * A Uint16Array needs an explicit dtype ('float16' or 'bfloat16'): it is taken as raw bits.
 */
export function tensor(
  data: AnyTypedArray | Int16Array | Int8Array | NestedNumbers,
  shape?: number[],
  dtype?: DType,
): Tensor {
  return onDefaultDevice(cpuTensor(data, shape, dtype));
}

/**
 * A CPU tensor in page-locked (pinned) memory holding a copy of `data`: the source of an
 * asynchronous copy to CUDA (`t.to('cuda', { nonBlocking: true })`). Needs a CUDA device.
 */
export function pinnedTensor(data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array, shape?: number[]): Tensor {
  const s = shape ?? [data.length];
  const numel = s.reduce((a, b) => a * b, 1);
  if (numel !== data.length) throw new RangeError(`pinnedTensor: shape [${s.join(', ')}] has ${numel} elements; the array has ${data.length}`);
  return new Tensor(native.fromArray(data, s, dtypeOfArray(data), true));
}

/** `t` itself on the CPU default; otherwise a copy on the default device (`t` is freed). */
function onDefaultDevice(t: Tensor): Tensor {
  const d = defaultDevice();
  if (d === 'cpu') return t;
  try {
    return t.to(d);
  } finally {
    t.dispose();
  }
}

function cpuTensor(
  data: AnyTypedArray | Int16Array | Int8Array | NestedNumbers,
  shape?: number[],
  dtype?: DType,
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const arr = data as AnyTypedArray;
    const own = arr instanceof Uint16Array ? dtype : dtypeOfArray(arr);
    if (!own) throw new TypeError("tensor: a Uint16Array carries raw bits; pass dtype 'float16' or 'bfloat16'");
    const s = shape ?? [arr.length];
    const numel = s.reduce((a, b) => a * b, 1);
    if (numel !== arr.length)
      throw new RangeError(`tensor: shape [${s.join(', ')}] has ${numel} elements; the array has ${arr.length}`);
    if (dtype === 'bool' && arr instanceof Uint8Array) {
      // libtorch assumes bool bytes are 0 or 1; other bytes go through uint8 → bool (x != 0).
      if (arr.every((v) => v <= 1)) return new Tensor(native.fromArray(arr, s, 'bool'));
      const u = new Tensor(native.fromArray(arr, s, 'uint8'));
      const b = u.to('bool');
      u.dispose();
      return b;
    }
    const t = new Tensor(native.fromArray(arr, s, own));
    if (dtype && dtype !== own) {
      const c = t.to(dtype);
      t.dispose();
      return c;
    }
    return t;
  }
  const inferred = inferShape(data as NestedNumbers);
  const values: number[] = [];
  flatten(data as NestedNumbers, inferred, 0, values);
  const s = shape ?? inferred;
  const d = dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
  if (!isDType(d)) throw new TypeError(`tensor: unknown dtype '${String(d)}'`);
  const typed = toTyped(values, d);
  const carrier = d === 'float16' || d === 'bfloat16' ? 'float32' : d;
  const t = new Tensor(native.fromArray(typed, s, carrier));
  if (carrier !== d) {
    const c = t.to(d);
    t.dispose();
    return c;
  }
  return t;
}

/** A tensor from raw little-endian bytes (what checkpoint readers produce). */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType): Tensor {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== numel * DTYPE_SIZE[dtype])
    throw new RangeError(
      `fromBytes: [${shape.join(', ')}] ${dtype} needs ${numel * DTYPE_SIZE[dtype]} bytes, got ${bytes.byteLength}`,
    );
  return onDefaultDevice(new Tensor(native.fromArray(bytes, shape, dtype)));
}

export const scalarTensor = (v: number, dtype: DType = 'float32'): Tensor => full([], v, dtype);
export const zeros = (shape: number[], dtype: DType = 'float32'): Tensor => new Tensor(native.zeros(shape, dtype, defaultDevice()));
export const ones = (shape: number[], dtype: DType = 'float32'): Tensor => new Tensor(native.ones(shape, dtype, defaultDevice()));
export const empty = (shape: number[], dtype: DType = 'float32'): Tensor => new Tensor(native.empty(shape, dtype, defaultDevice()));
export const full = (shape: number[], value: Scalar, dtype: DType = 'float32'): Tensor =>
  new Tensor(native.full(shape, value, dtype, defaultDevice()));
export const eye = (n: number, dtype: DType = 'float32'): Tensor => new Tensor(native.eye(n, dtype, defaultDevice()));
export const linspace = (start: number, end: number, steps: number, dtype: DType = 'float32'): Tensor =>
  new Tensor(native.linspace(start, end, steps, dtype, defaultDevice()));

/** arange(end) or arange(start, end, step); dtype int64 unless a bound is fractional. */
export function arange(a: number, b?: number, step = 1, dtype?: DType): Tensor {
  const [start, end] = b === undefined ? [0, a] : [a, b];
  const d = dtype ?? ([start, end, step].every(Number.isInteger) ? 'int64' : 'float32');
  return new Tensor(native.arange(start, end, step, d, defaultDevice()));
}

export const rand = (shape: number[], dtype: DType = 'float32'): Tensor => new Tensor(native.rand(shape, dtype, defaultDevice()));
export const randn = (shape: number[], dtype: DType = 'float32'): Tensor => new Tensor(native.randn(shape, dtype, defaultDevice()));
export const randint = (low: number, high: number, shape: number[], dtype: DType = 'int64'): Tensor =>
  new Tensor(native.randint(low, high, shape, dtype, defaultDevice()));
export const randperm = (n: number, dtype: DType = 'int64'): Tensor => new Tensor(native.randperm(n, dtype, defaultDevice()));
export const zerosLike = (t: Tensor): Tensor => new Tensor(native.zerosLike(t.handleFor('zerosLike')));
export const onesLike = (t: Tensor): Tensor => new Tensor(native.onesLike(t.handleFor('onesLike')));
export const fullLike = (t: Tensor, v: Scalar): Tensor => new Tensor(native.fullLike(t.handleFor('fullLike'), v));
export const randLike = (t: Tensor): Tensor => new Tensor(native.randLike(t.handleFor('randLike')));
export const randnLike = (t: Tensor): Tensor => new Tensor(native.randnLike(t.handleFor('randnLike')));
/** Draws `n` indices per row from the (unnormalised) probabilities in `probs`. */
export const multinomial = (probs: Tensor, n: number, replacement = false): Tensor =>
  new Tensor(native.multinomial(probs.handleFor('multinomial'), n, replacement));
export const bernoulli = (probs: Tensor): Tensor => new Tensor(native.bernoulli(probs.handleFor('bernoulli')));

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expected at least one tensor');
  return new Tensor(native.cat(tensors.map((t) => t.handleFor('cat')), dim));
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: expected at least one tensor');
  return new Tensor(native.stack(tensors.map((t) => t.handleFor('stack')), dim));
}
/** Elementwise choice: `a` where `condition` is true, else `b` (tensors broadcast). */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  return new Tensor(native.where(condition.handleFor('where'), a.handleFor('where'), b.handleFor('where')));
}
