// Parity: test/fixtures/eval/retrieval_metrics.json (`compute_metrics_cases`, copied from
// /work/shared/fixtures), floats compared to 1e-9 and rank lists exactly. Plus properties and
// bad inputs of the single-sentence API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RetrievalMetricsError,
  chanceRetrievalMetrics,
  retrievalMetrics,
  type RetrievalMetrics,
} from './index.js';
import { loadRetrievalMetricsFixture } from '../../test/fixtures/eval/retrieval-metrics-fixture.js';

const TOL = 1e-9;

const fixture = loadRetrievalMetricsFixture();
const cases = new Map(fixture.compute_metrics_cases.map((c) => [c.name, c]));
const input = (name: string): number[][] => cases.get(name)!.input;

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= TOL,
    `${what}: expected ${expected}, got ${actual} (tolerance ${TOL})`,
  );
}

function assertNumbers(
  m: RetrievalMetrics,
  e: { R1: number; R5: number; R10: number; MedianR: number; MeanR: number },
  label: string,
): void {
  for (const k of ['R1', 'R5', 'R10', 'MedianR', 'MeanR'] as const)
    close(m[k], e[k], `${label} ${k}`);
}

/** Independent of the implementation: sort the row, take the first position of the diagonal value. */
function firstTiedPosition(row: number[], i: number): number {
  const sorted = [...row].sort((a, b) => b - a);
  return sorted.indexOf(row[i]!);
}

/** Straight from the definitions in docs/EVAL.md "Retrieval metrics", numpy median. */
function statsOf(ranks: number[]) {
  const n = ranks.length;
  const s = [...ranks].sort((a, b) => a - b);
  const median = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  const pct = (k: number) => (100 * ranks.filter((r) => r < k).length) / n;
  return {
    R1: pct(1),
    R5: pct(5),
    R10: pct(10),
    MedianR: median + 1,
    MeanR: ranks.reduce((a, b) => a + b, 0) / n + 1,
  };
}

for (const name of ['int_ties', 'rounded_ties', 'no_ties']) {
  test(`compute_metrics parity, ties: 'reference': ${name}`, () => {
    const e = cases.get(name)!.compute_metrics;
    const m = retrievalMetrics(input(name), { ties: 'reference' });
    assertNumbers(m, e, name);
    close(e.MR, e.MedianR, `${name} fixture MR = MedianR`);
    assert.deepEqual(m.ranks, e.cols);
    assert.equal(m.numQueries, input(name).length);
    assert.equal(m.numDropped, 0);
  });
}

test('optimistic equals reference on no_ties (numbers and one rank per query)', () => {
  const e = cases.get('no_ties')!.compute_metrics;
  const opt = retrievalMetrics(input('no_ties'));
  assertNumbers(opt, e, 'no_ties optimistic');
  assert.deepEqual(opt.ranks, e.cols);
  assert.equal(opt.ranks.length, input('no_ties').length);
});

test('optimistic on int_ties: hand-derived ranks and statistics', () => {
  const sim = input('int_ties');
  // Row i: entries strictly above sim[i][i]. Row 0: diag 3, none. Row 1: diag 1 < 2, 3, 3.
  // Row 2: diag 2 < 3, 3. Row 3: diag 1 < 3. Row 4: diag 3, none. Row 5: diag 3, none.
  const expected = [0, 3, 2, 1, 0, 0];
  assert.deepEqual(
    sim.map((row, i) => firstTiedPosition(row, i)),
    expected,
  );
  const m = retrievalMetrics(sim);
  assert.deepEqual(m.ranks, expected);
  // 3 of 6 at rank 0; sorted 0 0 0 1 2 3 → median 0.5; mean 6/6.
  assertNumbers(m, { R1: 50, R5: 100, R10: 100, MedianR: 1.5, MeanR: 2 }, 'int_ties optimistic');
  assertNumbers(m, statsOf(expected), 'int_ties optimistic vs definitions');
});

