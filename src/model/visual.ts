/**
 * CLIP's ViT as T2VLP modifies it (docs/ARCHITECTURE.md "Visual tower"): patch embedding, class
 * token, positions, ln_pre; the first `visionLayers - jointLayers` blocks see each frame alone;
 * their output is kept as `middle` (the tube tokens pool it); the last `jointLayers` blocks see
 * the frames of a video as one sequence; then ln_post and `proj` on every token.
 * The same module class serves as the tube encoder `local_visual`, of which only the
 * transformer, ln_post and proj run (its other parameters exist so checkpoints load).
 * With activation checkpointing on (docs/TRAINING.md "Activation checkpointing"), training
 * forwards keep only each block's input and the blocks are recomputed during `checkpoints.backward`.
 */
import { ActivationCheckpoints, arange, cat, isGradEnabled, nn, scope, type CheckpointSegment, type Tensor } from '../torch/index.js';
import { Transformer, type TransformerRunOptions } from './transformer.js';


export interface VisualOutput {
  /** ln_post(all tokens) @ proj: [BT, tokens, E] ([BT, 1, E], the class tokens, with `classOnly`). */
  hidden: Tensor;
  /** Input of the first joint block, before any normalisation: [BT, tokens, Wv]. */
  middle: Tensor;
}

export class VisualTransformer extends nn.Module {
  conv1: nn.Conv2d;
  class_embedding: nn.Parameter; // [Wv]
  positional_embedding: nn.Parameter; // [g*g+1, Wv]
  ln_pre: nn.LayerNorm;
  transformer: Transformer;
  ln_post: nn.LayerNorm;
  proj: nn.Parameter; // [Wv, E]
  #checkpoints: ActivationCheckpoints | null = null;

  constructor(
    readonly resolution: number,
    readonly patchSize: number,
    readonly width: number,
    readonly layers: number,
    readonly heads: number,
    readonly outputDim: number,
  ) {
    super();
    const grid = resolution / patchSize;
    const scale = width ** -0.5;
    this.conv1 = new nn.Conv2d(3, width, patchSize, { stride: patchSize, bias: false });
    this.class_embedding = nn.parameter([width], (p) => nn.init.normal_(p, 0, scale));
    this.positional_embedding = nn.parameter([grid * grid + 1, width], (p) => nn.init.normal_(p, 0, scale));
    this.ln_pre = new nn.LayerNorm(width);
    this.transformer = new Transformer(width, layers, heads);
    this.ln_post = new nn.LayerNorm(width);
    this.proj = nn.parameter([width, outputDim], (p) => nn.init.normal_(p, 0, scale));
  }

  /** The recompute tape of the blocks when activation checkpointing is on, else null. */
  get checkpoints(): ActivationCheckpoints | null {
    return this.#checkpoints;
  }

  /** Turns activation checkpointing of the blocks on or off (off frees what a forward kept). */
  setActivationCheckpointing(on: boolean): void {
    if (on) this.#checkpoints ??= new ActivationCheckpoints();
    else {
      this.#checkpoints?.clear();
      this.#checkpoints = null;
    }
  }

  override dispose(): void {
    this.setActivationCheckpointing(false);
    super.dispose();
  }

  /** Patch + class embeddings with positions, after ln_pre: frames [BT, 3, H, W] → [BT, tokens, Wv]. */
  embed(frames: Tensor): Tensor {
    return scope(() => {
      const x = this.conv1.forward(frames); // [BT, Wv, g, g]
      const [bt, w] = x.shape as [number, number];
      const patches = x.reshape(bt, w, -1).permute(0, 2, 1); // [BT, g*g, Wv]
      const cls = this.class_embedding.reshape(1, 1, w).expand(bt, 1, w);
      const tokens = cat([cls, patches], 1).add(this.positional_embedding);
      return this.ln_pre.forward(tokens);
    });
  }

  /**
   * frames [B*T, 3, H, W] (frame t of video b at row b*T + t) → hidden and middle output; the
   * last `jointLayers` blocks attend over all T frames of each video. `classOnly`: only the class
   * tokens of `hidden` are wanted, so the last joint block computes its output at those positions only.
   */
  forwardFrames(frames: Tensor, numFrames: number, jointLayers: number, onBlock?: TransformerRunOptions['onBlock'], classOnly = false): VisualOutput {
    return scope(() => {
      const x = this.embed(frames);
      const [bt, n, w] = x.shape as [number, number, number];
      if (bt % numFrames !== 0)
        throw new RangeError(`VisualTransformer: ${bt} frames is not a whole number of ${numFrames}-frame videos`);
      const split = this.layers - jointLayers;
      let middle: Tensor, out: Tensor;
      let only = false; // out holds the class tokens only
      if (this.#checkpoints && this.training && isGradEnabled()) {
        // boundaries[i]: the input of block i (the last, the output of the last block)
        const boundaries = this.#checkpoints.run(x, this.#segments(split, [bt / numFrames, numFrames * n, w]));
        boundaries.slice(1).forEach((y, i) => onBlock?.(i, y));
        middle = boundaries[split]!; // [BT, n, Wv]
        out = boundaries[this.layers]!.reshape(bt, n, w);
      } else {
        middle = this.transformer.forward(x, { to: split, onBlock }); // [BT, n, Wv]
        const joint = middle.reshape(bt / numFrames, numFrames * n, w); // [B, T*n, Wv]
        // At the class tokens only for inference: a training forward computes every row, as its
        // checkpointed recomputation does (same GEMM shapes, same rounding).
        only = classOnly && jointLayers > 0 && !isGradEnabled();
        const lastQueries = only ? arange(0, numFrames * n, n) : null; // frame t's class token at t·n
        out = this.transformer.forward(joint, { from: split, onBlock, lastQueries }).reshape(bt, only ? 1 : n, w);
      }
      const hidden = this.ln_post.forward(classOnly && !only ? out.narrow(1, 0, 1) : out).matmul(this.proj); // [BT, n or 1, E]
      return { hidden, middle };
    });
  }

  /** One checkpoint segment per block; the first joint block regroups frames into videos. */
  #segments(split: number, jointShape: number[]): CheckpointSegment[] {
    return [...this.transformer.resblocks].map((block, i) => ({
      run: (x: Tensor) => block.forward(i === split ? x.reshape(jointShape) : x),
      parameters: block.parameters(),
    }));
  }
}
