/**
 * The stage-1 T2VLP network under the checkpoint prefix `clip.`: CLIP's two towers plus the tube
 * path (`fusion_center`, `local_visual`) and the center projection used by the local alignment
 * loss (`fusion_proj_center`). Property paths are the reference's state-dict keys.
 */
import { arange, cat, full, nn, scope, where, type Tensor } from '../torch/index.js';
import { type T2VLPConfig, visionHeads } from './config.js';
import { createFusionParameters } from './fusion.js';
import { Transformer, type TransformerRunOptions } from './transformer.js';
import { VisualTransformer, type VisualOutput } from './visual.js';


export interface TubeOutput {
  /** softmax over each frame's patches of center · patch: [B, T, K, N]. */
  assign: Tensor;
  /** Tube-encoder input: [head token; tube at frames 0..T-1] per tube: [B*K, T+1, Wv]. */
  pooled: Tensor;
  /** Tube-encoder output: [B*K, T+1, Wv]. */
  encoded: Tensor;
  /** local_visual.ln_post(step 0) @ local_visual.proj: [B, K, E]. */
  tokens: Tensor;
}

export class CLIP extends nn.Module {
  visual: VisualTransformer;
  local_visual: VisualTransformer; // the tube encoder
  transformer: Transformer; // text
  token_embedding: nn.Embedding;
  positional_embedding: nn.Parameter; // [context, Wt]
  ln_final: nn.LayerNorm;
  text_projection: nn.Parameter; // [Wt, E]
  logit_scale: nn.Parameter; // scalar
  fusion_center: nn.Parameter; // [1, 1, K, Wv]: the semantic centers
  fusion_proj_center: nn.Linear; // Wv → E: centers in text space for the alignment loss
  lm_head: nn.Linear; // Wt → E, unused in stage 1 (kept so checkpoints load)
  // The fusion encoder (docs/FUSION.md; fusion.ts computes with it): present when config.fusion.
  fusion_transformer: Transformer | null = null; // text-width; the first fusionRunLayers blocks run
  fusion_positional_embedding: nn.Parameter | null = null; // [context, Wt]
  fusion_proj_embedding: nn.Parameter | null = null; // [E, Wt]: vocabulary head tied to token_embedding
  fusion_logit_bias: nn.Parameter | null = null; // [V]
  fusion_match_matrix: nn.Parameter | null = null; // [E, E]
  fusion_unmatch_matrix: nn.Parameter | null = null; // [E, E]

  constructor(readonly config: T2VLPConfig) {
    super();
    const c = config;
    const vh = visionHeads(c);
    this.visual = new VisualTransformer(c.imageResolution, c.visionPatchSize, c.visionWidth, c.visionLayers, vh, c.embedDim);
    this.local_visual = new VisualTransformer(c.imageResolution, c.visionPatchSize, c.visionWidth, c.tubeLayers, vh, c.embedDim);
    this.transformer = new Transformer(c.textWidth, c.textLayers, c.textHeads);
    this.token_embedding = new nn.Embedding(c.vocabSize, c.textWidth);
    this.positional_embedding = nn.parameter([c.contextLength, c.textWidth], (p) => nn.init.normal_(p, 0, 0.01));
    this.ln_final = new nn.LayerNorm(c.textWidth);
    this.text_projection = nn.parameter([c.textWidth, c.embedDim], (p) => nn.init.normal_(p, 0, c.textWidth ** -0.5));
    this.logit_scale = nn.parameter([], (p) => nn.init.constant_(p, Math.log(1 / 0.07)));
    this.fusion_center = nn.parameter([1, 1, c.numCenters, c.visionWidth], (p) => nn.init.normal_(p, 0, c.visionWidth ** -0.5));
    this.fusion_proj_center = new nn.Linear(c.visionWidth, c.embedDim);
    this.lm_head = new nn.Linear(c.textWidth, c.embedDim);
    this.initialize();
    if (c.fusion) Object.assign(this, createFusionParameters(c));
  }

  /** CLIP's initialisation of its own weights, and N(0, 0.02) / zero bias for the new Linears. */
  private initialize(): void {
    nn.init.normal_(this.token_embedding.weight, 0, 0.02);
    for (const t of [this.transformer, this.visual.transformer, this.local_visual.transformer]) {
      const w = t.width;
      const projStd = w ** -0.5 * (2 * t.layers) ** -0.5;
      for (const b of t.resblocks) {
        nn.init.normal_(b.attn.in_proj_weight, 0, w ** -0.5);
        nn.init.normal_(b.attn.out_proj.weight, 0, projStd);
        nn.init.normal_(b.mlp.c_fc.weight, 0, (2 * w) ** -0.5);
        nn.init.normal_(b.mlp.c_proj.weight, 0, projStd);
      }
    }
    for (const l of [this.fusion_proj_center, this.lm_head]) {
      nn.init.normal_(l.weight, 0, 0.02);
      nn.init.zeros_(l.bias!);
    }
  }

  /** Frames [B*T, 3, H, W] through the visual tower (docs/ARCHITECTURE.md "Visual tower", steps 1-6). */
  encodeImage(frames: Tensor, onBlock?: TransformerRunOptions['onBlock'], classOnly = false): VisualOutput {
    return this.visual.forwardFrames(frames, this.config.numFrames, this.config.jointLayers, onBlock, classOnly);
  }

