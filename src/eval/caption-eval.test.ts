/**
 * evaluateCaptioning on a generated dataset (MSR-VTT layout, several captions per video) with a
 * tiny random-weight fusion model: each video is read once however many references it has, the
 * metrics are exactly captionMetrics on the returned predictions, and the bad inputs (no samples,
 * a video without references, a model without the fusion encoder) are refused with their messages.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipTokenizer, generateSyntheticDataset, readCaptionSplit, VideoReader, type Sample, type VideoSource } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed, memoryStats } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { captionMetrics } from './caption/index.js';
import { evaluateCaptioning } from './caption-eval.js';
import { TaskEvalError } from './task-eval-error.js';

/** Counts the clips read. */
class CountingReader extends VideoReader {
  reads: string[] = [];
  override read(source: VideoSource | string, call?: Parameters<VideoReader['read']>[1]) {
    this.reads.push(typeof source === 'string' ? source : JSON.stringify(source));
    return super.read(source, call);
  }
}

let dir: string;
let model: T2VLP;
let tokenizer: ClipTokenizer;
let samples: Sample[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-capeval-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), numVideos: 10, numFrames: 8, width: 32, height: 32, captionsPerVideo: 3, testFraction: 0.3 });
  samples = (await readCaptionSplit('msrvtt', join(dir, 'data'), 'test')).samples;
  manualSeed(1);
  model = new T2VLP({ ...TINY_CONFIG, embedDim: 64, fusion: true }).eval();
  tokenizer = await ClipTokenizer.load();
});
after(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const reader = () => new CountingReader({ maxFrames: 4, imageSize: 32, featureFramerate: 2, fill: 'repeat' });

describe('evaluateCaptioning', () => {
  test('one read per video, all references kept, metrics = captionMetrics of the predictions', async () => {
    assert.equal(samples.length, 9, '3 test videos × 3 captions');
    const videoReader = reader();
    const progress: number[] = [];
    const r = await evaluateCaptioning(model, samples, { tokenizer, videoReader, batchSize: 2, maxSteps: 6, meteor: 'off', onProgress: (d) => progress.push(d) });
    assert.equal(videoReader.reads.length, 3);
    assert.deepEqual(progress, [2, 3]);
    assert.deepEqual(r.predictions.map((p) => p.videoId), ['video7', 'video8', 'video9']);
    for (const p of r.predictions) {
      assert.deepEqual(p.references, samples.filter((s) => s.videoId === p.videoId).map((s) => s.caption));
      assert.equal(typeof p.caption, 'string');
    }
    const refs = Object.fromEntries(r.predictions.map((p) => [p.videoId, p.references]));
    const cands = Object.fromEntries(r.predictions.map((p) => [p.videoId, p.caption]));
    assert.deepEqual(r.metrics, await captionMetrics(refs, cands, { meteor: 'off' }));
    assert.deepEqual(Object.keys(r.metrics), ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr']);
    // 'none' scores the strings as given: the same predictions, possibly other scores.
    const none = await evaluateCaptioning(model, samples, { tokenizer, videoReader: reader(), batchSize: 3, maxSteps: 6, meteor: 'off', tokenize: 'none' });
    assert.deepEqual(none.metrics, await captionMetrics(refs, Object.fromEntries(none.predictions.map((p) => [p.videoId, p.caption])), { meteor: 'off', tokenize: 'none' }));
  });

  test('beam search (beam 2) runs through the same path; no tensor outlives the call', async () => {
    const before = memoryStats().liveTensors;
    const r = await evaluateCaptioning(model, samples.slice(0, 3), { tokenizer, videoReader: reader(), beam: 2, maxSteps: 4, meteor: 'off' });
    assert.equal(r.predictions.length, 1);
    await evaluateCaptioning(model, samples, { tokenizer, videoReader: reader(), batchSize: 2, maxSteps: 3, meteor: 'off' });
    assert.equal(memoryStats().liveTensors, before);
  });

  test('bad input: no samples, a video without references, a model without the fusion encoder, a bad batch size', async () => {
    const o = { tokenizer, videoReader: reader(), meteor: 'off' as const };
    await assert.rejects(evaluateCaptioning(model, [], o), (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_SAMPLES' && /no samples to caption/.test(e.message));
    const bare = [...samples, { videoId: 'video99', video: samples[0]!.video, split: 'test' as const, caption: '  ' }];
    await assert.rejects(
      evaluateCaptioning(model, bare, o),
      (e: unknown) => e instanceof TaskEvalError && e.code === 'MISSING_REFERENCES' && /1 of 4 videos have no reference caption \("video99"\)/.test(e.message),
    );
    const stage1 = new T2VLP(TINY_CONFIG);
    try {
      await assert.rejects(evaluateCaptioning(stage1, samples, o), (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_FUSION_ENCODER' && /no fusion encoder/.test(e.message));
    } finally {
      stage1.dispose();
    }
    await assert.rejects(evaluateCaptioning(model, samples, { ...o, batchSize: 0 }), /batchSize must be an integer ≥ 1, got 0/);
  });
});
