import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qaAccuracy, QAAccuracyError } from './qa-accuracy.js';

test('qaAccuracy: overall and per answer type; null predictions and out-of-vocabulary answers count as wrong', () => {
  const vocab = new Map([['dog', 0], ['man', 1], ['two', 2]]);
  const r = qaAccuracy(
    [
      { prediction: 'dog', answer: 'dog', type: 'what' },
      { prediction: 'cat', answer: 'dog', type: 'what' },
      { prediction: 'man', answer: 'man', type: 'who' },
      { prediction: null, answer: 'two', type: 'how' },
      { prediction: 'dog', answer: 'black dog' },
    ],
    { vocabulary: { indexOf: (a) => vocab.get(a) ?? -1 } },
  );
  assert.equal(r.correct, 2);
  assert.equal(r.total, 5);
  assert.equal(r.accuracy, 0.4);
  assert.deepEqual(Object.keys(r.perType), ['how', 'other', 'what', 'who']);
  assert.deepEqual(r.perType.what, { correct: 1, total: 2, accuracy: 0.5 });
  assert.deepEqual(r.perType.how, { correct: 0, total: 1, accuracy: 0 });
  assert.equal(r.outOfVocabulary, 1);
});

test('qaAccuracy: an empty set is an error', () => {
  assert.throws(() => qaAccuracy([]), (e: unknown) => e instanceof QAAccuracyError && e.code === 'EMPTY_QA_SET' && /no questions to score/.test(e.message));
});
