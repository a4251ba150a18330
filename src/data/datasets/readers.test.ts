// Each annotation reader on small files in the exact published formats
// (test/fixtures/data/annotations/, written by hand; raw-captions.pkl by Python's pickle,
// protocol 4), including the bad-record paths and their messages.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDidemo, readDidemo } from './didemo.js';
import { parseCsv } from './files.js';
import { loadLsmdc, readLsmdcAnnotations } from './lsmdc.js';
import { loadMsrvtt, readMsrvttData } from './msrvtt.js';
import { loadMsvd } from './msvd.js';
import { readPickle } from './pickle.js';
import { buildAnswerVocab, loadMsrvttQa, loadMsvdQa } from './qa.js';

const ann = fileURLToPath(new URL('../../../test/fixtures/data/annotations/', import.meta.url));
let videos = '';
before(async () => {
  videos = await mkdtemp(join(tmpdir(), 't2vlp-readers-'));
  await mkdir(join(videos, 'sub', 'deeper'), { recursive: true });
  for (const f of [
    '1004_Juno_00.00.32.849-00.00.35.458.avi',
    'sub/1004_Juno_00.00.37.000-00.00.40.000.avi',
    'sub/deeper/-4wsuPCjDBc_5_15.avi',
    'vid_b.avi',
    '12090392@N02_13482799053_87ef417396.mov',
  ])
    await writeFile(join(videos, f), '');
});
after(() => rm(videos, { recursive: true, force: true }));

test('MSR-VTT train, expanded: one sample per caption of a train video, json order', async () => {
  const d = await loadMsrvtt({ dataDir: ann, videoDir: '/v', split: 'train' });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.caption]),
    [
      ['video0', 'a car is shown'],
      ['video1', 'a cartoon animals runs through an ice cave'],
      ['video0', 'a red car drives down the road'],
      ['video1', 'animals are running'],
    ],
  );
  assert.deepEqual(d.samples[0]!.video, { kind: 'file', path: '/v/video0.mp4' });
});

test('MSR-VTT train, not expanded: one sample per CSV row, captions drawn at read time', async () => {
  const d = await loadMsrvtt({
    dataDir: ann,
    videoDir: '/v',
    split: 'train',
    expandSentences: false,
  });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.captions]),
    [
      ['video0', ['a car is shown', 'a red car drives down the road']],
      ['video1', ['a cartoon animals runs through an ice cave', 'animals are running']],
    ],
  );
});

test('MSR-VTT JSFUSION test pairs, quoted CSV fields', async () => {
  const d = await loadMsrvtt({ dataDir: ann, videoDir: '/v', split: 'test' });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.caption]),
    [
      ['video7010', 'a man, wearing a hat, talks'],
      ['video7011', 'a woman is singing'],
    ],
  );
  assert.deepEqual(parseCsv('a,"b ""q"" c",d\r\n1,2,3\n'), [
    ['a', 'b "q" c', 'd'],
    ['1', '2', '3'],
  ]);
});

test('MSR-VTT: missing file and missing field', async () => {
  await assert.rejects(loadMsrvtt({ dataDir: '/nonexistent', videoDir: '/v', split: 'test' }), {
    name: 'AnnotationError',
    code: 'ENOENT',
    message: /cannot read '\/nonexistent\/MSRVTT_JSFUSION_test\.csv': ENOENT/,
  });
  const dir = await mkdtemp(join(tmpdir(), 't2vlp-msrvtt-'));
  const p = join(dir, 'data.json');
  await writeFile(
    p,
    JSON.stringify({ sentences: [{ video_id: 'video0', caption: 'ok' }, { video_id: 'video1' }] }),
  );
  await assert.rejects(readMsrvttData(p), {
    code: 'MISSING_FIELD',
    message: /sentences\[1\] of '.*data\.json' has no 'caption'/,
  });
  const lenient = await readMsrvttData(p, { strict: false });
  assert.equal(lenient.sentences.length, 1);
  assert.equal(lenient.sink.issues.length, 1);
  await rm(dir, { recursive: true });
});

test('LSMDC: tab-separated, 6 fields, videos found by recursive walk', async () => {
  const d = await loadLsmdc({ dataDir: ann, videoDir: videos, split: 'train' });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.caption]),
    [
      ['1004_Juno_00.00.32.849-00.00.35.458', 'SOMEONE smiles.'],
      ['1004_Juno_00.00.37.000-00.00.40.000', 'She walks away.'],
      ['1004_Juno_00.00.32.849-00.00.35.458', 'A second line for the same clip.'],
    ],
  );
  assert.equal(
    (d.samples[1]!.video as { path: string }).path,
    join(videos, 'sub/1004_Juno_00.00.37.000-00.00.40.000.avi'),
  );
  await assert.rejects(readLsmdcAnnotations(join(ann, 'LSMDC16_annos_val.csv')), {
    code: 'BAD_FORMAT',
    message: /line 1 of '.*LSMDC16_annos_val\.csv' has 3 tab-separated fields; expected 6/,
  });
});

