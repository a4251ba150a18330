// Parity: METEOR 1.5 (java -jar meteor-1.5.jar -l en -norm -stdio, as the toolkit runs it) against
// pycocoevalcap 1.2 on test/fixtures/caption-metrics/corpora.json, corpus and per-video,
// |diff| ≤ 1e-4. Needs java and the jar (scripts/setup.sh, or T2VLP_METEOR_JAR); skipped, saying
// why, without them. One JVM scores every set (loading the paraphrase table takes ~10–40 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateMeteor, openMeteor } from './meteor.js';
import { CaptionMetricsError } from './errors.js';
import { aligned, corpora } from '../../../test/fixtures/caption-metrics/corpora.js';

const TOL = 1e-4;
const found = locateMeteor();

test(
  'METEOR equals the toolkit on every corpus',
  { skip: 'reason' in found ? found.reason : false, timeout: 900_000 },
  async () => {
    const session = openMeteor();
    try {
      for (const corpus of corpora) {
        for (const mode of ['ptb', 'none'] as const) {
          const { candidates, references } = aligned(corpus, mode);
          const got = await session.score(candidates, references);
          const run = corpus[mode];
          assert.ok(
            Math.abs(got.score - run.scores.METEOR) <= TOL,
            `${corpus.name} (${mode}): ${got.score} vs ${run.scores.METEOR}`,
          );
          run.perVideo.METEOR.forEach((want, i) =>
            assert.ok(
              Math.abs(got.perCaption[i]! - want) <= TOL,
              `${corpus.name} (${mode}) video ${i}: ${got.perCaption[i]} vs ${want}`,
            ),
          );
        }
      }
    } finally {
      session.close();
    }
  },
);

test('a missing jar is METEOR_UNAVAILABLE naming the path and what to do', () => {
  const where = locateMeteor({
    jarPath: '/nonexistent/meteor-1.5.jar',
    javaPath: process.execPath,
  });
  assert.ok(
    'reason' in where &&
      where.reason.includes('/nonexistent/meteor-1.5.jar') &&
      where.reason.includes('T2VLP_METEOR_JAR'),
  );
  assert.throws(
    () => openMeteor({ jarPath: '/nonexistent/meteor-1.5.jar', javaPath: process.execPath }),
    (e: unknown) =>
      e instanceof CaptionMetricsError &&
      e.code === 'METEOR_UNAVAILABLE' &&
      /meteor-1\.5\.jar not found|jar not found/.test(e.message),
  );
});