  /**
   * Tube tokens (docs/ARCHITECTURE.md "Tube tokens"): the centers pool each frame's patches of
   * `middle` [B*T, 1+N, Wv]; each tube, headed by the frame-mean class token, runs through the
   * tube encoder along time. With `maskPaddedFrames` and a video mask, padded frames are left out
   * of the head mean and their tube steps are masked (the reference includes them).
   */
  tubeTokens(middle: Tensor, videoMask?: Tensor | null, onBlock?: TransformerRunOptions['onBlock']): TubeOutput {
    const { numFrames: T, numCenters: K } = this.config;
    return scope(() => {
      const [bt, n1, w] = middle.shape as [number, number, number];
      const B = bt / T;
      const tokens = middle.reshape(B, T, n1, w);
      const regions = tokens.narrow(2, 1, n1 - 1); // [B, T, N, Wv]
      const assign = this.fusion_center.matmul(regions.transpose(-1, -2)).softmax(-1); // [B, T, K, N]
      const tubes = assign.matmul(regions).permute(0, 2, 1, 3); // [B, K, T, Wv]
      const cls = tokens.select(2, 0); // [B, T, Wv]
      const useMask = this.config.maskPaddedFrames && videoMask;
      let head: Tensor;
      let attnMask: Tensor | null = null;
      if (useMask) {
        // In the weights' dtype (bfloat16 inference too): a float32 mask would promote the tubes.
        const m = videoMask.to(cls.dtype).reshape(B, T, 1);
        head = cls.mul(m).sum(1).div(m.sum(1).clampMin(1)); // [B, Wv]
        const valid = cat([full([B, 1], 1, 'float32'), videoMask.to('float32')], 1); // [B, T+1]
        const keyMask = full([B, T + 1], 0, cls.dtype).maskedFill(valid.lt(0.5), -Infinity);
        attnMask = keyMask.reshape(B, 1, 1, 1, T + 1).expand(B, K, 1, 1, T + 1).reshape(B * K, 1, 1, T + 1);
      } else {
        head = cls.mean(1); // [B, Wv], padded frames included as in the reference
      }
      const headTok = head.reshape(B, 1, 1, w).expand(B, K, 1, w);
      const pooled = cat([headTok, tubes], 2).reshape(B * K, T + 1, w); // [B*K, T+1, Wv]
      const encoded = this.local_visual.transformer.forward(pooled, { attnMask, onBlock });
      const first = encoded.select(1, 0); // [B*K, Wv]
      const tokensOut = this.local_visual.ln_post.forward(first).matmul(this.local_visual.proj).reshape(B, K, -1);
      return { assign, pooled, encoded, tokens: tokensOut };
    });
  }

  /** Per-token text features ln_final(x) @ text_projection for ids [B, L]: [B, L, E]. */
  encodeTextTokens(ids: Tensor, onBlock?: TransformerRunOptions['onBlock']): Tensor {
    return scope(() => {
      const { x, causal } = this.#textInput(ids);
      const out = this.transformer.forward(x, { attnMask: causal, onBlock });
      return this.ln_final.forward(out).matmul(this.text_projection);
    });
  }

  /**
   * The end-of-text feature alone, ln_final(x_eot) @ text_projection for ids [B, L]: [B, E], the
   * rows `encodeTextTokens` would give at `eotIndex(ids)` (docs/ARCHITECTURE.md "CPU inference").
   * The mask is causal, so no position after a caption's EOT reaches its feature: the tower runs
   * on the first max(EOT)+1 tokens only, and its last block computes its queries, attention
   * output and MLP at each caption's EOT row (keys and values over all kept tokens).
   */
  encodeTextEot(ids: Tensor, onBlock?: TransformerRunOptions['onBlock']): Tensor {
    return scope(() => {
      const [B, L] = ids.shape as [number, number];
      const eot = this.eotIndex(ids); // [B]
      const used = B > 0 ? eot.max().item() + 1 : L;
      const { x, causal } = this.#textInput(ids, used);
      const out = this.transformer.forward(x, { attnMask: causal, onBlock, lastQueries: eot.reshape(B, 1) }); // [B, 1, Wt]
      return this.ln_final.forward(out.reshape(B, -1)).matmul(this.text_projection);
    });
  }

  /** Token plus position embeddings of the first `L` of ids [B, ≥L] and the causal mask [L, L]. */
  #textInput(ids: Tensor, L = ids.shape[1]!): { x: Tensor; causal: Tensor } {
    const given = ids.shape[1]!;
    if (given > this.config.contextLength)
      throw new RangeError(`encodeText: ${given} tokens exceed the context length ${this.config.contextLength}`);
    const used = L === given ? ids : ids.narrow(1, 0, L);
    const x = this.token_embedding.forward(used).add(this.positional_embedding.narrow(0, 0, L));
    const causal = full([L, L], -Infinity).triu(1); // padding is not masked (docs/QUIRKS.md)
    return { x, causal };
  }

  /**
   * Position of each caption's end-of-text token (its first occurrence); captions without one
   * fall back to the largest id, which is what the reference's argmax finds.
   */
  eotIndex(ids: Tensor): Tensor {
    return scope(() => {
      const isEot = ids.eq(this.config.eotTokenId);
      const hasEot = isEot.to('int64').sum(1).gt(0);
      return where(hasEot, isEot.to('int64').argmax(1), ids.argmax(1));
    });
  }

  /** Gathers hidden[b, index[b]] for hidden [B, L, E]: [B, E]. */
  static pick(hidden: Tensor, index: Tensor): Tensor {
    return scope(() => {
      const B = hidden.shape[0]!;
      return hidden.index([arange(B), index]);
    });
  }

  /** Centers in text space, fusion_proj_center(fusion_center): [K, E]. */
  projectedCenters(): Tensor {
    return scope(() => this.fusion_proj_center.forward(this.fusion_center.reshape(this.config.numCenters, -1)));
  }
}
