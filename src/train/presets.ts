/**
 * Training presets: the reference scripts' hyper-parameters (docs/TRAINING.md "Hyper-parameters")
 * as defaults per run, with the objective each script
 * back-propagates and the parameter names it treats as new modules, and a `demo` preset that
 * trains a small model from scratch on the synthetic dataset within minutes on 2 CPU cores.
 * Every value can be overridden from the CLI.
 */
import type { T2VLPConfig } from '../model/index.js';
import type { Objective } from './objectives.js';

/** Stage 1 (`main_task_clip.py`): names containing these are new modules (docs/TRAINING.md). */
export const STAGE1_NEW_MODULES = ['fusion', 'local'] as const;
/** Stage 2 and the downstream scripts: the fusion encoder's parameters are the new modules. */
export const FUSION_NEW_MODULES = [
  'fusion_positional_embedding',
  'fusion_proj_embedding',
  'fusion_logit_bias',
  'fusion_match_matrix',
  'fusion_unmatch_matrix',
  'fusion_transformer',
] as const;

export interface TrainSettings {
  /** What the loop back-propagates: stage 1 (sim + align), stage 2 (vtm + mlm + plm + align) or retrieval (vtm + sim + align). */
  objective: Objective;
  epochs: number;
  /** Global batch across processes. */
  batchSize: number;
  lr: number;
  coefLr: number;
  newModuleLr: number | null;
  /** Parameter names containing one of these (inside `clip.`) train at `newModuleLr`. */
  newModulePatterns: readonly string[];
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
  /** Clips with at most maxFrames frames: zero-'pad' (retrieval) or 'repeat' frames to fill them (captioning, QA; docs/DATA.md §5). */
  frameFill?: 'pad' | 'repeat';
  /** The annotation format the preset's script reads (`t2vlp train --dataset` default). */
  dataset?: string;
  /**
   * QA: score whole answers of an answer vocabulary ('vocabulary', the dataset's
   * train_ans2label.json or the training answers) or the answer's first BPE token ('first-token',
   * the reference; docs/FUSION.md "Question answering").
   */
  qaAnswers?: 'vocabulary' | 'first-token';
}

const REFERENCE: Omit<TrainSettings, 'objective' | 'epochs' | 'lr' | 'warmup' | 'featureFramerate'> = {
  batchSize: 32,
  coefLr: 1e-3,
  newModuleLr: 1e-5,
  newModulePatterns: STAGE1_NEW_MODULES,
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

/** `main_task_retrieval_msrvtt.py` (LSMDC and DiDeMo by data loader): vtm + sim + align, fusion modules at 5e-6. */
const RETRIEVAL: TrainSettings = {
  ...REFERENCE,
  objective: 'retrieval',
  epochs: 5,
  lr: 5e-5,
  warmup: 0.1,
  featureFramerate: 2,
  newModuleLr: 5e-6,
  newModulePatterns: FUSION_NEW_MODULES,
};

/**
 * Downstream fine-tuning from a stage-2 checkpoint: the fusion modules are the new ones. Their
 * fixed lr is not in the captioning / QA command lines; t2vlp takes retrieval's 5e-6
 * (docs/TRAINING.md "Hyper-parameters").
 */
const DOWNSTREAM = { ...REFERENCE, newModuleLr: 5e-6, newModulePatterns: FUSION_NEW_MODULES, frameFill: 'repeat' } as const;

/** `video_captioning/msvd_captioning.py` (MSR-VTT by data loader): caption + sim + align. */
const CAPTION: TrainSettings = { ...DOWNSTREAM, objective: 'caption', epochs: 10, lr: 5e-5, warmup: 0.2, featureFramerate: 1, dataset: 'msvd' };

/** `video_qa/main_task_qa_msrvtt.py` (MSVD-QA by data loader): answer cross entropy + sim. */
const QA: TrainSettings = { ...DOWNSTREAM, objective: 'qa', epochs: 5, lr: 2e-4, warmup: 0.1, featureFramerate: 1, dataset: 'msrvtt-qa', qaAnswers: 'vocabulary' };

export const PRESETS: Record<string, TrainSettings> = {
  stage1: { ...REFERENCE, objective: 'stage1', epochs: 5, lr: 1e-4, warmup: 0.1, featureFramerate: 1 },
  fusion: {
    ...REFERENCE,
    objective: 'fusion',
    epochs: 10,
    lr: 1e-5,
    warmup: 0.2,
    featureFramerate: 2,
    newModuleLr: 1e-5,
    newModulePatterns: FUSION_NEW_MODULES,
  },
  msrvtt: RETRIEVAL,
  lsmdc: RETRIEVAL,
  didemo: RETRIEVAL,
  demo: {
    ...REFERENCE,
    objective: 'stage1',
    epochs: 14,
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
  'msvd-caption': CAPTION,
  'msrvtt-caption': { ...CAPTION, dataset: 'msrvtt' },
  'msrvtt-qa': QA,
  'msvd-qa': { ...QA, dataset: 'msvd-qa' },
};
