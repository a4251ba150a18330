// Preparing WebVid for pre-training (t2vlp prepare-webvid): metadata CSVs + downloaded clips ->
// TFRecord shards of 12 uniformly spaced 256x256 BGR frames per clip, their index and the
// caption JSON (docs/DATA.md §3.5, §4.1); parallel, order-deterministic and resumable.
export {
  prepareWebvid,
  type PrepareCounts,
  type PrepareEvent,
  type PrepareWebvidOptions,
  type PrepareWebvidResult,
} from './prepare.js';
export { WEBVID_CAPTIONS_FILE, SKIPPED_FILE } from './outputs.js';
export { STATE_DIR, type SkippedClip, type SkipReason } from './state.js';
export { extractWebvidFrames, uniformFrameIndices, type ExtractOptions } from './extract-frames.js';
export { cvResizeLinear } from './cv-resize.js';
export { CsvParser, parseCsvText, readCsvRows, type CsvRow } from './csv-stream.js';
export { readWebvidCsvs, type WebvidCsvRow } from './webvid-csv.js';
