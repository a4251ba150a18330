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
import {
  F,
  isQuantized,
  nn,
  noGrad,
  ones,
  PrecisionError,
  quantizeDynamicInt8,
  scope,
  Tensor,
  withDevice,
  type Device,
  type DType,
} from '../torch/index.js';
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
import { beamCaptionIds, captionObjectives, captionTokenIds, greedyCaptionIds, type CaptionBatch, type CaptionLoss, type CaptionTrace, type GenerateCaptionOptions } from './caption.js';
import { answerLogitsOf, qaObjectives, type QABatch, type QALoss, type QAOptions, type QuestionBatch } from './qa.js';
import { ClipTokenizer } from '../data/tokenizer/index.js';
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

/** `encodeText(..., { eotOnly: true })`: the end-of-text feature and embedding, without per-token features. */
export type TextEmbedding = Pick<TextEncoding, 'eot' | 'embedding'>;

export interface EncodeTextOptions {
  /**
   * Compute only what `eot` and `embedding` need, for callers that read nothing else (retrieval
   * indexing and search, query encoding): the result has no `tokens`, and the text tower skips
   * the positions after the last caption's end of text and, in its last block, every row but each
   * caption's end of text (docs/ARCHITECTURE.md "CPU inference"). Same numbers up to float32 rounding.
   */
  eotOnly?: boolean;
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
   * is differentiable (stage 2, docs/FUSION.md "Stage 2").
   */
  detachVisual?: boolean;
}

/** What decodes caption ids to text (ClipTokenizer). */
export interface CaptionTextDecoder {
  decode(ids: readonly number[]): string;
}

export interface GenerateCaptionCallOptions extends GenerateCaptionOptions {
  /** Decodes the ids (default: the bundled CLIP tokenizer, loaded once). */
  tokenizer?: CaptionTextDecoder;
}

export interface GeneratedCaptions {
  /** [B, steps] int64. */
  ids: Tensor;
  /** Per video: the ids up to the first end id, decoded and trimmed. */
  text: string[];
}

