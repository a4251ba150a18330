// Readers for every annotation format of docs/DATA.md §3 and §5 (MSR-VTT, LSMDC, MSVD, DiDeMo,
// WebVid, MSRVTT-QA, MSVD-QA), all producing the common Dataset / Sample shape of types.ts, and
// readCaptionSplit / readQaSplit: one captioning or QA split by format name.
export type {
  Dataset,
  MultiSentenceInfo,
  QaPair,
  ReaderOptions,
  Sample,
  SampleVideo,
  Split,
} from './types.js';
export {
  loadMsrvtt,
  readMsrvttData,
  readMsrvttTestCsv,
  readMsrvttTrainCsv,
  type MsrvttOptions,
} from './msrvtt.js';
export { loadLsmdc, readLsmdcAnnotations, type LsmdcOptions } from './lsmdc.js';
export { loadMsvd, readMsvdCaptions, readMsvdList, type MsvdOptions } from './msvd.js';
export { loadDidemo, readDidemo, type DidemoOptions } from './didemo.js';
export { loadWebvid, readWebvidCaptions, type WebvidOptions } from './webvid.js';
export {
  loadMsrvttQa,
  loadMsvdQa,
  readAnswerVocab,
  buildAnswerVocab,
  MSRVTT_QA_DISCARD,
  type QaOptions,
  type MsvdQaOptions,
} from './qa.js';
export { readPickle, type PickleValue } from './pickle.js';
export {
  readCaptionSplit,
  readQaSplit,
  readQaTrainAnswers,
  qaSplitFolder,
  msvdVideoExt,
  CAPTION_FORMATS,
  QA_FORMATS,
  type CaptionFormat,
  type QaFormat,
  type TaskSplitOptions,
} from './task-splits.js';
