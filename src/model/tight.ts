/**
 * The tightTransf cross encoder (`modules/module_cross.py`; docs/ARCHITECTURE.md "Beyond stage 1",
 * fixtures README item 7): for every text × video pair, the sequence [text EOT feature, frames]
 * plus learned position embeddings runs through a small transformer with TF-style LayerNorm
 * (eps 1e-12); the pooled first token (ln_pool, dense, QuickGELU) is scored by `similarity_dense`.
 * Keys: `cross.*` and `similarity_dense.*` at the top level of the state dict.
 */
import { cat, F, full, nn, noGrad, ones, scope, type Tensor } from '../torch/index.js';
import { headsFor } from './config.js';
import { Transformer } from './transformer.js';

const TF_LAYER_NORM_EPS = 1e-12;
/** The reference's additive value for masked keys (not -inf). */
const MASKED = -1e6;

class CrossEmbeddings extends nn.Module {
  position_embeddings: nn.Embedding; // [maxPositions, W]
  constructor(maxPositions: number, width: number) {
    super();
    this.position_embeddings = new nn.Embedding(maxPositions, width);
  }
}

class CrossPooler extends nn.Module {
  ln_pool: nn.LayerNorm;
  dense: nn.Linear;
  constructor(width: number) {
    super();
    this.ln_pool = new nn.LayerNorm(width, TF_LAYER_NORM_EPS);
    this.dense = new nn.Linear(width, width);
  }
}

export class CrossModel extends nn.Module {
  embeddings: CrossEmbeddings;
  transformer: Transformer;
  pooler: CrossPooler;
  constructor(width: number, layers: number, maxPositions: number) {
    super();
    this.embeddings = new CrossEmbeddings(maxPositions, width);
    this.transformer = new Transformer(width, layers, headsFor(width), TF_LAYER_NORM_EPS);
    this.pooler = new CrossPooler(width);
    // BERT-style initialisation of the fresh module (N(0, 0.02) weights, zero biases).
    noGrad(() => {
      for (const [, m] of this.namedModules()) {
        if (m instanceof nn.Linear) {
          m.weight.normal_(0, 0.02);
          m.bias?.zero_();
        } else if (m instanceof nn.Embedding) m.weight.normal_(0, 0.02);
      }
    });
  }

  /**
   * Sequence output [N, S, W] of x [N, S, W] (already concatenated), mask [N, S] (1 = valid key).
   * `headMajorMask` reproduces the reference's mask repetition quirk (docs/QUIRKS.md).
   */
  encode(x: Tensor, mask: Tensor, headMajorMask: boolean): Tensor {
    return scope(() => {
      const [N, S] = x.shape as [number, number];
      const pos = this.embeddings.position_embeddings.weight;
      const h = x.to(pos.dtype).add(pos.narrow(0, 0, S));
      const add = ones([N, 1, S]).sub(mask.to('float32').reshape(N, 1, S)).mul(MASKED).expand(N, S, S);
      const heads = this.transformer.heads;
      const attnMask = headMajorMask ? add.repeat(heads, 1, 1) : add.reshape(N, 1, S, S);
      return this.transformer.forward(h, { attnMask });
    });
  }

  /** Pooled output [N, W]: ln_pool, first token, dense, QuickGELU. */
  forward(x: Tensor, mask: Tensor, headMajorMask: boolean): Tensor {
    return scope(() => {
      const out = this.encode(x, mask, headMajorMask);
      return F.quickGelu(this.pooler.dense.forward(this.pooler.ln_pool.forward(out).select(1, 0)));
    });
  }
}

/**
 * The cross encoder's input for all pairs of texts eot [n, E] and videos frames [Nv, T, E], text-major:
 * x = [eot, frames] [n·Nv, 1 + T, E], mask = [1, videoMask] [n·Nv, 1 + T].
 */
export function tightInput(eot: Tensor, frames: Tensor, videoMask: Tensor): { x: Tensor; mask: Tensor } {
  return scope(() => {
    const n = eot.shape[0]!;
    const [Nv, T, E] = frames.shape as [number, number, number];
    const text = eot.reshape(n, 1, 1, E).expand(n, Nv, 1, E);
    const video = frames.reshape(1, Nv, T, E).expand(n, Nv, T, E);
    const x = cat([text, video], 2).reshape(n * Nv, 1 + T, E);
    const vm = videoMask.to('float32').reshape(1, Nv, T).expand(n, Nv, T);
    const mask = cat([full([n, Nv, 1], 1), vm], 2).reshape(n * Nv, 1 + T);
    return { x, mask };
  });
}

/** The cross encoder and its scoring layer, as the model holds them. */
export interface TightModules {
  cross: CrossModel;
  similarity_dense: nn.Linear; // W → 1
}

export function createTightModules(width: number, layers: number, maxPositions: number): TightModules {
  const similarity_dense = new nn.Linear(width, 1);
  noGrad(() => {
    similarity_dense.weight.normal_(0, 0.02);
    similarity_dense.bias!.zero_();
  });
  return { cross: new CrossModel(width, layers, maxPositions), similarity_dense };
}

/** Pairs processed at once (bounded memory for large text × video matrices). */
const PAIRS_PER_CHUNK = 1024;

/**
 * The tight similarity [Nt, Nv] of text EOT features `eot` [Nt, E] and frames [Nv, T, E] with
 * videoMask [Nv, T]; pairs are text-major, as the reference's `_cross_similarity`. The quirk mode
 * depends on which pairs share a batch, so it processes all pairs at once.
 */
export function tightSimilarity(m: TightModules, eot: Tensor, frames: Tensor, videoMask: Tensor, headMajorMask: boolean): Tensor {
  return scope(() => {
    const Nt = eot.shape[0]!;
    const Nv = frames.shape[0]!;
    const textsPerChunk = headMajorMask ? Nt : Math.max(1, Math.floor(PAIRS_PER_CHUNK / Nv));
    const rows: Tensor[] = [];
    for (let t0 = 0; t0 < Nt; t0 += textsPerChunk) {
      const n = Math.min(textsPerChunk, Nt - t0);
      rows.push(
        scope(() => {
          const { x, mask } = tightInput(eot.narrow(0, t0, n), frames, videoMask);
          const pooled = m.cross.forward(x, mask, headMajorMask);
          return m.similarity_dense.forward(pooled).reshape(n, Nv).to('float32');
        }),
      );
    }
    return rows.length === 1 ? rows[0]! : cat(rows, 0);
  });
}
