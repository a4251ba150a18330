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
import { UsageError, type Args, type OptionSpecs } from './args.js';
import { commandDevice } from './device.js';
import { DEVICE_OPTION, DTYPE_OPTION } from './options.js';

export const LIBRARY_OPTIONS = {
  library: { type: 'string', help: 'folder of videos (searched recursively)' },
  index: { type: 'string', help: 'index folder (default: LIBRARY/.t2vlp-index)' },
  checkpoint: { type: 'string', help: 'the model checkpoint (one index belongs to one checkpoint)' },
  window: { type: 'int', help: 'seconds per moment window', default: DEFAULT_WINDOWS.windowSec },
  stride: { type: 'int', help: 'seconds between window starts (window - overlap)', default: DEFAULT_WINDOWS.strideSec },
  fps: { type: 'int', help: "frames taken per second within a window (then the model's 12 sampled uniformly)", default: 2 },
  'batch-size': { type: 'int', help: 'windows per forward pass (small keeps searches responsive while serving)', default: 2 },
  concurrency: { type: 'int', help: 'ffmpeg processes at once', default: 2 },
  dtype: DTYPE_OPTION,
  device: DEVICE_OPTION,
  threads: { type: 'int', help: 'libtorch threads' },
} as const satisfies OptionSpecs;
type LibraryOptions = Args<typeof LIBRARY_OPTIONS>;

export interface LibraryArgs {
  library: string;
  indexDir: string | undefined;
  windows: { windowSec: number; strideSec: number };
  fps: number;
  batchSize: number;
  concurrency: number;
}

export function libraryArgs(a: LibraryOptions, library?: string): LibraryArgs {
  const lib = library ?? a.library;
  if (!lib) throw new UsageError('--library is required: the folder of videos to index');
  if (!statSync(lib, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`library folder '${lib}' does not exist (or is not a folder)`);
  const positive = (name: string, v: number) => {
    if (!(v >= 1)) throw new UsageError(`--${name} must be at least 1, got ${v}`);
    return v;
  };
  const windowSec = positive('window', a.window);
  const strideSec = positive('stride', a.stride);
  if (strideSec > windowSec) throw new UsageError(`--stride (${strideSec}) must not exceed --window (${windowSec}): windows would leave gaps`);
  if (a.fps < 1) throw new UsageError(`--fps must be at least 1, got ${a.fps}`);
  if (a.threads) setNumThreads(a.threads);
  return {
    library: resolve(lib),
    indexDir: a.index ? resolve(a.index) : undefined,
    windows: { windowSec, strideSec },
    fps: a.fps,
    batchSize: positive('batch-size', a.batchSize),
    concurrency: positive('concurrency', a.concurrency),
  };
}

export interface OpenedModel {
  model: T2VLP;
  tokenizer: ClipTokenizer;
  name: string;
  hash: string;
}

export async function openModel(checkpoint: string, dtype: string, device?: string): Promise<OpenedModel> {
  const [model, tokenizer] = await Promise.all([
    loadModelForInference(checkpoint, { dtype: dtype as 'float32' | 'bfloat16' | 'int8', device: commandDevice(device, dtype) }),
    ClipTokenizer.load(),
  ]);
  // bfloat16 weights give other vectors: an index is tied to the checkpoint and its dtype.
  const hash = (await contentHash(checkpoint)) + (dtype === 'float32' ? '' : `:${dtype}`);
  return { model, tokenizer, name: resolve(checkpoint), hash };
}
