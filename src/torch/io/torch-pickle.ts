/**
 * What PyTorch's pickles mean, for the restricted unpickler: the whitelist of globals that
 * torch.save and torch.jit.save emit for tensors and containers, mapped to pure TypeScript
 * rebuilders, and the persistent ids `('storage', torch.FloatStorage, key, location, numel)`
 * mapped to `StorageRef`s. Tensors come out as lazy `TensorRef`s (storage + offset + shape +
 * strides) so that a caller can pick the tensors it wants before any data is read. Everything
 * else (module classes, `__torch__.*` TorchScript classes, unknown functions) stays an inert
 * placeholder.
 */
import type { DType } from '../dtype.js';
import { CheckpointError } from './errors.js';
import { PickleFunction, PickleGlobal, PickleObject, describe, unpickle } from './pickle.js';

/** `torch.FloatStorage` and friends: the dtype is null for storages t2vlp cannot represent (complex, quantized). */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: DType | null,
  ) {}
}

/** A `torch.float32`-style dtype object (the dtype argument of `_rebuild_tensor_v3`). */
export class TorchDType {
  constructor(
    readonly name: string,
    readonly dtype: DType | null,
  ) {}
}

/** One storage of the archive: the entry `<folder><key>` holding `numel` elements of `type`. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor as pickled: a view of a storage. `dtype` null means a dtype t2vlp does not read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType | null,
    readonly dtypeName: string,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export function isTensorRef(x: unknown): x is TensorRef {
  return x instanceof TensorRef;
}

const STORAGE_DTYPES: Record<string, DType | null> = {
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
  ComplexDoubleStorage: null,
  ComplexFloatStorage: null,
  QUInt8Storage: null,
  QInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

const TORCH_DTYPES: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/** torch dtypes t2vlp has no DType for: tensors of these are reported, not read. */
const OTHER_DTYPES =
  /^(float8_\w+|float4_\w+|complex(32|64|128)|cfloat|cdouble|chalf|u?int[1-7]|uint(16|32|64)|bits\w+|q(u)?int\w+)$/;

/** Globals that are tensors in a form t2vlp does not read; flattening one is an error naming it. */
export function isUnsupportedTensor(x: unknown): x is PickleObject {
  return (
    x instanceof PickleObject &&
    x.cls.module === 'torch._utils' &&
    x.cls.name.startsWith('_rebuild_')
  );
}

type Fail = (msg: string, code?: 'BAD_PICKLE' | 'UNSUPPORTED') => never;

function intList(x: unknown, what: string, fail: Fail): number[] {
  if (
    !Array.isArray(x) ||
    !x.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
  )
    return fail(
      `a tensor ${what} is ${describe(x)} ${JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}, expected non-negative integers`,
    );
  return x as number[];
}

function rebuildTensor(args: readonly unknown[], dtypeArg: unknown, fail: Fail): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef))
    return fail(`a tensor's storage is a ${describe(storage)}, expected a persistent storage id`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    return fail(`a tensor's storage offset is ${String(offset)}`);
  const shape = intList(size, 'shape', fail);
  const strides = intList(stride, 'stride', fail);
  if (shape.length !== strides.length)
    return fail(`a tensor has shape [${shape}] but strides [${strides}]`);
  const typed = dtypeArg instanceof TorchDType ? dtypeArg : null;
  const dtype = typed ? typed.dtype : storage.type.dtype;
  const dtypeName = typed ? `torch.${typed.name}` : `torch.${storage.type.name}`;
  return new TensorRef(storage, dtype, dtypeName, offset, [...shape], [...strides]);
}

