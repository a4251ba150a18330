/**
 * Training presets: the reference scripts' hyper-parameters (docs/TRAINING.md
 * "Hyper-parameters") as defaults per run, and a `demo` preset that trains a small
 * model from scratch on the synthetic dataset within minutes on 2 CPU cores. Every value can be
 * overridden from the CLI.
 */
import type { T2VLPConfig } from '../model/index.js';

export interface TrainSettings {
  epochs: number;
  /** Global batch across processes. */
  batchSize: number;
  lr: number;
  coefLr: number;
  newModuleLr: number | null;
  warmup: number;
  weightDecay: number;
  maxWords: number;
  maxFrames: number;
  featureFramerate: number;
  slicePos: 0 | 1 | 2;
  gradAccum: number;
  freezeLayerNum: number;
  maxGradNorm: number;
  schedule: 'warmup_cosine' | 'warmup_linear' | 'warmup_constant';
  seed: number;
  /** Model configuration for a fresh model (presets that start from a checkpoint leave it empty). */
  model?: Partial<T2VLPConfig>;
}

const REFERENCE: Omit<TrainSettings, 'epochs' | 'lr' | 'warmup' | 'featureFramerate'> = {
  batchSize: 32,
  coefLr: 1e-3,
  newModuleLr: 1e-5,
  weightDecay: 0.2,
  maxWords: 32,
  maxFrames: 12,
  slicePos: 2,
  gradAccum: 1,
  freezeLayerNum: 0,
  maxGradNorm: 1.0,
  schedule: 'warmup_cosine',
  seed: 42,
};

/** A small T2VLP for the synthetic dataset (32 px frames, 8 frames, CLIP vocabulary). */
export const DEMO_MODEL: Partial<T2VLPConfig> = {
  embedDim: 64,
  imageResolution: 32,
  visionPatchSize: 8,
  visionWidth: 64,
  visionLayers: 3,
  jointLayers: 1,
  tubeLayers: 1,
  numCenters: 4,
  textWidth: 64,
  textHeads: 1,
  textLayers: 2,
  numFrames: 8,
  contextLength: 77,
  vocabSize: 49408,
  eotTokenId: 49407,
};

export const PRESETS: Record<string, TrainSettings> = {
  stage1: { ...REFERENCE, epochs: 5, lr: 1e-4, warmup: 0.1, featureFramerate: 1 },
  msrvtt: { ...REFERENCE, epochs: 5, lr: 5e-5, warmup: 0.1, featureFramerate: 2, newModuleLr: 5e-6 },
  lsmdc: { ...REFERENCE, epochs: 5, lr: 5e-5, warmup: 0.1, featureFramerate: 2, newModuleLr: 5e-6 },
  didemo: { ...REFERENCE, epochs: 5, lr: 5e-5, warmup: 0.1, featureFramerate: 2, newModuleLr: 5e-6 },
  demo: {
    ...REFERENCE,
    epochs: 16,
    batchSize: 24,
    lr: 1e-3,
    coefLr: 1,
    newModuleLr: null,
    warmup: 0.1,
    weightDecay: 0.01,
    maxWords: 24,
    maxFrames: 8,
    featureFramerate: 2,
    schedule: 'warmup_cosine',
    model: DEMO_MODEL,
  },
};
