/**
 * The fusion encoder (docs/FUSION.md, "Shared pieces"): one text-width transformer
 * (`clip.fusion_transformer`, of which the first `fusionRunLayers` blocks run) over the sequence
 * [v_sep, frames, tubes, text tokens] plus `fusion_positional_embedding`, with a per-sample additive
 * key mask; a vocabulary head tied to `token_embedding` through `fusion_proj_embedding`; and the
 * two-way matching head (`fusion_match_matrix` / `fusion_unmatch_matrix`). The parameters live on
 * `CLIP` under the reference's names; this file holds the computations that use them.
 */
import { arange, cat, F, full, nn, noGrad, randn, scope, zeros, type Tensor } from '../torch/index.js';
import type { T2VLPConfig } from './config.js';
import { Transformer } from './transformer.js';

export type FusionErrorCode =
  | 'NO_FUSION_ENCODER'
  | 'BAD_FUSION_LABELS'
  | 'BAD_FUSION_INPUT'
  | 'BAD_TOP_K'
  | 'FUSION_KEYS_MISSING';

/** Bad input to a fusion-encoder operation, or a model/checkpoint without (all of) the fusion encoder. */
export class FusionError extends Error {
  constructor(
    readonly code: FusionErrorCode,
    message: string,
    /** For FUSION_KEYS_MISSING: the keys the checkpoint lacks. */
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'FusionError';
  }
}

/** The fusion-encoder parameters, as `CLIP` holds them (all present, or the model has no fusion encoder). */
export interface FusionParameters {
  fusion_transformer: Transformer;
  fusion_positional_embedding: nn.Parameter; // [context, Wt]
  fusion_proj_embedding: nn.Parameter; // [E, Wt]: output logits = h · proj · token_embeddingᵀ
  fusion_logit_bias: nn.Parameter; // [V]
  fusion_match_matrix: nn.Parameter; // [E, E]
  fusion_unmatch_matrix: nn.Parameter; // [E, E]
}

/** What the fusion computations read from the model. */
export interface FusionModel extends FusionParameters {
  config: T2VLPConfig;
  token_embedding: nn.Embedding;
}

/** Head dropout of stage 2 and retrieval fine-tuning (training only; docs/FUSION.md). */
export const HEAD_DROPOUT = 0.2;

/**
 * Fresh fusion parameters, for stage 2 started from a stage-1 model (docs/ARCHITECTURE.md,
 * "Initialisation from OpenAI CLIP"): the transformer gets CLIP's own initialisation (as the text
 * tower), the positional table N(0, 0.01) as CLIP's, the projection and matching matrices
 * N(0, width^-1/2) as `text_projection`, the logit bias zeros.
 */
export function createFusionParameters(c: T2VLPConfig): FusionParameters {
  const w = c.textWidth;
  const transformer = new Transformer(w, c.fusionLayers, c.textHeads);
  noGrad(() => {
    const projStd = w ** -0.5 * (2 * transformer.layers) ** -0.5;
    for (const b of transformer.resblocks) {
      b.attn.in_proj_weight.normal_(0, w ** -0.5);
      b.attn.out_proj.weight.normal_(0, projStd);
      b.mlp.c_fc.weight.normal_(0, (2 * w) ** -0.5);
      b.mlp.c_proj.weight.normal_(0, projStd);
    }
  });
  const p = (shape: number[], std: number) => nn.Parameter.adopt(scope(() => randn(shape).mul(std)));
  return {
    fusion_transformer: transformer,
    fusion_positional_embedding: p([c.contextLength, w], 0.01),
    fusion_proj_embedding: p([c.embedDim, w], w ** -0.5),
    fusion_logit_bias: nn.Parameter.adopt(zeros([c.vocabSize])),
    fusion_match_matrix: p([c.embedDim, c.embedDim], c.embedDim ** -0.5),
    fusion_unmatch_matrix: p([c.embedDim, c.embedDim], c.embedDim ** -0.5),
  };
}

/** Throws NO_FUSION_ENCODER unless the model has the fusion encoder. */
export function requireFusion(m: { config: T2VLPConfig } & Partial<Record<keyof FusionParameters, unknown>>, where: string): asserts m is FusionModel {
  if (!m.config.fusion || !m.fusion_transformer)
    throw new FusionError(
      'NO_FUSION_ENCODER',
      `${where}: this model has no fusion encoder (it was loaded from a stage-1 checkpoint). ` +
        'Load a stage-2, retrieval, caption or QA checkpoint, or start stage 2 with T2VLP.load(path, { fusion: true }).',
    );
}

/** v_sep [N, 1, E]: masked mean of frames over valid frames (a video with no valid frame divides by 1). */
export function vSep(frames: Tensor, videoMask: Tensor): Tensor {
  return scope(() => {
    const m = videoMask.to(frames.dtype).unsqueeze(-1); // [N, T, 1]
    return frames.mul(m).sum(1, true).div(m.sum(1, true).clampMin(1)); // [N, 1, E]
  });
}