test('MSVD: lists + raw-captions.pkl; test split groups sentences by video', async () => {
  const train = await loadMsvd({ dataDir: ann, videoDir: videos, split: 'train' });
  assert.deepEqual(
    train.samples.map((s) => [s.videoId, s.caption]),
    [
      ['-4wsuPCjDBc_5_15', 'a squirrel is eating'],
      ['-4wsuPCjDBc_5_15', 'a chipmunk eats'],
      ['vid_b', 'someone is cooking'],
    ],
  );
  assert.equal(train.multiSentence, undefined);
  const testSet = await loadMsvd({ dataDir: ann, videoDir: videos, split: 'test' });
  assert.deepEqual(testSet.multiSentence, { cutOffPoints: [1, 3], sentenceNum: 3, videoNum: 2 });
});

test('pickle reader refuses code', () => {
  // protocol 2 pickle of os.system reference: GLOBAL opcode 'c'
  const evil = new Uint8Array([0x80, 0x02, 0x63, ...Buffer.from('os\nsystem\n'), 0x2e]);
  assert.throws(() => readPickle(evil, 'evil.pkl'), {
    name: 'AnnotationError',
    message: /'evil\.pkl' at byte 3: opcode 0x63 is not plain data/,
  });
});

test('DiDeMo: paragraph per video, moments in 5-second segments, union range', async () => {
  const v = await readDidemo(join(ann, 'didemo_train_data.json'));
  assert.deepEqual(v[0], {
    videoId: '12090392@N02_13482799053_87ef417396',
    paragraph: 'the dog runs to the left. a car passes by.',
    startSec: 0,
    endSec: 25,
  });
  const d = await loadDidemo({
    dataDir: ann,
    videoDir: videos,
    split: 'train',
    file: 'didemo_train_data.json',
    strict: false,
    useMoments: true,
  });
  assert.equal(d.samples.length, 1);
  assert.deepEqual(d.samples[0]!.video, {
    kind: 'file',
    path: join(videos, '12090392@N02_13482799053_87ef417396.mov'),
    startSec: 0,
    endSec: 25,
  });
  assert.equal(d.issues.length, 1);
  assert.match(d.issues[0]!.message, /no video file for 'other_video'/);
});

test('MSRVTT-QA: jsonl, discard list, answer classes; a record without question', async () => {
  await assert.rejects(
    loadMsrvttQa({ dataDir: ann, videoDir: '/v', split: 'test', file: 'msrvtt_qa_test.jsonl' }),
    {
      code: 'MISSING_FIELD',
      message: /record 4 of '.*msrvtt_qa_test\.jsonl' has no 'question'/,
    },
  );
  const d = await loadMsrvttQa({
    dataDir: ann,
    videoDir: '/v',
    split: 'test',
    file: 'msrvtt_qa_test.jsonl',
    strict: false,
  });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.qa]),
    [
      [
        'video7010',
        { question: 'what is a man doing?', answer: 'talk', answerType: 'what', answerLabel: 0 },
      ],
      [
        'video7011',
        { question: 'who is singing?', answer: 'woman', answerType: 'who', answerLabel: 1 },
      ],
    ],
  );
  assert.equal(d.issues.length, 1);
});

test('MSVD-QA: json array with numeric ids; vocabulary from training answers', async () => {
  const d = await loadMsvdQa({
    dataDir: ann,
    videoDir: '/v',
    split: 'train',
    file: 'msvd_qa_train.json',
    trainFile: 'msvd_qa_train.json',
  });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.qa!.answer, s.qa!.answerLabel]),
    [
      ['vid1', 'cut', 0],
      ['vid2', 'cut', 0],
      ['vid2', 'dance', 1],
    ],
  );
  assert.deepEqual(
    [...buildAnswerVocab(['b', 'a', 'a', 'c', 'b', 'a'], 2)],
    [
      ['a', 0],
      ['b', 1],
    ],
  );
});

test('MSR-VTT captions (readCaptionSplit): test videos of the CSV with every json caption; a video the json lacks keeps its CSV sentence; train is the expanded split', async () => {
  const { readCaptionSplit } = await import('./task-splits.js');
  const d = await readCaptionSplit('msrvtt', ann, 'test', { videoDir: '/v' });
  assert.deepEqual(
    d.samples.map((s) => [s.videoId, s.caption, s.video]),
    [
      ['video7010', 'a test video caption', { kind: 'file', path: '/v/video7010.mp4' }],
      ['video7011', 'a woman is singing', { kind: 'file', path: '/v/video7011.mp4' }],
    ],
  );
  assert.deepEqual(d.multiSentence, { cutOffPoints: [1, 2], sentenceNum: 2, videoNum: 2 });
  const train = await readCaptionSplit('msrvtt', ann, 'train', { videoDir: '/v' });
  assert.deepEqual(
    train.samples.map((s) => [s.videoId, s.caption]),
    [
      // docs/DATA.md §8: training is §3.1's expanded split, one sample per caption in the json's
      // sentence order (the reference iterates the json), not grouped by video.
      ['video0', 'a car is shown'],
      ['video1', 'a cartoon animals runs through an ice cave'],
      ['video0', 'a red car drives down the road'],
      ['video1', 'animals are running'],
    ],
  );
  assert.equal(train.multiSentence, undefined);
});
