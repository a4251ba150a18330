/**
 * T2VLP: the public model. Wraps the `clip.` network and offers the operations users need:
 * video and text encoding, the retrieval similarity ("meanP", the scripts' `--sim_header meanP
 * --loose_type`), and the differentiable stage-1 training objective. Loading and saving are in
 * load.ts / save.ts and exposed here as `T2VLP.load` and `model.save`.
 *
 * Normalisation of the outputs:
 * - `encodeVideo(...).frames` [B, T, E] and `.tubes` [B, K, E] are raw projections (not normalised);
 *   `.embedding` [B, E] is the meanP video embedding: frames L2-normalised, masked mean over valid
 *   frames, L2-normalised again.
 * - `encodeText(...).tokens` [B, L, E] are raw per-token features (the ones the alignment loss
 *   uses); `.eot` [B, E] is the raw end-of-text feature; `.embedding` [B, E] is `eot` L2-normalised.
 * - `similarity(t, v)` = exp(logit_scale) · t.embedding · v.embeddingᵀ, rows text, columns video.
 */
import { F, nn, ones, scope, type DType, type Tensor } from '../torch/index.js';
import { type T2VLPConfig, VIT_B_16, validateConfig } from './config.js';
import { CLIP } from './clip.js';
import { loadT2VLP, type LoadModelOptions } from './load.js';
import { alignLoss, contrastiveLoss, gatherGlobal, textCenters, type GlobalBatchOptions } from './losses.js';
import { saveT2VLP } from './save.js';

export interface VideoEncoding {
  frames: Tensor;
  tubes: Tensor;
  embedding: Tensor;
}

export interface TextEncoding {
  tokens: Tensor;
  eot: Tensor;
  embedding: Tensor;
}

export interface Stage1Batch {
  /** [B, T, 3, H, W] normalised pixels (the reference's [B, 1, T, 1, 3, H, W] is accepted too). */
  video: Tensor;
  /** [B, T], 1 for real frames (or [B, 1, T]). */
  videoMask: Tensor;
  /** [B, L] int64 (or [B, 1, L]). */
  inputIds: Tensor;
  /** [B, L] (or [B, 1, L]). */
  attentionMask: Tensor;
}

export interface Stage1Loss {
  /** contrastive + align, the quantity stage 1 back-propagates. */
  loss: Tensor;
  contrastive: Tensor;
  align: Tensor;
  /** The logit matrix of the contrastive loss (global batch when training across processes). */
  sim: Tensor;
}

/** L2-normalised frame features, masked mean over valid frames, L2-normalised again. */
export function meanPooledVideo(frames: Tensor, videoMask: Tensor): Tensor {
  return scope(() => {
    const f = F.normalize(frames, 2, -1);
    const m = videoMask.to(f.dtype).unsqueeze(-1); // [B, T, 1]
    const count = m.sum(1).clampMin(1); // a video with no valid frame divides by 1, like the reference
    return F.normalize(f.mul(m).sum(1).div(count), 2, -1);
  });
}

export class T2VLP extends nn.Module {
  clip: CLIP;

  constructor(config: Partial<T2VLPConfig> = {}) {
    super();
    this.clip = new CLIP(validateConfig({ ...VIT_B_16, ...config }));
  }

  get config(): T2VLPConfig {
    return this.clip.config;
  }

  /** The dtype of the weights ('float32' by default; 'bfloat16' after `to('bfloat16')`). */
  get dtype(): DType {
    return this.clip.logit_scale.dtype;
  }

  /**
   * Loads a checkpoint (see load.ts): t2vlp safetensors, a PyTorch state dict of a T2VLP model, or
   * CLIP weights as people have them (OpenAI's TorchScript archive, a Hugging Face `CLIPModel`
   * folder or `model.safetensors`, an OpenCLIP state dict) for a fresh stage-1 model.
   */
  static load(path: string, options?: LoadModelOptions): Promise<T2VLP> {
    return loadT2VLP(path, options, (config) => new T2VLP(config));
  }

  /** Writes a t2vlp safetensors checkpoint (atomically) with the configuration in its metadata. */
  save(path: string, extraMetadata?: Record<string, string>): Promise<void> {
    return saveT2VLP(this, path, extraMetadata);
  }

