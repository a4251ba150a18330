/**
 * `t2vlp demo` end to end on a small generated dataset (CONFIG below: stage 1, stage 2, retrieval
 * fine-tuning): the table with the loose and the re-ranked rows, the final JSON line in the
 * documented shape; training beats the untrained model and chance by a margin in both directions
 * (margins chosen from runs of this configuration with seeds 0, 1 and 2, listed below); and the
 * `--query` answer equals a ranking recomputed here from the saved fine-tuned checkpoint through
 * the library (tokenizer, `encodeText`, `encodeVideo` on the decoded test videos).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClipTokenizer, clipToTensors } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { noGrad, scope, stack } from '../torch/index.js';
import { PRESETS } from '../train/index.js';
import { readSplit, trainingVideoReader } from './setup.js';
import { runCli } from './testing/run-cli.js';

// 80 videos (56 train, 16 test), 5 stage-1 epochs, 1 stage-2 and 1 fine-tuning epoch, batch 16.
// Measured (2 CPU cores; R@1 / mean rank; chance 6.25 / 8.5):
//   seed 0: t2v 31.2 / 5.69, v2t 18.8 / 5.88; untrained t2v 0.0 / 8.19, v2t 6.2 / 8.50
//   (its stage-1 checkpoint alone: t2v 12.5 / 4.56, v2t 18.8 / 4.94);
//   seed 1: t2v 6.2 / 5.75, v2t 6.2 / 6.12; untrained t2v 18.8 / 6.81, v2t 6.2 / 8.38;
//   seed 2: t2v 6.2 / 8.62, v2t 6.2 / 8.56; untrained t2v 12.5 / 8.75, v2t 6.2 / 8.44 (stage 1
//   already at chance on the test videos although its loss fell from 4.75 to 2.77).
// So the margins below hold for seed 0 (the demo's default, which this test runs) but this size
// does not learn reliably for every seed: a larger configuration is needed for that (open).
// Smaller runs do not learn reliably: 30 videos, 2 + 1 + 1 epochs, seeds 0 and 1: t2v R@1 16.7 and
// 33.3 against untrained 33.3 and 16.7; 40 videos, 8 stage-1 epochs, seed 1: t2v R@1 0, mean rank
// 5.25 against untrained 4.0 (its stage-1 checkpoint alone is no better).
const CONFIG = { videos: '80', epochs: '5', batch: '16' };
const TEST_VIDEOS = 16;
/** Trained R@1 at least this many points above chance (one more hit at rank 1), in each direction. */
const R1_OVER_CHANCE = 6;
/** Trained mean rank at least this much below the untrained model's, in each direction. */
const MEAN_RANK_GAIN = 1;
const QUERY = 'a red circle moves left';

type Metrics = Record<'R1' | 'R5' | 'R10' | 'MedianR' | 'MeanR', number>;
interface DemoJson {
  retrieval: {
    t2v: Metrics;
    v2t: Metrics;
    untrained: { t2v: Metrics; v2t: Metrics };
    chance: Metrics;
    reranked: { topK: number; t2v: Metrics; v2t: Metrics };
  };
  training: Record<'stage1' | 'fusion' | 'retrieval', { steps: number; first: number; last: number }>;
  query: { text: string; top: { videoId: string; score: number }[] };
  seconds: number;
}

/** The query's score for every test video, exp(logit_scale) · text · video, from the checkpoint alone. */
async function scoresByLibrary(checkpoint: string, dataDir: string): Promise<Map<string, number>> {
  const model = await T2VLP.load(checkpoint);
  try {
    const demo = PRESETS.demo!;
    const reader = trainingVideoReader(model.config, { ...demo });
    const test = await readSplit('msrvtt', dataDir, 'test');
    const ids = [...new Set(test.samples.map((s) => s.videoId))];
    const clips = await Promise.all(ids.map((id) => reader.read(test.samples.find((s) => s.videoId === id)!.video)));
    const tokenizer = await ClipTokenizer.load();
    const scores = noGrad(() =>
      scope(() => {
        const t = tokenizer.batch([QUERY], { maxWords: demo.maxWords });
        const q = model.encodeText(t.inputIds, t.attentionMask).embedding; // [1, E]
        const ts = clips.map((c) => clipToTensors(c));
        const v = model.encodeVideo(stack(ts.map((x) => x.frames)), stack(ts.map((x) => x.mask))).embedding; // [N, E]
        return [...(q.matmul(v.t()).mul(model.clip.logit_scale.exp()).reshape(-1).toArray() as Float32Array)];
      }),
    );
    return new Map(ids.map((videoId, j) => [videoId, scores[j]!]));
  } finally {
    model.dispose();
  }
}

