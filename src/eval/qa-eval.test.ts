/**
 * evaluateQa and qaChance on a generated dataset (MSRVTT-QA layout in qa/) with a tiny
 * random-weight fusion model: each video is read once for all its questions; the predictions equal
 * model.answerLogits asked one question at a time; accuracy overall and per type equal a hand count;
 * token answers follow the reference (first BPE token); an answer outside the vocabulary counts
 * wrong; a long question is cut with a warning; bad inputs are refused with their messages.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipTokenizer, clipToTensors, generateSyntheticDataset, loadMsrvttQa, readAnswerVocab, VideoReader, type Sample, type VideoSource } from '../data/index.js';
import { AnswerVocabulary, T2VLP } from '../model/index.js';
import { manualSeed, memoryStats, noGrad, scope } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { qaChance } from './qa-chance.js';
import { evaluateQa } from './qa-eval.js';
import { TaskEvalError } from './task-eval-error.js';

class CountingReader extends VideoReader {
  reads = 0;
  override read(source: VideoSource | string, call?: Parameters<VideoReader['read']>[1]) {
    this.reads++;
    return super.read(source, call);
  }
}

let dir: string;
let model: T2VLP;
let tokenizer: ClipTokenizer;
let samples: Sample[];
let vocab: AnswerVocabulary;
const reader = () => new CountingReader({ maxFrames: 4, imageSize: 32, featureFramerate: 2, fill: 'repeat' });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-qaeval-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), numVideos: 10, numFrames: 8, width: 32, height: 32, captionsPerVideo: 1, testFraction: 0.3 });
  samples = (await loadMsrvttQa({ dataDir: join(dir, 'data', 'qa'), videoDir: join(dir, 'data', 'videos'), split: 'test' })).samples;
  manualSeed(2);
  model = new T2VLP({ ...TINY_CONFIG, embedDim: 64, fusion: true }).eval();
  tokenizer = await ClipTokenizer.load();
  const map = await readAnswerVocab(join(dir, 'data', 'qa', 'train_ans2label.json'));
  vocab = AnswerVocabulary.fromAns2Label(Object.fromEntries(map), (t) => tokenizer.encode(t));
});
after(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The arg-max of answerLogits for one question, its video read and encoded on its own. */
const clips = new Map<string, ReturnType<VideoReader['read']>>();
async function oneByOne(s: Sample, answers?: AnswerVocabulary): Promise<number> {
  if (!clips.has(s.videoId)) clips.set(s.videoId, reader().read(s.video));
  const clip = await clips.get(s.videoId)!;
  return noGrad(() =>
    scope(() => {
      const t = clipToTensors(clip);
      const q = tokenizer.batch([s.qa!.question]);
      const logits = model.answerLogits({ video: t.frames.unsqueeze(0), videoMask: t.mask.unsqueeze(0), questionIds: q.inputIds, questionMask: q.attentionMask }, { answers });
      return Number((logits.argmax(1).toArray() as BigInt64Array)[0]);
    }),
  );
}

