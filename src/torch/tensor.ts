/**
 * Tensor: a JavaScript owner of one native libtorch tensor, with chainable methods named after
 * PyTorch's (camelCase where PyTorch uses snake_case). Every result is a new Tensor registered
 * with the innermost scope; `dispose()` frees the native memory now, a second call does nothing,
 * and any use after that throws an error naming the method.
 */
import { DTYPE_SIZE, type DType, type TypedArrayOf, viewBytes } from './dtype.js';
import { native, type Handle } from './native.js';
import { track, keep as keepTensor } from './scope.js';

export type Scalar = number | boolean | bigint;
export type TensorOrScalar = Tensor | Scalar;

function norm(dim: number, rank: number, op: string): number {
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= Math.max(rank, 1))
    throw new RangeError(`${op}: dimension ${dim} is out of range for a tensor of rank ${rank}`);
  return d;
}

export class Tensor {
  #h: Handle | null;
  #shape: number[] | null = null;

  /** Wraps a native handle; the new Tensor belongs to the innermost open scope. */
  constructor(handle: Handle) {
    this.#h = handle;
    track(this);
  }

  /** The native handle; throws when the tensor was disposed. */
  handleFor(op: string): Handle {
    if (this.#h === null) throw new Error(`Tensor.${op}: tensor was already disposed`);
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
    return s[norm(dim, s.length, 'size')]!;
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
  toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }

  // ---- internal helpers
  protected wrap(h: Handle): Tensor {
    return new Tensor(h);
  }
  #bin(
    op: string,
    other: TensorOrScalar,
    t: (a: Handle, b: Handle) => Handle,
    s: (a: Handle, b: Scalar) => Handle,
  ): Tensor {
    const h = this.handleFor(op);
    return new Tensor(other instanceof Tensor ? t(h, other.handleFor(op)) : s(h, other));
  }
  #un(op: string, f: (a: Handle) => Handle): Tensor {
    return new Tensor(f(this.handleFor(op)));
  }
  #dim(dim: number, op: string): number {
    return norm(dim, this.shape.length, op);
  }

  // ---- elementwise
  add(o: TensorOrScalar, alpha = 1): Tensor {
    if (o instanceof Tensor) return new Tensor(native.add(this.handleFor('add'), o.handleFor('add'), alpha));
    return new Tensor(native.addScalar(this.handleFor('add'), alpha === 1 ? o : Number(o) * alpha));
  }
  sub(o: TensorOrScalar, alpha = 1): Tensor {
    if (o instanceof Tensor) return new Tensor(native.sub(this.handleFor('sub'), o.handleFor('sub'), alpha));
    return new Tensor(native.subScalar(this.handleFor('sub'), alpha === 1 ? o : Number(o) * alpha));
  }
  /** other - this, for a scalar other. */
  rsub(o: Scalar): Tensor {
    return new Tensor(native.rsubScalar(this.handleFor('rsub'), o));
  }
  mul(o: TensorOrScalar): Tensor {
    return this.#bin('mul', o, native.mul, native.mulScalar);
  }
  div(o: TensorOrScalar): Tensor {
    return this.#bin('div', o, native.div, native.divScalar);
  }
  pow(o: TensorOrScalar): Tensor {
    return this.#bin('pow', o, native.pow, native.powScalar);
  }
  remainder(o: TensorOrScalar): Tensor {
    return this.#bin('remainder', o, native.remainder, native.remainderScalar);
  }
  maximum(o: Tensor): Tensor {
    return new Tensor(native.maximum(this.handleFor('maximum'), o.handleFor('maximum')));
  }
  minimum(o: Tensor): Tensor {
    return new Tensor(native.minimum(this.handleFor('minimum'), o.handleFor('minimum')));
  }
  eq(o: TensorOrScalar): Tensor { return this.#bin('eq', o, native.eq, native.eqScalar); }
  ne(o: TensorOrScalar): Tensor { return this.#bin('ne', o, native.ne, native.neScalar); }
  lt(o: TensorOrScalar): Tensor { return this.#bin('lt', o, native.lt, native.ltScalar); }
  le(o: TensorOrScalar): Tensor { return this.#bin('le', o, native.le, native.leScalar); }
  gt(o: TensorOrScalar): Tensor { return this.#bin('gt', o, native.gt, native.gtScalar); }
  ge(o: TensorOrScalar): Tensor { return this.#bin('ge', o, native.ge, native.geScalar); }
  logicalAnd(o: Tensor): Tensor { return new Tensor(native.logicalAnd(this.handleFor('logicalAnd'), o.handleFor('logicalAnd'))); }
  logicalOr(o: Tensor): Tensor { return new Tensor(native.logicalOr(this.handleFor('logicalOr'), o.handleFor('logicalOr'))); }
  logicalXor(o: Tensor): Tensor { return new Tensor(native.logicalXor(this.handleFor('logicalXor'), o.handleFor('logicalXor'))); }
  logicalNot(): Tensor { return this.#un('logicalNot', native.logicalNot); }
  neg(): Tensor { return this.#un('neg', native.neg); }
  abs(): Tensor { return this.#un('abs', native.abs); }
  exp(): Tensor { return this.#un('exp', native.exp); }
  log(): Tensor { return this.#un('log', native.log); }
  log1p(): Tensor { return this.#un('log1p', native.log1p); }
  sqrt(): Tensor { return this.#un('sqrt', native.sqrt); }
  rsqrt(): Tensor { return this.#un('rsqrt', native.rsqrt); }
  sin(): Tensor { return this.#un('sin', native.sin); }
  cos(): Tensor { return this.#un('cos', native.cos); }
  tanh(): Tensor { return this.#un('tanh', native.tanh); }
  sigmoid(): Tensor { return this.#un('sigmoid', native.sigmoid); }
  relu(): Tensor { return this.#un('relu', native.relu); }
  erf(): Tensor { return this.#un('erf', native.erf); }
  sign(): Tensor { return this.#un('sign', native.sign); }
  floor(): Tensor { return this.#un('floor', native.floor); }
  ceil(): Tensor { return this.#un('ceil', native.ceil); }
  round(): Tensor { return this.#un('round', native.round); }
  reciprocal(): Tensor { return this.#un('reciprocal', native.reciprocal); }
  square(): Tensor { return this.#un('square', native.square); }
  isnan(): Tensor { return this.#un('isnan', native.isnan); }
  isinf(): Tensor { return this.#un('isinf', native.isinf); }
  isfinite(): Tensor { return this.#un('isfinite', native.isfinite); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return new Tensor(native.gelu(this.handleFor('gelu'), approximate));
  }
  clamp(min: number | null = null, max: number | null = null): Tensor {
    return new Tensor(native.clamp(this.handleFor('clamp'), min, max));
  }
  clampMin(min: number): Tensor { return this.clamp(min, null); }
  clampMax(max: number): Tensor { return this.clamp(null, max); }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return new Tensor(native.maskedFill(this.handleFor('maskedFill'), mask.handleFor('maskedFill'), value));
  }
  lerp(end: Tensor, weight: number): Tensor {
    return new Tensor(native.lerp(this.handleFor('lerp'), end.handleFor('lerp'), weight));
  }
  allclose(o: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
    return native.allclose(this.handleFor('allclose'), o.handleFor('allclose'), rtol, atol);
  }
  equal(o: Tensor): boolean {
    return native.equal(this.handleFor('equal'), o.handleFor('equal'));
  }

  // ---- reductions (dim may be a number or a list; no dim reduces everything)
  sum(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(native.sumAll(this.handleFor('sum'), null));
    return new Tensor(native.sum(this.handleFor('sum'), ([] as number[]).concat(dim), keepdim, null));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(native.meanAll(this.handleFor('mean')));
    return new Tensor(native.mean(this.handleFor('mean'), ([] as number[]).concat(dim), keepdim));
  }
  prod(dim: number, keepdim = false): Tensor {
    return new Tensor(native.prod(this.handleFor('prod'), dim, keepdim));
  }
  /** Maximum of all elements. */
  max(): Tensor;
  /** Maximum along `dim`: values and indices, as PyTorch's torch.max(x, dim). */
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return new Tensor(native.maxAll(this.handleFor('max')));
    const [v, i] = native.max(this.handleFor('max'), dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return new Tensor(native.minAll(this.handleFor('min')));
    const [v, i] = native.min(this.handleFor('min'), dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(native.amax(this.handleFor('amax'), ([] as number[]).concat(dim), keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmax(this.handleFor('argmax'), dim ?? null, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmin(this.handleFor('argmin'), dim ?? null, keepdim));
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(native.logsumexp(this.handleFor('logsumexp'), ([] as number[]).concat(dim), keepdim));
  }
  /** Vector p-norm over `dim` (all elements when omitted). */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(native.normAll(this.handleFor('norm'), p));
    return new Tensor(native.norm(this.handleFor('norm'), p, ([] as number[]).concat(dim), keepdim));
  }
  var(dim: number | number[], unbiased = true, keepdim = false): Tensor {
    return new Tensor(native.var(this.handleFor('var'), ([] as number[]).concat(dim), unbiased, keepdim));
  }
  std(dim: number | number[], unbiased = true, keepdim = false): Tensor {
    return new Tensor(native.std(this.handleFor('std'), ([] as number[]).concat(dim), unbiased, keepdim));
  }
  all(): Tensor { return this.#un('all', native.all); }
  any(): Tensor { return this.#un('any', native.any); }
  countNonzero(): Tensor { return this.#un('countNonzero', native.countNonzero); }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.topk(this.handleFor('topk'), k, dim, largest, sorted);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  sort(dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const f = stable ? native.sortStable : native.sort;
    const [v, i] = f(this.handleFor('sort'), dim, descending);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argsort(dim = -1, descending = false): Tensor {
    return new Tensor(native.argsort(this.handleFor('argsort'), dim, descending));
  }
  cumsum(dim: number): Tensor {
    return new Tensor(native.cumsum(this.handleFor('cumsum'), dim));
  }

  // ---- shape
  reshape(...shape: number[] | [number[]]): Tensor {
    const s = Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return new Tensor(native.reshape(this.handleFor('reshape'), s));
  }
  view(...shape: number[] | [number[]]): Tensor {
    const s = Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return new Tensor(native.view(this.handleFor('view'), s));
  }
  permute(...dims: number[] | [number[]]): Tensor {
    const d = Array.isArray(dims[0]) ? dims[0] : (dims as number[]);
    return new Tensor(native.permute(this.handleFor('permute'), d));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.transpose(this.handleFor('transpose'), dim0, dim1));
  }
  /** Transpose of a matrix (PyTorch's .t()). */
  t(): Tensor { return this.#un('t', native.t); }
  get T(): Tensor { return this.t(); }
  squeeze(dim?: number): Tensor {
    if (dim === undefined) return this.#un('squeeze', native.squeeze);
    return new Tensor(native.squeezeDim(this.handleFor('squeeze'), dim));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handleFor('unsqueeze'), dim));
  }
  expand(...size: number[] | [number[]]): Tensor {
    const s = Array.isArray(size[0]) ? size[0] : (size as number[]);
    return new Tensor(native.expand(this.handleFor('expand'), s));
  }
  expandAs(o: Tensor): Tensor { return this.expand(o.shape); }
  repeat(...reps: number[] | [number[]]): Tensor {
    const r = Array.isArray(reps[0]) ? reps[0] : (reps as number[]);
    return new Tensor(native.repeat(this.handleFor('repeat'), r));
  }
  repeatInterleave(repeats: number, dim: number): Tensor {
    return new Tensor(native.repeatInterleave(this.handleFor('repeatInterleave'), repeats, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this.handleFor('flatten'), startDim, endDim));
  }
  contiguous(): Tensor { return this.#un('contiguous', native.contiguous); }
  clone(): Tensor { return this.#un('clone', native.clone); }
  /** A tensor sharing data with this one but cut from the autograd graph. */
  detach(): Tensor { return this.#un('detach', native.detach); }
  split(size: number | number[], dim = 0): Tensor[] {
    const h = this.handleFor('split');
    const hs = Array.isArray(size) ? native.splitWithSizes(h, size, dim) : native.split(h, size, dim);
    return hs.map((x) => new Tensor(x));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.handleFor('chunk'), chunks, dim).map((x) => new Tensor(x));
  }
  unbind(dim = 0): Tensor[] {
    return native.unbind(this.handleFor('unbind'), dim).map((x) => new Tensor(x));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this.handleFor('narrow'), dim, start, length));
  }
  /** Python's x[..., start:end:step] along `dim`; negative and omitted bounds as in Python. */
  slice(dim: number, start = 0, end?: number, step = 1): Tensor {
    const d = this.#dim(dim, 'slice');
    const n = this.shape[d]!;
    const e = end === undefined ? n : end;
    return new Tensor(native.slice(this.handleFor('slice'), d, start, e, step));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handleFor('select'), dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handleFor('indexSelect'), dim, index.handleFor('indexSelect')));
  }
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.gather(this.handleFor('gather'), dim, index.handleFor('gather')));
  }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.scatter(this.handleFor('scatter'), dim, index.handleFor('scatter'), src.handleFor('scatter')));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.scatterAdd(this.handleFor('scatterAdd'), dim, index.handleFor('scatterAdd'), src.handleFor('scatterAdd')));
  }
  /** Advanced indexing, like x[i0, i1, ...] with index tensors; null keeps a dimension whole. */
  index(indices: (Tensor | null)[]): Tensor {
    return new Tensor(native.index(this.handleFor('index'), indices.map((t) => (t ? t.handleFor('index') : null))));
  }
  indexPut(indices: (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
    return new Tensor(native.indexPut(this.handleFor('indexPut'), indices.map((t) => (t ? t.handleFor('indexPut') : null)), values.handleFor('indexPut'), accumulate));
  }
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.maskedSelect(this.handleFor('maskedSelect'), mask.handleFor('maskedSelect')));
  }
  nonzero(): Tensor { return this.#un('nonzero', native.nonzero); }
  flip(dims: number[]): Tensor { return new Tensor(native.flip(this.handleFor('flip'), dims)); }
  roll(shifts: number[], dims: number[]): Tensor { return new Tensor(native.roll(this.handleFor('roll'), shifts, dims)); }
  tril(diagonal = 0): Tensor { return new Tensor(native.tril(this.handleFor('tril'), diagonal)); }
  triu(diagonal = 0): Tensor { return new Tensor(native.triu(this.handleFor('triu'), diagonal)); }

  // ---- linear algebra
  matmul(o: Tensor): Tensor { return new Tensor(native.matmul(this.handleFor('matmul'), o.handleFor('matmul'))); }
  mm(o: Tensor): Tensor { return new Tensor(native.mm(this.handleFor('mm'), o.handleFor('mm'))); }
  bmm(o: Tensor): Tensor { return new Tensor(native.bmm(this.handleFor('bmm'), o.handleFor('bmm'))); }
  /** beta·this + alpha·(mat1 @ mat2) (torch.addmm(self, mat1, mat2)). */
  addmm(mat1: Tensor, mat2: Tensor, beta = 1, alpha = 1): Tensor {
    return new Tensor(native.addmm(this.handleFor('addmm'), mat1.handleFor('addmm'), mat2.handleFor('addmm'), beta, alpha));
  }
  /** beta·this + alpha·(batch1 @ batch2) over a batch (torch.baddbmm). */
  baddbmm(batch1: Tensor, batch2: Tensor, beta = 1, alpha = 1): Tensor {
    return new Tensor(
      native.baddbmm(this.handleFor('baddbmm'), batch1.handleFor('baddbmm'), batch2.handleFor('baddbmm'), beta, alpha),
    );
  }
  softmax(dim: number): Tensor { return new Tensor(native.softmax(this.handleFor('softmax'), dim)); }
  logSoftmax(dim: number): Tensor { return new Tensor(native.logSoftmax(this.handleFor('logSoftmax'), dim)); }

  // ---- dtype and device
  to(target: DType | 'cpu' | `cuda${string}`): Tensor {
    const h = this.handleFor('to');
    if (target === 'cpu' || target.startsWith('cuda')) return new Tensor(native.toDevice(h, target));
    return new Tensor(native.toDtype(h, target as DType));
  }
  float(): Tensor { return this.to('float32'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }

  // ---- in-place (return this)
  add_(o: TensorOrScalar, alpha = 1): this {
    if (o instanceof Tensor) native.add_(this.handleFor('add_'), o.handleFor('add_'), alpha);
    else native.addScalar_(this.handleFor('add_'), alpha === 1 ? o : Number(o) * alpha);
    return this;
  }
  sub_(o: Tensor, alpha = 1): this { native.sub_(this.handleFor('sub_'), o.handleFor('sub_'), alpha); return this; }
  mul_(o: TensorOrScalar): this {
    if (o instanceof Tensor) native.mul_(this.handleFor('mul_'), o.handleFor('mul_'));
    else native.mulScalar_(this.handleFor('mul_'), o);
    return this;
  }
  div_(o: TensorOrScalar): this {
    if (o instanceof Tensor) native.div_(this.handleFor('div_'), o.handleFor('div_'));
    else native.divScalar_(this.handleFor('div_'), o);
    return this;
  }
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { native.addcmul_(this.handleFor('addcmul_'), t1.handleFor('addcmul_'), t2.handleFor('addcmul_'), value); return this; }
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { native.addcdiv_(this.handleFor('addcdiv_'), t1.handleFor('addcdiv_'), t2.handleFor('addcdiv_'), value); return this; }
  lerp_(end: Tensor, weight: number): this { native.lerp_(this.handleFor('lerp_'), end.handleFor('lerp_'), weight); return this; }
  sqrt_(): this { native.sqrt_(this.handleFor('sqrt_')); return this; }
  clamp_(min: number | null = null, max: number | null = null): this { native.clamp_(this.handleFor('clamp_'), min, max); return this; }
  copy_(src: Tensor): this { native.copy_(this.handleFor('copy_'), src.handleFor('copy_')); return this; }
  zero_(): this { native.zero_(this.handleFor('zero_')); return this; }
  fill_(v: Scalar): this { native.fill_(this.handleFor('fill_'), v); return this; }
  maskedFill_(mask: Tensor, v: Scalar): this { native.maskedFill_(this.handleFor('maskedFill_'), mask.handleFor('maskedFill_'), v); return this; }
  uniform_(from = 0, to = 1): this { native.uniform_(this.handleFor('uniform_'), from, to); return this; }
  normal_(mean = 0, std = 1): this { native.normal_(this.handleFor('normal_'), mean, std); return this; }
  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    native.indexPut_(this.handleFor('indexPut_'), indices.map((t) => (t ? t.handleFor('indexPut_') : null)), values.handleFor('indexPut_'), accumulate);
    return this;
  }

  // ---- autograd
  get requiresGrad(): boolean { return native.requiresGrad(this.handleFor('requiresGrad')); }
  requiresGrad_(flag = true): this { native.setRequiresGrad(this.handleFor('requiresGrad_'), flag); return this; }
  get isLeaf(): boolean { return native.isLeaf(this.handleFor('isLeaf')); }
  retainGrad(): this { native.retainGrad(this.handleFor('retainGrad')); return this; }
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
