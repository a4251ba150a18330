/**
 * `t2vlp train` with the captioning and QA presets on the tiny generated dataset (each preset
 * reads its own format: MSVD captions, MSR-VTT captions, MSRVTT-QA, MSVD-QA), from a checkpoint
 * with the fusion encoder; a QA run writes train_ans2label.json beside its model and `t2vlp ask`
 * answers from it; a QA preset on a folder without QA files, on a captioning format, and any of
 * these presets on a checkpoint without the fusion encoder are refused with what to do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TINY_FUSION_MODEL, tinyDataset } from '../train/testing/tiny.js';
import { runCli } from './testing/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-train-tasks-'));
const fusionCkpt = join(tmp, 'stage2.safetensors');
const stage1Ckpt = join(tmp, 'stage1.safetensors');
let data = '';

before(async () => {
  data = await tinyDataset();
  manualSeed(5);
  const m = new T2VLP(TINY_FUSION_MODEL);
  await m.save(fusionCkpt);
  m.dispose();
  const s = new T2VLP({ ...TINY_FUSION_MODEL, fusion: false });
  await s.save(stage1Ckpt);
  s.dispose();
});

const common = () => ['--data', data, '--batch-size', '4', '--max-words', '16', '--feature-framerate', '2', '--max-steps', '1', '--json'];
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('t2vlp train with the captioning and QA presets', () => {
  for (const [preset, objective, terms] of [
    ['msvd-caption', 'caption', ['caption', 'align', 'contrastive']],
    ['msrvtt-caption', 'caption', ['caption', 'align', 'contrastive']],
    ['msrvtt-qa', 'qa', ['answer', 'contrastive']],
    ['msvd-qa', 'qa', ['answer', 'contrastive']],
  ] as const) {
    test(`--preset ${preset} trains the ${objective} objective`, async () => {
      const out = join(tmp, preset);
      const r = await runCli(['train', '--preset', preset, '--init', fusionCkpt, '--out', out, ...common()]);
      assert.equal(r.code, 0, r.err);
      const last = lastJson(r.out);
      assert.equal(last.objective, objective);
      assert.equal(last.steps, 1);
      assert.ok(Number.isFinite(last.finalLoss));
      const step = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.type === 'step')!;
      for (const k of terms) assert.equal(typeof step[k], 'number', `the step record has ${k}`);
      if (objective === 'qa') {
        const vocab = JSON.parse(readFileSync(join(out, 'train_ans2label.json'), 'utf8')) as Record<string, number>;
        assert.deepEqual(vocab, JSON.parse(readFileSync(join(data, 'qa', 'train_ans2label.json'), 'utf8')));
        assert.equal(last.answerVocabulary, Object.keys(vocab).length);
        assert.equal(last.outOfVocabulary, 0);
      }
    });
  }

  test('t2vlp ask answers from the vocabulary written beside a QA model', async () => {
    const model = join(tmp, 'msrvtt-qa', 'model.safetensors');
    const r = await runCli(['ask', '--checkpoint', model, join(data, 'videos', 'video0.mp4'), 'what colour is the square?', '--top', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const vocab = Object.keys(JSON.parse(readFileSync(join(tmp, 'msrvtt-qa', 'train_ans2label.json'), 'utf8')) as object);
    const answers = (JSON.parse(r.out) as { answers: { answer: string }[] }).answers;
    assert.equal(answers.length, 3);
    for (const a of answers) assert.ok(vocab.includes(a.answer), `'${a.answer}' is a whole answer of the vocabulary`);
  });

  test('a QA preset on a folder without QA files or on a captioning format, and a checkpoint without the fusion encoder, are refused', async () => {
    // The MSR-VTT files and videos, without qa/.
    const noQa = join(tmp, 'no-qa');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(noQa);
    for (const f of ['videos', 'MSRVTT_data.json', 'MSRVTT_train.9k.csv', 'train_list.txt', 'raw-captions.json']) symlinkSync(join(data, f), join(noQa, f));
    const missing = await runCli(['train', '--preset', 'msrvtt-qa', '--init', fusionCkpt, '--out', join(tmp, 'x1'), ...common(), '--data', noQa]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no msrvtt-qa annotation 'train\.jsonl' in '.*no-qa' or '.*no-qa\/qa'; is this a msrvtt-qa folder/);
    const captions = await runCli(['train', '--preset', 'msrvtt-qa', '--dataset', 'msvd', '--init', fusionCkpt, '--out', join(tmp, 'x2'), ...common()]);
    assert.equal(captions.code, 1);
    assert.match(captions.err, /is not a question-answer pair; the QA objective needs a QA dataset/);
    for (const preset of ['msvd-caption', 'msvd-qa']) {
      const r = await runCli(['train', '--preset', preset, '--init', stage1Ckpt, '--out', join(tmp, `x-${preset}`), ...common()]);
      assert.equal(r.code, 1);
      assert.match(r.err, /objective \((caption|answer) \+ sim.*\) needs the fusion encoder, but the model has none/);
    }
  });
});