  #frames(frames: Tensor): Tensor {
    const s = frames.shape;
    const { numFrames: T, imageResolution: R } = this.config;
    let x = frames;
    if (s.length === 7) x = frames.reshape(s[0]!, s[2]!, 3, s[5]!, s[6]!);
    const t = x.shape;
    if (t.length !== 5 || t[1] !== T || t[2] !== 3 || t[3] !== R || t[4] !== R)
      throw new RangeError(`encodeVideo: frames must be [B, ${T}, 3, ${R}, ${R}], got [${s.join(', ')}]`);
    const flat = x.reshape(t[0]! * T, 3, R, R);
    return flat.dtype === this.dtype ? flat : flat.to(this.dtype);
  }

  #mask(mask: Tensor | undefined | null, B: number, L: number, what: string): Tensor | null {
    if (!mask) return null;
    const m = mask.shape.length === 3 ? mask.reshape(mask.shape[0]!, mask.shape[2]!) : mask;
    if (m.shape[0] !== B || m.shape[1] !== L)
      throw new RangeError(`${what} must be [${B}, ${L}], got [${mask.shape.join(', ')}]`);
    return m;
  }

  #f32(t: Tensor): Tensor {
    return t.dtype === 'float32' ? t : t.to('float32');
  }

  /** frames [B, T, 3, H, W] (normalised), videoMask [B, T] (all frames valid when omitted). */
  encodeVideo(frames: Tensor, videoMask?: Tensor | null): VideoEncoding {
    return scope(() => {
      const x = this.#frames(frames);
      const T = this.config.numFrames;
      const B = x.shape[0]! / T;
      const mask = this.#mask(videoMask, B, T, 'encodeVideo: videoMask');
      const { hidden, middle } = this.clip.encodeImage(x);
      const perFrame = this.#f32(hidden.select(1, 0).reshape(B, T, -1)); // [B, T, E]
      const tubes = this.#f32(this.clip.tubeTokens(middle, mask).tokens); // [B, K, E]
      const m = mask ?? ones([B, T], 'int64');
      return { frames: perFrame, tubes, embedding: meanPooledVideo(perFrame, m) };
    });
  }

  /** ids [B, L] int64; attentionMask [B, L] is accepted for symmetry (the text tower does not use it). */
  encodeText(ids: Tensor, attentionMask?: Tensor | null): TextEncoding {
    return scope(() => {
      const x = ids.shape.length === 3 ? ids.reshape(ids.shape[0]!, ids.shape[2]!) : ids;
      if (x.shape.length !== 2) throw new RangeError(`encodeText: ids must be [B, L], got [${ids.shape.join(', ')}]`);
      if (x.dtype !== 'int64') throw new TypeError(`encodeText: ids must be int64, got ${x.dtype}`);
      this.#mask(attentionMask, x.shape[0]!, x.shape[1]!, 'encodeText: attentionMask');
      const tokens = this.#f32(this.clip.encodeTextTokens(x));
      const eot = CLIP.pick(tokens, this.clip.eotIndex(x));
      return { tokens, eot, embedding: F.normalize(eot, 2, -1) };
    });
  }

  /**
   * The retrieval head's logits [B_text, B_video]. With `videoMask`, the video embedding is
   * re-pooled from `v.frames` over those frames; otherwise `v.embedding` is used.
   */
  similarity(t: TextEncoding, v: VideoEncoding, o: { textMask?: Tensor | null; videoMask?: Tensor | null } = {}): Tensor {
    return scope(() => {
      const video = o.videoMask ? meanPooledVideo(v.frames, o.videoMask) : v.embedding;
      return t.embedding.matmul(video.t()).mul(this.clip.logit_scale.exp().to('float32'));
    });
  }

  /**
   * The stage-1 objective (docs/TRAINING.md "Objectives"): contrastive loss over the (global)
   * batch plus the local alignment loss. Differentiable; call `.loss.backward()`. Across
   * processes, pass `{ worldSize, allGather: dist.allGatherWithGrad }` so that the contrastive
   * loss sees the global batch.
   */
  stage1Loss(batch: Stage1Batch, global?: GlobalBatchOptions): Stage1Loss {
    return scope(() => {
      const v = this.encodeVideo(batch.video, batch.videoMask);
      const B = v.frames.shape[0]!;
      const mask = this.#mask(batch.attentionMask, B, batch.inputIds.shape.at(-1)!, 'stage1Loss: attentionMask')!;
      const t = this.encodeText(batch.inputIds, mask);
      const te = gatherGlobal(t.embedding, global, 'stage1Loss');
      const ve = gatherGlobal(v.embedding, global, 'stage1Loss');
      const sim = te.matmul(ve.t()).mul(this.clip.logit_scale.exp().to('float32'));
      const contrastive = contrastiveLoss(sim);
      const centers = this.#f32(this.clip.projectedCenters());
      const align = alignLoss(textCenters(centers, t.tokens, mask), v.tubes);
      return { loss: contrastive.add(align), contrastive, align, sim };
    });
  }
}
