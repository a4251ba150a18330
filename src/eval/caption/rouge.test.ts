// Parity: ROUGE-L (β 1.2) against pycocoevalcap 1.2 on test/fixtures/caption-metrics/corpora.json,
// corpus and per-video, |diff| ≤ 1e-6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rougeL, rougeLCaption } from './rouge.js';
import { aligned, corpora } from '../../../test/fixtures/caption-metrics/corpora.js';

const TOL = 1e-6;

for (const corpus of corpora) {
  for (const mode of ['ptb', 'none'] as const) {
    test(`ROUGE-L equals the toolkit on '${corpus.name}' (${mode})`, () => {
      const { candidates, references } = aligned(corpus, mode);
      const got = rougeL(candidates, references);
      const run = corpus[mode];
      assert.ok(
        Math.abs(got.score - run.scores.ROUGE_L) <= TOL,
        `${got.score} vs ${run.scores.ROUGE_L}`,
      );
      run.perVideo.ROUGE_L.forEach((want, i) =>
        assert.ok(
          Math.abs(got.perCaption[i]! - want) <= TOL,
          `video ${i}: ${got.perCaption[i]} vs ${want}`,
        ),
      );
    });
  }
}

test('ROUGE-L takes the best precision and the best recall over references separately', () => {
  // 'a b' vs 'a b c d': P 1, R 0.5; vs 'a': P 0.5, R 1. Best of each: P 1, R 1 → 1.
  assert.equal(rougeLCaption('a b', ['a b c d', 'a']), 1);
  assert.equal(rougeLCaption('x', ['a b']), 0);
});
