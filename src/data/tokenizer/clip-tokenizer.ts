// CLIP's byte-level BPE tokenizer (OpenAI SimpleTokenizer, docs/DATA.md §1.1) in TypeScript:
// clean the text (ftfy port, HTML unescape, whitespace, lower case), split it with CLIP's
// pre-tokenisation pattern, map UTF-8 bytes to the byte table, run BPE, look the symbols up.
// `batch` builds the loaders' fixed-length rows (§1.2) as Tensors, `batchArrays` as typed
// arrays for code that must not need the native addon.
import { readFileSync } from 'node:fs';
import { AnnotationError, TokenizerError } from '../errors.js';
import { toTensor, type Tensor } from '../torch-edge.js';
import { Bpe } from './bpe.js';
import { bytesToUnicode } from './byte-unicode.js';
import { cleanText } from './clean.js';
import {
  buildTextRow,
  DEFAULT_MAX_WORDS,
  rowsToArrays,
  type TextBatchArrays,
  type TextRow,
  type TextRowOptions,
} from './text-ids.js';
import { bundledVocabPath, EOT_TOKEN, loadVocab, parseVocab, SOT_TOKEN, type Vocab } from './vocab.js';

/**
 * Longest text tokenize() accepts. Tokenizing is linear in the length (about 1 s and 20 MB per
 * million characters), and only the first 77 tokens are ever used: a longer "caption" is a broken
 * annotation file, refused with a message instead of costing seconds and memory per sample.
 */
export const MAX_TEXT_CHARS = 1 << 16;

/** CLIP's pattern; `i` as in the reference (the text is lower-cased before anyway). */
const PRE_TOKENIZE_RE =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

export interface TextBatch {
  inputIds: Tensor; // int64 [B, L]
  attentionMask: Tensor; // int64 [B, L]
  tokenTypeIds: Tensor; // int64 [B, L]
}

/** CLIP's BPE tokenizer; `ClipTokenizer.load()` reads the bundled vocabulary (docs/DATA.md §1). */
export class ClipTokenizer {
  /** Id of `<|startoftext|>` (49406). */
  readonly sotId: number;
  /** Id of `<|endoftext|>` (49407). */
  readonly eotId: number;
  /** Number of ids (49408). */
  readonly vocabSize: number;
  private readonly bpe: Bpe;
  private readonly byteEncoder: string[];
  private readonly byteDecoder: Map<string, number>;
  private readonly utf8 = new TextEncoder();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  private constructor(private readonly vocab: Vocab) {
    const { byteEncoder } = bytesToUnicode();
    this.byteEncoder = byteEncoder;
    this.byteDecoder = new Map(byteEncoder.map((c, b) => [c, b]));
    this.sotId = vocab.encoder.get(SOT_TOKEN)!;
    this.eotId = vocab.encoder.get(EOT_TOKEN)!;
    this.vocabSize = vocab.decoder.length;
    this.bpe = new Bpe(vocab.ranks, [SOT_TOKEN, EOT_TOKEN]);
  }

  /** Loads the bundled vocabulary, or the gzip vocabulary file at `path`. */
  static async load(path: string = bundledVocabPath()): Promise<ClipTokenizer> {
    return new ClipTokenizer(await loadVocab(path));
  }

  /** `load`, synchronously (caption decoding inside a synchronous tensor scope). */
  static loadSync(path: string = bundledVocabPath()): ClipTokenizer {
    let gz: Buffer;
    try {
      gz = readFileSync(path);
    } catch (err) {
      throw new AnnotationError('ENOENT', `ClipTokenizer.loadSync: cannot read vocabulary '${path}': ${(err as Error).message}`);
    }
    return new ClipTokenizer(parseVocab(gz, path));
  }

  /** `whitespace_clean(basic_clean(text)).lower()`: what the pre-tokeniser sees. */
  clean(text: string): string {
    return cleanText(text);
  }

  /** BPE symbols (word ends marked `</w>`), as SimpleTokenizer.tokenize. */
  tokenize(text: string): string[] {
    if (text.length > MAX_TEXT_CHARS)
      throw new TokenizerError(
        'TOO_LARGE',
        `tokenize: a text of ${text.length} characters exceeds the limit of ${MAX_TEXT_CHARS} (captions are a few dozen words); ` +
          `check the annotation file, or cut the text before tokenizing`,
      );
    const out: string[] = [];
    for (const m of this.clean(text).matchAll(PRE_TOKENIZE_RE)) {
      let mapped = '';
      for (const b of this.utf8.encode(m[0])) mapped += this.byteEncoder[b];
      for (const sym of this.bpe.encode(mapped)) out.push(sym);
    }
    return out;
  }

  /** Ids of BPE symbols; a symbol outside the vocabulary throws (the reference has no UNK). */
  convertTokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => {
      const id = this.vocab.encoder.get(t);
      if (id === undefined)
        throw new TokenizerError(
          'BAD_FORMAT',
          `ClipTokenizer: symbol '${t}' is not in the vocabulary`,
        );
      return id;
    });
  }

  /** BPE ids, no special tokens, no truncation. */
  encode(text: string): number[] {
    return this.convertTokensToIds(this.tokenize(text));
  }

  /** Concatenates symbols, maps characters back to bytes, UTF-8 decodes, `</w>` -> space. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const tok = this.vocab.decoder[id];
      if (tok === undefined)
        throw new TokenizerError(
          'BAD_FORMAT',
          `ClipTokenizer.decode: id ${id} is outside 0..${this.vocabSize - 1}`,
        );
      for (const ch of tok) {
        const b = this.byteDecoder.get(ch);
        if (b === undefined)
          throw new TokenizerError(
            'BAD_FORMAT',
            `ClipTokenizer.decode: id ${id} ('${tok}') has no byte form`,
          );
        bytes.push(b);
      }
    }
    return this.utf8Decoder.decode(new Uint8Array(bytes)).replaceAll('</w>', ' ');
  }

  /** One fixed-length row as the reference loaders build it (docs/DATA.md §1.2). */
  textRow(text: string, opts: TextRowOptions = {}): TextRow {
    return buildTextRow(this.encode(text), this.sotId, this.eotId, opts);
  }

  /** The same row from BPE ids already computed (e.g. checked for emptiness first). */
  textRowFromIds(ids: readonly number[], opts: TextRowOptions = {}): TextRow {
    return buildTextRow(ids, this.sotId, this.eotId, opts);
  }

  /** Rows for many texts as int64 typed arrays of shape [B, maxWords]. */
  batchArrays(texts: readonly string[], opts: TextRowOptions = {}): TextBatchArrays {
    return rowsToArrays(
      texts.map((t) => this.textRow(t, opts)),
      opts.maxWords ?? DEFAULT_MAX_WORDS,
    );
  }

  /** Rows for many texts as int64 Tensors [B, maxWords] (input ids, attention mask, token types). */
  batch(texts: readonly string[], opts: TextRowOptions = {}): TextBatch {
    const a = this.batchArrays(texts, opts);
    return {
      inputIds: toTensor(a.inputIds, a.shape),
      attentionMask: toTensor(a.attentionMask, a.shape),
      tokenTypeIds: toTensor(a.tokenTypeIds, a.shape),
    };
  }
}
