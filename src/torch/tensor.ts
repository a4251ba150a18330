/**
 * Tensor: a JavaScript owner of one native libtorch tensor, with chainable methods named after
 * PyTorch's (camelCase where PyTorch uses snake_case). Every result is a new Tensor registered
 * with the innermost scope; `dispose()` frees the native memory now, a second call does nothing,
 * and any use after that throws a TorchError (TORCH_DISPOSED) naming the method.
 *
 * The op methods (add, sum, reshape, ...) are generated into gen/tensor-methods.ts from
 * native/gen/ops.decl.mjs (npm run gen:ops); this file keeps only the glue: handle ownership and
 * dispose, the shape cache, data access (toArray, tolist, item), to(), and autograd accessors.
 */
import { DTYPE_SIZE, type DType, type TypedArrayOf, viewBytes } from './dtype.js';
import { torchError } from './errors.js';
import { TensorMethods, bindTensorClass } from './gen/tensor-methods.js';
import { native, type Handle } from './native.js';
import { track, keep as keepTensor } from './scope.js';

export type Scalar = number | boolean | bigint;
export type TensorOrScalar = Tensor | Scalar;

/** `dim` counted from the front (negative counts from the back); a RangeError naming `op` when out of range. */
function normalizeDim(dim: number, rank: number, op: string): number {
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= Math.max(rank, 1))
    throw new RangeError(`${op}: dimension ${dim} is out of range for a tensor of rank ${rank}`);
  return d;
}

export class Tensor extends TensorMethods {
  #h: Handle | null;
  #shape: number[] | null = null;

  /** Wraps a native handle; the new Tensor belongs to the innermost open scope. */
  constructor(handle: Handle) {
    super();
    this.#h = handle;
    track(this);
  }

  /** The native handle; throws a TorchError (TORCH_DISPOSED) naming `op` when the tensor was disposed. */
  handleFor(op: string): Handle {
    if (this.#h === null) throw torchError('TORCH_DISPOSED', `Tensor.${op}`, 'tensor was already disposed');
    return this.#h;
  }

  get handle(): Handle {
    return this.handleFor('handle');
  }

  /** Replaces the native tensor this object owns (used by Parameter and Module.to). */
  protected replaceHandle(h: Handle): void {
    const old = this.#h;
    this.#h = h;
    this.#shape = null;
    if (old !== null && old !== h) native.dispose(old);
  }

  get isDisposed(): boolean {
    return this.#h === null;
  }

  dispose(): void {
    if (this.#h !== null) {
      native.dispose(this.#h);
      this.#h = null;
    }
  }

  /** Excludes this tensor from every scope; it lives until `dispose()`. */
  keep(): this {
    return keepTensor(this);
  }

  get shape(): number[] {
    if (this.#shape === null) this.#shape = native.shape(this.handleFor('shape'));
    return this.#shape.slice();
  }
  get rank(): number {
    return this.shape.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  size(dim: number): number {
    const s = this.shape;
    return s[normalizeDim(dim, s.length, 'size')]!;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return native.dtype(this.handleFor('dtype'));
  }
  get device(): string {
    return native.device(this.handleFor('device'));
  }
  get isContiguous(): boolean {
    return native.isContiguous(this.handleFor('isContiguous'));
  }

  /** A typed-array copy of the data in C order (float16/bfloat16 as raw Uint16 bits). */
  toArray<D extends DType = DType>(): TypedArrayOf[D] {
    const h = this.handleFor('toArray');
    return viewBytes(native.dtype(h), new Uint8Array(native.toArray(h))) as TypedArrayOf[D];
  }
  /** The raw bytes in C order (for checkpoint writers). */
  toBytes(): Uint8Array {
    return new Uint8Array(native.toArray(this.handleFor('toBytes')));
  }
  /** Nested number arrays, like PyTorch's tolist() (int64 values as numbers, float16/bfloat16 decoded). */
  tolist(): unknown {
    const d = this.dtype;
    let src: ArrayLike<number | bigint>;
    if (d === 'float16' || d === 'bfloat16') {
      const h = native.toDtype(this.handleFor('tolist'), 'float32');
      try {
        src = viewBytes('float32', new Uint8Array(native.toArray(h)));
      } finally {
        native.dispose(h);
      }
    } else src = this.toArray() as ArrayLike<number | bigint>;
    const flat = Array.from(src, Number);
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    const build = (dim: number, off: number): unknown => {
      const n = shape[dim]!;
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out = [];
      for (let i = 0; i < n; i++)
        out.push(dim === shape.length - 1 ? flat[off + i] : build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }
  item(): number {
    return native.item(this.handleFor('item'));
  }
  get byteSize(): number {
    return this.numel * DTYPE_SIZE[this.dtype];
  }
  override toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }

  /** Wraps a handle as a Tensor (for subclasses that create tensors). */
  protected wrap(h: Handle): Tensor {
    return new Tensor(h);
  }

  // ---- shape glue
  get T(): Tensor {
    return this.t();
  }
  expandAs(o: Tensor): Tensor {
    return this.expand(o.shape);
  }

  // ---- dtype and device
  /**
   * A copy in another dtype or on another device. `nonBlocking` makes a copy from pinned host
   * memory to CUDA asynchronous (it returns once the copy is queued; work on the result waits for
   * it, and the source must stay alive until then, which libtorch's host allocator ensures).
   */
  to(target: DType | 'cpu' | `cuda${string}`, o: { nonBlocking?: boolean } = {}): Tensor {
    const h = this.handleFor('to');
    if (target === 'cpu' || target.startsWith('cuda')) return new Tensor(native.toDevice(h, target, o.nonBlocking ?? false));
    return new Tensor(native.toDtype(h, target as DType));
  }
  /** A copy in page-locked host memory, for asynchronous copies to CUDA (needs a CUDA device). */
  pinMemory(): Tensor {
    return new Tensor(native.pinMemory(this.handleFor('pinMemory')));
  }
  /** Whether this tensor lives in page-locked host memory. */
  get isPinned(): boolean {
    return native.isPinned(this.handleFor('isPinned'));
  }
  float(): Tensor {
    return this.to('float32');
  }
  long(): Tensor {
    return this.to('int64');
  }
  bool(): Tensor {
    return this.to('bool');
  }

  // ---- autograd
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handleFor('requiresGrad'));
  }
  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this.handleFor('requiresGrad_'), flag);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handleFor('isLeaf'));
  }
  retainGrad(): this {
    native.retainGrad(this.handleFor('retainGrad'));
    return this;
  }
  /** The accumulated gradient as a new Tensor (sharing memory), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handleFor('grad'));
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handleFor('grad'), g ? g.handleFor('grad') : null);
  }
  backward(gradient?: Tensor, retainGraph = false): void {
    native.backward(this.handleFor('backward'), gradient ? gradient.handleFor('backward') : null, retainGraph);
  }
}

bindTensorClass(Tensor);
