// The data layer: files on disk -> the integer and float arrays the model consumes (spec
// DATA.md). Tokenizer (CLIP BPE), video decoding and CLIP preprocessing (ffmpeg + exact Pillow
// bicubic), readers for every annotation format, a batching loader with sharding, prefetch,
// resumable positions and skip reports, and a synthetic dataset generator. Everything works on
// typed arrays; Tensors are made only by the *ToTensors / batch helpers (torch-edge.ts).

// errors
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

// text
export { ClipTokenizer, type TextBatch } from './tokenizer/clip-tokenizer.js';
export { buildTextRow, DEFAULT_MAX_WORDS, type TextBatchArrays, type TextRow, type TextRowOptions, type TextStyle } from './tokenizer/text-ids.js';
export { cleanText } from './tokenizer/clean.js';
export { fixText } from './tokenizer/ftfy.js';

// video
export { VideoReader, type VideoReaderOptions, type VideoSource } from './video/video-reader.js';
export { readVideoClip, decodeBySelect, decodeBySeek, type DecodeOptions, type VideoReadOptions } from './video/decode-video.js';
export { readFrameFolder, clipFromFrames, decodeImage, type FrameSetOptions } from './video/frame-folder.js';
export { clipToTensors, type VideoClip } from './video/clip.js';
export { probeVideo, type VideoProbe } from './video/probe.js';
export { candidateFrameIndices, keptPositions, linspaceIndices, DEFAULT_SAMPLING, type SamplingOptions } from './video/sampling.js';
export { CLIP_MEAN, CLIP_STD, DEFAULT_IMAGE_SIZE, preprocessFrame, resizeCenterCrop } from './video/preprocess.js';
export { pilBicubicResizeCrop, type RgbImage } from './video/pil-resize.js';
export { encodeRgbVideo, type EncodeOptions } from './video/encode.js';
export { ffmpegPath, ffprobePath } from './video/ffmpeg.js';

// datasets
export type { Dataset, MultiSentenceInfo, QaPair, ReaderOptions, Sample, SampleVideo, Split } from './datasets/types.js';
export { loadMsrvtt, readMsrvttData, readMsrvttTestCsv, readMsrvttTrainCsv, type MsrvttOptions } from './datasets/msrvtt.js';
export { loadLsmdc, readLsmdcAnnotations, type LsmdcOptions } from './datasets/lsmdc.js';
export { loadMsvd, readMsvdCaptions, readMsvdList, type MsvdOptions } from './datasets/msvd.js';
export { loadDidemo, readDidemo, type DidemoOptions } from './datasets/didemo.js';
export { loadWebvid, readWebvidCaptions, type WebvidOptions } from './datasets/webvid.js';
export { loadMsrvttQa, loadMsvdQa, readAnswerVocab, buildAnswerVocab, MSRVTT_QA_DISCARD, type QaOptions, type MsvdQaOptions } from './datasets/qa.js';
export { readPickle } from './datasets/pickle.js';

// TFRecord
export { readRecordAt, writeRecords, frameRecord } from './tfrecord/tfrecord.js';
export { parseExample, encodeBytesExample, type Feature } from './tfrecord/example-proto.js';
export { readWebvidIndex, readWebvidFrames, writeWebvidShards } from './tfrecord/webvid-shards.js';
export { crc32c, maskedCrc32c } from './tfrecord/crc32c.js';

// loading
export { DataLoader, type DataPosition, type LoadContext, type LoaderBatch, type LoaderOptions, type SkipReport } from './loader/data-loader.js';
export { shardOrder, type ShardOptions } from './loader/sampler.js';
export { modelItemLoader, type ItemOptions, type ModelItem } from './loader/items.js';
export { collate, batchToTensors, type CollatedBatch, type TensorBatch } from './loader/collate.js';
export { pretrainMaskLabels } from './loader/mlm-labels.js';

// synthetic data
export { generateSyntheticDataset, type SyntheticOptions, type SyntheticResult } from './synthetic/generate.js';
export { SYNTHETIC_ANSWERS } from './synthetic/captions.js';
