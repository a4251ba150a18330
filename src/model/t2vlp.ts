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
 * - `similarity(t, v)` = exp(logit_scale) · t.embedding · v.embeddingᵀ, rows text, columns video
 *   (`{ similarity: 'tight' }`: the tightTransf cross encoder's logits instead, tight.ts).
 *
 * With the fusion encoder (`hasFusion`: stage-2 and downstream checkpoints, docs/FUSION.md) the
 * model also offers `stage2Loss`, `retrievalLoss` and `rerank` (fusion-losses.ts, rerank.ts).
 */
import { F, nn, noGrad, ones, scope, type DType, type Tensor } from '../torch/index.js';
import { type SimilarityKind, type T2VLPConfig, VIT_B_16, validateConfig } from './config.js';
import { CLIP } from './clip.js';
import { FusionError, type FusionModel } from './fusion.js';
import {
  retrievalObjectives,
  stage2Objectives,
  type FusionLossOptions,
  type RetrievalLoss,
  type Stage2Batch,
  type Stage2Loss,
} from './fusion-losses.js';
import { loadT2VLP, type LoadModelOptions } from './load.js';
import { rerankRetrieval, type RerankOptions, type RerankResult, type RerankText, type RerankVideo } from './rerank.js';
import { createTightModules, tightSimilarity, type CrossModel } from './tight.js';
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

export interface SimilarityOptions {
  textMask?: Tensor | null;
  /** Re-pool the video embedding over these frames (meanP); the cross encoder's key mask (tight). */
  videoMask?: Tensor | null;
  /** Which similarity: 'meanP' (loose) or 'tight' (cross encoder); default `config.similarity`. */
  similarity?: SimilarityKind;
}

export interface EncodeVideoOptions {
  /**
   * Run the visual tower without gradient and detach its middle output, so that only the tube path
   * is differentiable (stage 2, fixtures README item 8).
   */
  detachVisual?: boolean;
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

/** The full configuration for user overrides: the fusion encoder defaults to as many blocks as the text tower. */
function completeConfig(config: Partial<T2VLPConfig>): T2VLPConfig {
  const c = { ...VIT_B_16, ...config };
  if (config.fusionLayers === undefined) c.fusionLayers = c.textLayers;
  c.fusionRunLayers = Math.min(c.fusionRunLayers, c.fusionLayers);
  return validateConfig(c);
}

export class T2VLP extends nn.Module {
  clip: CLIP;
  /** Present with the fusion encoder (reference key `visual_linear.*`); unused by every computation, kept so checkpoints round-trip. */
  visual_linear: nn.Linear | null = null;
  /** The tightTransf cross encoder (`cross.*`), present when config.crossLayers > 0. */
  cross: CrossModel | null = null;
  /** Scores the cross encoder's pooled output (`similarity_dense.*`). */
  similarity_dense: nn.Linear | null = null;

  constructor(config: Partial<T2VLPConfig> = {}) {
    super();
    const c = completeConfig(config);
    this.clip = new CLIP(c);
    if (c.fusion) {
      this.visual_linear = new nn.Linear(c.embedDim, c.embedDim);
      noGrad(() => {
        this.visual_linear!.weight.normal_(0, 0.02);
        this.visual_linear!.bias!.zero_();
      });
    }
    if (c.crossLayers > 0) Object.assign(this, createTightModules(c.embedDim, c.crossLayers, c.contextLength));
  }

  /** Whether the model has the fusion encoder (stage 2, retrieval re-ranking, captioning, QA). */
  get hasFusion(): boolean {
    return this.config.fusion && this.clip.fusion_transformer !== null;
  }

  get config(): T2VLPConfig {
    return this.clip.config;
  }

  /** The dtype of the weights ('float32' by default; 'bfloat16' after `to('bfloat16')`). */
  get dtype(): DType {
    return this.clip.logit_scale.dtype;
  }

  /** Loads a checkpoint (see load.ts): t2vlp safetensors, a PyTorch state dict, or OpenAI's CLIP archive. */
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
  encodeVideo(frames: Tensor, videoMask?: Tensor | null, o: EncodeVideoOptions = {}): VideoEncoding {
    return scope(() => {
      const x = this.#frames(frames);
      const T = this.config.numFrames;
      const B = x.shape[0]! / T;
      const mask = this.#mask(videoMask, B, T, 'encodeVideo: videoMask');
      const { hidden, middle } = o.detachVisual ? noGrad(() => this.clip.encodeImage(x)) : this.clip.encodeImage(x);
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
   * re-pooled from `v.frames` over those frames; otherwise `v.embedding` is used. With
   * `similarity: 'tight'` (or a model whose config.similarity is 'tight'), the tightTransf cross
   * encoder scores every text × video pair from `t.eot` and `v.frames` instead.
   */
  similarity(t: TextEncoding, v: VideoEncoding, o: SimilarityOptions = {}): Tensor {
    const kind = o.similarity ?? this.config.similarity;
    if (kind === 'tight') return this.#tight(t, v, o.videoMask);
    if (kind !== 'meanP') throw new RangeError(`similarity: expected 'meanP' or 'tight', got '${String(kind)}'`);
    return scope(() => {
      const video = o.videoMask ? meanPooledVideo(v.frames, o.videoMask) : v.embedding;
      return t.embedding.matmul(video.t()).mul(this.clip.logit_scale.exp().to('float32'));
    });
  }

  #tight(t: TextEncoding, v: VideoEncoding, videoMask?: Tensor | null): Tensor {
    if (!this.cross || !this.similarity_dense)
      throw new FusionError(
        'NO_FUSION_ENCODER',
        "similarity: 'tight' needs the tightTransf cross encoder (cross.*, similarity_dense.*), which this model does not have; load a tightTransf checkpoint or use 'meanP'",
      );
    const [Nv, T] = v.frames.shape as [number, number];
    return scope(() => {
      const mask = this.#mask(videoMask, Nv, T, "similarity('tight'): videoMask") ?? ones([Nv, T], 'int64');
      const m = { cross: this.cross!, similarity_dense: this.similarity_dense! };
      return tightSimilarity(m, t.eot, v.frames, mask, this.config.crossHeadMajorMask);
    });
  }

  /**
   * The stage-2 objective (docs/FUSION.md "Stage 2"): masked LM + prefix LM + video-text matching
   * + alignment, differentiable. `fusionLabels` [B, 1 + T + L] marks masked-LM positions with -1
   * (`src/data/loader/mlm-labels.ts`). `draws` pins the random choices; across processes pass
   * `{ worldSize, allGather, rank }` so hard negatives come from the global batch.
   */
  stage2Loss(batch: Stage2Batch, o?: FusionLossOptions): Stage2Loss {
    return stage2Objectives(this, batch, o);
  }

  /** Retrieval fine-tuning (docs/FUSION.md): VTM (hard negatives) + contrastive + alignment. */
  retrievalLoss(batch: Stage1Batch, o?: FusionLossOptions): RetrievalLoss {
    return retrievalObjectives(this, batch, o);
  }

  /**
   * Re-ranks the loose similarity `sim` [Nt, Nv] with the fusion encoder's matching probability
   * (docs/FUSION.md "Retrieval re-ranking"): `{ t2v [Nt, Nv], v2t [Nv, Nt] }`. Memory is bounded by
   * `sequencesPerChunk`, independent of Nt and Nv.
   */
  rerank(sim: Tensor, text: RerankText, video: RerankVideo, o: RerankOptions = {}): RerankResult {
    return rerankRetrieval(this.clip as unknown as FusionModel, sim, text, video, o);
  }

  /**
   * The stage-1 objective (spec TRAINING.md): contrastive loss over the (global) batch plus the
   * local alignment loss. Differentiable; call `.loss.backward()`. Across processes, pass
   * `{ worldSize, allGather: dist.allGatherWithGrad }` so that the contrastive loss sees the
   * global batch.
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
