/**
 * t2vlp: T2VLP ("Focus and Align: Learning Tube Tokens for Video-Language Pre-training") in
 * TypeScript on libtorch.
 *
 * - Model: `T2VLP` (load official CLIP / T2VLP checkpoints, encode videos and texts, similarity,
 *   the stage-1 objective), its configuration and building blocks.
 * - Data: `ClipTokenizer`, video decoding and CLIP preprocessing, dataset readers, the loader,
 *   the synthetic dataset generator.
 * - Evaluation: `retrievalMetrics` and the retrieval evaluation of a model on a split.
 * - Inference: loading a model for inference, batched encoding of video files and texts,
 *   embeddings files, text-to-video search over them.
 * - Training: one loop for stage 1, stage 2 (fusion) and retrieval fine-tuning (the preset's
 *   objective), presets, checkpoints, multi-process launch.
 * - Library and service: the moment index of a video folder (`MomentIndex`, `indexLibrary`,
 *   `searchMoments`) and the HTTP search service with its page (`startService`).
 * - The tensor layer (exported once, at the top level): `tensor`, `scope`, `nn`, `optim`, `F`,
 *   `dist` and friends, PyTorch-shaped.
 */
export * from './torch/index.js';
export {
  T2VLP,
  CLIP,
  VisualTransformer,
  Transformer,
  meanPooledVideo,
  contrastiveLoss,
  textCenters,
  alignLoss,
  inferConfig,
  validateConfig,
  VIT_B_16,
  ConfigError,
  type T2VLPConfig,
  type VideoEncoding,
  type TextEncoding,
  type TextEmbedding,
  type EncodeTextOptions,
  type Stage1Batch,
  type Stage1Loss,
  type LoadModelOptions,
  FusionError,
  type FusionErrorCode,
  type FusionDraws,
  type FusionLossOptions,
  type Stage2Batch,
  type Stage2Loss,
  type RetrievalLoss,
  type RerankText,
  type RerankVideo,
  type RerankOptions,
  type RerankResult,
  type SimilarityOptions,
  type SimilarityKind,
  // Captioning and QA heads (docs/FUSION.md "Captioning", "Question answering")
  AnswerVocabulary,
  type CaptionBatch,
  type CaptionLoss,
  type GenerateCaptionCallOptions,
  type GeneratedCaptions,
  type QuestionBatch,
  type QABatch,
  type QAOptions,
  type QALoss,
} from './model/index.js';
export * from './data/index.js';
export * from './eval/index.js';
export * from './inference/index.js';
export {
  trainModel,
  trainStage1,
  type AmpMode,
  PRESETS,
  DEMO_MODEL,
  OBJECTIVES,
  OBJECTIVE_SPECS,
  STAGE1_NEW_MODULES,
  FUSION_NEW_MODULES,
  parameterGroups,
  saveTrainingCheckpoint,
  loadTrainingCheckpoint,
  Progress,
  launchWorkers,
  TrainingError,
  type TrainSettings,
  type TrainRunOptions,
  type TrainResult,
  type Objective,
  type ObjectiveSpec,
} from './train/index.js';
export {
  MomentIndex,
  indexLibrary,
  searchMoments,
  planWindows,
  scanLibrary,
  LibraryError,
  DEFAULT_INDEX_DIRNAME,
  type IndexIdentity,
  type IndexProgress,
  type IndexerOptions,
  type Moment,
  type MomentQuery,
  type WindowOptions,
} from './library/index.js';
export {
  startService,
  modelCapabilities,
  QueryQueue,
  ServeError,
  type Capabilities,
  type Hit,
  type RunningService,
  type ServiceOptions,
} from './serve/index.js';
