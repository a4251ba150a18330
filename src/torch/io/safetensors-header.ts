/**
 * Parsing and validating a safetensors header (format: an 8-byte little-endian length N, N
 * bytes of JSON padded with spaces, then the data section; see test/fixtures/README.md). The
 * checks are those of the reference Rust implementation: known dtype codes, whole shapes,
 * byte sizes equal to numel x dtype size, and tensors that tile the data section exactly
 * (start at 0, contiguous, no overlap, end at the end of the file). Only the header is read.
 */
import { DTYPE_SIZE, type DType } from '../dtype.js';
import { CheckpointError, q } from './errors.js';
import { describeBytes, readBytes, type OpenedFile } from './file-read.js';
import { numelOf } from './raw-tensor.js';

/** safetensors dtype codes and the DType each maps to. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

export const DTYPE_CODES: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([code, d]) => [d, code]),
) as Record<DType, string>;

/** The reference implementation refuses headers over 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offsets into the data section, end exclusive. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensor records in data order (by `begin`). */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** File offset of the data section: 8 + header length. */
  dataOffset: number;
  fileSize: number;
}

/** Reads and validates the header of an open file (8 + N bytes read, nothing else). */
export async function readHeaderOf(f: OpenedFile): Promise<SafetensorsHeader> {
  const { path, op, size } = f;
  const fail = (
    code: 'BAD_HEADER' | 'TRUNCATED' | 'NOT_A_CHECKPOINT' | 'UNSUPPORTED',
    msg: string,
  ): never => {
    throw new CheckpointError(code, path, `${op}: ${q(path)} ${msg}`);
  };
  if (size < 8)
    return fail(
      'TRUNCATED',
      `is ${size} bytes; a safetensors file starts with an 8-byte header length (file truncated?)`,
    );
  const head = await readBytes(f, 0, Math.min(size, 16), 'the header length');
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (size > 8 && head[8] !== 0x7b /* { */)
    return fail(
      'NOT_A_CHECKPOINT',
      `is not a safetensors file: expected an 8-byte length and then '{', found ${describeBytes(head)}`,
    );
  if (n < 2n)
    return fail('BAD_HEADER', `has a header length of ${n} bytes; expected at least 2 ("{}")`);
  if (n > BigInt(MAX_HEADER_BYTES))
    return fail(
      'BAD_HEADER',
      `has a header length of ${n} bytes, over the 100 MB limit of safetensors (corrupt length field?)`,
    );
  const headerLen = Number(n);
  if (8 + headerLen > size)
    return fail(
      'TRUNCATED',
      `is ${size} bytes but its header length field says the JSON header alone is ${headerLen} bytes; the file is truncated, re-download or re-save it`,
    );

  const raw = await readBytes(f, 8, headerLen, 'the JSON header');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    return fail(
      'BAD_HEADER',
      `has a header that is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return fail(
      'BAD_HEADER',
      `has a JSON header that is ${Array.isArray(json) ? 'an array' : typeof json}; expected an object of tensor records`,
    );

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, rec] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
        return fail(
          'BAD_HEADER',
          `has __metadata__ ${JSON.stringify(rec)}; expected an object of strings`,
        );
      for (const [k, v] of Object.entries(rec)) {
        if (typeof v !== 'string')
          return fail(
            'BAD_HEADER',
            `has __metadata__.${k} = ${JSON.stringify(v)}; metadata values must be strings`,
          );
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, rec, fail));
  }

  const dataSize = size - 8 - headerLen;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin !== at) {
      if (e.begin < at)
        return fail(
          'BAD_HEADER',
          `has overlapping tensors: ${q(e.name)} starts at data byte ${e.begin}, inside ${q(prev)} which ends at ${at}`,
        );
      const after = prev
        ? `${q(prev)} ends at data byte ${at} but the next tensor`
        : 'the first tensor';
      return fail(
        'BAD_HEADER',
        `has a gap in its data section: ${after}, ${q(e.name)}, starts at data byte ${e.begin}`,
      );
    }
    at = e.end;
    prev = e.name;
  }
  if (at > dataSize)
    return fail(
      'TRUNCATED',
      `has ${dataSize} bytes of tensor data but its header places ${q(prev)} at data bytes ${entries.at(-1)!.begin}..${at}; the file is truncated (or the offsets are out of range), re-download or re-save it`,
    );
  if (at < dataSize)
    return fail(
      'BAD_HEADER',
      `has ${dataSize - at} bytes after its last tensor ${prev ? q(prev) + ' ' : ''}(data section ${dataSize} bytes, tensors end at ${at}); the header and data do not match`,
    );
  return { entries, metadata, dataOffset: 8 + headerLen, fileSize: size };
}

function parseEntry(
  name: string,
  rec: unknown,
  fail: (code: 'BAD_HEADER' | 'UNSUPPORTED', msg: string) => never,
): SafetensorsEntry {
  const where = `tensor ${q(name)}`;
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
    return fail(
      'BAD_HEADER',
      `has ${where} = ${JSON.stringify(rec)}; expected { "dtype", "shape", "data_offsets" }`,
    );
  const { dtype: code, shape, data_offsets: offsets } = rec as Record<string, unknown>;
  if (typeof code !== 'string') return fail('BAD_HEADER', `has ${where} without a dtype string`);
  const dtype = SAFETENSORS_DTYPES[code];
  if (!dtype)
    return fail(
      'UNSUPPORTED',
      `has ${where} of dtype ${code}; t2vlp reads ${Object.keys(SAFETENSORS_DTYPES).join(' ')}. Convert it (e.g. to F32) before loading`,
    );
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    return fail(
      'BAD_HEADER',
      `has ${where} with shape ${JSON.stringify(shape)}; expected an array of non-negative integers`,
    );
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  )
    return fail(
      'BAD_HEADER',
      `has ${where} with data_offsets ${JSON.stringify(offsets)}; expected [begin, end] byte offsets`,
    );
  const [begin, end] = offsets as [number, number];
  const bytes = numelOf(shape as number[]) * DTYPE_SIZE[dtype];
  if (end < begin || end - begin !== bytes)
    return fail(
      'BAD_HEADER',
      `has ${where} of ${code} [${shape.join(',')}] = ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  return { name, dtype, shape: shape as number[], begin, end };
}
