// Parity: BLEU-1..4 against pycocoevalcap 1.2 on test/fixtures/caption-metrics/corpora.json
// (the toolkit's own tokenized strings, and the raw strings), corpus and per-video, |diff| ≤ 1e-6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bleu } from './bleu.js';
import { aligned, corpora } from '../../../test/fixtures/caption-metrics/corpora.js';

const TOL = 1e-6;

for (const corpus of corpora) {
  for (const mode of ['ptb', 'none'] as const) {
    test(`BLEU equals the toolkit on '${corpus.name}' (${mode})`, () => {
      const { candidates, references } = aligned(corpus, mode);
      const got = bleu(candidates, references);
      const run = corpus[mode];
      (['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4'] as const).forEach((name, k) => {
        assert.ok(
          Math.abs(got.scores[k]! - run.scores[name]) <= TOL,
          `${name}: ${got.scores[k]} vs ${run.scores[name]}`,
        );
        run.perVideo[name].forEach((want, i) => {
          assert.ok(
            Math.abs(got.perCaption[k]![i]! - want) <= TOL,
            `${name} video ${i}: ${got.perCaption[k]![i]} vs ${want}`,
          );
        });
      });
    });
  }
}

test('BLEU uses the closest reference length, the shorter one on a tie', () => {
  // 3 words against references of 2 and 4 words: both are 1 away, so 2 is used and there is no brevity penalty.
  const tie = bleu(['a b c'], [['a b', 'a b c d']]);
  assert.ok(Math.abs(tie.scores[0] - 1) < 1e-9, `${tie.scores[0]}`);
  // Against 4 words alone the brevity penalty exp(1 - 4/3) applies.
  const long = bleu(['a b c'], [['a b c d']]);
  assert.ok(Math.abs(long.scores[0] - Math.exp(1 - 4 / 3)) < 1e-9, `${long.scores[0]}`);
});
