/**
 * Retrieval metrics when a video has several captions (MSVD and similar; docs/EVAL.md
 * "Multi-sentence datasets", reference `tensor_text_to_video_metrics` and
 * `tensor_video_to_text_sim`). Text-to-video ranks each real caption against all videos;
 * video-to-text scores a video against another by the best of that video's captions and ranks the
 * resulting square matrix as usual. The reference works on a [videos, max captions, videos] tensor
 * padded with -inf, reproduced here; callers usually hold a flat captions × videos similarity and
 * the video of each caption, which `retrievalMetricsMulti` takes directly.
 */
import {
  RetrievalMetricsError,
  toMatrix,
  toSentenceTensor,
  type Matrix,
  type SentenceTensorInput,
  type SimilarityMatrixInput,
} from './retrieval-input.js';
import {
  NUMPY_RULES,
  TORCH_RULES,
  summariseRanks,
  type RetrievalMetrics,
} from './rank-statistics.js';
import {
  checkOptions,
  rankRows,
  retrievalMetrics,
  type RetrievalMetricsOptions,
  type TieMode,
} from './retrieval-metrics.js';

/** Both directions of a retrieval evaluation. */
export interface RetrievalResults {
  t2v: RetrievalMetrics;
  v2t: RetrievalMetrics;
}

/** A square similarity as a row-major array and its shape. */
export interface SquareSimilarity {
  data: Float64Array;
  shape: [number, number];
}

/**
 * Text-to-video metrics of a [videos, max captions per video, videos] similarity: entry
 * [v, s, u] scores caption s of video v against video u; missing captions are rows of -inf.
 * Caption slots whose own-video score is NaN or ±inf are dropped (padding included, as in the
 * reference) and counted in `numDropped`; `ranks` lists the rest video by video. Default: one
 * optimistic rank per caption and numpy's median. `ties: 'reference'` reproduces
 * `tensor_text_to_video_metrics`: NaN entries outrank the ground truth (torch sorts NaN first),
 * `torch.median` (the lower middle value for an even count) and float32 recalls; the first
 * tied position is used since torch's order among equal values is unspecified.
 */
export function textToVideoMetricsMulti(
  sim: SentenceTensorInput,
  opts: { ties?: TieMode } = {},
): RetrievalMetrics {
  const where = 'textToVideoMetricsMulti';
  const { ties } = checkOptions(where, { ties: opts.ties });
  const t = toSentenceTensor(where, sim);
  const slots = t.maxCaptionsPerVideo;
  // Row v * slots + s is caption s of video v; its ground truth is video v.
  const m: Matrix = { data: t.data, rows: t.numVideos * slots, cols: t.numVideos };
  const { ranks, numDropped } = rankRows(
    where,
    m,
    (row) => Math.floor(row / slots),
    ties === 'reference' ? 'torchArgsort' : 'optimistic',
    'drop',
    (row) => `video ${Math.floor(row / slots)}, caption ${row % slots}`,
  );
  if (ranks.length === 0) {
    throw new RetrievalMetricsError(
      'NO_VALID_QUERIES',
      `${where}: no caption slot has a finite score against its own video (all padding?)`,
    );
  }
  return summariseRanks(
    ranks,
    ties === 'reference' ? TORCH_RULES : NUMPY_RULES,
    m.rows,
    numDropped,
  );
}

/**
 * The video × video similarity for video-to-text of a [videos, max captions, videos] tensor:
 * entry [u, v] is the best score of video v's captions against video u (NaN counts as -inf, as
 * in the reference). Rank it with `retrievalMetrics`.
 */
export function videoToTextSim(sim: SentenceTensorInput): SquareSimilarity {
  const t = toSentenceTensor('videoToTextSim', sim);
  const n = t.numVideos;
  const slots = t.maxCaptionsPerVideo;
  const out = new Float64Array(n * n).fill(-Infinity);
  for (let v = 0; v < n; v++) {
    for (let s = 0; s < slots; s++) {
      const base = (v * slots + s) * n;
      for (let u = 0; u < n; u++) {
        const x = t.data[base + u]!;
        if (x > out[u * n + v]!) out[u * n + v] = x;
      }
    }
  }
  return { data: out, shape: [n, n] };
}

