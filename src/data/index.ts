// The data layer: files on disk -> the integer and float arrays the model consumes
// (docs/DATA.md). Tokenizer (CLIP BPE), video decoding and CLIP preprocessing (ffmpeg + exact Pillow
// bicubic), readers for every annotation format, a batching loader with sharding, prefetch,
// resumable positions and skip reports, a synthetic dataset generator, and WebVid preparation
// (CSVs + clips -> TFRecord shards). Everything works on typed arrays; Tensors are made only by
// the batch / *ToTensors helpers (torch-edge.ts).
export {
  AnnotationError,
  DataAbortError,
  DataError,
  DataOptionError,
  TfRecordError,
  TokenizerError,
  VideoDecodeError,
  type DataErrorCode,
} from './errors.js';
export { Rng } from './random.js';
export { Limiter } from './limiter.js';
export * from './tokenizer/index.js';
export * from './video/index.js';
export * from './datasets/index.js';
export * from './tfrecord/index.js';
export * from './loader/index.js';
export * from './synthetic/index.js';
export {
  prepareWebvid,
  WEBVID_CAPTIONS_FILE,
  type PrepareEvent,
  type PrepareWebvidOptions,
  type PrepareWebvidResult,
  type SkippedClip,
} from './webvid-prepare/index.js';
