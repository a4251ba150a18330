/**
 * Text-to-video search over an embeddings file: the query is encoded by the model and scored
 * against the stored video embeddings with the retrieval similarity, exp(logit_scale) · t · v
 * (the model's loose meanP similarity, `T2VLP.similarity`), and the best K are returned in
 * decreasing score order (ties by index order, so results are deterministic).
 */
import type { ClipTokenizer } from '../data/index.js';
import { HEAD_CONFIG_KEYS, type T2VLP } from '../model/index.js';
import { noGrad, scope, tensor } from '../torch/index.js';
import type { EmbeddingsData } from './embeddings.js';
import { InferenceError } from './errors.js';

export interface SearchHit {
  /** 1-based. */
  rank: number;
  id: string;
  /** exp(logit_scale) · t · v. */
  score: number;
  /** Row in the index. */
  index: number;
}

export interface SearchResult {
  query: string;
  /** Videos in the index. */
  total: number;
  hits: SearchHit[];
}

/** Throws INDEX_MISMATCH unless `index` holds video embeddings made by a model like `model`. */
export function checkIndexForModel(index: EmbeddingsData, model: T2VLP, name = 'the index'): void {
  if (index.kind !== 'video')
    throw new InferenceError(
      'INDEX_MISMATCH',
      `${name} holds ${index.kind} embeddings; search needs video embeddings ('t2vlp encode --videos')`,
    );
  const cfg = model.config as unknown as Record<string, unknown>;
  const saved = index.modelConfig as unknown as Record<string, unknown>;
  // The fusion / cross-encoder heads do not change the embeddings (HEAD_CONFIG_KEYS).
  const heads = new Set<string>(HEAD_CONFIG_KEYS);
  const differ = Object.keys(saved).filter((k) => k in cfg && !heads.has(k) && saved[k] !== cfg[k]);
  if (index.dim !== model.config.embedDim || differ.length)
    throw new InferenceError(
      'INDEX_MISMATCH',
      `${name} was encoded by a different model (${
        differ.length
          ? differ.map((k) => `${k} ${String(saved[k])} vs ${String(cfg[k])}`).join(', ')
          : `embedding size ${index.dim} vs ${model.config.embedDim}`
      }); encode the videos with this checkpoint`,
    );
}

/** Scores [N] of one query against every video of the index. */
export function scoreQuery(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  index: EmbeddingsData,
  query: string,
  o: { maxWords?: number } = {},
): Float32Array {
  const q = query.trim();
  if (!q) throw new InferenceError('EMPTY_QUERY', 'the query is empty; give some words to search for');
  if (tokenizer.encode(q).length === 0)
    throw new InferenceError(
      'EMPTY_QUERY',
      `the query ${JSON.stringify(query)} has no tokens after cleaning`,
    );
  checkIndexForModel(index, model);
  const n = index.ids.length;
  return noGrad(() =>
    scope(() => {
      const t = tokenizer.batch([q], { maxWords: o.maxWords ?? 32 });
      // the stored vectors are on the CPU: the query joins them there (the model may be on a GPU)
      const text = model.encodeText(t.inputIds, t.attentionMask, { eotOnly: true }).embedding.to('cpu'); // [1, E]
      const videos = tensor(index.embeddings, [n, index.dim]); // [N, E]
      const scale = model.clip.logit_scale.exp().to('float32').to('cpu');
      return text.matmul(videos.t()).mul(scale).toArray() as Float32Array; // [1, N]
    }),
  );
}

/** Indices of the k largest scores, best first; equal scores keep index order. */
export function topK(scores: Float32Array, k: number): number[] {
  const order = Array.from(scores.keys());
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, k);
}

/** The k best videos of the index for `query` (k larger than the index gives them all). */
export function searchVideos(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  index: EmbeddingsData,
  query: string,
  k: number,
  o: { maxWords?: number } = {},
): SearchResult {
  if (!(Number.isInteger(k) && k >= 1))
    throw new InferenceError('BAD_OPTION', `k (results to return) must be an integer >= 1; got ${k}`);
  const scores = scoreQuery(model, tokenizer, index, query, o);
  const hits = topK(scores, k).map((i, r) => ({
    rank: r + 1,
    id: index.ids[i]!,
    score: scores[i]!,
    index: i,
  }));
  return { query: query.trim(), total: index.ids.length, hits };
}
