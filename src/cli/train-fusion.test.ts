/**
 * `t2vlp train --preset fusion` end to end: stage 2 started from a stage-1 checkpoint (fresh
 * fusion parameters) on WebVid TFRecord shards written from generated frames, the checkpoint it
 * writes has the fusion encoder; a retrieval preset on a stage-1 checkpoint is refused with what
 * to do instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { writeWebvidShards } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TINY_FUSION_MODEL, tinyDataset } from '../train/testing/tiny.js';
import { runCli } from './testing/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-train-fusion-'));
const webvid = join(tmp, 'webvid');
const stage1 = join(tmp, 'stage1.safetensors');
const COLOURS = ['red', 'green', 'blue', 'white'] as const;
const BGR: Record<(typeof COLOURS)[number], [number, number, number]> = { red: [0, 0, 255], green: [0, 255, 0], blue: [255, 0, 0], white: [255, 255, 255] };

before(async () => {
  // 8 WebVid clips of 4 frames, 256×256 BGR as frozen_tfrecord.py stores them (docs/DATA.md).
  const videos = Array.from({ length: 8 }, (_, i) => {
    const bgr = new Uint8Array(4 * 256 * 256 * 3);
    const [b, g, r] = BGR[COLOURS[i % 4]!];
    for (let p = 0; p < bgr.length; p += 3) [bgr[p], bgr[p + 1], bgr[p + 2]] = [(b + 20 * i) % 256, g, r];
    return { videoId: `clip${i}`, bgr };
  });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(webvid, { recursive: true });
  await writeWebvidShards(webvid, videos, { perShard: 5 });
  writeFileSync(
    join(webvid, 'frozen_train.json'),
    JSON.stringify(videos.map((v, i) => ({ video_id: v.videoId, caption: `a ${COLOURS[i % 4]} screen that stays ${COLOURS[(i + 1) % 4]}` }))),
  );
  manualSeed(3);
  const m = new T2VLP({ ...TINY_FUSION_MODEL, fusion: false });
  await m.save(stage1);
  m.dispose();
});

describe('t2vlp train with the fusion objectives', () => {
  test('--preset fusion from a stage-1 checkpoint on WebVid shards writes a model with the fusion encoder', async () => {
    const out = join(tmp, 'stage2');
    const r = await runCli([
      'train', '--preset', 'fusion', '--dataset', 'webvid', '--data', webvid, '--init', stage1, '--out', out,
      '--batch-size', '4', '--max-words', '16', '--max-steps', '2', '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const last = JSON.parse(r.out.split('\n').at(-1)!) as { objective: string; steps: number; finalLoss: number };
    assert.equal(last.objective, 'fusion');
    assert.equal(last.steps, 2);
    assert.ok(Number.isFinite(last.finalLoss));
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>)
      .filter((l) => l.type === 'step');
    assert.equal(steps.length, 2);
    for (const k of ['loss', 'vtm', 'mlm', 'plm', 'align']) assert.equal(typeof steps[1]![k], 'number', `the metrics file's step record has ${k}`);
    const trained = await T2VLP.load(join(out, 'model.safetensors'));
    try {
      assert.equal(trained.hasFusion, true);
    } finally {
      trained.dispose();
    }
  });

  test('a retrieval preset on a stage-1 checkpoint says to start from stage 2; --objective stage1 trains it', async () => {
    const data = await tinyDataset();
    const common = ['--data', data, '--init', stage1, '--batch-size', '4', '--max-words', '16', '--max-steps', '1', '--json'];
    const refused = await runCli(['train', '--preset', 'msrvtt', '--out', join(tmp, 'ft'), ...common]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /the retrieval objective \(vtm \+ sim \+ align.*\) needs the fusion encoder, but the model has none/);
    assert.match(refused.err, /--preset fusion/);
    const loose = await runCli(['train', '--preset', 'msrvtt', '--objective', 'stage1', '--out', join(tmp, 'ft1'), ...common]);
    assert.equal(loose.code, 0, loose.err);
    assert.equal((JSON.parse(loose.out.split('\n').at(-1)!) as { objective: string }).objective, 'stage1');
  });
});
