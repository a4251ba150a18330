/**
 * Video QA evaluation of a model on a split (docs/EVAL.md "Question answering"): each distinct
 * video is read and encoded once, in batches, and all of its questions are answered from that
 * encoding. With an answer vocabulary the prediction is the highest-scoring whole answer; without
 * one it is a single token of the CLIP vocabulary and, as in the reference, a question counts as
 * correct when that token is the first BPE token of the ground-truth answer. A ground-truth answer
 * outside the vocabulary can never be predicted: it counts as wrong (and in `outOfVocabulary`).
 * Questions longer than `maxWords` − 2 tokens are cut as the reference's loader cuts them
 * (docs/DATA.md §1.2) and counted in `truncatedQuestions`.
 */
import type { ClipTokenizer, Sample, VideoReader } from '../data/index.js';
import { clipToTensors } from '../data/index.js';
import type { AnswerVocabulary, T2VLP } from '../model/index.js';
import { noGrad, scope, stack, tensor, type Device } from '../torch/index.js';
import { qaAccuracy, type QAScore } from './qa-accuracy.js';
import { checkBatchSize, TaskEvalError } from './task-eval-error.js';

export interface QaEvalOptions {
  tokenizer: ClipTokenizer;
  videoReader: VideoReader;
  /** Whole answers (train_ans2label.json); without it, single-token answers as the reference. */
  vocabulary?: AnswerVocabulary;
  /** Videos encoded, and questions answered, per forward pass (default 32). */
  batchSize?: number;
  /** Question row length, start and end ids included (default 32, the reference's). */
  maxWords?: number;
  /** Questions answered so far, of all. */
  onProgress?: (done: number, total: number) => void;
  /** Called once when some questions were cut to fit `maxWords`. */
  onWarning?: (message: string) => void;
}

export interface QaPrediction {
  videoId?: string;
  question: string;
  answer: string;
  predicted: string;
  correct: boolean;
  answerType?: string;
}

export interface QaEvalResult {
  /** Fraction of the questions answered correctly. */
  accuracy: number;
  correct: number;
  total: number;
  /** Per answer type (questions without one under 'other'). */
  perType: Record<string, QAScore>;
  /** Ground-truth answers not in the vocabulary (0 without one): always wrong. */
  outOfVocabulary: number;
  /** Questions longer than the row, cut to its first `maxWords` − 2 tokens. */
  truncatedQuestions: number;
  /** In the samples' order. */
  predictions: QaPrediction[];
}

interface Question {
  index: number;
  videoId: string;
  question: string;
  answer: string;
  answerType?: string;
}

function questionsOf(samples: readonly Sample[], where: string): Question[] {
  if (samples.length === 0)
    throw new TaskEvalError('NO_SAMPLES', `${where}: no questions to answer; expected at least one sample with a { question, answer } (an empty split?)`);
  const bad = samples.flatMap((s, i) => (s.qa && typeof s.qa.question === 'string' && typeof s.qa.answer === 'string' ? [] : [i]));
  if (bad.length)
    throw new TaskEvalError(
      'NO_QUESTION',
      `${where}: ${bad.length} of ${samples.length} samples have no question and answer (sample ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}); pass the samples of a QA reader (loadMsrvttQa, loadMsvdQa)`,
    );
  return samples.map((s, index) => ({ index, videoId: s.videoId, question: s.qa!.question, answer: s.qa!.answer, answerType: s.qa!.answerType }));
}

