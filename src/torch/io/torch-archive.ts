/**
 * The zip layout shared by torch.save (PyTorch >= 1.6) and torch.jit.save: a top folder
 * `<name>/` holding `data.pkl` (the pickled object), `data/<key>` (one raw little-endian
 * storage per key), `byteorder`, `version`, and for TorchScript `code/` and `constants.pkl`.
 * This file opens such an archive, tells the two kinds apart, unpickles a pickle entry, and
 * reads the storages behind a set of `TensorRef`s, materialising each tensor as C-contiguous
 * bytes. Storages are read one at a time in file order and dropped once their tensors are
 * built, so peak memory is the output plus one storage.
 */
import { DTYPE_SIZE } from '../dtype.js';
import { CheckpointError, q } from './errors.js';
import { numelOf, type RawTensor } from './raw-tensor.js';
import { isContiguous, stridedCopy, viewExtent } from './strided.js';
import { unpickleTorch, type StorageRef, type TensorRef } from './torch-pickle.js';
import { ZipArchive } from './zip.js';

export type TorchArchiveKind = 'torch' | 'torchscript';

export interface TorchArchive {
  zip: ZipArchive;
  /** The top folder, with its slash ("model/"). */
  prefix: string;
  kind: TorchArchiveKind;
  op: string;
}

/** Opens a PyTorch zip archive and checks its layout and byte order. Close `zip` when done. */
export async function openTorchArchive(path: string, op: string): Promise<TorchArchive> {
  const zip = await ZipArchive.open(path, op);
  try {
    const first = zip.entries.keys().next().value as string | undefined;
    const slash = first?.indexOf('/') ?? -1;
    const prefix = first !== undefined && slash >= 0 ? first.slice(0, slash + 1) : '';
    if (!zip.has(`${prefix}data.pkl`)) {
      if (zip.has(`${prefix}model.json`))
        throw new CheckpointError(
          'UNSUPPORTED',
          path,
          `${op}: ${q(path)} is a TorchScript archive from PyTorch 1.3 or older (model.json, no data.pkl); re-save it with torch.jit.save in a newer PyTorch`,
        );
      throw new CheckpointError(
        'NOT_A_CHECKPOINT',
        path,
        `${op}: ${q(path)} is a zip archive but not a PyTorch checkpoint: expected an entry ${q(prefix + 'data.pkl')}, found ${zip.entries.size} entries such as ${[...zip.entries.keys()].slice(0, 3).map(q).join(', ') || 'none'}`,
      );
    }
    if (zip.has(`${prefix}byteorder`)) {
      const order = (await zip.readText(`${prefix}byteorder`)).trim();
      if (order !== 'little')
        throw new CheckpointError(
          'UNSUPPORTED',
          path,
          `${op}: ${q(path)} stores its tensors ${order}-endian; t2vlp reads little-endian checkpoints. Load and re-save it on a little-endian machine`,
        );
    }
    const kind: TorchArchiveKind =
      zip.has(`${prefix}constants.pkl`) ||
      [...zip.entries.keys()].some((n) => n.startsWith(`${prefix}code/`))
        ? 'torchscript'
        : 'torch';
    return { zip, prefix, kind, op };
  } catch (e) {
    await zip.close();
    throw e;
  }
}

/** Unpickles `<prefix><name>` (e.g. "data.pkl"); tensors come back as lazy TensorRefs. */
export async function loadPickle(a: TorchArchive, name: string): Promise<unknown> {
  const entry = a.prefix + name;
  const data = await a.zip.read(entry);
  return unpickleTorch(data, { file: a.zip.path, op: a.op, source: q(entry) });
}

/**
 * Reads the storages behind `refs` from `<prefix><folder>` ("data/" for data.pkl, "constants/"
 * for TorchScript's constants.pkl) and returns each tensor as C-contiguous bytes, by name.
 */
export async function readTensors(
  a: TorchArchive,
  refs: Map<string, TensorRef>,
  folder = 'data/',
): Promise<Map<string, RawTensor>> {
  const path = a.zip.path;
  const byStorage = new Map<StorageRef, [string, TensorRef][]>();
  for (const [name, ref] of refs) {
    if (ref.dtype === null)
      throw new CheckpointError(
        'UNSUPPORTED',
        path,
        `${a.op}: tensor ${q(name)} in ${q(path)} has dtype ${ref.dtypeName}, which t2vlp does not read; convert it (e.g. .float()) and re-save`,
      );
    const list = byStorage.get(ref.storage) ?? [];
    list.push([name, ref]);
    byStorage.set(ref.storage, list);
  }
  const entryOf = (s: StorageRef): string => `${a.prefix}${folder}${s.key}`;
  for (const s of byStorage.keys())
    if (!a.zip.has(entryOf(s)))
      throw new CheckpointError(
        'BAD_ARCHIVE',
        path,
        `${a.op}: ${q(path)} has no entry ${q(entryOf(s))} for tensor ${q(byStorage.get(s)![0]![0])}; the archive is incomplete`,
      );
  // File order: sequential reads of a large checkpoint.
  const order = [...byStorage.keys()].sort(
    (x, y) =>
      a.zip.entries.get(entryOf(x))!.localHeaderOffset -
      a.zip.entries.get(entryOf(y))!.localHeaderOffset,
  );
  const out = new Map<string, RawTensor>();
  for (const storage of order) {
    const users = byStorage.get(storage)!;
    const bytes = await a.zip.read(entryOf(storage));
    const storageElem = storage.type.dtype ? DTYPE_SIZE[storage.type.dtype] : 1;
    if (bytes.byteLength < storage.numel * storageElem)
      throw new CheckpointError(
        'BAD_ARCHIVE',
        path,
        `${a.op}: storage ${q(entryOf(storage))} of ${q(path)} is ${bytes.byteLength} bytes; its ${storage.numel} ${storage.type.name} elements need ${storage.numel * storageElem}`,
      );
    for (const [name, ref] of users)
      out.set(name, materialize(a, name, ref, bytes, users.length === 1, entryOf(storage)));
  }
  // Back to the caller's order.
  return new Map([...refs.keys()].map((n) => [n, out.get(n)!]));
}

function materialize(
  a: TorchArchive,
  name: string,
  ref: TensorRef,
  bytes: Uint8Array,
  soleUser: boolean,
  entry: string,
): RawTensor {
  const dtype = ref.dtype!;
  const elem = DTYPE_SIZE[dtype];
  const extent = viewExtent(ref.offset, ref.shape, ref.stride);
  const available = Math.floor(bytes.byteLength / elem);
  if (!(extent <= available))
    throw new CheckpointError(
      'BAD_PICKLE',
      a.zip.path,
      `${a.op}: tensor ${q(name)} in ${q(a.zip.path)} (${dtype} [${ref.shape}] at offset ${ref.offset}, strides [${ref.stride}]) reaches element ${extent} of storage ${q(entry)}, which has ${available}; the checkpoint is corrupt`,
    );
  const nbytes = numelOf(ref.shape) * elem;
  // A tensor that is exactly its own storage keeps the buffer just read: no copy.
  const data =
    soleUser &&
    ref.offset === 0 &&
    nbytes === bytes.byteLength &&
    isContiguous(ref.shape, ref.stride)
      ? bytes
      : stridedCopy(bytes, elem, ref.offset, ref.shape, ref.stride);
  return { dtype, shape: ref.shape, data };
}
