/**
 * `t2vlp eval --task caption|qa` end to end through `main([...])` on a generated dataset and a
 * tiny random-weight fusion checkpoint: the --json object and its shape, the predictions file
 * (default path and --predictions), the table with the untrained and chance rows, and the error
 * paths (a stage-1 checkpoint, a checkpoint without an answer vocabulary, a wrong dataset).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { runCli } from './testing/run-cli.js';

let dir: string;
let data: string;
let ckpt: string;
let stage1: string;

// METEOR (a JVM start of ~20 s per scoring) is tested with captionMetrics; here it is left out.
const meteorJar = process.env.T2VLP_METEOR_JAR;

before(async () => {
  process.env.T2VLP_METEOR_JAR = '/nonexistent/meteor-1.5.jar';
  dir = await mkdtemp(join(tmpdir(), 't2vlp-evaltask-'));
  data = join(dir, 'data');
  const g = await runCli(['generate-data', '--out', data, '--videos', '8', '--frames', '8', '--size', '32', '--captions', '2']);
  assert.equal(g.code, 0, g.err);
  manualSeed(3);
  ckpt = join(dir, 'fusion.safetensors');
  stage1 = join(dir, 'stage1.safetensors');
  const m = new T2VLP({ ...TINY_CONFIG, embedDim: 64, fusion: true });
  await m.save(ckpt);
  m.dispose();
  const s = new T2VLP(TINY_CONFIG);
  await s.save(stage1);
  s.dispose();
});
after(async () => {
  if (meteorJar === undefined) delete process.env.T2VLP_METEOR_JAR;
  else process.env.T2VLP_METEOR_JAR = meteorJar;
  await rm(dir, { recursive: true, force: true });
});

const answersFile = () => join(data, 'qa', 'train_ans2label.json');

describe('t2vlp eval --task caption', () => {
  test('--json: metrics, baseline, and the predictions file beside the checkpoint', async () => {
    const r = await runCli(['eval', '--task', 'caption', '--checkpoint', ckpt, '--data', data, '--json', '--quiet', '--batch', '2']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown> & { metrics: Record<string, number>; baseline: { kind: string; metrics: Record<string, number> } };
    assert.equal(j.task, 'caption');
    assert.equal(j.dataset, 'msrvtt');
    assert.equal(j.split, 'test');
    assert.equal(j.decoder, 'greedy');
    assert.equal(j.numVideos, 2);
    assert.equal(j.numReferences, 4);
    for (const k of ['Bleu_1', 'Bleu_4', 'ROUGE_L', 'CIDEr']) {
      assert.equal(typeof j.metrics[k], 'number', k);
      assert.equal(typeof j.baseline.metrics[k], 'number', `baseline ${k}`);
    }
    assert.equal(j.baseline.kind, 'fresh');
    const path = join(dir, 'fusion.caption-test-predictions.json');
    assert.equal(j.predictions, path);
    const file = JSON.parse(await readFile(path, 'utf8')) as { metrics: unknown; predictions: { videoId: string; caption: string; references: string[] }[] };
    assert.deepEqual(file.metrics, j.metrics);
    assert.deepEqual(file.predictions.map((p) => [p.videoId, p.references.length]), [['video6', 2], ['video7', 2]]);
    const data0 = JSON.parse(await readFile(join(data, 'MSRVTT_data.json'), 'utf8')) as { sentences: { video_id: string; caption: string }[] };
    assert.deepEqual(file.predictions[0]!.references, data0.sentences.filter((s) => s.video_id === 'video6').map((s) => s.caption));
  });

  test('table with --beam 2, --baseline none, --predictions FILE', async () => {
    const out = join(dir, 'caps.json');
    const r = await runCli(['eval', '--task', 'caption', '--checkpoint', ckpt, '--data', data, '--beam', '2', '--baseline', 'none', '--predictions', out, '--quiet']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^msrvtt test captioning: 2 videos, 4 references, .*fusion\.safetensors \(beam 2, /);
    assert.match(lines[1]!, /BLEU-4 +METEOR +ROUGE-L +CIDEr$/);
    assert.match(lines[2]!, /^model +[\d.]+ +— +[\d.]+ +[\d.]+$/);
    assert.match(r.out, /\(no METEOR: java or meteor-1\.5\.jar not found; set T2VLP_METEOR_JAR\)/);
    assert.doesNotMatch(r.out, /untrained/);
    assert.match(r.out, new RegExp(`predictions: ${out.replace(/[.]/g, '\\.')}$`));
    assert.ok(existsSync(out));
  });
});

describe('MSVD layouts (--dataset msvd) over the same videos', () => {
  test('captioning: test_list.txt + raw-captions.json give the same references and predictions as the MSR-VTT layout', async () => {
    const msvd = join(dir, 'msvd');
    await mkdir(msvd, { recursive: true });
    const d = JSON.parse(await readFile(join(data, 'MSRVTT_data.json'), 'utf8')) as { sentences: { video_id: string; caption: string }[] };
    const caps: Record<string, string[][]> = {};
    for (const s of d.sentences) (caps[s.video_id] ??= []).push(s.caption.split(' '));
    await writeFile(join(msvd, 'raw-captions.json'), JSON.stringify(caps));
    await writeFile(join(msvd, 'test_list.txt'), 'video6\nvideo7\n');
    const args = ['--task', 'caption', '--checkpoint', ckpt, '--baseline', 'none', '--json', '--quiet'];
    const a = await runCli(['eval', ...args, '--data', msvd, '--dataset', 'msvd', '--video-dir', join(data, 'videos'), '--predictions', join(dir, 'a.json')]);
    assert.equal(a.code, 0, a.err);
    const b = await runCli(['eval', ...args, '--data', data, '--predictions', join(dir, 'b.json')]);
    assert.equal(b.code, 0, b.err);
    const pa = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as { predictions: unknown[] };
    const pb = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8')) as { predictions: unknown[] };
    assert.deepEqual(pa.predictions, pb.predictions);
    assert.equal((JSON.parse(a.out) as { dataset: string }).dataset, 'msvd');
  });

  test('QA: test_qa.json (a JSON array, MSVD-QA) gives the same answers as the MSRVTT-QA lines', async () => {
    const msvdQa = join(dir, 'msvd-qa');
    await mkdir(msvdQa, { recursive: true });
    const lines = (await readFile(join(data, 'qa', 'test.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(join(msvdQa, 'test_qa.json'), `[${lines.join(',')}]`);
    await copyFile(answersFile(), join(msvdQa, 'train_ans2label.json'));
    const args = ['--task', 'qa', '--checkpoint', ckpt, '--baseline', 'none', '--answers', answersFile(), '--json', '--quiet'];
    const a = await runCli(['eval', ...args, '--data', msvdQa, '--dataset', 'msvd', '--video-dir', join(data, 'videos'), '--predictions', join(dir, 'qa-a.json')]);
    assert.equal(a.code, 0, a.err);
    const b = await runCli(['eval', ...args, '--data', data, '--predictions', join(dir, 'qa-b.json')]);
    assert.equal(b.code, 0, b.err);
    const ja = JSON.parse(a.out) as { dataset: string; accuracy: number; chance: { mostFrequent: { from: string } } };
    assert.equal(ja.dataset, 'msvd-qa');
    assert.equal(ja.accuracy, (JSON.parse(b.out) as { accuracy: number }).accuracy);
    assert.equal(ja.chance.mostFrequent.from, 'test', 'no train_qa.json: the test answers');
    const pa = JSON.parse(await readFile(join(dir, 'qa-a.json'), 'utf8')) as { predictions: { predicted: string }[] };
    const pb = JSON.parse(await readFile(join(dir, 'qa-b.json'), 'utf8')) as { predictions: { predicted: string }[] };
    assert.deepEqual(pa.predictions.map((p) => p.predicted), pb.predictions.map((p) => p.predicted));
  });
});

describe('t2vlp eval --task qa', () => {
  test('--json with --answers: accuracy, per type, baseline, chance, predictions file', async () => {
    const out = join(dir, 'qa.json');
    const r = await runCli(['eval', '--task', 'qa', '--checkpoint', ckpt, '--data', data, '--answers', answersFile(), '--predictions', out, '--json', '--quiet']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {
      task: string;
      numQuestions: number;
      accuracy: number;
      perType: Record<string, { correct: number; total: number; accuracy: number }>;
      answers: { source: string; size: number };
      baseline: { kind: string; accuracy: number } | null;
      chance: { mostFrequent: { answer: string; accuracy: number; from: string }; uniform: number };
      predictions: string;
    };
    assert.equal(j.task, 'qa');
    const lines = (await readFile(join(data, 'qa', 'test.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(j.numQuestions, lines.length);
    const file = JSON.parse(await readFile(out, 'utf8')) as { predictions: { question: string; answer: string; predicted: string; correct: boolean; answerType: string }[]; accuracy: number };
    assert.equal(file.predictions.length, lines.length);
    const hand = file.predictions.filter((p) => p.predicted === p.answer).length;
    assert.equal(j.accuracy, hand / lines.length);
    assert.equal(file.accuracy, j.accuracy);
    for (const [t, s] of Object.entries(j.perType)) assert.equal(s.total, file.predictions.filter((p) => p.answerType === t).length);
    const vocab = JSON.parse(await readFile(answersFile(), 'utf8')) as Record<string, number>;
    assert.deepEqual(j.answers, { source: answersFile(), size: Object.keys(vocab).length });
    assert.equal(j.chance.uniform, 1 / Object.keys(vocab).length);
    assert.equal(j.chance.mostFrequent.from, 'train');
    assert.equal(j.baseline?.kind, 'fresh');
    assert.equal(j.predictions, out);
  });

  test('the vocabulary beside the checkpoint (as t2vlp train saves it) is the default', async () => {
    const sub = join(dir, 'qa-run');
    await mkdir(sub, { recursive: true });
    await copyFile(ckpt, join(sub, 'model.safetensors'));
    await copyFile(answersFile(), join(sub, 'train_ans2label.json'));
    const r = await runCli(['eval', '--task', 'qa', '--checkpoint', join(sub, 'model.safetensors'), '--data', data, '--baseline', 'none', '--json', '--quiet']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { answers: { source: string; size: number }; baseline: unknown; predictions: string };
    assert.deepEqual(j.answers, { source: join(sub, 'train_ans2label.json'), size: 14 });
    assert.equal(j.baseline, null);
    assert.equal(j.predictions, join(sub, 'model.qa-test-predictions.json'));
  });

  test('table: model, untrained, two chance rows; --answers tokens', async () => {
    const r = await runCli(['eval', '--task', 'qa', '--checkpoint', ckpt, '--data', data, '--answers', 'tokens', '--quiet']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^msrvtt-qa test: \d+ questions, .*answers: tokens \(49408\)/);
    assert.match(lines[1]!, /all +color +direction +shape$|all +color +shape/);
    assert.match(lines[2]!, /^model /);
    assert.match(lines[3]!, /^untrained \(fresh head\) /);
    assert.match(lines[4]!, /^chance: always '\w+' +[\d.]+/);
    assert.match(lines[5]!, /^chance: uniform 1\/49408 +0\.0/);
    assert.ok(existsSync(join(dir, 'fusion.qa-test-predictions.json')));
  });

  test('errors: no answer vocabulary, a stage-1 checkpoint, a bad --baseline, an empty split, a retrieval-only dataset', async () => {
    const none = await runCli(['eval', '--task', 'qa', '--checkpoint', ckpt, '--data', data, '--quiet']);
    assert.equal(none.code, 1);
    assert.match(none.err, /eval --task qa: checkpoint '.*fusion\.safetensors' has no answer vocabulary beside it \('.*train_ans2label\.json', written by 't2vlp train --preset msrvtt-qa'\); pass the vocabulary it was trained with \(--answers DIR\/qa\/train_ans2label\.json\) or --answers tokens/);
    const s1 = await runCli(['eval', '--task', 'qa', '--checkpoint', stage1, '--data', data, '--answers', 'tokens', '--quiet']);
    assert.equal(s1.code, 1);
    assert.match(s1.err, /eval --task qa: checkpoint '.*stage1\.safetensors' has no fusion encoder \(a stage-1 model\), so it has no answer head/);
    const c1 = await runCli(['eval', '--task', 'caption', '--checkpoint', stage1, '--data', data, '--quiet']);
    assert.equal(c1.code, 1);
    assert.match(c1.err, /eval --task caption: checkpoint '.*stage1\.safetensors' has no fusion encoder \(a stage-1 model\), so it cannot caption/);
    const base = await runCli(['eval', '--task', 'caption', '--checkpoint', ckpt, '--data', data, '--baseline', join(dir, 'nope.safetensors')]);
    assert.equal(base.code, 2);
    assert.match(base.err, /--baseline '.*nope\.safetensors' does not exist; pass 'fresh' \(default\), 'none' or a checkpoint/);
    const ds = await runCli(['eval', '--task', 'caption', '--checkpoint', ckpt, '--data', data, '--dataset', 'lsmdc']);
    assert.equal(ds.code, 2);
    assert.match(ds.err, /--task caption reads --dataset msrvtt or msvd, got 'lsmdc'/);
    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'videos'), { recursive: true });
    await writeFile(join(empty, 'MSRVTT_data.json'), JSON.stringify({ videos: [], sentences: [] }));
    await writeFile(join(empty, 'MSRVTT_JSFUSION_test.csv'), 'key,vid_key,video_id,sentence\n');
    const e = await runCli(['eval', '--task', 'caption', '--checkpoint', ckpt, '--data', empty]);
    assert.equal(e.code, 1);
    assert.match(e.err, /evaluateCaptioning: no samples to caption; expected at least one \{ videoId, video, caption \} sample \(an empty split\?\)/);
    const msvd = await runCli(['eval', '--checkpoint', ckpt, '--data', data, '--dataset', 'msvd']);
    assert.equal(msvd.code, 2);
    assert.match(msvd.err, /--dataset msvd is for --task caption and qa/);
  });
});

test('eval --help lists the task options', async () => {
  const r = await runCli(['eval', '--help']);
  assert.equal(r.code, 0);
  for (const o of ['--task', '--beam', '--tokenize', '--answers', '--baseline', '--predictions', '--rerank', '--json'])
    assert.match(r.out, new RegExp(`\\n  ${o} `), `eval --help lists ${o}`);
});
