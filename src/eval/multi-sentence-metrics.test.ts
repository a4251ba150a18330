// Parity: test/fixtures/eval/retrieval_metrics.json (`multi_sentence_case`: the reference's
// tensor_text_to_video_metrics, tensor_video_to_text_sim and compute_metrics of the latter), floats
// to 1e-9 (the default mode's float64 recall to the fixture's float32 one: 1e-5). Plus the flat
// captions × videos entry point and the reference-mode differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RetrievalMetricsError,
  retrievalMetrics,
  retrievalMetricsMulti,
  sentenceTensorFromCaptions,
  textToVideoMetricsMulti,
  videoToTextSim,
  type RetrievalMetrics,
} from './index.js';
import { loadRetrievalMetricsFixture } from '../../test/fixtures/eval/retrieval-metrics-fixture.js';

const TOL = 1e-9;

const fx = loadRetrievalMetricsFixture().multi_sentence_case;
const tensor = fx.sim_tensor;

function assertNumbers(
  m: RetrievalMetrics,
  e: Record<'R1' | 'R5' | 'R10' | 'MedianR' | 'MeanR', number>,
  label: string,
  tol = TOL,
): void {
  for (const k of ['R1', 'R5', 'R10', 'MedianR', 'MeanR'] as const) {
    assert.ok(
      Math.abs(m[k] - e[k]) <= tol,
      `${label} ${k}: expected ${e[k]}, got ${m[k]} (tolerance ${tol})`,
    );
  }
}

/** The fixture's real captions as flat rows, with the video of each. */
function flatCaptions(): { sim: number[][]; index: number[] } {
  const sim: number[][] = [];
  const index: number[] = [];
  fx.sentences_per_video.forEach((count, v) => {
    for (let s = 0; s < count; s++) {
      sim.push(tensor[v]![s]!);
      index.push(v);
    }
  });
  return { sim, index };
}

test('multi_sentence_case t2v, ties: reference: tensor_text_to_video_metrics exactly', () => {
  const e = fx.tensor_text_to_video_metrics;
  const m = textToVideoMetricsMulti(tensor, { ties: 'reference' });
  assertNumbers(m, e, 't2v reference');
  assert.equal(m.R1, e.R1, 'float32 recall reproduced bit for bit');
  assert.ok(Math.abs(m.StdR - e.Std_Rank) <= TOL, `Std_Rank ${m.StdR} vs ${e.Std_Rank}`);
  assert.equal(e.MR, e.MedianR);
  assert.equal(m.ranks.length, 9);
  assert.equal(m.numQueries, 12);
  assert.equal(m.numDropped, 3, 'three padded slots');
});

test('multi_sentence_case t2v, default mode: the same ranks, float64 recall', () => {
  const e = fx.tensor_text_to_video_metrics;
  const m = textToVideoMetricsMulti(tensor);
  assertNumbers(m, e, 't2v optimistic', 1e-5);
  assert.equal(m.R1, 500 / 9);
  assert.deepEqual(m.ranks, textToVideoMetricsMulti(tensor, { ties: 'reference' }).ranks);
});

test('multi_sentence_case v2t: tensor_video_to_text_sim and compute_metrics of it', () => {
  const sq = videoToTextSim(tensor);
  assert.deepEqual(sq.shape, [4, 4]);
  assert.deepEqual(
    Array.from({ length: 4 }, (_, u) => Array.from(sq.data.subarray(u * 4, u * 4 + 4))),
    fx.tensor_video_to_text_sim,
  );
  const e = fx.compute_metrics_of_video_to_text_sim;
  for (const ties of ['reference', 'optimistic'] as const) {
    const m = retrievalMetrics(sq, { ties });
    assertNumbers(m, e, `v2t ${ties}`);
    assert.deepEqual(m.ranks, e.cols);
  }
});

test('flat captions × videos + captionVideoIndex gives the tensor results in both directions', () => {
  const { sim, index } = flatCaptions();
  assert.deepEqual(index, [0, 0, 0, 1, 2, 2, 3, 3, 3]);
  const rebuilt = sentenceTensorFromCaptions(sim, index);
  assert.deepEqual(rebuilt.shape, [4, 3, 4]);
  assert.deepEqual(Array.from(rebuilt.data), tensor.flat(2));
  for (const ties of ['optimistic', 'reference'] as const) {
    const r = retrievalMetricsMulti(sim, index, { ties });
    const t2v = textToVideoMetricsMulti(tensor, { ties });
    assertNumbers(r.t2v, t2v, `flat t2v ${ties}`, 0);
    assert.deepEqual(r.t2v.ranks, t2v.ranks, 'captions listed video by video in both');
    assert.equal(r.t2v.numQueries, 9);
    assert.equal(r.t2v.numDropped, 0);
    assert.deepEqual(r.v2t, retrievalMetrics(videoToTextSim(tensor), { ties }));
  }
});

