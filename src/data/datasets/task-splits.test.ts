// readCaptionSplit / readQaSplit on a generated dataset: MSVD and MSR-VTT captions (train one
// sample per caption; val/test grouped by video with every caption), MSRVTT-QA and MSVD-QA from
// the qa/ subfolder (the same questions, the dataset's answer vocabulary, .mp4 videos), and what
// a folder without the files says.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSyntheticDataset } from '../synthetic/index.js';
import { msvdVideoExt, qaSplitFolder, readCaptionSplit, readQaSplit, readQaTrainAnswers } from './task-splits.js';

const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-task-splits-')), 'data');
const made = await generateSyntheticDataset({ outDir: dir, numVideos: 5, numFrames: 4, fps: 4, width: 16, height: 16, seed: 2, captionsPerVideo: 3, valFraction: 0.2, testFraction: 0.2 });

test('caption splits: MSVD and MSR-VTT, train per caption, test grouped by video', async () => {
  for (const format of ['msvd', 'msrvtt'] as const) {
    const train = await readCaptionSplit(format, dir, 'train');
    assert.equal(train.samples.length, made.counts.train * 3, `${format} train: one sample per caption`);
    assert.ok(train.samples.every((s) => s.caption && s.video.kind === 'file' && existsSync(s.video.path)));
    const t = await readCaptionSplit(format, dir, 'test');
    assert.equal(t.multiSentence?.videoNum, made.counts.test, `${format} test: each video once`);
    assert.deepEqual(t.multiSentence?.cutOffPoints, Array.from({ length: made.counts.test }, (_, i) => 3 * (i + 1)), `${format}: every caption of each video`);
  }
  const msvd = await readCaptionSplit('msvd', dir, 'val');
  const msrvtt = await readCaptionSplit('msrvtt', dir, 'val');
  assert.deepEqual(
    msvd.samples.map((s) => [s.videoId, s.caption]),
    msrvtt.samples.map((s) => [s.videoId, s.caption]),
    'the MSVD files hold the same captions as MSRVTT_data.json',
  );
});

test('QA splits: MSRVTT-QA and MSVD-QA layouts of the qa/ folder give the same labelled questions', async () => {
  const a = await readQaSplit('msrvtt-qa', dir, 'train');
  const b = await readQaSplit('msvd-qa', dir, 'train');
  assert.ok(a.samples.length > 0);
  assert.deepEqual(b.samples, a.samples);
  assert.deepEqual([...b.answerVocab!], [...a.answerVocab!]);
  assert.ok(a.samples.every((s) => s.qa!.answerLabel! >= 0 && s.video.kind === 'file' && s.video.path.endsWith('.mp4')));
});

test('a folder without QA files says which files it looked for', async () => {
  await assert.rejects(readQaSplit('msvd-qa', join(dir, 'videos'), 'train'), {
    code: 'ENOENT',
    message: /readQaSplit: no msvd-qa annotation 'train_qa\.json' in '.*videos' or '.*videos\/qa'; is this a msvd-qa folder \(train\/val\/test_qa\.json\)\?/,
  });
  await assert.rejects(readCaptionSplit('msvd', join(dir, 'qa'), 'train'), { code: 'ENOENT' });
});

test('training answers for the chance level, the QA folder, and MSVD-QA video extension', async () => {
  const train = await readQaSplit('msrvtt-qa', dir, 'train');
  for (const format of ['msrvtt-qa', 'msvd-qa'] as const) {
    assert.deepEqual(await readQaTrainAnswers(format, dir), train.samples.map((s) => s.qa!.answer), `${format}: one answer per training question`);
    assert.equal(qaSplitFolder(format, dir, 'test'), join(dir, 'qa'));
  }
  assert.deepEqual(await readQaTrainAnswers('msvd-qa', join(dir, 'videos')), [], 'no training file: no answers');
  assert.equal(msvdVideoExt(join(dir, 'videos')), '.mp4', 'a folder of .mp4 only');
  const mixed = join(dir, '..', 'mixed');
  mkdirSync(mixed, { recursive: true });
  writeFileSync(join(mixed, 'a.mp4'), '');
  assert.equal(msvdVideoExt(mixed), '.mp4');
  writeFileSync(join(mixed, 'b.avi'), '');
  assert.equal(msvdVideoExt(mixed), '.avi', 'any .avi: the release layout');
  assert.equal(msvdVideoExt(join(dir, 'missing')), '.avi');
});
