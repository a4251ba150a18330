/**
 * The T2VLP model: configuration, the CLIP towers with tube tokens, losses, loading (`T2VLP.load`)
 * and saving (`model.save`).
 */

export {
  T2VLP,
  meanPooledVideo,
  type VideoEncoding,
  type TextEncoding,
  type TextEmbedding,
  type EncodeTextOptions,
  type Stage1Batch,
  type Stage1Loss,
  type SimilarityOptions,
  type EncodeVideoOptions,
  type CaptionTextDecoder,
  type GenerateCaptionCallOptions,
  type GeneratedCaptions,
} from './t2vlp.js';
export { TASK_HEAD_DROPOUT, prefixLmMask, type CaptionBatch, type CaptionLoss, type CaptionTrace, type GenerateCaptionOptions } from './caption.js';
export { type QuestionBatch, type QABatch, type QAOptions, type QALoss } from './qa.js';
export { AnswerVocabulary } from './answer-vocabulary.js';
export { KVCache, transformerStep } from './kv-cache.js';
export { FusionError, type FusionErrorCode, HEAD_DROPOUT } from './fusion.js';
export { isFusionKey } from './load-fusion.js';
export {
  type FusionDraws,
  type FusionLossOptions,
  type FusionTrace,
  type Stage2Batch,
  type Stage2Loss,
  type RetrievalLoss,
} from './fusion-losses.js';
export { type RerankText, type RerankVideo, type RerankOptions, type RerankResult } from './rerank.js';
export { CrossModel } from './tight.js';
export { CLIP, type TubeOutput } from './clip.js';
export { VisualTransformer, type VisualOutput } from './visual.js';
export { Transformer, ResidualAttentionBlock, Mlp } from './transformer.js';
export { type T2VLPConfig, type SimilarityKind, HEAD_CONFIG_KEYS, VIT_B_16, inferConfig, validateConfig, ConfigError } from './config.js';
export { contrastiveLoss, textCenters, alignLoss, gatherGlobal, type GlobalBatchOptions } from './losses.js';
export { type LoadModelOptions, clipToT2VLPKeys, CONFIG_METADATA_KEY } from './load.js';
export { detectLayout, toReferenceLayout } from './clip-layouts.js';
export { ANSWER_VOCABULARY_FILE, ans2label, writeAnswerVocabulary, readAnswerVocabulary, answerVocabularyBeside } from './answer-vocabulary-file.js';