describe('evaluateQa', () => {
  test('whole answers: one read per video; predictions = answerLogits per question; accuracy = hand count', async () => {
    const videoReader = reader();
    const r = await evaluateQa(model, samples, { tokenizer, videoReader, vocabulary: vocab, batchSize: 2 });
    assert.equal(videoReader.reads, 3, 'three test videos, several questions each');
    assert.ok(samples.length > 6);
    assert.equal(r.predictions.length, samples.length);
    for (const [i, s] of samples.entries()) {
      const p = r.predictions[i]!;
      assert.equal(p.question, s.qa!.question);
      assert.equal(p.predicted, vocab.answers[await oneByOne(s, vocab)]);
      assert.equal(p.correct, p.predicted === s.qa!.answer);
    }
    const correct = r.predictions.filter((p) => p.predicted === p.answer).length;
    assert.equal(r.correct, correct);
    assert.equal(r.accuracy, correct / samples.length);
    for (const type of new Set(samples.map((s) => s.qa!.answerType!))) {
      const of = r.predictions.filter((p) => p.answerType === type);
      assert.deepEqual(r.perType[type], { correct: of.filter((p) => p.correct).length, total: of.length, accuracy: of.filter((p) => p.correct).length / of.length });
    }
    assert.equal(r.outOfVocabulary, 0);
    assert.equal(r.truncatedQuestions, 0);
  });

  test("token answers (no vocabulary): correct when the arg-max is the answer's first BPE token; no tensor outlives the call", async () => {
    const before = memoryStats().liveTensors;
    const r = await evaluateQa(model, samples.slice(0, 4), { tokenizer, videoReader: reader() });
    assert.equal(memoryStats().liveTensors, before);
    for (const [i, s] of samples.slice(0, 4).entries()) {
      const id = await oneByOne(s);
      assert.equal(r.predictions[i]!.predicted, tokenizer.decode([id]).trim());
      assert.equal(r.predictions[i]!.correct, id === tokenizer.encode(s.qa!.answer)[0]);
    }
  });

  test('an answer outside the vocabulary counts wrong; a long question is cut with one warning', async () => {
    const long = 'what color is the shape that moves after the other shape ' + 'and then again '.repeat(10) + '?';
    const odd = [
      { ...samples[0]!, qa: { ...samples[0]!.qa!, answer: 'ultraviolet' } },
      { ...samples[1]!, qa: { ...samples[1]!.qa!, question: long } },
    ];
    const warnings: string[] = [];
    const r = await evaluateQa(model, odd, { tokenizer, videoReader: reader(), vocabulary: vocab, onWarning: (m) => warnings.push(m) });
    assert.equal(r.outOfVocabulary, 1);
    assert.equal(r.predictions[0]!.correct, false);
    assert.equal(r.truncatedQuestions, 1);
    assert.deepEqual(warnings, ['evaluateQa: 1 of 2 questions are longer than 30 tokens and were cut to fit (--max-words 32)']);
  });

  test('bad input: no samples, a sample without a question, maxWords past the context, no fusion encoder', async () => {
    const o = { tokenizer, videoReader: reader(), vocabulary: vocab };
    await assert.rejects(evaluateQa(model, [], o), (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_SAMPLES');
    await assert.rejects(
      evaluateQa(model, [samples[0]!, { videoId: 'v', video: samples[0]!.video, split: 'test', caption: 'x' }], o),
      (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_QUESTION' && /1 of 2 samples have no question and answer \(sample 1\)/.test(e.message),
    );
    await assert.rejects(
      evaluateQa(model, samples, { ...o, maxWords: 71 }),
      (e: unknown) => e instanceof TaskEvalError && e.code === 'BAD_OPTION' && /maxWords must be an integer from 3 to 69 .* got 71/.test(e.message),
    );
    const stage1 = new T2VLP(TINY_CONFIG);
    try {
      await assert.rejects(evaluateQa(stage1, samples, o), (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_FUSION_ENCODER' && /no answer head/.test(e.message));
    } finally {
      stage1.dispose();
    }
  });
});

describe('qaChance', () => {
  test('most frequent training answer, and uniform over the vocabulary (answers outside it unreachable)', () => {
    const c = qaChance(['red', 'blue', 'red', 'green'], { vocabularySize: 4, vocabulary: { indexOf: (a) => (a === 'green' ? -1 : 0) }, trainAnswers: ['blue', 'blue', 'red'] });
    assert.deepEqual(c, { mostFrequent: { answer: 'blue', accuracy: 0.25, from: 'train' }, uniform: 3 / 4 / 4 });
    const t = qaChance(['red', 'blue', 'red'], { vocabularySize: 10 });
    assert.deepEqual(t, { mostFrequent: { answer: 'red', accuracy: 2 / 3, from: 'test' }, uniform: 0.1 });
    assert.throws(() => qaChance([], { vocabularySize: 3 }), /no answers to score/);
  });
});