let bundledTokenizer: ClipTokenizer | null = null;

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

  /**
   * Dynamic int8 quantization of every Linear layer and attention in-projection for CPU inference
   * (docs/ARCHITECTURE.md "Precisions"): weights int8, activations quantized per call, outputs
   * float32. Inference only: the parameters stop requiring gradients and training raises
   * INT8_TRAINING. The float32 weights stay (and are what `save` writes).
   */
  quantize(kind: 'int8'): this {
    if (kind !== 'int8')
      throw new PrecisionError('BAD_PRECISION', `T2VLP.quantize: expected 'int8', got '${String(kind)}'; use model.to('bfloat16') for bfloat16`);
    quantizeDynamicInt8(this);
    return this;
  }

  /** Module.to, refusing to move or cast a quantized model (its int8 layers run on CPU from float32 weights). */
  override to(target: Parameters<nn.Module['to']>[0]): this {
    if (target !== 'cpu' && target !== 'float32' && this.quantized)
      throw new PrecisionError(
        'INT8_UNSUPPORTED',
        `T2VLP.to('${target}'): the model is quantized to int8, which runs on CPU from float32 weights; ` +
          `load it without --dtype int8 to use ${target}`,
      );
    return super.to(target);
  }

  /** Whether `quantize('int8')` was applied (Linear layers run int8). */
  get quantized(): boolean {
    return isQuantized(this);
  }

  /**
   * Loads a checkpoint (see load.ts): t2vlp safetensors, a PyTorch state dict of a T2VLP model, or
   * CLIP weights as people have them (OpenAI's TorchScript archive, a Hugging Face `CLIPModel`
   * folder or `model.safetensors`, an OpenCLIP state dict) for a fresh stage-1 model.
   */
  static load(path: string, options?: LoadModelOptions): Promise<T2VLP> {
    return loadT2VLP(path, options, (config) => new T2VLP(config));
  }

  /**
   * Activation checkpointing of the visual blocks (docs/TRAINING.md "Activation checkpointing"):
   * training forwards keep only each block's input, and `backward` recomputes the blocks, trading
   * one more forward pass of the visual tower for most of its activation memory. While it is on,
   * back-propagate with `model.backward(loss)`: a plain `loss.backward()` would leave the visual
   * blocks without gradients.
   */
  setActivationCheckpointing(on: boolean): this {
    this.clip.visual.setActivationCheckpointing(on);
    return this;
  }

  get activationCheckpointing(): boolean {
    return this.clip.visual.checkpoints !== null;
  }

  /**
   * Back-propagates `loss` (`loss.backward()`), and through the checkpointed visual blocks when
   * activation checkpointing is on. The one way the training loop calls backward.
   */
  backward(loss: Tensor, gradient?: Tensor): void {
    const c = this.clip.visual.checkpoints;
    if (c) c.backward(loss, gradient);
    else loss.backward(gradient);
  }

  /** Writes a t2vlp safetensors checkpoint (atomically) with the configuration in its metadata. */
  save(path: string, extraMetadata?: Record<string, string>): Promise<void> {
    return saveT2VLP(this, path, extraMetadata);
  }

  /** Where the weights live ('cpu' or 'cuda:N'); `model.to('cuda')` moves them. */
  get device(): Device {
    return this.clip.logit_scale.device as Device;
  }

  /** Runs `fn` with factories creating tensors on the model's device. */
  #run<T>(fn: () => T): T {
    const d = this.device;
    return d === 'cpu' ? fn() : withDevice(d, fn);
  }

  /**
   * `t` on the model's device (a copy when it is elsewhere, freed with the enclosing scope); from
   * pinned host memory the copy is asynchronous.
   */
  #in<T extends Tensor | null | undefined>(t: T): T {
    if (!t) return t;
    const d = this.device;
    if (t.device === d) return t;
    return t.to(d, { nonBlocking: d !== 'cpu' && t.device === 'cpu' && t.isPinned }) as T;
  }

  /** Every tensor field of `o` on the model's device (other fields unchanged). */
  #inAll<O extends object>(o: O): O {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = v instanceof Tensor ? this.#in(v) : v;
    return out as O;
  }

  #frames(frames: Tensor): Tensor {
    frames = this.#in(frames);
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
    mask = this.#in(mask);
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
    return this.#run(() => scope(() => {
      const x = this.#frames(frames);
      const T = this.config.numFrames;
      const B = x.shape[0]! / T;
      const mask = this.#mask(videoMask, B, T, 'encodeVideo: videoMask');
      // Only the class tokens of `hidden` are read: the last block skips the other rows.
      const image = () => this.clip.encodeImage(x, undefined, true);
      const { hidden, middle } = o.detachVisual ? noGrad(image) : image();
      const perFrame = this.#f32(hidden.select(1, 0).reshape(B, T, -1)); // [B, T, E]
      const tubes = this.#f32(this.clip.tubeTokens(middle, mask).tokens); // [B, K, E]
      const m = mask ?? ones([B, T], 'int64');
      return { frames: perFrame, tubes, embedding: meanPooledVideo(perFrame, m) };
    }));
  }

  /**
   * ids [B, L] int64; attentionMask [B, L] is accepted for symmetry (the text tower does not use it).
   * With `{ eotOnly: true }`, only `eot` and `embedding` (see EncodeTextOptions).
   */
  encodeText(ids: Tensor, attentionMask?: Tensor | null, o?: EncodeTextOptions & { eotOnly?: false }): TextEncoding;
  encodeText(ids: Tensor, attentionMask: Tensor | null | undefined, o: EncodeTextOptions & { eotOnly: true }): TextEmbedding;
  encodeText(ids: Tensor, attentionMask?: Tensor | null, o?: EncodeTextOptions): TextEncoding | TextEmbedding;
  encodeText(ids: Tensor, attentionMask?: Tensor | null, o: EncodeTextOptions = {}): TextEncoding | TextEmbedding {
    return this.#run(() => scope(() => {
      const i = this.#in(ids);
      const x = i.shape.length === 3 ? i.reshape(i.shape[0]!, i.shape[2]!) : i;
      if (x.shape.length !== 2) throw new RangeError(`encodeText: ids must be [B, L], got [${ids.shape.join(', ')}]`);
      if (x.dtype !== 'int64') throw new TypeError(`encodeText: ids must be int64, got ${x.dtype}`);
      this.#mask(attentionMask, x.shape[0]!, x.shape[1]!, 'encodeText: attentionMask');
      if (o.eotOnly) {
        const eot = this.#f32(this.clip.encodeTextEot(x));
        return { eot, embedding: F.normalize(eot, 2, -1) };
      }
      const tokens = this.#f32(this.clip.encodeTextTokens(x));
      const eot = CLIP.pick(tokens, this.clip.eotIndex(x));
      return { tokens, eot, embedding: F.normalize(eot, 2, -1) };
    }));
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
    return this.#run(() => scope(() => {
      const video = o.videoMask ? meanPooledVideo(this.#in(v.frames), this.#in(o.videoMask)) : this.#in(v.embedding);
      return this.#in(t.embedding).matmul(video.t()).mul(this.clip.logit_scale.exp().to('float32'));
    }));
  }

  #tight(t: TextEncoding, v: VideoEncoding, videoMask?: Tensor | null): Tensor {
    if (!this.cross || !this.similarity_dense)
      throw new FusionError(
        'NO_FUSION_ENCODER',
        "similarity: 'tight' needs the tightTransf cross encoder (cross.*, similarity_dense.*), which this model does not have; load a tightTransf checkpoint or use 'meanP'",
      );
    const [Nv, T] = v.frames.shape as [number, number];
    return this.#run(() => scope(() => {
      const mask = this.#mask(videoMask, Nv, T, "similarity('tight'): videoMask") ?? ones([Nv, T], 'int64');
      const m = { cross: this.cross!, similarity_dense: this.similarity_dense! };
      return tightSimilarity(m, this.#in(t.eot), this.#in(v.frames), mask, this.config.crossHeadMajorMask);
    }));
  }

  /**
   * The stage-2 objective (docs/FUSION.md "Stage 2"): masked LM + prefix LM + video-text matching
   * + alignment, differentiable. `fusionLabels` [B, 1 + T + L] marks masked-LM positions with -1
   * (`src/data/loader/mlm-labels.ts`). `draws` pins the random choices; across processes pass
   * `{ worldSize, allGather, rank }` so hard negatives come from the global batch.
   */
  stage2Loss(batch: Stage2Batch, o?: FusionLossOptions): Stage2Loss {
    return this.#run(() => scope(() => stage2Objectives(this, this.#inAll(batch), o)));
  }

  /** Retrieval fine-tuning (docs/FUSION.md): VTM (hard negatives) + contrastive + alignment. */
  retrievalLoss(batch: Stage1Batch, o?: FusionLossOptions): RetrievalLoss {
    return this.#run(() => scope(() => retrievalObjectives(this, this.#inAll(batch), o)));
  }

  /**
   * Re-ranks the loose similarity `sim` [Nt, Nv] with the fusion encoder's matching probability
   * (docs/FUSION.md "Retrieval re-ranking"): `{ t2v [Nt, Nv], v2t [Nv, Nt] }`. Memory is bounded by
   * `sequencesPerChunk`, independent of Nt and Nv.
   */
  rerank(sim: Tensor, text: RerankText, video: RerankVideo, o: RerankOptions = {}): RerankResult {
    return this.#run(() =>
      scope(() => rerankRetrieval(this.clip as unknown as FusionModel, this.#in(sim), this.#inAll(text), this.#inAll(video), o)),
    );
  }

  /**
   * The captioning objective (docs/FUSION.md "Captioning"): teacher-forced cross entropy over the
   * vocabulary (`caption`) + contrastive + alignment; `loss` is their sum. Differentiable.
   */
  captionLoss(batch: CaptionBatch, o: { trace?: CaptionTrace } = {}): CaptionLoss {
    return this.#run(() => captionObjectives(this, this.#inAll(batch), o.trace));
  }

  /**
   * Decodes captions for video [B, T, 3, H, W] (docs/FUSION.md "Captioning"). `beam: 1` (default)
   * is the reference's greedy decoder (always `maxSteps` steps); `beam > 1` deterministic beam
   * search. Keys and values are cached across steps unless `cache: false`. Without gradient.
   */
  generateCaption(video: Tensor, videoMask: Tensor, o: GenerateCaptionCallOptions = {}): GeneratedCaptions {
    const { ids } = this.#run(() => {
      const [v, m] = [this.#in(video), this.#in(videoMask)];
      return (o.beam ?? 1) > 1 ? beamCaptionIds(this, v, m, o) : greedyCaptionIds(this, v, m, o);
    });
    const tok = o.tokenizer ?? (bundledTokenizer ??= ClipTokenizer.loadSync());
    const text = captionTokenIds(ids, o.endId ?? this.config.eotTokenId).map((row) => tok.decode(row).trim());
    return { ids, text };
  }

  /**
   * Answer logits [B, V] over the token vocabulary, or [B, A] over `o.answers` (docs/FUSION.md
   * "Question answering"). `encoded` reuses a video encoding of the batch's videos (row i answers
   * question i), so that several questions about one video encode it once.
   */
  answerLogits(batch: QuestionBatch, o: QAOptions & { encoded?: VideoEncoding } = {}): Tensor {
    return this.#run(() =>
      scope(() => answerLogitsOf(this, this.#inAll(batch), o, 'answerLogits', o.encoded && this.#inAll(o.encoded))),
    );
  }

  /** The QA objective: answer cross entropy + contrastive loss against "question answer". Differentiable. */
  qaLoss(batch: QABatch, o: QAOptions = {}): QALoss {
    return this.#run(() => scope(() => qaObjectives(this, this.#inAll(batch), o)));
  }

  /**
   * The stage-1 objective (docs/TRAINING.md "Objectives"): contrastive loss over the (global)
   * batch plus the local alignment loss. Differentiable; call `.loss.backward()`. Across
   * processes, pass `{ worldSize, allGather: dist.allGatherWithGrad }` so that the contrastive
   * loss sees the global batch.
   */
  stage1Loss(batch: Stage1Batch, global?: GlobalBatchOptions): Stage1Loss {
    return this.#run(() => scope(() => {
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
    }));
  }
}
