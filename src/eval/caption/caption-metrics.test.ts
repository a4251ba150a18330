// Parity: captionMetrics against pycocoevalcap 1.2 on test/fixtures/caption-metrics/corpora.json,
// |diff| ≤ 1e-6 (METEOR 1e-4). 'none' on every corpus; 'ptb' on every corpus whose captions the
// TypeScript tokenizer reproduces exactly; the corpus holding one of the tokenizer's known
// differences (the glued junk "NEWS&@user", see the fixtures README) within 1e-3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captionMetrics, type CaptionScores } from './caption-metrics.js';
import { CaptionMetricsError } from './errors.js';
import { locateMeteor } from './meteor.js';
import { corpora } from '../../../test/fixtures/caption-metrics/corpora.js';

const NOT_EXACT_UNDER_PTB = new Set(['many-references']);
const NAMES = ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr'] as const;

function assertClose(
  got: CaptionScores,
  want: Record<string, number>,
  tol: number,
  where: string,
): void {
  for (const name of NAMES) {
    assert.ok(
      Math.abs(got[name] - want[name]!) <= tol,
      `${where} ${name}: ${got[name]} vs ${want[name]}`,
    );
  }
}

for (const corpus of corpora) {
  for (const mode of ['ptb', 'none'] as const) {
    const tol = mode === 'ptb' && NOT_EXACT_UNDER_PTB.has(corpus.name) ? 1e-3 : 1e-6;
    test(`captionMetrics equals the toolkit on '${corpus.name}' (tokenize '${mode}', within ${tol})`, async () => {
      const got = await captionMetrics(corpus.references, corpus.candidates, {
        tokenize: mode,
        meteor: 'off',
      });
      assert.equal(got.METEOR, undefined);
      assertClose(got, corpus[mode].scores, tol, `${corpus.name} (${mode})`);
    });
  }
}

// The README's example (README.md, "Caption metrics"): these numbers are printed there.
const readme = corpora.find((c) => c.name === 'readme')!;
const found = locateMeteor();
test(
  'the README example, METEOR included',
  { skip: 'reason' in found ? found.reason : false, timeout: 300_000 },
  async () => {
    const got = await captionMetrics(readme.references, readme.candidates, { meteor: 'require' });
    assertClose(got, readme.ptb.scores, 1e-6, 'readme');
    assert.ok(
      Math.abs(got.METEOR! - readme.ptb.scores.METEOR) <= 1e-4,
      `METEOR ${got.METEOR} vs ${readme.ptb.scores.METEOR}`,
    );
    const shown = Object.fromEntries(
      Object.entries(got).map(([k, v]) => [k, Number((v as number).toFixed(4))]),
    );
    assert.deepEqual(shown, {
      Bleu_1: 0.822,
      Bleu_2: 0.7312,
      Bleu_3: 0.5857,
      Bleu_4: 0.4052,
      METEOR: 0.4646,
      ROUGE_L: 0.7289,
      CIDEr: 2.7642,
    });
  },
);

test('an empty candidate set is NO_CANDIDATES', async () => {
  await assert.rejects(
    captionMetrics({ v: ['a dog'] }, {}),
    (e: unknown) =>
      e instanceof CaptionMetricsError &&
      e.code === 'NO_CANDIDATES' &&
      /no candidates/.test(e.message),
  );
});

test('a candidate whose video has no references is MISSING_REFERENCES naming it', async () => {
  await assert.rejects(
    captionMetrics(
      { a: ['a dog runs'], b: [] },
      { a: 'a dog', b: 'a cat', c: 'a car' },
      { meteor: 'off' },
    ),
    (e: unknown) =>
      e instanceof CaptionMetricsError &&
      e.code === 'MISSING_REFERENCES' &&
      /2 of 3 have none \("b", "c"\)/.test(e.message),
  );
});

test('references of videos without a candidate are ignored (they do not change CIDEr)', async () => {
  const refs = { a: ['a dog runs in a field'], b: ['a cat sleeps'] };
  const cands = { a: 'a dog runs', b: 'a cat sleeps' };
  const base = await captionMetrics(refs, cands, { meteor: 'off' });
  const extra = await captionMetrics({ ...refs, z: ['a dog runs a dog runs'] }, cands, {
    meteor: 'off',
  });
  assert.deepEqual(extra, base);
});

test('bad options and non-string captions are errors', async () => {
  await assert.rejects(
    captionMetrics({ a: ['x'] }, { a: 'x' }, { tokenize: 'bpe' as 'ptb' }),
    (e: unknown) => e instanceof CaptionMetricsError && e.code === 'BAD_OPTION',
  );
  await assert.rejects(
    captionMetrics({ a: ['x'] }, { a: 3 as unknown as string }, { meteor: 'off' }),
    (e: unknown) => e instanceof CaptionMetricsError && e.code === 'BAD_CAPTION',
  );
});

test("meteor 'require' without java or jar is METEOR_UNAVAILABLE", async () => {
  await assert.rejects(
    captionMetrics(
      { a: ['x'] },
      { a: 'x' },
      { meteor: 'require', meteorJar: '/nonexistent/meteor-1.5.jar' },
    ),
    (e: unknown) => e instanceof CaptionMetricsError && e.code === 'METEOR_UNAVAILABLE',
  );
});

test("meteor 'auto' without the jar leaves METEOR out and warns once per process", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    if (w.code === 'T2VLP_NO_METEOR') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    const options = { meteorJar: '/nonexistent/meteor-1.5.jar' };
    const first = await captionMetrics({ a: ['a dog runs'] }, { a: 'a dog runs' }, options);
    const second = await captionMetrics({ a: ['a dog runs'] }, { a: 'a dog' }, options);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.ok(!('METEOR' in first) && !('METEOR' in second));
    assert.ok(Math.abs(first.Bleu_1 - 1) < 1e-6);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /no METEOR in the results: METEOR jar not found at \/nonexistent\/meteor-1\.5\.jar/,
    );
  } finally {
    process.off('warning', onWarning);
  }
});
