/**
 * What `train`, `eval` and `demo` share: reading a dataset split by name, a video reader matched
 * to a model's input (frames, resolution), and the model to start from (with fresh fusion
 * parameters when the objective needs the fusion encoder and the checkpoint is a stage-1 one).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CachingVideoReader,
  loadDidemo,
  loadLsmdc,
  loadMsrvtt,
  loadWebvid,
  readCaptionSplit,
  readQaSplit,
  VideoReader,
  type Dataset,
} from '../data/index.js';
import { T2VLP, type T2VLPConfig } from '../model/index.js';
import { UsageError } from './args.js';

export const DATASETS = ['msrvtt', 'lsmdc', 'didemo'] as const;
/** Training also reads WebVid (pre-training only: no test split), MSVD captions and the QA formats. */
export const TRAIN_DATASETS = [...DATASETS, 'webvid', 'msvd', 'msrvtt-qa', 'msvd-qa'] as const;
export type DatasetName = (typeof TRAIN_DATASETS)[number];

/** The WebVid caption json in `dir`: frozen_train.json (the reference's name), else the only *.json there. */
function webvidCaptions(dir: string): string {
  const named = join(dir, 'frozen_train.json');
  if (existsSync(named)) return named;
  const jsons = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (jsons.length === 1) return join(dir, jsons[0]!);
  throw new UsageError(
    `WebVid folder '${dir}' needs its caption json (a JSON array of {video_id, caption}) named frozen_train.json; ` +
      `found ${jsons.length ? jsons.join(', ') : 'no .json file'}`,
  );
}

/** WebVid: DIR holds the caption json; the shards and path.index are in --video-dir, DIR/WebVid_TFRecord or DIR. */
function readWebvid(dataDir: string, split: string, videoDir?: string): Promise<Dataset> {
  if (split !== 'train') throw new UsageError(`WebVid is a pre-training source: it has no '${split}' split`);
  const shardDir = videoDir ?? (existsSync(join(dataDir, 'WebVid_TFRecord')) ? join(dataDir, 'WebVid_TFRecord') : dataDir);
  if (!existsSync(join(shardDir, 'path.index')))
    throw new UsageError(`WebVid shards: '${join(shardDir, 'path.index')}' does not exist (make them with 't2vlp prepare-webvid', or point --video-dir at them)`);
  return loadWebvid({ captionsJson: webvidCaptions(dataDir), tfrecordDir: shardDir, strict: false });
}

export async function readSplit(
  name: DatasetName,
  dataDir: string,
  split: 'train' | 'val' | 'test',
  videoDir?: string,
): Promise<Dataset> {
  if (!existsSync(dataDir)) throw new UsageError(`data folder '${dataDir}' does not exist`);
  if (name === 'webvid') return readWebvid(dataDir, split, videoDir);
  if (name === 'msvd') return readCaptionSplit('msvd', dataDir, split, { videoDir });
  if (name === 'msrvtt-qa' || name === 'msvd-qa') return readQaSplit(name, dataDir, split, { videoDir });
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
  /** Short clips: zero-'pad' (default) or 'repeat' frames (captioning, QA). */
  frameFill?: 'pad' | 'repeat';
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
    fill: s.frameFill ?? 'pad',
  };
  return s.cache ? new CachingVideoReader(o) : new VideoReader(o);
}

/**
 * The model to train: a checkpoint (t2vlp, PyTorch state dict, CLIP archive) or a fresh one. With
 * `fusion`, a checkpoint without the fusion encoder (stage 1, CLIP) gets fresh fusion parameters
 * initialised as the reference does (stage 2 from stage 1; docs/TRAINING.md, "Checkpoints").
 */
export async function startingModel(
  init: string | undefined,
  fresh: Partial<T2VLPConfig> | undefined,
  o: { fusion?: boolean } = {},
): Promise<T2VLP> {
  if (init) {
    if (!existsSync(init)) throw new UsageError(`checkpoint '${init}' does not exist`);
    return T2VLP.load(init, o.fusion ? { fusion: true } : undefined);
  }
  if (!fresh) throw new UsageError('this preset starts from a checkpoint: pass --init (a t2vlp checkpoint or OpenAI CLIP ViT-B-16.pt)');
  return new T2VLP(o.fusion ? { ...fresh, fusion: true } : fresh);
}
