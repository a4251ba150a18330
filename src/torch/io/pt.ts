/**
 * torch.save checkpoints (`.pt`, `.bin`, `.pth`) in the zip format of PyTorch >= 1.6. The
 * pickle is read by the restricted unpickler (nothing is executed), the tensors wanted are
 * chosen on the lazy tree, and only their storages are read. `readTorchCheckpoint` returns the
 * weights by name, looking through the usual wrappers (`{'state_dict': ...}`, `{'model': ...}`);
 * stripping a `module.` prefix is the model loader's business. `readTorchObject` returns the
 * whole object (epochs, configs) with every tensor read. The legacy pre-1.6 format is
 * recognised and refused with instructions.
 */
import { legacyTorchError, notACheckpointError, sniffFile } from './detect.js';
import { CheckpointError, q } from './errors.js';
import { containsTensors, flattenTensors } from './flatten.js';
import { PickleObject } from './pickle.js';
import type { RawTensor } from './raw-tensor.js';
import { loadPickle, openTorchArchive, readTensors, type TorchArchive } from './torch-archive.js';
import { isTensorRef, TensorRef } from './torch-pickle.js';

/** Keys under which training scripts nest the weights, looked through in this order. */
export const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'params'];

export interface ReadTorchCheckpointOptions {
  /**
   * Dotted path of the part of the object that holds the weights ('' for the whole object).
   * Default: the whole object, except that while the top level is a dict without tensors of its
   * own, the first of WRAPPER_KEYS that holds tensors is looked into.
   */
  key?: string;
}

/** Opens a torch.save or torch.jit.save zip, refusing other formats with a clear error. */
export async function openTorchFile(path: string, op: string): Promise<TorchArchive> {
  const s = await sniffFile(path, op);
  if (s.kind === 'legacy-torch') throw legacyTorchError(path, op);
  if (s.kind !== 'zip')
    throw notACheckpointError(path, op, s, 'a PyTorch zip archive (PK\\x03\\x04)');
  return openTorchArchive(path, op);
}

function childOf(node: unknown, k: string): unknown {
  if (node instanceof Map) return node.get(k);
  if (node instanceof PickleObject && node.state instanceof Map) return node.state.get(k);
  return undefined;
}

function keysOf(node: unknown): string[] {
  const m =
    node instanceof Map
      ? node
      : node instanceof PickleObject && node.state instanceof Map
        ? node.state
        : null;
  return m ? [...m.keys()].map(String) : [];
}

/** The subtree holding the weights, and its path for messages. */
function selectWeights(root: unknown, key: string | undefined, path: string, op: string): unknown {
  if (key !== undefined) {
    let node = root;
    for (const k of key === '' ? [] : key.split('.')) {
      const next = childOf(node, k);
      if (next === undefined)
        throw new CheckpointError(
          'MISSING_TENSOR',
          path,
          `${op}: ${q(path)} has no key ${q(k)} on the way to ${q(key)}; keys there: ${keysOf(node).slice(0, 8).map(q).join(', ') || 'none'}`,
        );
      node = next;
    }
    return node;
  }
  let node = root;
  while (node instanceof Map && ![...node.values()].some(isTensorRef)) {
    const map: Map<unknown, unknown> = node;
    const k = WRAPPER_KEYS.find((w) => map.has(w) && containsTensors(map.get(w), isTensorRef));
    if (k === undefined) break;
    node = map.get(k);
  }
  return node;
}

/** The named tensors of an open archive (shared with readCheckpointFile). */
export async function readWeightsFrom(
  a: TorchArchive,
  opts: ReadTorchCheckpointOptions = {},
): Promise<Map<string, RawTensor>> {
  const root = await loadPickle(a, 'data.pkl');
  const refs = flattenTensors(
    selectWeights(root, opts.key, a.zip.path, a.op),
    isTensorRef,
    a.zip.path,
  );
  return readTensors(a, refs);
}

/** Reads the weights of a torch.save checkpoint by name ('fc.weight', 'visual.proj'). */
export async function readTorchCheckpoint(
  path: string,
  opts: ReadTorchCheckpointOptions = {},
): Promise<Map<string, RawTensor>> {
  const a = await openTorchFile(path, 'readTorchCheckpoint');
  try {
    return await readWeightsFrom(a, opts);
  } finally {
    await a.zip.close();
  }
}

/** Every TensorRef in the tree, each once. */
function collectRefs(root: unknown): TensorRef[] {
  const seen = new Set<unknown>();
  const refs: TensorRef[] = [];
  const walk = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (x instanceof TensorRef) refs.push(x);
    else if (x instanceof Map)
      for (const [k, v] of x) {
        walk(k);
        walk(v);
      }
    else if (Array.isArray(x) || x instanceof Set) for (const v of x) walk(v);
    else if (x instanceof PickleObject)
      [x.args, x.kwargs, x.state, x.listItems, x.dictItems].forEach(walk);
  };
  walk(root);
  return refs;
}

/** A copy of the tree with TensorRefs replaced (sharing and cycles preserved). */
function replaceRefs(root: unknown, tensors: Map<TensorRef, RawTensor>): unknown {
  const done = new Map<unknown, unknown>();
  const map = (x: unknown): unknown => {
    if (typeof x !== 'object' || x === null) return x;
    if (x instanceof TensorRef) return tensors.get(x);
    if (done.has(x)) return done.get(x);
    if (x instanceof Map) {
      const m = new Map();
      done.set(x, m);
      for (const [k, v] of x) m.set(map(k), map(v));
      return m;
    }
    if (x instanceof Set) {
      const s = new Set();
      done.set(x, s);
      for (const v of x) s.add(map(v));
      return s;
    }
    if (Array.isArray(x)) {
      const a: unknown[] = [];
      done.set(x, a);
      for (const v of x) a.push(map(v));
      return Object.isFrozen(x) ? Object.freeze(a) : a;
    }
    if (x instanceof PickleObject) {
      const o = new PickleObject(
        x.cls,
        map(x.args) as unknown[],
        map(x.kwargs) as Map<unknown, unknown> | undefined,
      );
      done.set(x, o);
      o.state = map(x.state);
      o.listItems.push(...x.listItems.map(map));
      for (const [k, v] of x.dictItems) o.dictItems.set(map(k), map(v));
      return o;
    }
    return x;
  };
  return map(root);
}

/**
 * The whole object saved by torch.save, with every tensor read as a RawTensor: Maps for dicts,
 * arrays for lists and (frozen) tuples, numbers/bigints, strings, PickleObject for other classes.
 */
export async function readTorchObject(path: string): Promise<unknown> {
  const a = await openTorchFile(path, 'readTorchObject');
  try {
    const root = await loadPickle(a, 'data.pkl');
    const refs = collectRefs(root);
    const raw = await readTensors(a, new Map(refs.map((r, i) => [`#${i}`, r])));
    return replaceRefs(root, new Map(refs.map((r, i) => [r, raw.get(`#${i}`)!])));
  } finally {
    await a.zip.close();
  }
}