function checkCaptionIndex(where: string, m: Matrix, captionVideoIndex: ArrayLike<number>): void {
  if (captionVideoIndex.length !== m.rows) {
    throw new RetrievalMetricsError(
      'BAD_CAPTION_INDEX',
      `${where}: captionVideoIndex has ${captionVideoIndex.length} entries; the similarity has ` +
        `${m.rows} caption rows (one video index per caption expected)`,
    );
  }
  for (let c = 0; c < m.rows; c++) {
    const v = captionVideoIndex[c]!;
    if (!Number.isInteger(v) || v < 0 || v >= m.cols) {
      throw new RetrievalMetricsError(
        'BAD_CAPTION_INDEX',
        `${where}: captionVideoIndex[${c}] is ${v}; expected an integer video index in ` +
          `[0, ${m.cols - 1}] (the similarity has ${m.cols} video columns)`,
      );
    }
  }
}

/**
 * The reference's padded [videos, max captions, videos] layout of a flat captions × videos
 * similarity, captions of each video in their given order, missing slots filled with -inf.
 */
export function sentenceTensorFromCaptions(
  sim: SimilarityMatrixInput,
  captionVideoIndex: ArrayLike<number>,
): { data: Float64Array; shape: [number, number, number] } {
  const where = 'sentenceTensorFromCaptions';
  const m = toMatrix(where, sim);
  checkCaptionIndex(where, m, captionVideoIndex);
  const n = m.cols;
  const counts = new Array<number>(n).fill(0);
  for (let c = 0; c < m.rows; c++) counts[captionVideoIndex[c]!]!++;
  const slots = Math.max(...counts);
  const data = new Float64Array(n * slots * n).fill(-Infinity);
  const next = new Array<number>(n).fill(0);
  for (let c = 0; c < m.rows; c++) {
    const v = captionVideoIndex[c]!;
    const dst = (v * slots + next[v]!++) * n;
    for (let u = 0; u < n; u++) data[dst + u] = m.data[c * n + u]!;
  }
  return { data, shape: [n, slots, n] };
}

/**
 * Both directions from a captions × videos similarity and the video of each caption
 * (`captionVideoIndex[c]`). t2v ranks every caption against all videos, v2t ranks every video
 * against the others by their best caption; a video with no caption is a candidate but not a
 * query (counted in v2t's `numDropped`). The same numbers as `textToVideoMetricsMulti` and
 * `videoToTextSim` on the padded tensor, in every tie mode. With one caption per video and the
 * default mode this equals `retrievalMetrics(sim)` and `retrievalMetrics(transpose(sim))`; to
 * reproduce the reference on such a dataset (MSR-VTT) with ties, call those with
 * `ties: 'reference'`.
 */
export function retrievalMetricsMulti(
  sim: SimilarityMatrixInput,
  captionVideoIndex: ArrayLike<number>,
  opts: RetrievalMetricsOptions = {},
): RetrievalResults {
  const where = 'retrievalMetricsMulti';
  const { ties, nonFinite } = checkOptions(where, opts);
  const m = toMatrix(where, sim);
  checkCaptionIndex(where, m, captionVideoIndex);
  const reference = ties === 'reference';

  const t2vRanked = rankRows(
    where,
    m,
    (c) => captionVideoIndex[c]!,
    reference ? 'torchArgsort' : 'optimistic',
    nonFinite,
    (c) => `caption ${c} (video ${captionVideoIndex[c]})`,
  );
  if (t2vRanked.ranks.length === 0) {
    throw new RetrievalMetricsError(
      'NO_VALID_QUERIES',
      `${where}: all ${m.rows} captions score their own video as NaN or ±inf; nothing to rank`,
    );
  }
  const t2v = summariseRanks(
    t2vRanked.ranks,
    reference ? TORCH_RULES : NUMPY_RULES,
    m.rows,
    t2vRanked.numDropped,
  );

  // v2t[u, v] = best score of video v's captions against video u (NaN as -inf).
  const n = m.cols;
  const square = new Float64Array(n * n).fill(-Infinity);
  for (let c = 0; c < m.rows; c++) {
    const v = captionVideoIndex[c]!;
    for (let u = 0; u < n; u++) {
      const x = m.data[c * n + u]!;
      if (x > square[u * n + v]!) square[u * n + v] = x;
    }
  }
  // With nonFinite 'throw' every caption's own score was checked above, so only videos without
  // a caption can have a non-finite diagonal here; those are left out, never an error.
  const v2t = retrievalMetrics({ data: square, shape: [n, n] }, { ties, nonFinite: 'drop' });
  return { t2v, v2t };
}
