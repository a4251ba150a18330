/**
 * A tiny synthetic dataset and model configuration for training tests: small enough that a few
 * optimizer steps take well under a second on 2 CPU cores.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticDataset } from '../../data/index.js';
import type { T2VLPConfig } from '../../model/index.js';
import { PRESETS, type TrainSettings } from '../presets.js';

export const TINY_MODEL: Partial<T2VLPConfig> = {
  embedDim: 32,
  imageResolution: 32,
  visionPatchSize: 16,
  visionWidth: 64,
  visionLayers: 2,
  jointLayers: 1,
  tubeLayers: 1,
  numCenters: 2,
  textWidth: 64,
  textHeads: 1,
  textLayers: 1,
  numFrames: 4,
  contextLength: 77,
  vocabSize: 49408,
  eotTokenId: 49407,
};

/** The tiny model with the fusion encoder (which needs embedDim = textWidth; docs/FUSION.md). */
export const TINY_FUSION_MODEL: Partial<T2VLPConfig> = { ...TINY_MODEL, textWidth: 32, fusion: true };

export const TINY_SETTINGS: TrainSettings = {
  ...PRESETS.demo!,
  epochs: 4,
  batchSize: 8,
  lr: 1e-3,
  maxWords: 16,
  maxFrames: 4,
  featureFramerate: 2,
  model: TINY_MODEL,
};

/** Generates (once per process) a 16-video dataset in a temp folder. */
let made: Promise<string> | undefined;
export function tinyDataset(): Promise<string> {
  made ??= (async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-train-')), 'data');
    await generateSyntheticDataset({ outDir: dir, numVideos: 16, numFrames: 16, fps: 4, width: 32, height: 32, seed: 7, captionsPerVideo: 2, valFraction: 0, testFraction: 0.25 });
    return dir;
  })();
  return made;
}
