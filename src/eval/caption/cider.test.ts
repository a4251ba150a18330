// Parity: CIDEr-D (σ 6, ×10, document frequencies from the scored set's references) against
// pycocoevalcap 1.2 on test/fixtures/caption-metrics/corpora.json, corpus and per-video, |diff| ≤ 1e-6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ciderD } from './cider.js';
import { aligned, corpora } from '../../../test/fixtures/caption-metrics/corpora.js';

const TOL = 1e-6;

for (const corpus of corpora) {
  for (const mode of ['ptb', 'none'] as const) {
    test(`CIDEr-D equals the toolkit on '${corpus.name}' (${mode})`, () => {
      const { candidates, references } = aligned(corpus, mode);
      const got = ciderD(candidates, references);
      const run = corpus[mode];
      assert.ok(
        Math.abs(got.score - run.scores.CIDEr) <= TOL,
        `${got.score} vs ${run.scores.CIDEr}`,
      );
      run.perVideo.CIDEr.forEach((want, i) =>
        assert.ok(
          Math.abs(got.perCaption[i]! - want) <= TOL,
          `video ${i}: ${got.perCaption[i]} vs ${want}`,
        ),
      );
    });
  }
}

test('CIDEr-D is 0 for a single video and when no reference has a word (the toolkit fails there)', () => {
  assert.equal(ciderD(['a dog runs'], [['a dog runs']]).score, 0);
  assert.deepEqual(ciderD(['a dog', 'x'], [[''], ['']]).perCaption, [0, 0]);
});