/** Answers every question of `samples`, encoding each distinct video once, and scores the answers. */
export async function evaluateQa(model: T2VLP, samples: readonly Sample[], o: QaEvalOptions): Promise<QaEvalResult> {
  const where = 'evaluateQa';
  if (!model.hasFusion)
    throw new TaskEvalError(
      'NO_FUSION_ENCODER',
      `${where}: the model has no fusion encoder (a stage-1 checkpoint), so it has no answer head; evaluate a QA checkpoint (t2vlp train --preset msrvtt-qa / msvd-qa)`,
    );
  const B = checkBatchSize(o.batchSize, where);
  const L = o.maxWords ?? 32;
  const { numFrames: T, numCenters: K, contextLength } = model.config;
  if (!Number.isInteger(L) || L < 3 || 1 + T + K + L + 1 > contextLength)
    throw new TaskEvalError(
      'BAD_OPTION',
      `${where}: maxWords must be an integer from 3 to ${contextLength - T - K - 2} (the fusion sequence [v_sep, ${T} frames, ${K} tubes, question, answer slot] must fit ${contextLength} positions), got ${L}`,
    );
  const questions = questionsOf(samples, where);
  const { tokenizer, vocabulary } = o;
  const truncated = questions.filter((q) => tokenizer.encode(q.question).length > L - 2).length;
  if (truncated) o.onWarning?.(`${where}: ${truncated} of ${questions.length} questions are longer than ${L - 2} tokens and were cut to fit (--max-words ${L})`);

  const byVideo = new Map<string, Question[]>();
  for (const q of questions) {
    const list = byVideo.get(q.videoId);
    if (list) list.push(q);
    else byVideo.set(q.videoId, [q]);
  }
  const groups = [...byVideo.values()];
  const predictedIds = new Array<number>(questions.length);
  const wasTraining = model.training;
  model.eval();
  let done = 0;
  try {
    for (let g = 0; g < groups.length; g += B) {
      const part = groups.slice(g, g + B);
      const clips = await Promise.all(part.map((qs) => o.videoReader.read(samples[qs[0]!.index]!.video)));
      const asked = part.flatMap((qs, v) => qs.map((q) => ({ q, v })));
      noGrad(() =>
        scope(() => {
          const ts = clips.map((c) => clipToTensors(c));
          const frames = stack(ts.map((t) => t.frames));
          const mask = stack(ts.map((t) => t.mask));
          const enc = model.encodeVideo(frames, mask);
          for (let i = 0; i < asked.length; i += B) {
            const chunk = asked.slice(i, i + B);
            scope(() => {
              const idx = tensor(chunk.map((c) => c.v), undefined, 'int64').to(enc.frames.device as Device);
              const encoded = { frames: enc.frames.indexSelect(0, idx), tubes: enc.tubes.indexSelect(0, idx), embedding: enc.embedding.indexSelect(0, idx) };
              const q = tokenizer.batch(chunk.map((c) => c.q.question), { maxWords: L });
              const batch = { video: frames, videoMask: mask.indexSelect(0, idx), questionIds: q.inputIds, questionMask: q.attentionMask };
              const best = model.answerLogits(batch, { answers: vocabulary, encoded }).argmax(1);
              const ids = best.toArray() as BigInt64Array;
              chunk.forEach((c, k) => (predictedIds[c.q.index] = Number(ids[k]!)));
            });
          }
        }),
      );
      done += asked.length;
      o.onProgress?.(done, questions.length);
    }
  } finally {
    if (wasTraining) model.train();
  }

  // Token answers compare ids (the reference: the answer's first BPE token); whole answers compare strings.
  const firstToken = (a: string): string => String(tokenizer.encode(a)[0] ?? -1);
  const items = questions.map((q) => {
    const id = predictedIds[q.index]!;
    return vocabulary
      ? { prediction: vocabulary.answers[id]!, answer: q.answer, type: q.answerType }
      : { prediction: String(id), answer: firstToken(q.answer), type: q.answerType };
  });
  const score = qaAccuracy(items, { vocabulary });
  const predictions = questions.map((q, i): QaPrediction => {
    const id = predictedIds[q.index]!;
    const predicted = vocabulary ? vocabulary.answers[id]! : tokenizer.decode([id]).trim();
    const correct = items[i]!.prediction === items[i]!.answer;
    return { videoId: q.videoId, question: q.question, answer: q.answer, predicted, correct, ...(q.answerType !== undefined ? { answerType: q.answerType } : {}) };
  });
  return {
    accuracy: score.accuracy,
    correct: score.correct,
    total: score.total,
    perType: score.perType,
    outOfVocabulary: score.outOfVocabulary,
    truncatedQuestions: truncated,
    predictions,
  };
}
