/**
 * safetensors files: reading (all tensors, or only the named ones) and writing. Each tensor's
 * bytes are read with one positioned read straight into its own buffer, so a file is never held
 * twice in memory and a name filter reads only what it names. Writes are atomic and
 * deterministic: tensors in sorted name order, the header padded with spaces to a multiple of 8
 * (so the data section starts 8-byte aligned), `__metadata__` first when given.
 */
import { writeFileAtomic } from './atomic.js';
import { CheckpointError, q } from './errors.js';
import { allocBytes, readAt, withFile } from './file-read.js';
import { checkRawTensor, type RawTensor } from './raw-tensor.js';
import {
  DTYPE_CODES,
  readHeaderOf,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-header.js';

export type { SafetensorsEntry, SafetensorsHeader } from './safetensors-header.js';

export interface ReadSafetensorsOptions {
  /** Read only these tensors (each must exist: 'MISSING_TENSOR' otherwise), or those the predicate accepts. */
  names?: Iterable<string> | ((name: string) => boolean);
}

export interface SafetensorsContents {
  /** Tensors in file order. */
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Reads and validates only the header: names, dtypes, shapes, offsets and metadata. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return withFile(path, 'readSafetensorsHeader', (f) => readHeaderOf(f));
}

function selectEntries(
  header: SafetensorsHeader,
  names: ReadSafetensorsOptions['names'],
  path: string,
): SafetensorsEntry[] {
  if (names === undefined) return header.entries;
  if (typeof names === 'function') return header.entries.filter((e) => names(e.name));
  const wanted = new Set(names);
  const picked = header.entries.filter((e) => wanted.has(e.name));
  if (picked.length !== wanted.size) {
    const have = new Set(header.entries.map((e) => e.name));
    const missing = [...wanted].filter((n) => !have.has(n));
    throw new CheckpointError(
      'MISSING_TENSOR',
      path,
      `readSafetensors: ${q(path)} has no tensor ${missing.slice(0, 5).map(q).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}; it has ${header.entries.length} tensors, e.g. ${header.entries
        .slice(0, 3)
        .map((e) => q(e.name))
        .join(', ')}`,
    );
  }
  return picked;
}

/** Reads a safetensors file, validating the header against the file before reading any data. */
export async function readSafetensors(
  path: string,
  opts: ReadSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  return withFile(path, 'readSafetensors', async (f) => {
    const header = await readHeaderOf(f);
    const tensors = new Map<string, RawTensor>();
    for (const e of selectEntries(header, opts.names, path)) {
      const data = allocBytes(e.end - e.begin);
      await readAt(f, data, header.dataOffset + e.begin, `tensor ${q(e.name)}`);
      tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
    }
    return { tensors, metadata: header.metadata };
  });
}

/** The JSON header for `tensors` in the given order, padded with spaces to a multiple of 8 bytes. */
function encodeHeader(
  names: string[],
  tensors: RawTensor[],
  metadata: Record<string, string> | undefined,
): Uint8Array {
  // Built as text, not with one JSON.stringify of an object: that would move integer-like
  // names ("0", "1") ahead of the others and break the sorted order.
  const fields: string[] = [];
  if (metadata && Object.keys(metadata).length > 0)
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  names.forEach((name, i) => {
    const t = tensors[i]!;
    const rec = {
      dtype: DTYPE_CODES[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(rec)}`);
    offset += t.data.byteLength;
  });
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const out = Buffer.alloc(Math.ceil(json.byteLength / 8) * 8, 0x20);
  json.copy(out);
  return out;
}

/**
 * Writes `tensors` to `path` atomically, in sorted name order. `metadata` values must be
 * strings. Invalid tensors (wrong byte count, unknown dtype) fail before anything is written.
 */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, RawTensor> | Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const op = 'writeSafetensors';
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const list = names.map((name) => {
    if (typeof name !== 'string' || name === '' || name === '__metadata__')
      throw new CheckpointError(
        'INVALID_ARGUMENT',
        path,
        `${op}: ${JSON.stringify(name)} cannot be a tensor name in ${q(path)}`,
      );
    return checkRawTensor(map.get(name), name, path, op);
  });
  for (const [k, v] of Object.entries(metadata ?? {}))
    if (typeof v !== 'string')
      throw new CheckpointError(
        'INVALID_ARGUMENT',
        path,
        `${op}: metadata ${q(k)} for ${q(path)} is ${typeof v}; safetensors metadata values must be strings (JSON.stringify it)`,
      );
  const header = encodeHeader(names, list, metadata);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.byteLength));
  await writeFileAtomic(path, [length, header, ...list.map((t) => t.data)]);
}