test('demo --query --json: training beats the untrained model and chance; the query answer matches the saved checkpoint', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', CONFIG.videos, '--epochs', CONFIG.epochs, '--fusion-epochs', '1', '--finetune-epochs', '1', '--caption-epochs', '0', '--qa-epochs', '0', '--batch-size', CONFIG.batch, '--query', QUERY, '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  const text = r.out;
  assert.match(text, /text→video/);
  assert.match(text, /video→text/);
  assert.match(text, /chance/);
  assert.match(text, new RegExp(`^text→video re-ranked \\(top ${TEST_VIDEOS}\\) `, 'm'), `K = 32 capped at the ${TEST_VIDEOS} test videos`);
  assert.match(text, new RegExp(`^video→text re-ranked \\(top ${TEST_VIDEOS}\\) `, 'm'));
  assert.match(text, new RegExp(`query: "${QUERY}"`));
  const last = JSON.parse(r.out.split('\n').at(-1)!) as DemoJson;
  const { retrieval: ret, training } = last;
  for (const k of ['R1', 'R5', 'R10', 'MedianR'] as const)
    for (const [what, m] of [['t2v', ret.t2v], ['v2t', ret.v2t], ['untrained.t2v', ret.untrained.t2v], ['reranked.t2v', ret.reranked.t2v], ['reranked.v2t', ret.reranked.v2t]] as const)
      assert.equal(typeof m[k], 'number', `${what}.${k}`);
  assert.equal(ret.reranked.topK, TEST_VIDEOS);
  for (const stage of ['stage1', 'fusion', 'retrieval'] as const) {
    assert.ok(training[stage].steps > 0, `${stage} ran`);
    assert.ok(Number.isFinite(training[stage].last), `${stage} final loss`);
  }
  assert.ok(existsSync(join(dir, 'retrieval', 'model.safetensors')), 'the fine-tuned checkpoint stays under retrieval/');
  assert.ok(existsSync(join(dir, 'fusion', 'model.safetensors')), 'the stage-2 checkpoint under fusion/');
  assert.ok(Math.abs(ret.chance.R1 - 100 / TEST_VIDEOS) < 1e-9, `chance R@1 over the ${TEST_VIDEOS} test videos`);
  assert.ok(last.seconds > 0);

  // What training bought, in each direction.
  const summary = (m: Metrics) => `R@1 ${m.R1.toFixed(1)}, mean rank ${m.MeanR.toFixed(2)}`;
  console.log(
    `demo: t2v ${summary(ret.t2v)} (untrained ${summary(ret.untrained.t2v)}); v2t ${summary(ret.v2t)} (untrained ${summary(ret.untrained.v2t)}); chance R@1 ${ret.chance.R1.toFixed(1)}`,
  );
  for (const dirn of ['t2v', 'v2t'] as const) {
    assert.ok(ret[dirn].R1 >= ret.chance.R1 + R1_OVER_CHANCE, `${dirn} R@1 ${ret[dirn].R1} is not ${R1_OVER_CHANCE} points above chance ${ret.chance.R1}`);
    assert.ok(
      ret[dirn].MeanR <= ret.untrained[dirn].MeanR - MEAN_RANK_GAIN,
      `${dirn} mean rank ${ret[dirn].MeanR} is not ${MEAN_RANK_GAIN} below the untrained model's ${ret.untrained[dirn].MeanR}`,
    );
  }

  // The query: each listed video has the score the checkpoint on disk gives it through the library
  // (within 1e-3: other batch shapes, other float rounding), and no other video scores higher than
  // the fifth (ties within that tolerance may order either way).
  assert.equal(last.query.text, QUERY);
  const top = last.query.top;
  assert.equal(top.length, 5);
  const expected = await scoresByLibrary(join(dir, 'retrieval', 'model.safetensors'), join(dir, 'data'));
  assert.equal(expected.size, TEST_VIDEOS);
  assert.equal(new Set(top.map((t) => t.videoId)).size, 5, 'five different videos');
  for (const t of top) assert.ok(Math.abs(t.score - expected.get(t.videoId)!) < 1e-3, `${t.videoId}: ${t.score} vs recomputed ${expected.get(t.videoId)}`);
  top.slice(1).forEach((t, i) => assert.ok(t.score <= top[i]!.score, 'descending scores'));
  const listed = new Set(top.map((t) => t.videoId));
  for (const [id, score] of expected)
    if (!listed.has(id)) assert.ok(score <= top[4]!.score + 1e-3, `${id} scores ${score}, above the fifth listed (${top[4]!.score})`);
});

// Captioning and QA (issue 10, "Demo"): each fine-tunes the stage-2 model; measured on seed 0 of
// this config: QA 16.7% vs untrained 3.3% and chance 10% / 7.1%, caption ROUGE-L 23.5 vs 0.
test('demo prints captioning and QA results beside the untrained model and chance', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', '30', '--epochs', '2', '--fusion-epochs', '1', '--finetune-epochs', '1', '--caption-epochs', '3', '--qa-epochs', '3', '--rerank', '0', '--batch-size', '8', '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^captioning \(test videos\):/m);
  assert.match(r.out, /^question answering \(test questions\)/m);
  const last = JSON.parse(r.out.split('\n').at(-1)!) as {
    training: Record<'caption' | 'qa', { steps: number; first: number; last: number }>;
    captioning: { metrics: Record<string, number>; untrained: Record<string, number>; example: { videoId: string; caption: string; references: string[] } };
    qa: { accuracy: number; untrained: number; chance: { uniform: number; mostFrequent: { accuracy: number } }; example: Record<string, string> };
  };
  for (const k of ['Bleu_4', 'ROUGE_L', 'CIDEr']) assert.equal(typeof last.captioning.metrics[k], 'number', `captioning.metrics.${k}`);
  assert.ok(last.captioning.metrics.ROUGE_L! > last.captioning.untrained.ROUGE_L! + 0.05, 'caption fine-tuning beats the fresh head (ROUGE-L)');
  assert.ok(last.captioning.example.caption.trim().length > 0, 'a non-empty example caption');
  assert.ok(last.captioning.example.references.length > 0);
  assert.ok(last.qa.accuracy > last.qa.untrained, 'QA fine-tuning beats the fresh head');
  assert.ok(last.qa.accuracy > last.qa.chance.uniform, 'QA beats a uniform guess');
  for (const k of ['videoId', 'question', 'answer', 'predicted']) assert.equal(typeof last.qa.example[k], 'string', `qa.example.${k}`);
  for (const stage of ['caption', 'qa'] as const) assert.ok(last.training[stage].last < last.training[stage].first, `${stage} loss falls`);
});
