/**
 * Captioning and QA fine-tuning in the training loop, on the tiny generated dataset: each
 * objective reports the terms the issue names, its loss is finite and falls over a few steps on
 * one repeated batch; QA trains over the dataset's answer vocabulary (written beside the run) or
 * over first tokens; an answer outside the vocabulary is left out and counted; a dataset without
 * QA pairs (for QA), QA pairs (for captioning) and a model without the fusion encoder are refused
 * with what to do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CachingVideoReader, ClipTokenizer, readCaptionSplit, readQaSplit, type Sample } from '../data/index.js';
import { AnswerVocabulary, ANSWER_VOCABULARY_FILE, T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TrainingError } from './errors.js';
import { PRESETS, type TrainSettings } from './presets.js';
import { Progress } from './progress.js';
import { answerVocabularyOf } from './qa-samples.js';
import { TINY_FUSION_MODEL, TINY_SETTINGS, tinyDataset } from './testing/tiny.js';
import { trainModel, type TrainRunOptions } from './trainer.js';

const tokenizer = await ClipTokenizer.load();
const encode = (t: string) => tokenizer.encode(t);
const dataDir = await tinyDataset();
const captions = await readCaptionSplit('msvd', dataDir, 'train');
const qa = await readQaSplit('msrvtt-qa', dataDir, 'train');
const videos = new CachingVideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32, fill: 'repeat' });
const tmp = () => mkdtempSync(join(tmpdir(), 't2vlp-task-'));

/** The preset's objective on the tiny model; a batch of 4 repeated every step (one batch per epoch). */
const tiny = (preset: string, epochs: number): TrainSettings => ({
  ...PRESETS[preset]!,
  ...{ maxWords: TINY_SETTINGS.maxWords, maxFrames: 4, featureFramerate: 2, model: undefined },
  batchSize: 4,
  epochs,
  lr: 1e-3,
  newModuleLr: 1e-3,
  warmup: 0,
});

const run = (model: T2VLP, samples: readonly Sample[], settings: TrainSettings, extra: Partial<TrainRunOptions> = {}) =>
  trainModel({ model, samples, tokenizer, videos, settings, outDir: tmp(), progress: new Progress({ quiet: true }), ...extra });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Finite, and the mean of the last 2 steps below the first 2 (the task heads use dropout 0.5). */
function assertFalls(name: string, xs: number[]): void {
  assert.ok(xs.every(Number.isFinite), `${name} is finite at every step: ${xs.join(', ')}`);
  const first = mean(xs.slice(0, 2));
  const last = mean(xs.slice(-2));
  assert.ok(last < first, `${name} fell from ${first.toFixed(4)} to ${last.toFixed(4)} over ${xs.length} steps`);
}

