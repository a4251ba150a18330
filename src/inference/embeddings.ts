/**
 * Embeddings files: what `t2vlp encode` writes and `t2vlp search` (or a service) reads. A
 * safetensors file with
 * - `embeddings` float32 [N, E]: L2-normalised rows (the meanP video embedding, or the text's
 *   end-of-text feature normalised), in the order of `ids`;
 * - videos only: `frames` float32 [N, T, E], the raw per-frame features, and `video_mask` int64
 *   [N, T], so the meanP similarity can be re-pooled over other frame subsets (`meanPooledVideo`);
 * and string metadata: `format` = 't2vlp-embeddings', `format_version`, `kind` ('video' | 'text'),
 * `ids` (JSON: file names or texts), `skipped` (JSON: [{id, reason}] of videos that failed to
 * decode: they are left out, never stored as zeros), `checkpoint`, `model_config` (JSON) and
 * `options` (JSON: how the inputs were sampled and tokenised).
 * Pure TypeScript over the io layer (no native addon needed); writes are atomic.
 */
import { stat } from 'node:fs/promises';
import type { T2VLPConfig } from '../model/index.js';
import {
  CheckpointError,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type RawTensor,
} from '../torch/io/index.js';
import { InferenceError } from './errors.js';

export const EMBEDDINGS_FORMAT = 't2vlp-embeddings';
export const EMBEDDINGS_FORMAT_VERSION = 1;

export type EmbeddingsKind = 'video' | 'text';

export interface SkippedInput {
  id: string;
  reason: string;
}

export interface EmbeddingsData {
  kind: EmbeddingsKind;
  /** One per row: video file names (as listed) or the texts. */
  ids: string[];
  /** [N, E] float32, L2-normalised rows. */
  embeddings: Float32Array;
  /** E. */
  dim: number;
  /** Videos: [N, T, E] per-frame features (not normalised). */
  frames?: Float32Array;
  /** Videos: [N, T], 1 for a sampled frame, 0 for a padded slot. */
  videoMask?: Uint8Array;
  /** Videos: T. */
  numFrames?: number;
  /** Inputs left out (videos that failed to decode). */
  skipped: SkippedInput[];
  /** The checkpoint the embeddings were computed with, as given. */
  checkpoint: string;
  modelConfig: T2VLPConfig;
  /** Sampling / tokenisation settings (frames, fps, maxWords, dtype, ...). */
  options: Record<string, unknown>;
}

const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Checks that the arrays agree with each other; returns N. */
function checkData(d: EmbeddingsData, where: string): number {
  const bad = (msg: string): never => {
    throw new InferenceError('BAD_EMBEDDINGS', `${where}: ${msg}`);
  };
  if (d.kind !== 'video' && d.kind !== 'text')
    bad(`kind must be 'video' or 'text', got ${JSON.stringify(d.kind)}`);
  if (!(Number.isInteger(d.dim) && d.dim >= 1)) bad(`dim must be a positive integer, got ${d.dim}`);
  const n = d.ids.length;
  if (d.embeddings.length !== n * d.dim)
    bad(`embeddings has ${d.embeddings.length} values; ${n} ids × dim ${d.dim} needs ${n * d.dim}`);
  if (d.kind === 'video') {
    const T = d.numFrames;
    if (!d.frames || !d.videoMask || !(Number.isInteger(T) && T! >= 1))
      bad('video embeddings need frames, videoMask and numFrames');
    if (d.frames!.length !== n * T! * d.dim)
      bad(`frames has ${d.frames!.length} values; expected [${n}, ${T}, ${d.dim}]`);
    if (d.videoMask!.length !== n * T!)
      bad(`videoMask has ${d.videoMask!.length} values; expected [${n}, ${T}]`);
  }
  return n;
}

/** Writes an embeddings file atomically (see the file comment for the layout). */
export async function writeEmbeddings(path: string, d: EmbeddingsData): Promise<void> {
  const n = checkData(d, `writeEmbeddings '${path}'`);
  const tensors = new Map<string, RawTensor>();
  tensors.set('embeddings', { dtype: 'float32', shape: [n, d.dim], data: bytesOf(d.embeddings) });
  if (d.kind === 'video') {
    const T = d.numFrames!;
    tensors.set('frames', { dtype: 'float32', shape: [n, T, d.dim], data: bytesOf(d.frames!) });
    const mask = BigInt64Array.from(d.videoMask!, (v) => BigInt(v));
    tensors.set('video_mask', { dtype: 'int64', shape: [n, T], data: bytesOf(mask) });
  }
  await writeSafetensors(path, tensors, {
    format: EMBEDDINGS_FORMAT,
    format_version: String(EMBEDDINGS_FORMAT_VERSION),
    kind: d.kind,
    ids: JSON.stringify(d.ids),
    skipped: JSON.stringify(d.skipped),
    checkpoint: d.checkpoint,
    model_config: JSON.stringify(d.modelConfig),
    options: JSON.stringify(d.options),
  });
}

