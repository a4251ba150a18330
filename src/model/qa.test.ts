/**
 * Parity of the QA head with the reference (fixture qa_head; model = params_stage1 +
 * params_stage2): fusion input, mask and output, answer logits, n_correct and the training loss
 * (dropout off; max|diff| ≤ 1e-5·max|ref| + 1e-6). Then the whole-answer vocabulary and bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keep, loadSafetensors, scope, tensor, zeros, type Tensor } from '../torch/index.js';
import { AnswerVocabulary, FusionError, T2VLP } from './index.js';
import { fusionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixtureTensor } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-qa-'));
let model: T2VLP;
let f: Map<string, Tensor>;
before(async () => {
  model = await T2VLP.load(await fusionCheckpoint(tmp));
  model.eval();
  f = (await loadSafetensors(REFERENCE_DIR + 'qa_head.safetensors')).tensors;
});
after(() => {
  model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const g = fixtureTensor(() => f);
const question = () => ({ video: g('input.video'), videoMask: g('input.video_mask'), questionIds: g('input.question_ids'), questionMask: g('input.question_mask') });
const qaBatch = () => ({ ...question(), answerIds: g('input.answer_ids'), alignText: g('input.align_text'), alignMask: g('input.align_mask') });

describe('QA head parity (qa_head)', () => {
  test('answer logits, fusion input / mask / output, n_correct', () => {
    scope(() => {
      const seen = new Map<string, Tensor>();
      const logits = model.answerLogits(question(), { trace: (n, t) => seen.set(n, keep(t)) });
      const lnd = (t: Tensor) => t.transpose(0, 1);
      assertClose(lnd(seen.get('fusion.input')!), g('eval.fusion.input'), 'eval.fusion.input');
      assert.ok(seen.get('fusion.mask')!.equal(g('eval.fusion.mask')), 'eval.fusion.mask equal');
      assertClose(lnd(seen.get('fusion.output')!), g('eval.fusion.output'), 'eval.fusion.output');
      assertClose(logits, g('eval.answer_logits'), 'eval.answer_logits');
      const correct = Number(logits.argmax(1).eq(g('input.answer_ids')).sum().item());
      assert.equal(correct, Number(g('eval.n_correct').item()));
      for (const t of seen.values()) t.dispose();
    });
  });

  test('training loss = answer cross entropy + contrastive (dropout off)', () => {
    scope(() => {
      const r = model.qaLoss(qaBatch());
      assertClose(r.loss, g('train.loss'), 'train.loss');
      assertClose(r.loss, r.answer.add(r.contrastive), 'loss = answer + contrastive', 0, 0);
    });
  });

  test('answer vocabulary: one-token answers score as the token head, multi-token answers as whole answers', () => {
    // Synthetic "BPE": each answer's ids are given directly.
    const ids: Record<string, number[]> = { a: [638], b: [5], 'a b': [638, 5], c: [17, 18, 19] };
    const encode = (s: string) => ids[s]!;
    const vocab = AnswerVocabulary.fromAnswers(['a b', 'a', 'c', 'a', 'b'], encode);
    assert.deepEqual(vocab.answers, ['a', 'a b', 'c', 'b']);
    assert.equal(vocab.indexOf('zzz'), -1);
    scope(() => {
      const tokenLogits = model.answerLogits(question());
      const logits = model.answerLogits(question(), { answers: vocab });
      assert.deepEqual(logits.shape, [2, 4]);
      assertClose(logits.select(1, 0), tokenLogits.select(1, 638), 'one-token answer = its token column');
      assertClose(logits.select(1, 3), tokenLogits.select(1, 5), 'one-token answer = its token column');
      // Linear head: the mean of the token columns' weights and biases gives the mean of their logits.
      const mean = tokenLogits.select(1, 638).add(tokenLogits.select(1, 5)).div(2);
      assertClose(logits.select(1, 1), mean, 'two-token answer = mean of its token logits');
      const r = model.qaLoss({ ...qaBatch(), answerIds: tensor([1, 2], undefined, 'int64') }, { answers: vocab });
      assert.ok(Number.isFinite(Number(r.answer.item())));
    });
    const a2l = AnswerVocabulary.fromAns2Label({ c: 1, a: 0 }, encode);
    assert.deepEqual(a2l.answers, ['a', 'c']);
    assert.throws(() => AnswerVocabulary.fromAns2Label({ a: 0, c: 0 }, encode), /labels must be the integers 0..1, each used once/);
  });

  test('bad input: answer outside the vocabulary, question longer than the context, no fusion encoder', async () => {
    scope(() => {
      assert.throws(
        () => model.qaLoss({ ...qaBatch(), answerIds: tensor([1, 1000], undefined, 'int64') }),
        (e: unknown) => e instanceof FusionError && e.code === 'BAD_ANSWER' && /answerIds\[1\] = 1000 is outside the token vocabulary of 1000/.test(e.message),
      );
      const long = { ...question(), questionIds: zeros([2, 60], 'int64'), questionMask: zeros([2, 60], 'int64') };
      assert.throws(() => model.answerLogits(long), /a question of 60 positions makes a fusion sequence of 82, longer than the positional table \(77\); tokenise questions to at most 55 positions/);
    });
    const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    try {
      assert.throws(() => stage1.answerLogits(question()), (e: unknown) => e instanceof FusionError && e.code === 'NO_FUSION_ENCODER' && /answerLogits: this model has no fusion encoder/.test(e.message));
      assert.throws(() => stage1.qaLoss(qaBatch()), /qaLoss: this model has no fusion encoder/);
    } finally {
      stage1.dispose();
    }
  });
});
