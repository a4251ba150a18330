// The ftfy port against ftfy 6.3.1 itself on 914 strings (test/fixtures/data/ftfy-cases.json,
// made by gen-ftfy-cases.py there): mojibake in ten code pages, partial mojibake, entities,
// control, width and quote characters; exact equality.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixText } from './ftfy.js';
import { htmlUnescape } from './html-unescape.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/data/ftfy-cases.json', import.meta.url), 'utf8'),
) as {
  cases: { text: string; fixed: string }[];
};

test('fixText equals ftfy.fix_text on every fixture string', () => {
  const wrong = fixture.cases.filter((c) => fixText(c.text) !== c.fixed);
  assert.deepEqual(
    wrong.slice(0, 5).map((c) => ({ text: c.text, want: c.fixed, got: fixText(c.text) })),
    [],
    `${wrong.length} of ${fixture.cases.length} differ`,
  );
});

test("htmlUnescape follows CPython's html.unescape", () => {
  assert.equal(
    htmlUnescape('&amp;amp; &lt &notit; &#x110000; &#128; &#0; &zz;'),
    '&amp; < ¬it; \ufffd \u20ac \ufffd &zz;',
  );
});