function float32Of(r: RawTensor): Float32Array {
  const aligned = r.data.byteOffset % 4 === 0;
  const bytes = aligned ? r.data : r.data.slice();
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function maskOf(r: RawTensor): Uint8Array {
  const bytes = r.data.byteOffset % 8 === 0 ? r.data : r.data.slice();
  const v = new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  return Uint8Array.from(v, (x) => (x !== 0n ? 1 : 0));
}

function parseJson(meta: Record<string, string>, key: string, path: string): unknown {
  try {
    return JSON.parse(meta[key] ?? '');
  } catch {
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `readEmbeddings: metadata '${key}' of '${path}' is not valid JSON`,
    );
  }
}

/**
 * Reads an embeddings file, checking that it is one (metadata `format`) and that its tensors
 * agree with its ids. Anything else gets a InferenceError naming the file and what it holds instead.
 */
export async function readEmbeddings(path: string): Promise<EmbeddingsData> {
  const where = 'readEmbeddings';
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InferenceError('NOT_FOUND', `embeddings file '${path}' does not exist`);
  if (st.isDirectory())
    throw new InferenceError(
      'NOT_EMBEDDINGS',
      `'${path}' is a folder; expected an embeddings file from 't2vlp encode'`,
    );
  let header;
  try {
    header = await readSafetensorsHeader(path);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    throw new InferenceError(
      'NOT_EMBEDDINGS',
      `'${path}' is not an embeddings file from 't2vlp encode': ${e.message}`,
      {
        cause: e,
      },
    );
  }
  const meta = header.metadata;
  if (meta.format !== EMBEDDINGS_FORMAT) {
    const names = header.entries.slice(0, 2).map((e) => `'${e.name}'`);
    const what =
      meta.format === 't2vlp'
        ? 'a T2VLP model checkpoint'
        : `a safetensors file with tensors ${names.join(', ')}${header.entries.length > 2 ? ', ...' : ''}`;
    throw new InferenceError(
      'NOT_EMBEDDINGS',
      `'${path}' is not an embeddings file: it is ${what} (no '${EMBEDDINGS_FORMAT}' format in its metadata); make one with 't2vlp encode'`,
    );
  }
  const version = Number(meta.format_version);
  if (version > EMBEDDINGS_FORMAT_VERSION)
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `${where}: '${path}' has format version ${version}; this t2vlp reads up to ${EMBEDDINGS_FORMAT_VERSION}. Update t2vlp`,
    );
  const kind = meta.kind as EmbeddingsKind;
  if (kind !== 'video' && kind !== 'text')
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `${where}: '${path}' has kind ${JSON.stringify(meta.kind)}; expected 'video' or 'text'`,
    );
  const names = kind === 'video' ? ['embeddings', 'frames', 'video_mask'] : ['embeddings'];
  const have = new Set(header.entries.map((e) => e.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length)
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `${where}: '${path}' (${kind} embeddings) has no tensor ${missing.map((m) => `'${m}'`).join(', ')}`,
    );
  const { tensors } = await readSafetensors(path, { names });
  const emb = tensors.get('embeddings')!;
  const ids = parseJson(meta, 'ids', path);
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string'))
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `${where}: metadata 'ids' of '${path}' is not a list of strings`,
    );
  if (emb.dtype !== 'float32' || emb.shape.length !== 2 || emb.shape[0] !== ids.length)
    throw new InferenceError(
      'BAD_EMBEDDINGS',
      `${where}: 'embeddings' of '${path}' is ${emb.dtype} [${emb.shape.join(', ')}]; expected float32 [${ids.length}, E] for its ${ids.length} ids`,
    );
  const dim = emb.shape[1]!;
  const data: EmbeddingsData = {
    kind,
    ids: ids as string[],
    embeddings: float32Of(emb),
    dim,
    skipped: (meta.skipped ? parseJson(meta, 'skipped', path) : []) as SkippedInput[],
    checkpoint: meta.checkpoint ?? '',
    modelConfig: (meta.model_config ? parseJson(meta, 'model_config', path) : {}) as T2VLPConfig,
    options: (meta.options ? parseJson(meta, 'options', path) : {}) as Record<string, unknown>,
  };
  if (kind === 'video') {
    const frames = tensors.get('frames')!;
    const mask = tensors.get('video_mask')!;
    const T = frames.shape[1]!;
    if (
      frames.dtype !== 'float32' ||
      frames.shape.length !== 3 ||
      frames.shape[0] !== ids.length ||
      frames.shape[2] !== dim
    )
      throw new InferenceError(
        'BAD_EMBEDDINGS',
        `${where}: 'frames' of '${path}' is ${frames.dtype} [${frames.shape.join(', ')}]; expected float32 [${ids.length}, T, ${dim}]`,
      );
    if (
      mask.dtype !== 'int64' ||
      mask.shape.length !== 2 ||
      mask.shape[0] !== ids.length ||
      mask.shape[1] !== T
    )
      throw new InferenceError(
        'BAD_EMBEDDINGS',
        `${where}: 'video_mask' of '${path}' is ${mask.dtype} [${mask.shape.join(', ')}]; expected int64 [${ids.length}, ${T}]`,
      );
    data.frames = float32Of(frames);
    data.videoMask = maskOf(mask);
    data.numFrames = T;
  }
  checkData(data, `${where} '${path}'`);
  return data;
}
