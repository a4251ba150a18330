/**
 * Evaluation: retrieval metrics (R@K, median and mean rank) for one caption per video and for
 * several, their text table, and the evaluation of a model on a split (loose similarity, then
 * the fusion encoder's re-ranking). The metrics are pure TypeScript on plain arrays; a Tensor
 * similarity goes in as `{ data: t.toArray(), shape: t.shape }`. Caption metrics (BLEU, METEOR,
 * ROUGE-L, CIDEr-D and the PTB tokenization of the COCO caption toolkit) are in caption/; QA
 * accuracy (overall and per answer type) is in qa-accuracy.ts; captioning and QA evaluation of a
 * model on a split in caption-eval.ts and qa-eval.ts, with chance levels and the untrained baseline.
 */
export {
  RetrievalMetricsError,
  type RetrievalMetricsErrorCode,
  type ShapedArray,
  type SimilarityMatrixInput,
  type SentenceTensorInput,
} from './retrieval-input.js';
export type { RetrievalMetrics } from './rank-statistics.js';
export {
  retrievalMetrics,
  chanceRetrievalMetrics,
  type RetrievalMetricsOptions,
  type TieMode,
  type NonFinitePolicy,
} from './retrieval-metrics.js';
export {
  textToVideoMetricsMulti,
  videoToTextSim,
  retrievalMetricsMulti,
  sentenceTensorFromCaptions,
  type RetrievalResults,
  type SquareSimilarity,
} from './multi-sentence-metrics.js';
export {
  formatRetrievalTable,
  type RetrievalSummary,
  type RetrievalTableRow,
  type RetrievalTableOptions,
} from './format-retrieval-table.js';
export {
  evaluateRetrieval,
  DEFAULT_RERANK_TOP_K,
  type RetrievalEvalOptions,
  type RetrievalEvalResult,
  type RerankedRetrieval,
} from './retrieval-eval.js';
export { rerankSimilarity, type RerankInputs, type RerankPassOptions, type RerankPass } from './rerank-eval.js';
export {
  captionMetrics,
  ptbTokenize,
  CaptionMetricsError,
  locateMeteor,
  DEFAULT_METEOR_JAR,
  type CaptionScores,
  type CaptionMetricsOptions,
  type CaptionMetricsErrorCode,
  type MeteorSetup,
} from './caption/index.js';
export { qaAccuracy, QAAccuracyError, type QAItem, type QAScore, type QAAccuracy } from './qa-accuracy.js';
export { evaluateCaptioning, captionReferences, type CaptionEvalOptions, type CaptionEvalResult, type CaptionPrediction } from './caption-eval.js';
export { evaluateQa, type QaEvalOptions, type QaEvalResult, type QaPrediction } from './qa-eval.js';
export { qaChance, type QaChance } from './qa-chance.js';
export { resetFusionEncoder } from './untrained-baseline.js';
export { TaskEvalError, type TaskEvalErrorCode } from './task-eval-error.js';
