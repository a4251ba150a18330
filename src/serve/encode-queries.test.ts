import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { ClipTokenizer } from '../data/index.js';
import { encodeTexts } from '../inference/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { encodeQueries } from './encode-queries.js';

let model: T2VLP;
let tokenizer: ClipTokenizer;
before(async () => {
  manualSeed(3);
  model = new T2VLP(TINY_CONFIG).eval();
  tokenizer = await ClipTokenizer.load();
});
after(() => model.dispose());

test('queries without the padding give the embeddings of full 32-token rows (max |Δ| ≤ 1e-5)', () => {
  const texts = ['a dog', 'a dog jumps into the pool, then shakes itself', 'red', 'the second person opens a door and walks out of the room while a cat watches from the sofa'];
  const full = encodeTexts(model, tokenizer, texts, { maxWords: 32 });
  const E = full.dim;
  const got = encodeQueries(model, tokenizer, texts, 32);
  got.forEach((v, i) => {
    const ref = full.embeddings.subarray(i * E, (i + 1) * E);
    const maxDiff = Math.max(...v.map((x, j) => Math.abs(x - ref[j]!)));
    assert.ok(maxDiff <= 1e-5, `'${texts[i]}': max |Δ| ${maxDiff}`);
  });
  assert.deepEqual(encodeQueries(model, tokenizer, []), []);
});
