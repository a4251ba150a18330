// Parity of the TypeScript CLIP tokenizer with the reference SimpleTokenizer and the two
// loaders' `_get_text`, on every case of test/fixtures/data/tokenizer.json (a copy of
// shared/fixtures/tokenizer.json, made with ftfy 6.3.1): exact equality, no tolerance.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TokenizerError } from '../errors.js';
import { ClipTokenizer } from './clip-tokenizer.js';

interface Rows {
  input_ids: number[];
  input_mask: number[];
  segment_ids: number[];
}
interface Case {
  text: string;
  cleaned: string;
  bpe_tokens: string[];
  ids: number[];
  decoded: string;
  msrvtt_retrieval: Rows;
  webvid_pretrain: Rows;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/data/tokenizer.json', import.meta.url), 'utf8'),
) as { max_words: number; sot_id: number; eot_id: number; vocab_size: number; cases: Case[] };

const tok = await ClipTokenizer.load();

test('special ids and vocabulary size', () => {
  assert.equal(tok.sotId, fixture.sot_id);
  assert.equal(tok.eotId, fixture.eot_id);
  assert.equal(tok.vocabSize, fixture.vocab_size);
  assert.equal(fixture.cases.length, 42);
});

for (const [i, c] of fixture.cases.entries()) {
  test(`fixture case ${i}: ${JSON.stringify(c.text.slice(0, 40))}`, () => {
    assert.equal(tok.clean(c.text), c.cleaned, 'cleaned');
    assert.deepEqual(tok.tokenize(c.text), c.bpe_tokens, 'bpe_tokens');
    assert.deepEqual(tok.encode(c.text), c.ids, 'ids');
    assert.equal(tok.decode(c.ids), c.decoded, 'decoded');
    const m = tok.textRow(c.text, { maxWords: fixture.max_words });
    assert.deepEqual(m.ids, c.msrvtt_retrieval.input_ids, 'msrvtt input_ids');
    assert.deepEqual(m.mask, c.msrvtt_retrieval.input_mask, 'msrvtt input_mask');
    assert.deepEqual(m.segment, c.msrvtt_retrieval.segment_ids, 'msrvtt segment_ids');
    const w = tok.textRow(c.text, { maxWords: fixture.max_words, style: 'webvid' });
    assert.deepEqual(w.ids, c.webvid_pretrain.input_ids, 'webvid input_ids');
    assert.deepEqual(w.mask, c.webvid_pretrain.input_mask, 'webvid input_mask');
    assert.deepEqual(w.segment, c.webvid_pretrain.segment_ids, 'webvid segment_ids');
  });
}

test('batchArrays packs rows as int64 [B, L]', () => {
  const texts = fixture.cases.slice(0, 3).map((c) => c.text);
  const a = tok.batchArrays(texts, { maxWords: 32 });
  assert.deepEqual(a.shape, [3, 32]);
  assert.ok(a.inputIds instanceof BigInt64Array);
  fixture.cases.slice(0, 3).forEach((c, b) => {
    assert.deepEqual(
      Array.from(a.inputIds.subarray(b * 32, b * 32 + 32), Number),
      c.msrvtt_retrieval.input_ids,
    );
    assert.deepEqual(
      Array.from(a.attentionMask.subarray(b * 32, b * 32 + 32), Number),
      c.msrvtt_retrieval.input_mask,
    );
  });
  const d = tok.batchArrays(['wow!? really!!'], { dropByteZero: true });
  assert.deepEqual(d.shape, [1, 32]);
});

test('decode of an unknown id names it', () => {
  assert.throws(() => tok.decode([49408]), {
    name: 'TokenizerError',
    message: /id 49408 is outside 0\.\.49407/,
  });
});

test('load of a missing vocabulary names the file', async () => {
  await assert.rejects(ClipTokenizer.load('/nonexistent/vocab.txt.gz'), {
    name: 'AnnotationError',
    code: 'ENOENT',
    message: /cannot read vocabulary '\/nonexistent\/vocab\.txt\.gz'/,
  });
});

test('batch returns int64 Tensors [B, L] (needs the tensor layer)', async (t) => {
  let tensors;
  try {
    tensors = tok.batch(['a man is playing a guitar.', 'wow!? really!!'], { maxWords: 32 });
  } catch (err) {
    if ((err as { code?: string }).code === 'TENSOR_UNAVAILABLE')
      return t.skip('tensor layer not available');
    throw err;
  }
  const want = tok.batchArrays(['a man is playing a guitar.', 'wow!? really!!'], { maxWords: 32 });
  for (const key of ['inputIds', 'attentionMask', 'tokenTypeIds'] as const) {
    const tensor = tensors[key] as unknown as {
      shape: number[];
      dtype: string;
      toArray(): BigInt64Array;
      dispose(): void;
    };
    assert.deepEqual([...tensor.shape], [2, 32]);
    assert.equal(tensor.dtype, 'int64');
    assert.deepEqual(tensor.toArray(), want[key]);
    tensor.dispose();
  }
});

test('a caption of megabytes is refused at once with a TOO_LARGE error, not tokenized for seconds', () => {
  const huge = 'a red square moves left '.repeat(200_000); // 4.8 MB
  const t0 = Date.now();
  assert.throws(() => tok.textRow(huge), (e: unknown) => {
    assert.ok(e instanceof TokenizerError);
    assert.equal(e.code, 'TOO_LARGE');
    assert.match(e.message, /^tokenize: a text of 4800000 characters exceeds the limit of 65536 .*check the annotation file/);
    return true;
  });
  assert.ok(Date.now() - t0 < 1000, `refused in ${Date.now() - t0} ms`);
  assert.equal(tok.textRow('a red square moves left '.repeat(2000), { maxWords: 8 }).length, 8); // 48 kB: accepted
});
