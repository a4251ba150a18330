// Builds the fixed-length id/mask/segment rows every reference loader feeds the text tower
// (docs/DATA.md §1.2, `_get_text`): <|startoftext|> + BPE tokens truncated to L-1 symbols,
// <|endoftext|>, ids, mask 1 on real tokens, segment 0, right-padded with 0. The WebVid
// pre-training loader also drops every id 0 (the byte token '!') before padding.

export const DEFAULT_MAX_WORDS = 32;

export type TextStyle = 'msrvtt' | 'webvid';

export interface TextRowOptions {
  /** L, the row length (default 32, as in every provided script). */
  maxWords?: number;
  /** 'msrvtt' (default, every downstream loader) or 'webvid' (pre-training: ids 0 removed). */
  style?: TextStyle;
  /** Same as style 'webvid'. */
  dropByteZero?: boolean;
}

export interface TextRow {
  ids: number[]; // length L
  mask: number[];
  segment: number[];
  /** Number of real tokens (SOT..EOT inclusive). */
  length: number;
}

/** One row from the BPE ids of a caption (no special tokens). */
export function buildTextRow(
  bpeIds: readonly number[],
  sotId: number,
  eotId: number,
  opts: TextRowOptions,
): TextRow {
  const L = opts.maxWords ?? DEFAULT_MAX_WORDS;
  if (!Number.isInteger(L) || L < 2)
    throw new RangeError(`buildTextRow: maxWords must be an integer >= 2, got ${L}`);
  let ids = [sotId, ...bpeIds];
  if (ids.length > L - 1) ids = ids.slice(0, L - 1);
  ids.push(eotId);
  if (opts.style === 'webvid' || opts.dropByteZero) ids = ids.filter((id) => id !== 0);
  const length = ids.length;
  const mask = new Array<number>(L).fill(0).fill(1, 0, length);
  const out = new Array<number>(L).fill(0);
  for (let i = 0; i < length; i++) out[i] = ids[i]!;
  return { ids: out, mask, segment: new Array<number>(L).fill(0), length };
}

export interface TextBatchArrays {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** [B, L] */
  shape: [number, number];
}

export function rowsToArrays(rows: readonly TextRow[], maxWords: number): TextBatchArrays {
  const B = rows.length;
  const inputIds = new BigInt64Array(B * maxWords);
  const attentionMask = new BigInt64Array(B * maxWords);
  const tokenTypeIds = new BigInt64Array(B * maxWords);
  rows.forEach((row, b) => {
    for (let j = 0; j < maxWords; j++) {
      inputIds[b * maxWords + j] = BigInt(row.ids[j]!);
      attentionMask[b * maxWords + j] = BigInt(row.mask[j]!);
      tokenTypeIds[b * maxWords + j] = BigInt(row.segment[j]!);
    }
  });
  return { inputIds, attentionMask, tokenTypeIds, shape: [B, maxWords] };
}