/** Maps GLOBAL module.name to the value the unpickler pushes. */
function makeFindClass(fail: Fail): (module: string, name: string) => unknown {
  const fns: Record<string, (args: readonly unknown[]) => unknown> = {
    'torch._utils._rebuild_tensor': (a) => rebuildTensor(a, undefined, fail),
    'torch._utils._rebuild_tensor_v2': (a) => rebuildTensor(a, undefined, fail),
    'torch._utils._rebuild_tensor_v3': (a) => rebuildTensor(a, a[6], fail),
    'torch._utils._rebuild_parameter': (a) => a[0],
    'torch._utils._rebuild_parameter_with_state': (a) => a[0],
    'torch._utils._rebuild_device_tensor_from_cpu_tensor': (a) => a[0],
    'torch.nn.parameter.Parameter': (a) => a[0],
    'torch.Size': (a) => a[0],
    'torch.device': (a) => a.map(String).join(':'),
    'collections.OrderedDict': (a) =>
      new Map(Array.isArray(a[0]) ? (a[0] as [unknown, unknown][]) : []),
    'builtins.set': (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
    'builtins.frozenset': (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
    'builtins.bytearray': (a) => (a[0] instanceof Uint8Array ? a[0] : new Uint8Array(0)),
    'builtins.bytes': (a) => (a[0] instanceof Uint8Array ? a[0] : new Uint8Array(0)),
    // TorchScript wraps typed containers: restore_type_tag(value, 'Dict[str, Tensor]'), build_*list([...]).
    'torch.jit._pickle.restore_type_tag': (a) => a[0],
    'torch.jit._pickle.build_intlist': (a) => a[0],
    'torch.jit._pickle.build_doublelist': (a) => a[0],
    'torch.jit._pickle.build_boollist': (a) => a[0],
    'torch.jit._pickle.build_tensorlist': (a) => a[0],
    // Protocols 0-2 name builtins by their Python 2 module.
    '__builtin__.set': (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
    '__builtin__.frozenset': (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
    '__builtin__.bytearray': (a) => (a[0] instanceof Uint8Array ? a[0] : new Uint8Array(0)),
    // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
    '_codecs.encode': ([text, encoding]) => {
      if (typeof text !== 'string') return fail(`_codecs.encode of a ${describe(text)}`);
      const enc = String(encoding ?? 'utf-8')
        .toLowerCase()
        .replace('_', '-');
      if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1')
        return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
      if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(text);
      return fail(`_codecs.encode with encoding ${String(encoding)}`, 'UNSUPPORTED');
    },
  };
  const cache = new Map<string, unknown>();
  return (module, name) => {
    const key = `${module}.${name}`;
    let v = cache.get(key);
    if (v !== undefined) return v;
    // Own keys only: `in` would also find 'constructor', '__proto__', 'toString' of Object.prototype.
    if (Object.hasOwn(fns, key)) v = new PickleFunction(key, fns[key]!);
    else if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name))
      v = new StorageType(name, STORAGE_DTYPES[name]!);
    else if (module === 'torch' && Object.hasOwn(TORCH_DTYPES, name))
      v = new TorchDType(name, TORCH_DTYPES[name]!);
    else if (module === 'torch' && OTHER_DTYPES.test(name)) v = new TorchDType(name, null);
    else v = new PickleGlobal(module, name);
    cache.set(key, v);
    return v;
  };
}

export interface TorchUnpickleContext {
  file: string;
  op: string;
  /** The pickle's entry name, for messages ("archive/data.pkl"). */
  source: string;
}

/**
 * Unpickles a torch.save / torch.jit.save pickle. Storages become `StorageRef`s (one per key,
 * shared by every tensor that views it); `('module', cls, file, source)` ids of whole-module
 * saves become their class placeholder.
 */
export function unpickleTorch(data: Uint8Array, ctx: TorchUnpickleContext): unknown {
  const fail: Fail = (msg, code = 'BAD_PICKLE') => {
    throw new CheckpointError(code, ctx.file, `${ctx.op}: ${ctx.source} in '${ctx.file}': ${msg}`);
  };
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid.length < 1)
      return fail(`a persistent id is a ${describe(pid)}, expected a tuple`);
    if (pid[0] === 'module') return pid[1];
    if (pid[0] !== 'storage' || pid.length < 5)
      return fail(
        `a persistent id is (${pid.map(describe).join(', ')}), expected ('storage', type, key, location, numel)`,
      );
    const [, type, key, location, numel] = pid as unknown[];
    if (!(type instanceof StorageType)) {
      const what = type instanceof PickleGlobal ? type.qualifiedName : describe(type);
      return fail(`a storage has type ${what}, which is not a torch storage class`, 'UNSUPPORTED');
    }
    if (
      (typeof key !== 'string' && typeof key !== 'number') ||
      typeof numel !== 'number' ||
      !Number.isSafeInteger(numel) ||
      numel < 0
    )
      return fail(`a storage id has key ${describe(key)} and numel ${String(numel)}`);
    const k = String(key);
    const known = storages.get(k);
    if (known) {
      if (known.type.name !== type.name)
        return fail(`storage ${k} is used as both ${known.type.name} and ${type.name}`);
      return known;
    }
    const ref = new StorageRef(k, type, String(location), numel);
    storages.set(k, ref);
    return ref;
  };
  return unpickle(data, {
    findClass: makeFindClass(fail),
    persistentLoad,
    file: ctx.file,
    source: ctx.source,
    op: ctx.op,
  });
}
