/**
 * The training objectives the loop can back-propagate (docs/TRAINING.md, "Objectives"), one
 * entry per reference script: which model loss to call, which terms it reports beside the total,
 * and what the batch and the model must provide. The loop itself (trainer.ts) is the same for all.
 */
import type { TensorBatch } from '../data/index.js';
import type { AnswerVocabulary, T2VLP } from '../model/index.js';
import type { GlobalBatchOptions } from '../model/losses.js';
import type { Tensor } from '../torch/index.js';
import { TrainingError } from './errors.js';

export type Objective = 'stage1' | 'fusion' | 'retrieval' | 'caption' | 'qa';
export const OBJECTIVES: readonly Objective[] = ['stage1', 'fusion', 'retrieval', 'caption', 'qa'];

/** What an objective may need beyond the batch. */
export interface ObjectiveContext {
  /** QA: whole-answer vocabulary; the batch's `answerLabels` index it. Without: first-token answers. */
  answers?: AnswerVocabulary;
}

export interface ObjectiveSpec {
  /** What the objective sums, for messages. */
  describe: string;
  /** The loss terms reported beside the total, in display order. */
  terms: readonly string[];
  /** The fusion encoder is needed (stage-2 or downstream checkpoint). */
  needsFusion: boolean;
  /** The loader builds masked-LM labels (`fusionLabels`, docs/DATA.md). */
  mlmLabels: boolean;
  /** Every sample must be a QA pair (the loader then builds answers and the align text). */
  needsQa?: boolean;
  /** No sample may be a QA pair (its question is not a caption to learn). */
  needsCaptions?: boolean;
  /** The total loss and its terms on one (local) batch; the global batch comes through `global`. */
  compute(model: T2VLP, batch: TensorBatch, global: GlobalBatchOptions, ctx?: ObjectiveContext): { loss: Tensor; terms: Record<string, Tensor> };
}

const pick = (out: Record<string, Tensor>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, out[n]!]));

const STAGE1_TERMS = ['contrastive', 'align'] as const;
const FUSION_TERMS = ['vtm', 'mlm', 'plm', 'align'] as const;
const RETRIEVAL_TERMS = ['vtm', 'contrastive', 'align'] as const;
const CAPTION_TERMS = ['caption', 'align', 'contrastive'] as const;
const QA_TERMS = ['answer', 'contrastive'] as const;

export const OBJECTIVE_SPECS: Record<Objective, ObjectiveSpec> = {
  stage1: {
    describe: 'sim + align (stage 1)',
    terms: STAGE1_TERMS,
    needsFusion: false,
    mlmLabels: false,
    compute(model, b, global) {
      const out = model.stage1Loss({ video: b.video, videoMask: b.videoMask, inputIds: b.inputIds, attentionMask: b.attentionMask }, global);
      return { loss: out.loss, terms: pick(out as unknown as Record<string, Tensor>, STAGE1_TERMS) };
    },
  },
  fusion: {
    describe: 'vtm + mlm + plm + align (stage 2)',
    terms: FUSION_TERMS,
    needsFusion: true,
    mlmLabels: true,
    compute(model, b, global) {
      if (!b.fusionLabels) throw new TrainingError('BAD_OPTION', 'stage-2 training: the batch has no fusionLabels (the loader builds them when the objective is fusion)');
      const out = model.stage2Loss(
        { video: b.video, videoMask: b.videoMask, inputIds: b.inputIds, attentionMask: b.attentionMask, fusionLabels: b.fusionLabels },
        { ...global },
      );
      return { loss: out.loss, terms: pick(out as unknown as Record<string, Tensor>, FUSION_TERMS) };
    },
  },
  retrieval: {
    describe: 'vtm + sim + align (retrieval fine-tuning)',
    terms: RETRIEVAL_TERMS,
    needsFusion: true,
    mlmLabels: false,
    compute(model, b, global) {
      const out = model.retrievalLoss({ video: b.video, videoMask: b.videoMask, inputIds: b.inputIds, attentionMask: b.attentionMask }, { ...global });
      return { loss: out.loss, terms: pick(out as unknown as Record<string, Tensor>, RETRIEVAL_TERMS) };
    },
  },
  caption: {
    describe: 'caption + sim + align (captioning fine-tuning)',
    terms: CAPTION_TERMS,
    needsFusion: true,
    mlmLabels: false,
    needsCaptions: true,
    // The caption script's sim term is over the local batch (captionLoss has no all-gather).
    compute(model, b) {
      const out = model.captionLoss({ video: b.video, videoMask: b.videoMask, inputIds: b.inputIds, attentionMask: b.attentionMask });
      return { loss: out.loss, terms: pick(out as unknown as Record<string, Tensor>, CAPTION_TERMS) };
    },
  },
  qa: {
    describe: 'answer + sim (QA fine-tuning)',
    terms: QA_TERMS,
    needsFusion: true,
    mlmLabels: false,
    needsQa: true,
    compute(model, b, _global, ctx = {}) {
      const answerIds = ctx.answers ? b.answerLabels : b.answerTokenIds;
      if (!answerIds || !b.alignIds || !b.alignMask)
        throw new TrainingError('BAD_OPTION', 'QA training: the batch has no answers or align text (the loader builds them from QA samples: sample.qa)');
      const out = model.qaLoss(
        { video: b.video, videoMask: b.videoMask, questionIds: b.inputIds, questionMask: b.attentionMask, answerIds, alignText: b.alignIds, alignMask: b.alignMask },
        { answers: ctx.answers },
      );
      return { loss: out.loss, terms: pick(out as unknown as Record<string, Tensor>, QA_TERMS) };
    },
  },
};
