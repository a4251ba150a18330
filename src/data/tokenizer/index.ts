// CLIP's byte-level BPE tokenizer in TypeScript (docs/DATA.md §1): text cleaning (an ftfy port,
// HTML unescaping, whitespace, lower case), pre-tokenisation, BPE, and the loaders' fixed-length
// id/mask rows.
export { ClipTokenizer, type TextBatch } from './clip-tokenizer.js';
export {
  buildTextRow,
  DEFAULT_MAX_WORDS,
  type TextBatchArrays,
  type TextRow,
  type TextRowOptions,
  type TextStyle,
} from './text-ids.js';
export { cleanText } from './clean.js';
export { fixText } from './ftfy.js';
export { bundledVocabPath } from './vocab.js';
