/**
 * Naming the tensors of an unpickled object tree by their path, joined with '.': dict keys,
 * list indices and object attributes, which is how PyTorch names state-dict entries. A nested
 * checkpoint `{'state_dict': {'w': t}}` gives `state_dict.w`; a TorchScript module tree gives
 * `visual.conv1.weight`; an eager `nn.Module` saved whole gives its state-dict names (its
 * `_parameters`, `_buffers` and `_modules` are looked through). Non-tensor leaves are skipped.
 */
import { CheckpointError } from './errors.js';
import { PickleObject } from './pickle.js';
import { isRawTensor, type RawTensor } from './raw-tensor.js';
import { isUnsupportedTensor } from './torch-pickle.js';

const MODULE_SLOTS = ['_parameters', '_buffers', '_modules'] as const;

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function keyName(k: unknown): string | null {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  return null;
}

/** The children of a container node, as [name, value] pairs; null for a leaf. */
function childrenOf(x: unknown): Iterable<[string, unknown]> | null {
  if (x instanceof Map) {
    const out: [string, unknown][] = [];
    for (const [k, v] of x) {
      const name = keyName(k);
      if (name !== null) out.push([name, v]);
    }
    return out;
  }
  if (Array.isArray(x)) return x.map((v, i) => [String(i), v] as [string, unknown]);
  if (x instanceof PickleObject) {
    const state = x.state;
    // An eager nn.Module pickled whole: its parameters, buffers and submodules carry the names.
    if (state instanceof Map && MODULE_SLOTS.some((s) => state.has(s))) {
      const out: [string, unknown][] = [];
      for (const slot of MODULE_SLOTS) {
        const m = state.get(slot);
        if (m instanceof Map) out.push(...(childrenOf(m) as [string, unknown][]));
      }
      return out;
    }
    const out: [string, unknown][] = [];
    if (state !== undefined) out.push(...(childrenOf(state) ?? []));
    out.push(...(childrenOf(x.dictItems) as [string, unknown][]));
    out.push(...x.listItems.map((v, i) => [String(i), v] as [string, unknown]));
    return out;
  }
  return null;
}

/**
 * Every tensor reachable from `root`, by path. `isTensor` says what a tensor is: RawTensor by
 * default (trees from `readTorchObject`); the readers pass `isTensorRef`. Cycles are cut; a
 * node reachable by two paths is named under both. Throws 'UNSUPPORTED' on a sparse, quantized
 * or other tensor kind t2vlp does not read, and 'BAD_PICKLE' if two paths give the same name.
 */
export function flattenTensors<T = RawTensor>(
  root: unknown,
  isTensor: (x: unknown) => x is T = isRawTensor as unknown as (x: unknown) => x is T,
  file = '',
): Map<string, T> {
  const out = new Map<string, T>();
  const onPath = new Set<unknown>();
  const walk = (x: unknown, name: string): void => {
    if (isTensor(x)) {
      if (out.has(name))
        throw new CheckpointError(
          'BAD_PICKLE',
          file,
          `flattenTensors: two tensors are both named '${name}'${file ? ` in '${file}'` : ''} (keys containing '.'?)`,
        );
      out.set(name, x);
      return;
    }
    if (isUnsupportedTensor(x))
      throw new CheckpointError(
        'UNSUPPORTED',
        file,
        `flattenTensors: '${name}'${file ? ` in '${file}'` : ''} is a tensor rebuilt by ${x.cls.qualifiedName} (sparse, quantized, nested or a subclass), which t2vlp does not read; save a dense copy`,
      );
    if (typeof x !== 'object' || x === null || onPath.has(x)) return;
    const kids = childrenOf(x);
    if (!kids) return;
    onPath.add(x);
    for (const [k, v] of kids) walk(v, join(name, k));
    onPath.delete(x);
  };
  walk(root, '');
  return out;
}

/** Whether any tensor is reachable from `x` (cheap on lazy trees). */
export function containsTensors(x: unknown, isTensor: (x: unknown) => boolean): boolean {
  return flattenTensors(x, isTensor as (x: unknown) => x is unknown).size > 0;
}
