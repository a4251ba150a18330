/**
 * Text queries → L2-normalised embeddings through the EOT-only text path (`encodeText(..., {
 * eotOnly: true })`): the text tower is causal (docs/ARCHITECTURE.md "CPU inference",
 * docs/QUIRKS.md: padding is not masked, yet no token attends to a later one) and the embedding is
 * read at the end-of-text token, so that path stops after the batch's last end-of-text token and
 * the padding up to `maxWords` costs nothing. Equal to the full path's vectors within float32
 * rounding (tested).
 */
import type { ClipTokenizer } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { noGrad, scope } from '../torch/index.js';

export function encodeQueries(model: T2VLP, tokenizer: ClipTokenizer, texts: readonly string[], maxWords = 32): Float32Array[] {
  if (!texts.length) return [];
  const E = model.config.embedDim;
  const out = noGrad(() =>
    scope(() => {
      const t = tokenizer.batch(texts, { maxWords });
      return model.encodeText(t.inputIds, null, { eotOnly: true }).embedding.toArray() as Float32Array;
    }),
  );
  return texts.map((_, i) => out.slice(i * E, (i + 1) * E));
}