/**
 * Key validity [N, 1 + T + K + L] (1 = may be attended to) of the sequence [v_sep, frames, tubes,
 * text]: `visual` [N, 1 + T] (v_sep then frames), tubes always valid, `text` [N, L].
 */
export function keyValidity(visual: Tensor, numTubes: number, text: Tensor): Tensor {
  return scope(() => {
    const N = visual.shape[0]!;
    return cat([visual.to('float32'), full([N, numTubes], 1), text.to('float32')], 1);
  });
}

/** The visual part of the key validity, [videoMask[:, 0], videoMask]: v_sep follows frame 0. */
export const visualValidity = (videoMask: Tensor): Tensor =>
  scope(() => cat([videoMask.narrow(1, 0, 1), videoMask], 1).to('float32'));

/** Additive mask [N, S, S]: 0 where the key is valid, -inf elsewhere; every row the same. */
export function keyMask(valid: Tensor): Tensor {
  return scope(() => {
    const [N, S] = valid.shape as [number, number];
    return zeros([N, 1, S]).maskedFill(valid.lt(0.5).reshape(N, 1, S), -Infinity).expand(N, S, S).contiguous();
  });
}

/** Input of the fusion transformer: [v_sep, frames, tubes, text] + fusion_positional_embedding: [N, S, E]. */
export function fusionInput(m: FusionModel, vsep: Tensor, frames: Tensor, tubes: Tensor, text: Tensor): Tensor {
  return scope(() => {
    const dtype = m.fusion_positional_embedding.dtype; // bfloat16 models run the fusion encoder in bfloat16
    const x = cat([vsep, frames, tubes, text], 1).to(dtype);
    const S = x.shape[1]!;
    if (S > m.config.contextLength)
      throw new FusionError('BAD_FUSION_INPUT', `fusion: sequence of ${S} positions exceeds the positional table (${m.config.contextLength})`);
    return x.add(m.fusion_positional_embedding.narrow(0, 0, S));
  });
}

/** The fusion transformer's first `fusionRunLayers` blocks over x [N, S, E] with the additive mask [N, S, S]. */
export function runFusion(m: FusionModel, x: Tensor, mask: Tensor): Tensor {
  return scope(() => {
    const [N, S] = x.shape as [number, number];
    return m.fusion_transformer.forward(x, { attnMask: mask.reshape(N, 1, S, S), to: m.config.fusionRunLayers });
  });
}

/** Vocabulary logits of fusion outputs h [..., E]: dropout(h) · (proj · token_embeddingᵀ) + bias. */
export function vocabLogits(m: FusionModel, h: Tensor, training: boolean, dropoutP = HEAD_DROPOUT): Tensor {
  return scope(() => {
    const weight = m.fusion_proj_embedding.matmul(m.token_embedding.weight.t()); // [E, V]
    const logits = F.dropout(h.to(weight.dtype), dropoutP, training).matmul(weight).add(m.fusion_logit_bias);
    return logits.dtype === 'float32' ? logits : logits.to('float32');
  });
}

/**
 * Two-way matching logits [N, 2] = [unmatch, match] of fusion outputs `out` [N, S, E]. v = output at
 * v_sep, L2-normalised per vector; t = output at the last valid key (`valid` [N, S]), normalised
 * per feature across each group of `groupSize` consecutive sequences, as the reference does over
 * its whole batch (docs/QUIRKS.md): the 3B sequences of a training batch, the candidates of one
 * query when re-ranking.
 */
export function matchLogits(m: FusionModel, out: Tensor, valid: Tensor, groupSize: number, training: boolean): Tensor {
  return scope(() => {
    const [N, S, E] = out.shape as [number, number, number];
    const f32 = (t: Tensor) => (t.dtype === 'float32' ? t : t.to('float32'));
    if (N % groupSize !== 0) throw new RangeError(`matchLogits: ${N} sequences are not whole groups of ${groupSize}`);
    const last = valid.mul(arange(S, undefined, 1, 'float32')).argmax(1); // [N]
    const v = F.normalize(f32(out.select(1, 0)), 2, -1); // [N, E]
    const t = f32(out.index([arange(N), last])).reshape(N / groupSize, groupSize, E);
    const tn = t.div(t.norm(2, 1, true)).reshape(N, E);
    const vd = F.dropout(v, HEAD_DROPOUT, training);
    const td = F.dropout(tn, HEAD_DROPOUT, training);
    const unmatch = vd.matmul(f32(m.fusion_unmatch_matrix)).mul(td).sum(-1);
    const match = vd.matmul(f32(m.fusion_match_matrix)).mul(td).sum(-1);
    return cat([unmatch.unsqueeze(1), match.unsqueeze(1)], 1);
  });
}
