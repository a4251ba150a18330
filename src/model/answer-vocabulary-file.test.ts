// train_ans2label.json beside a checkpoint: written and read back in label order, found beside the
// checkpoint, and a bad file refused with the reader's message.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AnswerVocabulary } from './answer-vocabulary.js';
import { ANSWER_VOCABULARY_FILE, answerVocabularyBeside, readAnswerVocabulary, writeAnswerVocabulary } from './answer-vocabulary-file.js';

const encode = (t: string) => [...t].map((c) => c.charCodeAt(0));

test('write, find beside the checkpoint, read back; bad files are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-answers-'));
  const ckpt = join(dir, 'model.safetensors');
  assert.equal(answerVocabularyBeside(ckpt), undefined);
  const v = AnswerVocabulary.fromAnswers(['dog', 'cat', 'dog', 'car'], encode);
  await writeAnswerVocabulary(join(dir, ANSWER_VOCABULARY_FILE), v);
  const found = answerVocabularyBeside(ckpt);
  assert.equal(found, join(dir, ANSWER_VOCABULARY_FILE));
  assert.deepEqual((await readAnswerVocabulary(found!, encode)).answers, ['dog', 'cat', 'car']);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"dog": "zero"}');
  await assert.rejects(readAnswerVocabulary(bad, encode), { code: 'BAD_FORMAT', message: /readAnswerVocab: answer 'dog' of '.*bad\.json' has class id "zero"; expected an integer/ });
  writeFileSync(bad, '{"dog": 1}');
  await assert.rejects(readAnswerVocabulary(bad, encode), { code: 'BAD_ANSWER', message: /labels must be the integers 0\.\.0/ });
});