test('optimistic on rounded_ties: hand-derived ranks and statistics', () => {
  const sim = input('rounded_ties');
  // Row 3 ties its diagonal -2.1 with column 5: the reference lists positions 6 and 7, we keep 6.
  const expected = [2, 4, 6, 6, 7, 7, 6, 7];
  assert.deepEqual(
    sim.map((row, i) => firstTiedPosition(row, i)),
    expected,
  );
  const m = retrievalMetrics(sim);
  assert.deepEqual(m.ranks, expected);
  // 2 of 8 below 5; sorted 2 4 6 6 6 7 7 7 → median 6; mean 45/8.
  assertNumbers(
    m,
    { R1: 0, R5: 25, R10: 100, MedianR: 7, MeanR: 6.625 },
    'rounded_ties optimistic',
  );
  assertNumbers(m, statsOf(expected), 'rounded_ties optimistic vs definitions');
});

test('identity-ranked matrix: R@1 = 100, MedianR = MeanR = 1 (both tie modes)', () => {
  const n = 9;
  const sim = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : Math.sin(i * n + j) * 0.5)),
  );
  for (const ties of ['optimistic', 'reference'] as const) {
    const m = retrievalMetrics(sim, { ties });
    assertNumbers(m, { R1: 100, R5: 100, R10: 100, MedianR: 1, MeanR: 1 }, ties);
    assert.equal(m.StdR, 0);
  }
});

test('reversed diagonal: every query ranks last', () => {
  const n = 7;
  const sim = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? -5 : i + j)),
  );
  const m = retrievalMetrics(sim);
  assert.deepEqual(m.ranks, Array(n).fill(n - 1));
  assertNumbers(m, { R1: 0, R5: 0, R10: 100, MedianR: n, MeanR: n }, 'reversed');
});

test('staircase: query i has rank i; even count takes the mean of the middle ranks', () => {
  const n = 12;
  const sim = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (j < i ? 1 : j === i ? 0.5 : 0)),
  );
  const m = retrievalMetrics(sim);
  assert.deepEqual(
    m.ranks,
    Array.from({ length: n }, (_, i) => i),
  );
  const e = { R1: 100 / 12, R5: 500 / 12, R10: 1000 / 12, MedianR: 6.5, MeanR: 6.5 };
  assertNumbers(m, e, 'staircase');
  close(m.StdR, Math.sqrt((n * n - 1) / 12), 'staircase StdR');
});

test('1×1 matrix', () => {
  const m = retrievalMetrics([[0.3]]);
  assert.deepEqual(m.ranks, [0]);
  assertNumbers(m, { R1: 100, R5: 100, R10: 100, MedianR: 1, MeanR: 1 }, '1x1');
});

test('flat row-major input with a shape, typed arrays and nested typed rows agree', () => {
  const sim = input('rounded_ties');
  const flat = Float64Array.from(sim.flat());
  const a = retrievalMetrics(sim, { ties: 'reference' });
  const b = retrievalMetrics({ data: flat, shape: [8, 8] }, { ties: 'reference' });
  const c = retrievalMetrics(
    sim.map((r) => Float64Array.from(r)),
    { ties: 'reference' },
  );
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  const f32 = retrievalMetrics({ data: Float32Array.from(flat), shape: [8, 8] });
  assert.equal(f32.ranks.length, 8);
});