describe('captioning and QA objectives in the training loop', () => {
  test('caption: loss = caption + align + contrastive, finite and falling on a repeated batch', async () => {
    manualSeed(21);
    const model = new T2VLP(TINY_FUSION_MODEL);
    try {
      const r = await run(model, captions.samples.slice(0, 4), tiny('msvd-caption', 8));
      assert.deepEqual(Object.keys(r.terms), ['caption', 'align', 'contrastive']);
      r.losses.forEach((l, i) => {
        const sum = r.terms.caption![i]! + r.terms.align![i]! + r.terms.contrastive![i]!;
        assert.ok(Math.abs(l - sum) < 1e-3 * Math.max(1, l), `loss = caption + align + contrastive at step ${i}`);
      });
      assertFalls('caption loss', r.losses);
      assertFalls('caption term', r.terms.caption!);
    } finally {
      model.dispose();
    }
  });

  test('qa over the answer vocabulary: loss = answer + contrastive, falling; the vocabulary is written beside the run', async () => {
    manualSeed(22);
    const model = new T2VLP(TINY_FUSION_MODEL);
    const answers = answerVocabularyOf(qa, encode);
    const outDir = tmp();
    try {
      const r = await trainModel({
        model, samples: qa.samples.slice(0, 4), tokenizer, videos, settings: tiny('msrvtt-qa', 8), outDir, progress: new Progress({ quiet: true }), answers,
      });
      assert.deepEqual(Object.keys(r.terms), ['answer', 'contrastive']);
      assert.equal(r.outOfVocabulary, 0);
      assertFalls('qa loss', r.losses);
      assertFalls('answer term', r.terms.answer!);
      const saved = JSON.parse(readFileSync(join(outDir, ANSWER_VOCABULARY_FILE), 'utf8')) as Record<string, number>;
      assert.deepEqual(saved, Object.fromEntries(qa.answerVocab!), 'train_ans2label.json beside the run is the dataset one');
    } finally {
      model.dispose();
    }
  });

  test('qa over first tokens (the reference): falling on a repeated batch', async () => {
    manualSeed(23);
    const model = new T2VLP(TINY_FUSION_MODEL);
    try {
      const r = await run(model, qa.samples.slice(0, 4), { ...tiny('msrvtt-qa', 8), qaAnswers: 'first-token' });
      assert.equal(r.outOfVocabulary, undefined);
      assertFalls('answer term', r.terms.answer!);
    } finally {
      model.dispose();
    }
  });

  test('an answer outside the vocabulary: the sample is left out of training and counted', async () => {
    manualSeed(24);
    const model = new T2VLP(TINY_FUSION_MODEL);
    const samples = qa.samples.slice(0, 6);
    const known = samples.slice(0, 4).map((s) => s.qa!.answer);
    // A vocabulary holding the answers of the first four samples only.
    const answers = AnswerVocabulary.fromAnswers(known, encode);
    const outside = samples.filter((s) => answers.indexOf(s.qa!.answer) < 0).length;
    assert.ok(outside > 0, 'the test needs answers outside the vocabulary');
    try {
      const r = await run(model, samples, { ...tiny('msrvtt-qa', 1), batchSize: 2 }, { answers });
      assert.equal(r.outOfVocabulary, outside);
      assert.equal(r.totalSteps, Math.floor((samples.length - outside) / 2));
      // With every answer outside, nothing is left to train on: a clear error.
      const none = AnswerVocabulary.fromAnswers(['no such answer'], encode);
      await assert.rejects(run(model, samples, tiny('msrvtt-qa', 1), { answers: none }), (e: unknown) => {
        assert.ok(e instanceof TrainingError && e.code === 'NO_DATA');
        assert.match(e.message, /0 training samples is fewer than one batch of 4 \(6 QA samples left out: answer not in the vocabulary of 1\)/);
        return true;
      });
    } finally {
      model.dispose();
    }
  });

  test('the QA objective on a captioning dataset, captioning on a QA dataset, and either objective on a model without the fusion encoder, are refused', async () => {
    const model = new T2VLP(TINY_FUSION_MODEL);
    const stage1 = new T2VLP({ ...TINY_FUSION_MODEL, fusion: false });
    try {
      await assert.rejects(run(model, captions.samples.slice(0, 4), tiny('msrvtt-qa', 1)), (e: unknown) => {
        assert.ok(e instanceof TrainingError && e.code === 'NO_QA');
        assert.match(e.message, /is not a question-answer pair; the QA objective needs a QA dataset \(--dataset msrvtt-qa or msvd-qa/);
        return true;
      });
      assert.throws(() => answerVocabularyOf(captions, encode), { code: 'NO_QA' });
      await assert.rejects(run(model, qa.samples.slice(0, 4), tiny('msvd-caption', 1)), {
        code: 'BAD_OPTION',
        message: /is a question-answer pair, not a caption; train captioning on a caption dataset \(--dataset msvd or msrvtt\)/,
      });
      for (const preset of ['msvd-caption', 'msrvtt-qa'])
        await assert.rejects(run(stage1, (preset === 'msvd-caption' ? captions : qa).samples.slice(0, 4), tiny(preset, 1)), (e: unknown) => {
          assert.ok(e instanceof TrainingError && e.code === 'NO_FUSION');
          assert.match(e.message, /needs the fusion encoder, but the model has none/);
          return true;
        });
    } finally {
      model.dispose();
      stage1.dispose();
    }
  });
});
