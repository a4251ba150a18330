/**
 * What `train`, `eval` and `demo` share: reading a dataset split by name, a video reader matched
 * to a model's input (frames, resolution), and the model to start from.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CachingVideoReader,
  loadDidemo,
  loadLsmdc,
  loadMsrvtt,
  loadWebvid,
  VideoReader,
  WEBVID_CAPTIONS_FILE,
  type Dataset,
} from '../data/index.js';
import { T2VLP, type T2VLPConfig } from '../model/index.js';
import { UsageError } from './args.js';

export const DATASETS = ['msrvtt', 'lsmdc', 'didemo'] as const;
/** Training also reads a folder written by `t2vlp prepare-webvid` (pre-training only). */
export const TRAIN_DATASETS = [...DATASETS, 'webvid'] as const;
export type DatasetName = (typeof TRAIN_DATASETS)[number];

export async function readSplit(
  name: DatasetName,
  dataDir: string,
  split: 'train' | 'val' | 'test',
  videoDir?: string,
): Promise<Dataset> {
  if (!existsSync(dataDir)) throw new UsageError(`data folder '${dataDir}' does not exist`);
  if (name === 'webvid') {
    if (split !== 'train')
      throw new UsageError(`WebVid is a pre-training set with no '${split}' split; evaluate on MSR-VTT`);
    return loadWebvid({ captionsJson: join(dataDir, WEBVID_CAPTIONS_FILE), tfrecordDir: dataDir });
  }
  const o = { dataDir, videoDir: videoDir ?? join(dataDir, 'videos'), split };
  if (name === 'msrvtt') return loadMsrvtt(o);
  if (name === 'lsmdc') return loadLsmdc(o);
  return loadDidemo(o);
}

export interface ReaderSettings {
  maxFrames: number;
  featureFramerate: number;
  slicePos: 0 | 1 | 2;
  cache?: boolean;
  concurrency?: number;
}

export function trainingVideoReader(cfg: T2VLPConfig, s: ReaderSettings): VideoReader {
  if (s.maxFrames !== cfg.numFrames)
    throw new UsageError(`--max-frames ${s.maxFrames} does not match the model's ${cfg.numFrames} frames per video`);
  const o = {
    maxFrames: s.maxFrames,
    featureFramerate: s.featureFramerate,
    slicePos: s.slicePos,
    imageSize: cfg.imageResolution,
    concurrency: s.concurrency ?? 2,
  };
  return s.cache ? new CachingVideoReader(o) : new VideoReader(o);
}

/** The model to train: a checkpoint (t2vlp, PyTorch state dict, CLIP archive) or a fresh one. */
export async function startingModel(init: string | undefined, fresh: Partial<T2VLPConfig> | undefined): Promise<T2VLP> {
  if (init) {
    if (!existsSync(init)) throw new UsageError(`checkpoint '${init}' does not exist`);
    return T2VLP.load(init);
  }
  if (!fresh) throw new UsageError('this preset starts from a checkpoint: pass --init (a t2vlp checkpoint or OpenAI CLIP ViT-B-16.pt)');
  return new T2VLP(fresh);
}