test('one caption per video: the flat entry point equals sim and its transpose', () => {
  const n = 6;
  const sim = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => Math.cos(3 * i + 7 * j) + (i === j ? 0.4 : 0)),
  );
  const transpose = sim.map((_, i) => sim.map((row) => row[i]!));
  const r = retrievalMetricsMulti(sim, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(r.t2v, retrievalMetrics(sim));
  assert.deepEqual(r.v2t, retrievalMetrics(transpose));
});

test('a video with no caption is a candidate but not a v2t query', () => {
  // 3 videos, captions of videos 0 and 2 only.
  const sim = [
    [0.9, 0.8, 0.1],
    [0.2, 0.95, 0.7],
    [0.0, 0.3, 0.6],
  ];
  const r = retrievalMetricsMulti(sim, [0, 2, 2]);
  // Caption 1 (video 2) is beaten by video 1.
  assert.deepEqual(r.t2v.ranks, [0, 1, 0]);
  // v2t rows: video 0 → [0.9, -inf, 0.7] rank 0; video 2 → [0.1, -inf, 0.7] rank 0.
  assert.deepEqual(r.v2t.ranks, [0, 0]);
  assert.equal(r.v2t.numQueries, 3);
  assert.equal(r.v2t.numDropped, 1);
});

test('reference mode: NaN outranks (torch sorts NaN first) and torch.median takes the lower middle', () => {
  // Two videos, one caption each; caption 1 sees a NaN against video 0.
  const t = [[[1, 0]], [[NaN, 1]]];
  const ref = textToVideoMetricsMulti(t, { ties: 'reference' });
  assert.deepEqual(ref.ranks, [0, 1]);
  assert.equal(ref.MedianR, 1, 'lower of ranks 0 and 1, plus 1');
  assert.equal(ref.MeanR, 1.5);
  const opt = textToVideoMetricsMulti(t);
  assert.deepEqual(opt.ranks, [0, 0], 'by default NaN never outranks');
  assert.equal(opt.MedianR, 1);
  // Ties: the first tied position in both modes (torch's order among equals is unspecified).
  const tied = [[[1, 1]], [[0, 1]]];
  assert.deepEqual(textToVideoMetricsMulti(tied, { ties: 'reference' }).ranks, [0, 0]);
  // Flat path, reference mode: the same rules for t2v, compute_metrics for v2t.
  const flat = retrievalMetricsMulti(
    [
      [1, 0],
      [NaN, 1],
    ],
    [0, 1],
    { ties: 'reference' },
  );
  assert.deepEqual(flat.t2v.ranks, [0, 1]);
  assert.equal(flat.t2v.MedianR, 1);
  assert.deepEqual(flat.v2t.ranks, [0, 0]);
});

test('nonFinite: throw names the caption', () => {
  assert.throws(
    () =>
      retrievalMetricsMulti(
        [
          [NaN, 0],
          [0, 1],
        ],
        [0, 1],
        { nonFinite: 'throw' },
      ),
    (e: unknown) =>
      e instanceof RetrievalMetricsError &&
      e.code === 'NON_FINITE_GROUND_TRUTH' &&
      /^retrievalMetricsMulti: caption 0 \(video 0\) scores its ground truth \(column 0\) as NaN/.test(
        e.message,
      ),
  );
  const dropped = retrievalMetricsMulti(
    [
      [NaN, 0],
      [0, 1],
    ],
    [0, 1],
  );
  assert.equal(dropped.t2v.numDropped, 1);
  assert.equal(dropped.v2t.numDropped, 1, 'video 0 has only a NaN caption: its v2t score is -inf');
});

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RetrievalMetricsError, `expected RetrievalMetricsError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('bad multi-sentence input rejected', () => {
  rejects(
    () => retrievalMetricsMulti([[1, 2]], [0, 1]),
    'BAD_CAPTION_INDEX',
    /captionVideoIndex has 2 entries; the similarity has 1 caption rows/,
  );
  rejects(
    () =>
      retrievalMetricsMulti(
        [
          [1, 2],
          [3, 4],
        ],
        [0, 2],
      ),
    'BAD_CAPTION_INDEX',
    /captionVideoIndex\[1\] is 2; expected an integer video index in \[0, 1\]/,
  );
  rejects(
    () => textToVideoMetricsMulti({ data: new Float32Array(12), shape: [2, 2, 3] }),
    'NOT_SQUARE',
    /same video count first and last; got \[2, 2, 3\]/,
  );
  rejects(
    () =>
      textToVideoMetricsMulti([
        [[1, 2]],
        [
          [1, 2],
          [3, 4],
        ],
      ]),
    'RAGGED_ROWS',
    /every video must have 1 caption slots \(as video 0, pad with -inf\); video 1 has 2/,
  );
  rejects(() => textToVideoMetricsMulti([]), 'EMPTY_INPUT', /the similarity is empty/);
  rejects(() => videoToTextSim({ data: [], shape: [0, 0, 0] }), 'EMPTY_INPUT', /^videoToTextSim:/);
  rejects(
    () => textToVideoMetricsMulti([[[-Infinity, -Infinity]], [[-Infinity, -Infinity]]]),
    'NO_VALID_QUERIES',
    /no caption slot has a finite score against its own video/,
  );
});
