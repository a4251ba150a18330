/**
 * Text→video and video→text retrieval on a generated split larger than 1 × 1, through the library
 * (`evaluateRetrieval`) and `t2vlp eval --json`: 8 test videos with 1 to 3 captions each (the
 * test split, multi-sentence metrics) and with one caption each (the val split, square metrics).
 * Each direction's numbers are checked against ranks recomputed here from the caption × video
 * similarity with a plain loop (docs/EVAL.md "Retrieval metrics", "Multi-sentence datasets"),
 * and the two directions differ on this split, so reporting one as the other fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipTokenizer, generateSyntheticDataset } from '../data/index.js';
import { evaluateRetrieval } from '../eval/index.js';
import { videoReaderFor } from '../inference/encode.js';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { readSplit } from './setup.js';
import { runCli } from './testing/run-cli.js';

interface Summary {
  R1: number;
  R5: number;
  R10: number;
  MedianR: number;
  MeanR: number;
}

/** 1-based ranks → recalls (%), the median (mean of the middle two for an even count) and the mean. */
function summarise(ranks: number[]): Summary {
  const n = ranks.length;
  const at = (k: number) => (100 * ranks.filter((r) => r <= k).length) / n;
  const s = [...ranks].sort((a, b) => a - b);
  const median = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { R1: at(1), R5: at(5), R10: at(10), MedianR: median, MeanR: ranks.reduce((a, b) => a + b, 0) / n };
}

/**
 * Both directions by hand from sim [captions, videos] (row-major) and each caption's video: a
 * caption ranks its video among all videos; a video scores another by the best of that video's
 * captions and ranks itself.
 */
function byHand(sim: Float32Array, [rows, cols]: [number, number], captionVideo: number[]): { t2v: Summary; v2t: Summary } {
  const s = (c: number, v: number) => sim[c * cols + v]!;
  const t2v: number[] = [];
  for (let c = 0; c < rows; c++) {
    let above = 0;
    for (let v = 0; v < cols; v++) if (s(c, v) > s(c, captionVideo[c]!)) above++;
    t2v.push(above + 1);
  }
  const best = (v: number, u: number) => Math.max(...captionVideo.flatMap((cv, c) => (cv === u ? [s(c, v)] : [])));
  const v2t: number[] = [];
  for (let v = 0; v < cols; v++) {
    let above = 0;
    for (let u = 0; u < cols; u++) if (best(v, u) > best(v, v)) above++;
    v2t.push(above + 1);
  }
  return { t2v: summarise(t2v), v2t: summarise(v2t) };
}

const close = (got: Summary, want: Summary, what: string) => {
  for (const k of ['R1', 'R5', 'R10', 'MedianR', 'MeanR'] as const)
    assert.ok(Math.abs(got[k] - want[k]) < 1e-9, `${what}.${k}: got ${got[k]}, recomputed by hand ${want[k]}`);
};

let data: string;
let ckpt: string;
let model: T2VLP;
let tokenizer: ClipTokenizer;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-eval-dir-'));
  data = join(dir, 'data');
  await generateSyntheticDataset({ outDir: data, numVideos: 16, numFrames: 16, fps: 8, width: 32, height: 32, seed: 5, captionsPerVideo: 3, valFraction: 0, testFraction: 0.5 });
  // The test split lists video i's first 1 + i mod 3 captions; the val split the first caption of each.
  const json = JSON.parse(readFileSync(join(data, 'MSRVTT_data.json'), 'utf8')) as { sentences: { video_id: string; caption: string }[] };
  const testIds = [...new Set(readFileSync(join(data, 'MSRVTT_JSFUSION_test.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]!))];
  assert.equal(testIds.length, 8);
  const row = (id: string, caption: string, k: number) => `ret${k},msr${id.slice(5)},${id},${caption}`;
  const captionsOf = (id: string) => json.sentences.filter((s) => s.video_id === id).map((s) => s.caption);
  const multi = testIds.flatMap((id, i) => captionsOf(id).slice(0, 1 + (i % 3)).map((c) => [id, c] as const));
  writeFileSync(join(data, 'MSRVTT_JSFUSION_test.csv'), ['key,vid_key,video_id,sentence', ...multi.map(([id, c], k) => row(id, c, k))].join('\n') + '\n');
  writeFileSync(join(data, 'MSRVTT_JSFUSION_val.csv'), ['key,vid_key,video_id,sentence', ...testIds.map((id, k) => row(id, captionsOf(id)[0]!, k))].join('\n') + '\n');
  manualSeed(2);
  const m = new T2VLP(TINY_CONFIG);
  ckpt = join(dir, 'tiny.safetensors');
  await m.save(ckpt);
  m.dispose();
  model = await T2VLP.load(ckpt);
  tokenizer = await ClipTokenizer.load();
});
after(() => model.dispose());

for (const [split, captions] of [['test', 15], ['val', 8]] as const) {
  describe(`${split} split: ${captions} captions × 8 videos`, () => {
    let hand: { t2v: Summary; v2t: Summary };

    test('evaluateRetrieval: each direction equals its hand-computed ranks, and the two differ', async () => {
      const dataset = await readSplit('msrvtt', data, split);
      const r = await evaluateRetrieval(model, dataset, { tokenizer, videoReader: videoReaderFor(model), maxWords: 32 });
      assert.deepEqual(r.shape, [captions, 8]);
      const index = new Map(r.videoIds.map((id, j) => [id, j]));
      const captionVideo = dataset.samples.map((s) => index.get(s.videoId)!);
      hand = byHand(r.sim, r.shape, captionVideo);
      close(r.t2v, hand.t2v, 't2v');
      close(r.v2t, hand.v2t, 'v2t');
      assert.notDeepEqual(hand.t2v, hand.v2t, 'the split tells the directions apart');
      console.log(`${split}: t2v ${JSON.stringify(hand.t2v)}; v2t ${JSON.stringify(hand.v2t)}`);
    });

    test('t2vlp eval --json reports the same hand-computed numbers in each direction', async () => {
      assert.ok(hand, 'the library case ran first');
      const r = await runCli(['eval', '--checkpoint', ckpt, '--data', data, '--split', split, '--json', '--quiet']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as { numTexts: number; numVideos: number; t2v: Summary & { numQueries: number }; v2t: Summary & { numQueries: number } };
      assert.equal(j.numTexts, captions);
      assert.equal(j.numVideos, 8);
      assert.equal(j.t2v.numQueries, captions, 'one text→video query per caption');
      assert.equal(j.v2t.numQueries, 8, 'one video→text query per video');
      close(j.t2v, hand.t2v, 'eval --json t2v');
      close(j.v2t, hand.v2t, 'eval --json v2t');
    });
  });
}
