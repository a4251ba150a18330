/**
 * What `t2vlp index` and `t2vlp serve` share: the library and index folders, the checkpoint,
 * the windowing and sampling of moments, indexing throughput settings, and opening the model.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClipTokenizer } from '../data/index.js';
import { loadModelForInference } from '../inference/index.js';
import { contentHash, DEFAULT_WINDOWS } from '../library/index.js';
import type { T2VLP } from '../model/index.js';
import { setNumThreads } from '../torch/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from './args.js';
import { DTYPE_OPTION } from './options.js';

export const LIBRARY_OPTIONS: Record<string, OptionSpec> = {
  library: { type: 'string', help: 'folder of videos (searched recursively)' },
  index: { type: 'string', help: 'index folder (default: LIBRARY/.t2vlp-index)' },
  checkpoint: { type: 'string', help: 'the model checkpoint (one index belongs to one checkpoint)' },
  window: { type: 'int', help: 'seconds per moment window', default: DEFAULT_WINDOWS.windowSec },
  stride: { type: 'int', help: 'seconds between window starts (window - overlap)', default: DEFAULT_WINDOWS.strideSec },
  fps: { type: 'int', help: "frames taken per second within a window (then the model's 12 sampled uniformly)", default: 2 },
  'batch-size': { type: 'int', help: 'windows per forward pass (small keeps searches responsive while serving)', default: 2 },
  concurrency: { type: 'int', help: 'ffmpeg processes at once', default: 2 },
  dtype: DTYPE_OPTION,
  threads: { type: 'int', help: 'libtorch threads' },
};

export interface LibraryArgs {
  library: string;
  indexDir: string | undefined;
  windows: { windowSec: number; strideSec: number };
  fps: number;
  batchSize: number;
  concurrency: number;
}

export function libraryArgs(a: ParsedArgs, library?: string): LibraryArgs {
  const lib = library ?? (a.library as string | undefined);
  if (!lib) throw new UsageError('--library is required: the folder of videos to index');
  if (!statSync(lib, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`library folder '${lib}' does not exist (or is not a folder)`);
  const positive = (name: string) => {
    const v = a[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] as number;
    if (!(v >= 1)) throw new UsageError(`--${name} must be at least 1, got ${v}`);
    return v;
  };
  const windowSec = positive('window');
  const strideSec = positive('stride');
  if (strideSec > windowSec) throw new UsageError(`--stride (${strideSec}) must not exceed --window (${windowSec}): windows would leave gaps`);
  if ((a.fps as number) < 1) throw new UsageError(`--fps must be at least 1, got ${a.fps as number}`);
  if (a.threads) setNumThreads(a.threads as number);
  return {
    library: resolve(lib),
    indexDir: a.index ? resolve(a.index as string) : undefined,
    windows: { windowSec, strideSec },
    fps: a.fps as number,
    batchSize: positive('batch-size'),
    concurrency: positive('concurrency'),
  };
}

export interface OpenedModel {
  model: T2VLP;
  tokenizer: ClipTokenizer;
  name: string;
  hash: string;
}

export async function openModel(checkpoint: string, dtype: string): Promise<OpenedModel> {
  const [model, tokenizer] = await Promise.all([
    loadModelForInference(checkpoint, { dtype: dtype as 'float32' | 'bfloat16' }),
    ClipTokenizer.load(),
  ]);
  // bfloat16 weights give other vectors: an index is tied to the checkpoint and its dtype.
  const hash = (await contentHash(checkpoint)) + (dtype === 'float32' ? '' : `:${dtype}`);
  return { model, tokenizer, name: resolve(checkpoint), hash };
}
