/**
 * Incremental (key/value-cached) runs of CLIP's pre-LN transformer blocks, for autoregressive
 * decoding (docs/FUSION.md "Captioning"): each block keeps the keys and values of every position
 * it has seen, so a step runs only the new positions against the cache instead of re-encoding the
 * whole prefix. Exact wherever the full run's mask lets no earlier position see a later one
 * (the text tower is causal; in the caption mask visual rows see no text).
 */
import { cat, F, keep, scope, unkeep, type Tensor } from '../torch/index.js';
import type { ResidualAttentionBlock, Transformer } from './transformer.js';

/** Per block: keys and values [N, heads, S, headDim] of the positions seen so far. */
export class KVCache {
  keys: (Tensor | null)[];
  values: (Tensor | null)[];
  constructor(readonly layers: number) {
    this.keys = Array.from({ length: layers }, () => null);
    this.values = Array.from({ length: layers }, () => null);
  }

  /** Number of cached positions. */
  get length(): number {
    return this.keys[0]?.shape[2] ?? 0;
  }

  #set(i: number, k: Tensor, v: Tensor): void {
    for (const t of [this.keys[i], this.values[i]]) if (t) { unkeep(t); t.dispose(); }
    this.keys[i] = keep(k);
    this.values[i] = keep(v);
  }

  /** Reorders (or repeats) the cached sequences along the batch: row n becomes row index[n] (beam search). */
  select(index: Tensor): void {
    for (let i = 0; i < this.layers; i++) {
      const k = this.keys[i];
      const v = this.values[i];
      if (k && v) this.#set(i, scope(() => k.indexSelect(0, index)), scope(() => v.indexSelect(0, index)));
    }
  }

  /** Appends k, v [N, heads, n, headDim] to block i's cache and returns the whole keys and values. */
  append(i: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const pk = this.keys[i];
    const pv = this.values[i];
    this.#set(i, pk ? cat([pk, k], 2) : k, pv ? cat([pv, v], 2) : v);
    return [this.keys[i]!, this.values[i]!];
  }

  dispose(): void {
    for (let i = 0; i < this.layers; i++) {
      for (const t of [this.keys[i], this.values[i]]) if (t) { unkeep(t); t.dispose(); }
      this.keys[i] = null;
      this.values[i] = null;
    }
  }
}

/** One block over the new positions x [N, n, W]; `mask` additive, broadcastable to [N, heads, n, S_total]. */
function blockStep(block: ResidualAttentionBlock, i: number, x: Tensor, cache: KVCache, mask: Tensor | null): Tensor {
  return scope(() => {
    const attn = block.attn;
    const [N, n, W] = x.shape as [number, number, number];
    const H = attn.numHeads;
    const d = attn.headDim;
    const h = block.ln_1.forward(x);
    const [q, k, v] = F.linear(h, attn.in_proj_weight, attn.in_proj_bias).chunk(3, -1) as [Tensor, Tensor, Tensor];
    const heads = (t: Tensor) => t.reshape(N, n, H, d).transpose(1, 2); // [N, H, n, d]
    const [K, V] = cache.append(i, heads(k), heads(v));
    const m = mask && mask.dtype !== x.dtype ? mask.to(x.dtype) : mask;
    const o = F.scaledDotProductAttention(heads(q), K, V, { mask: m });
    const y = x.add(attn.out_proj.forward(o.transpose(1, 2).reshape(N, n, W)));
    return y.add(block.mlp.forward(block.ln_2.forward(y)));
  });
}

/**
 * Runs blocks [0, to) of `transformer` over the new positions x [N, n, W], attending to the cached
 * positions and to each other under `mask` (additive, broadcastable to [N, heads, n, S_total]).
 */
export function transformerStep(transformer: Transformer, x: Tensor, cache: KVCache, mask: Tensor | null, to = transformer.layers): Tensor {
  return scope(() => {
    let y = x;
    for (let i = 0; i < to; i++) y = blockStep(transformer.resblocks.at(i), i, y, cache, mask);
    return y === x ? x.clone() : y;
  });
}
