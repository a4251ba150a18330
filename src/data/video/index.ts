// Video and frame decoding with the ffmpeg CLI, the reference's frame sampling, and CLIP's image
// transform (bit-exact Pillow bicubic resize + centre crop + normalisation) (docs/DATA.md §2).
export { VideoReader, type VideoReaderOptions, type VideoSource } from './video-reader.js';
export { CachingVideoReader } from './caching-reader.js';
export {
  readVideoClip,
  decodeBySelect,
  decodeBySeek,
  type DecodeOptions,
  type VideoReadOptions,
} from './decode-video.js';
export {
  readFrameFolder,
  clipFromFrames,
  decodeImage,
  type FrameSetOptions,
} from './frame-folder.js';
export { assembleClip, clipToTensors, type VideoClip } from './clip.js';
export { probeVideo, type VideoProbe } from './probe.js';
export { checkVideoLimits, DEFAULT_VIDEO_LIMITS, type VideoLimits } from './limits.js';
export {
  candidateFrameIndices,
  keptPositions,
  linspaceIndices,
  DEFAULT_SAMPLING,
  type SamplingOptions,
} from './sampling.js';
export {
  CLIP_MEAN,
  CLIP_STD,
  DEFAULT_IMAGE_SIZE,
  bgrToRgbInPlace,
  normalizeToChw,
  preprocessFrame,
  resizeCenterCrop,
} from './preprocess.js';
export { pilBicubicResizeCrop, type RgbImage } from './pil-resize.js';
export { encodeRgbVideo, type EncodeOptions } from './encode.js';
export { ffmpegPath, ffprobePath } from './ffmpeg.js';
