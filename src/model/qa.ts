/**
 * The question-answering head on the fusion encoder (docs/FUSION.md "Question answering"): the
 * sequence [v_sep, frames, tubes, question, one zero vector]; the answer is read from the last
 * position through the tied output layer, over the token vocabulary (the reference: an answer is
 * its first BPE token) or over an `AnswerVocabulary` of whole answers.
 */
import { cat, F, ones, scope, tensor, zeros, type Tensor } from '../torch/index.js';
import { TASK_HEAD_DROPOUT } from './caption.js';
import { AnswerVocabulary } from './answer-vocabulary.js';
import { FusionError, fusionInput, keyMask, keyValidity, requireFusion, runFusion, vocabLogits, vSep, type FusionModel } from './fusion.js';
import { contrastiveLoss } from './losses.js';
import type { T2VLP, VideoEncoding } from './t2vlp.js';

export interface QuestionBatch {
  video: Tensor;
  /** [B, T] (or [B, 1, T]). */
  videoMask: Tensor;
  /** [B, L] int64 question ids (or [B, 1, L]). */
  questionIds: Tensor;
  /** [B, L]. */
  questionMask: Tensor;
}

export interface QABatch extends QuestionBatch {
  /** [B] int64: token ids (no vocabulary) or labels of `answers`. */
  answerIds: Tensor;
  /** [B, L] "question answer" tokenised as one caption, and its mask: the contrastive loss's text. */
  alignText: Tensor;
  alignMask: Tensor;
}

export interface QAOptions {
  /** Whole-answer vocabulary; without it answers are token ids (the reference). */
  answers?: AnswerVocabulary;
  /** Called with named intermediates (parity tests); `keep()` what you store. */
  trace?: (name: string, t: Tensor) => void;
}

export interface QALoss {
  /** answer + contrastive: what the QA script back-propagates. */
  loss: Tensor;
  answer: Tensor;
  contrastive: Tensor;
}

const flat = (t: Tensor): Tensor => (t.shape.length === 3 ? t.reshape(t.shape[0]!, t.shape[2]!) : t);

function shapes(model: T2VLP, b: QuestionBatch, where: string): { videoMask: Tensor; ids: Tensor; mask: Tensor } {
  const ids = flat(b.questionIds);
  const mask = flat(b.questionMask);
  const videoMask = flat(b.videoMask);
  if (ids.shape.length !== 2) throw new FusionError('BAD_FUSION_INPUT', `${where}: questionIds must be [B, L], got [${b.questionIds.shape.join(', ')}]`);
  const [B, L] = ids.shape as [number, number];
  const T = model.config.numFrames;
  const S = 1 + T + model.config.numCenters + L + 1;
  if (S > model.config.contextLength)
    throw new FusionError(
      'BAD_FUSION_INPUT',
      `${where}: a question of ${L} positions makes a fusion sequence of ${S}, longer than the positional table (${model.config.contextLength}); tokenise questions to at most ${model.config.contextLength - (S - L)} positions (the reference uses 32)`,
    );
  if (mask.shape.join() !== `${B},${L}`) throw new FusionError('BAD_FUSION_INPUT', `${where}: questionMask must be [${B}, ${L}] like questionIds, got [${b.questionMask.shape.join(', ')}]`);
  if (videoMask.shape.join() !== `${B},${T}`) throw new FusionError('BAD_FUSION_INPUT', `${where}: videoMask must be [${B}, ${T}], got [${b.videoMask.shape.join(', ')}]`);
  return { videoMask, ids, mask };
}

