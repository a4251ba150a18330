/**
 * Inference: what the `encode` / `search` commands, the coming HTTP service (src/serve) and
 * applications share. Embeddings files
 * (write, read, validate), loading a model from a user-given path with clear errors, batched
 * encoding of video files and texts, text-to-video search over an index, and stderr progress.
 */
export { InferenceError, type InferenceErrorCode } from './errors.js';
export {
  EMBEDDINGS_FORMAT,
  EMBEDDINGS_FORMAT_VERSION,
  readEmbeddings,
  writeEmbeddings,
  type EmbeddingsData,
  type EmbeddingsKind,
  type SkippedInput,
} from './embeddings.js';
export { loadModelForInference, type LoadForInferenceOptions } from './load-model.js';
export { listVideoFiles, readTextList, VIDEO_EXTENSIONS, type VideoFile } from './video-files.js';
export {
  encodeTexts,
  encodeVideos,
  videoReaderFor,
  type EncodedTexts,
  type EncodedVideos,
  type VideoEncodeOptions,
  type VideoSamplingOptions,
} from './encode.js';
export {
  searchVideos,
  scoreQuery,
  topK,
  checkIndexForModel,
  type SearchHit,
  type SearchResult,
} from './search.js';
export { captionVideos, answerQuestion, requireFusionHead, type VideoCaption, type QuestionAnswer } from './video-tasks.js';
export { countProgress, type CountProgress, type CountProgressOptions } from './progress.js';
