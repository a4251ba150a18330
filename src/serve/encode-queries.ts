/**
 * Text queries → L2-normalised embeddings, faster than fixed-length rows: the reference pads
 * every caption to `maxWords` (32) tokens, but the text tower is causal (docs/ARCHITECTURE.md,
 * docs/QUIRKS.md: padding is not masked, yet no token attends to a later one) and the embedding
 * is read at the end-of-text token, so the padding after the longest query of a batch changes
 * nothing. Cutting it off gives the same vectors (equal within float32 rounding, tested) for
 * about a third of the work on typical short queries.
 */
import type { ClipTokenizer } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { noGrad, scope, tensor } from '../torch/index.js';

export function encodeQueries(model: T2VLP, tokenizer: ClipTokenizer, texts: readonly string[], maxWords = 32): Float32Array[] {
  if (!texts.length) return [];
  const a = tokenizer.batchArrays(texts, { maxWords });
  const [B, L] = a.shape as [number, number];
  let used = 1;
  for (let b = 0; b < B; b++) for (let t = L - 1; t >= used; t--) if (a.attentionMask[b * L + t]) used = t + 1;
  const ids = new BigInt64Array(B * used);
  for (let b = 0; b < B; b++) ids.set(a.inputIds.subarray(b * L, b * L + used), b * used);
  const E = model.config.embedDim;
  const out = noGrad(() => scope(() => model.encodeText(tensor(ids, [B, used]), null, { eotOnly: true }).embedding.toArray() as Float32Array));
  return texts.map((_, i) => out.slice(i * E, (i + 1) * E));
}