/** Output layer over whole answers: weight [E, A], bias [A] (mean of each answer's token columns). */
function answerHead(m: FusionModel, answers: AnswerVocabulary): { weight: Tensor; bias: Tensor } {
  return scope(() => {
    const A = answers.size;
    const n = Math.max(...answers.tokenIds.map((t) => t.length));
    const idx: number[] = [];
    const w: number[] = [];
    for (const t of answers.tokenIds)
      for (let j = 0; j < n; j++) {
        idx.push(j < t.length ? t[j]! : 0);
        w.push(j < t.length ? 1 / t.length : 0);
      }
    const V = m.token_embedding.weight.shape[0]!;
    const bad = idx.find((i) => i >= V);
    if (bad !== undefined) throw new FusionError('BAD_ANSWER', `answer vocabulary: token id ${bad} is outside the model's vocabulary of ${V}`);
    const ix = tensor(idx, undefined, 'int64');
    const wt = tensor(w, [A, n, 1], 'float32').to(m.token_embedding.weight.dtype);
    const emb = m.token_embedding.weight.indexSelect(0, ix).reshape(A, n, -1).mul(wt).sum(1); // [A, W]
    const bias = m.fusion_logit_bias.indexSelect(0, ix).reshape(A, n).mul(wt.reshape(A, n)).sum(1); // [A]
    return { weight: m.fusion_proj_embedding.matmul(emb.t()), bias };
  });
}

/** Answer logits [B, V] (or [B, A] with an answer vocabulary). */
export function answerLogitsOf(model: T2VLP, b: QuestionBatch, o: QAOptions = {}, where = 'answerLogits', encoded?: VideoEncoding): Tensor {
  requireFusion(model.clip, where);
  const m = model.clip as unknown as FusionModel;
  return scope(() => {
    const { videoMask, ids, mask } = shapes(model, b, where);
    const [B, L] = ids.shape as [number, number];
    const v = encoded ?? model.encodeVideo(b.video, videoMask);
    const q = model.encodeText(ids).tokens; // causal only: the question mask is not used by the text tower
    const E = q.shape[2]!;
    const x = fusionInput(m, vSep(v.frames, videoMask), v.frames, v.tubes, cat([q, zeros([B, 1, E])], 1));
    // v_sep always visible in QA; the final slot too.
    const valid = keyValidity(cat([ones([B, 1]), videoMask.to('float32')], 1), model.config.numCenters, cat([mask.to('float32'), ones([B, 1])], 1));
    const am = keyMask(valid);
    const out = runFusion(m, x, am);
    o.trace?.('fusion.input', x);
    o.trace?.('fusion.mask', am);
    o.trace?.('fusion.output', out);
    const h = out.select(1, 1 + model.config.numFrames + model.config.numCenters + L); // [B, E]
    if (!o.answers) return vocabLogits(m, h, model.training, TASK_HEAD_DROPOUT);
    const head = answerHead(m, o.answers);
    const logits = F.dropout(h.to(head.weight.dtype), TASK_HEAD_DROPOUT, model.training).matmul(head.weight).add(head.bias);
    return logits.dtype === 'float32' ? logits : logits.to('float32');
  });
}

/** answer cross entropy + the contrastive loss of the video against "question answer" (docs/FUSION.md). */
export function qaObjectives(model: T2VLP, b: QABatch, o: QAOptions = {}): QALoss {
  const where = 'qaLoss';
  requireFusion(model.clip, where);
  return scope(() => {
    shapes(model, b, where);
    const v = model.encodeVideo(b.video, flat(b.videoMask));
    const logits = answerLogitsOf(model, b, o, where, v);
    const [B, A] = logits.shape as [number, number];
    const ans = b.answerIds.reshape(-1);
    if (ans.shape[0] !== B || ans.dtype !== 'int64')
      throw new FusionError('BAD_ANSWER', `${where}: answerIds must be int64 [${B}], got ${ans.dtype} [${b.answerIds.shape.join(', ')}]`);
    const a = Array.from(ans.toArray() as BigInt64Array, Number);
    const bad = a.findIndex((x) => x < 0 || x >= A);
    if (bad >= 0)
      throw new FusionError(
        'BAD_ANSWER',
        `${where}: answerIds[${bad}] = ${a[bad]} is outside the ${o.answers ? `answer vocabulary of ${A}` : `token vocabulary of ${A}`}; ` +
          (o.answers ? 'drop questions whose answer is not in the vocabulary (AnswerVocabulary.indexOf returns -1 for them)' : 'use the first BPE id of the answer'),
      );
    const answer = F.crossEntropy(logits, ans);
    const t = model.encodeText(flat(b.alignText), flat(b.alignMask));
    const scale = model.clip.logit_scale.exp().to('float32');
    const contrastive = contrastiveLoss(t.embedding.matmul(v.embedding.t()).mul(scale));
    return { loss: answer.add(contrastive), answer, contrastive };
  });
}
