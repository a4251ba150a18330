/**
 * `t2vlp demo` end to end on a small generated dataset (30 videos, 2 + 1 + 1 epochs: stage 1,
 * stage 2, retrieval fine-tuning): the table with the loose and the re-ranked rows, the query
 * answer, and the final JSON line in the documented shape.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './testing/run-cli.js';

test('demo --json prints the retrieval table, a query answer and one JSON object last', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', '30', '--epochs', '2', '--fusion-epochs', '1', '--finetune-epochs', '1', '--caption-epochs', '0', '--qa-epochs', '0', '--batch-size', '8', '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  const text = r.out;
  const out = r.out.split('\n');
  assert.match(text, /text→video/);
  assert.match(text, /video→text/);
  assert.match(text, /chance/);
  assert.match(text, /^text→video re-ranked \(top 6\) /m, 'K = 32 capped at the 6 test videos');
  assert.match(text, /^video→text re-ranked \(top 6\) /m);
  assert.match(text, /query: "/);
  const last = JSON.parse(out.at(-1)!) as {
    retrieval: {
      t2v: Record<string, number>;
      v2t: Record<string, number>;
      untrained: { t2v: Record<string, number> };
      chance: { R1: number };
      reranked: { topK: number; t2v: Record<string, number>; v2t: Record<string, number> };
    };
    training: Record<'stage1' | 'fusion' | 'retrieval', { steps: number; first: number; last: number }>;
    seconds: number;
  };
  for (const k of ['R1', 'R5', 'R10', 'MedianR']) {
    assert.equal(typeof last.retrieval.t2v[k], 'number', `t2v.${k}`);
    assert.equal(typeof last.retrieval.v2t[k], 'number', `v2t.${k}`);
    assert.equal(typeof last.retrieval.untrained.t2v[k], 'number', `untrained.t2v.${k}`);
    assert.equal(typeof last.retrieval.reranked.t2v[k], 'number', `reranked.t2v.${k}`);
    assert.equal(typeof last.retrieval.reranked.v2t[k], 'number', `reranked.v2t.${k}`);
  }
  assert.equal(last.retrieval.reranked.topK, 6);
  for (const stage of ['stage1', 'fusion', 'retrieval'] as const) {
    assert.ok(last.training[stage].steps > 0, `${stage} ran`);
    assert.ok(Number.isFinite(last.training[stage].last), `${stage} final loss`);
  }
  assert.ok(existsSync(join(dir, 'retrieval', 'model.safetensors')), 'the fine-tuned checkpoint stays under retrieval/');
  assert.ok(existsSync(join(dir, 'fusion', 'model.safetensors')), 'the stage-2 checkpoint under fusion/');
  assert.ok(Math.abs(last.retrieval.chance.R1 - 100 / 6) < 1e-9, 'chance R@1 over the 6 test videos');
  assert.ok(last.seconds > 0);
});

test('demo --query ranks the test videos for that text', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', '30', '--epochs', '1', '--fusion-epochs', '1', '--finetune-epochs', '1', '--caption-epochs', '0', '--qa-epochs', '0', '--batch-size', '8', '--query', 'a red circle moves left', '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /query: "a red circle moves left"/);
  const last = JSON.parse(r.out.split('\n').at(-1)!) as { query: { text: string; top: { videoId: string; score: number }[] } };
  assert.equal(last.query.text, 'a red circle moves left');
  assert.equal(last.query.top.length, 5);
  const scores = last.query.top.map((t) => t.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'results are in descending score order');
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
