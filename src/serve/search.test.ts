/**
 * searchVideos on a tiny random-weight model and a hand-made index: the hits are the index rows
 * sorted by exp(logit_scale)·t·v recomputed here, and bad queries, k and indexes are refused
 * with the asserted messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClipTokenizer } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed, noGrad, scope } from '../torch/index.js';
import type { EmbeddingsData } from './embeddings.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { searchVideos, topK } from './search.js';

let model: T2VLP;
let tokenizer: ClipTokenizer;
let index: EmbeddingsData;
const N = 7;
const E = TINY_CONFIG.embedDim;

/** Deterministic unit rows. */
function unitRows(n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = Math.sin(1 + i * 7.3 + j * 1.7);
      out[i * dim + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < dim; j++) out[i * dim + j]! /= Math.sqrt(norm);
  }
  return out;
}

before(async () => {
  manualSeed(0);
  model = new T2VLP(TINY_CONFIG).eval();
  tokenizer = await ClipTokenizer.load();
  index = {
    kind: 'video',
    ids: Array.from({ length: N }, (_, i) => `v${i}.mp4`),
    embeddings: unitRows(N, E),
    dim: E,
    frames: new Float32Array(N * 4 * E),
    videoMask: new Uint8Array(N * 4).fill(1),
    numFrames: 4,
    skipped: [],
    checkpoint: '',
    modelConfig: model.config,
    options: {},
  };
});
after(() => model.dispose());

/** exp(logit_scale) · t · v for every row of the index, computed independently of search.ts. */
function expectedScores(query: string): number[] {
  const { t, scale } = noGrad(() =>
    scope(() => {
      const b = tokenizer.batch([query]);
      return {
        t: Array.from(
          model.encodeText(b.inputIds, b.attentionMask).embedding.toArray() as Float32Array,
        ),
        scale: Math.exp(model.clip.logit_scale.item()),
      };
    }),
  );
  return index.ids.map(
    (_, i) => scale * t.reduce((s, x, j) => s + x * index.embeddings[i * E + j]!, 0),
  );
}

describe('searchVideos', () => {
  test('hits are the index sorted by the recomputed similarity', () => {
    const q = 'a red circle moves to the left';
    const r = searchVideos(model, tokenizer, index, q, 3);
    const expected = expectedScores(q);
    const order = expected.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s);
    assert.equal(r.total, N);
    assert.equal(r.query, q);
    assert.deepEqual(
      r.hits.map((h) => h.index),
      order.slice(0, 3).map((o) => o.i),
    );
    r.hits.forEach((h, k) => {
      assert.equal(h.rank, k + 1);
      assert.equal(h.id, `v${h.index}.mp4`);
      assert.ok(
        Math.abs(h.score - expected[h.index]!) < 1e-4,
        `score ${h.score} vs ${expected[h.index]}`,
      );
    });
  });

  test('k larger than the index returns every video', () => {
    assert.equal(searchVideos(model, tokenizer, index, 'a square', 100).hits.length, N);
  });

  test('topK breaks ties by index order', () => {
    assert.deepEqual(topK(Float32Array.from([1, 3, 3, 2, 3]), 4), [1, 2, 4, 3]);
  });

  test('bad queries and k are refused', () => {
    assert.throws(() => searchVideos(model, tokenizer, index, '   ', 3), {
      code: 'EMPTY_QUERY',
      message: 'the query is empty; give some words to search for',
    });
    assert.throws(() => searchVideos(model, tokenizer, index, '&nbsp;', 3), {
      code: 'EMPTY_QUERY',
      message: /has no tokens after cleaning/,
    });
    for (const k of [0, -1, 1.5])
      assert.throws(() => searchVideos(model, tokenizer, index, 'dog', k), {
        code: 'BAD_OPTION',
        message: `k (results to return) must be an integer >= 1; got ${k}`,
      });
  });

  test('a text index or one from another model is refused', () => {
    assert.throws(() => searchVideos(model, tokenizer, { ...index, kind: 'text' }, 'dog', 3), {
      code: 'INDEX_MISMATCH',
      message: /holds text embeddings; search needs video embeddings/,
    });
    const other = { ...index, modelConfig: { ...model.config, embedDim: 16 }, dim: 16 };
    assert.throws(() => searchVideos(model, tokenizer, other, 'dog', 3), {
      code: 'INDEX_MISMATCH',
      message: /was encoded by a different model \(embedDim 16 vs 32\)/,
    });
  });

  test('an index from the same towers with other heads (stage 1 vs stage 2) is accepted', () => {
    const stage2 = { ...index, modelConfig: { ...model.config, fusion: true, fusionLayers: 12, similarity: 'tight' as const, crossLayers: 2 } };
    assert.equal(searchVideos(model, tokenizer, stage2, 'a square', 2).hits.length, 2);
  });
});
