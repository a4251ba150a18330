/**
 * Caption metrics equal to the COCO caption toolkit (`pycocoevalcap` 1.2): BLEU-1..4, METEOR 1.5
 * (Java), ROUGE-L, CIDEr-D, and the toolkit's PTB tokenization (docs/EVAL.md).
 */
export {
  captionMetrics,
  type CaptionScores,
  type CaptionMetricsOptions,
} from './caption-metrics.js';
export { ptbTokenize } from './ptb-tokenize.js';
export { CaptionMetricsError, type CaptionMetricsErrorCode } from './errors.js';
export { locateMeteor, DEFAULT_METEOR_JAR, type MeteorSetup } from './meteor.js';
