// The CLI table: alignment, optional lines and the N column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chanceRetrievalMetrics, formatRetrievalTable, retrievalMetrics } from './index.js';

const t2v = {
  R1: 44.5,
  R5: 71.25,
  R10: 80.3,
  MedianR: 2,
  MeanR: 15.34,
  numQueries: 1000,
  numDropped: 0,
};
const v2t = {
  R1: 42.9,
  R5: 70.1,
  R10: 80.8,
  MedianR: 2,
  MeanR: 11.6,
  numQueries: 1000,
  numDropped: 0,
};

test('t2v and v2t with chance lines', () => {
  const chance = chanceRetrievalMetrics(1000);
  const table = formatRetrievalTable(
    { t2v, v2t },
    {
      extraRows: [
        { label: 't2v chance', metrics: chance },
        { label: 'v2t chance', metrics: chance },
      ],
    },
  );
  assert.equal(
    table,
    [
      '             R@1   R@5  R@10    MdR    MnR     N',
      't2v         44.5  71.3  80.3    2.0   15.3  1000',
      'v2t         42.9  70.1  80.8    2.0   11.6  1000',
      't2v chance   0.1   0.5   1.0  500.5  500.5',
      'v2t chance   0.1   0.5   1.0  500.5  500.5',
    ].join('\n'),
  );
});

test('explicit rows, digits, dropped queries excluded from N, no N column without counts', () => {
  const m = retrievalMetrics([
    [1, 0, 0],
    [0, 1, 2],
    [0, 0, NaN],
  ]);
  assert.equal(
    formatRetrievalTable([{ label: 'untrained t2v', metrics: m }], { digits: 2 }),
    [
      '                 R@1     R@5    R@10   MdR   MnR  N',
      'untrained t2v  50.00  100.00  100.00  1.50  1.50  2',
    ].join('\n'),
  );
  assert.equal(
    formatRetrievalTable({ v2t: chanceRetrievalMetrics(10) }, { digits: 0 }),
    ['     R@1  R@5  R@10  MdR  MnR', 'v2t   10   50   100    6    6'].join('\n'),
  );
  assert.throws(
    () => formatRetrievalTable({ t2v }, { digits: -1 }),
    /digits must be an integer in \[0, 10\]; got -1/,
  );
});