test('ground truth NaN or ±inf: dropped and counted by default, an error on request', () => {
  const sim = [
    [NaN, 0, 0],
    [0, 1, 0],
    [0, 5, -Infinity],
  ];
  const m = retrievalMetrics(sim);
  assert.deepEqual(m.ranks, [0]);
  assert.equal(m.numQueries, 3);
  assert.equal(m.numDropped, 2);
  // compute_metrics drops the same rows: its equality test never matches NaN or inf - inf.
  assert.deepEqual(retrievalMetrics(sim, { ties: 'reference' }).ranks, [0]);
  assert.throws(
    () => retrievalMetrics(sim, { nonFinite: 'throw' }),
    (e: unknown) =>
      e instanceof RetrievalMetricsError &&
      e.code === 'NON_FINITE_GROUND_TRUTH' &&
      /query 0 scores its ground truth \(column 0\) as NaN; expected a finite similarity/.test(
        e.message,
      ),
  );
  assert.throws(
    () => retrievalMetrics([[NaN]]),
    (e: unknown) =>
      e instanceof RetrievalMetricsError &&
      e.code === 'NO_VALID_QUERIES' &&
      /all 1 queries score their ground truth as NaN or ±inf/.test(e.message),
  );
});

test('NaN elsewhere in a row never outranks the ground truth; +inf does', () => {
  const m = retrievalMetrics([
    [1, NaN, 0],
    [Infinity, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(m.ranks, [0, 1, 0]);
});

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RetrievalMetricsError, `expected RetrievalMetricsError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('non-square matrix rejected', () => {
  rejects(
    () =>
      retrievalMetrics([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    'NOT_SQUARE',
    /^retrievalMetrics: expected a square similarity \(row i's ground truth is column i\); got 2×3\. With several captions per video use retrievalMetricsMulti/,
  );
  rejects(
    () => retrievalMetrics({ data: new Float32Array(6), shape: [3, 2] }),
    'NOT_SQUARE',
    /got 3×2/,
  );
});

test('empty input rejected', () => {
  for (const sim of [[], [[]], { data: [], shape: [0, 0] }, { data: [], shape: [3, 0] }]) {
    rejects(
      () => retrievalMetrics(sim),
      'EMPTY_INPUT',
      /^retrievalMetrics: the similarity is empty/,
    );
  }
});

test('malformed input rejected with where and what', () => {
  rejects(
    () => retrievalMetrics([[1, 2], [3]]),
    'RAGGED_ROWS',
    /every row must have 2 values \(as the first\); row 1 has 1/,
  );
  rejects(
    () => retrievalMetrics([1, 2, 3] as unknown as number[][]),
    'RAGGED_ROWS',
    /expected number\[\]\[\] \(one array per query\); row 0 is number/,
  );
  rejects(
    () => retrievalMetrics({ data: [1, 2, 3], shape: [2, 2] }),
    'BAD_SHAPE',
    /shape \[2, 2\] needs 4 values; data has 3/,
  );
  rejects(
    () => retrievalMetrics({ data: [1, 2, 3, 4], shape: [4] }),
    'BAD_SHAPE',
    /expected a shape of 2 non-negative integers; got \[4\]/,
  );
  rejects(
    () =>
      retrievalMetrics([
        ['-inf', 1],
        [0, 1],
      ] as unknown as number[][]),
    'NOT_A_NUMBER',
    /row 0, column 0 is "-inf" \(string\); expected a number/,
  );
  rejects(
    () => retrievalMetrics([[1]], { ties: 'pessimistic' as 'optimistic' }),
    'BAD_OPTION',
    /ties must be 'optimistic' or 'reference'; got "pessimistic"/,
  );
});

test('chance level', () => {
  assert.deepEqual(chanceRetrievalMetrics(1000), {
    R1: 0.1,
    R5: 0.5,
    R10: 1,
    MedianR: 500.5,
    MeanR: 500.5,
  });
  assert.equal(chanceRetrievalMetrics(4).R5, 100);
  rejects(() => chanceRetrievalMetrics(0), 'BAD_OPTION', /positive integer; got 0/);
});

test('a Tensor is accepted and gives the same metrics as its nested-array form', async () => {
  const { tensor } = await import('../torch/index.js');
  const rows = [
    [0.9, 0.1, 0.3],
    [0.2, 0.1, 0.8],
    [0.4, 0.5, 0.7],
  ];
  const t = tensor(rows);
  try {
    assert.deepEqual(retrievalMetrics(t), retrievalMetrics(rows));
  } finally {
    t.dispose();
  }
});
