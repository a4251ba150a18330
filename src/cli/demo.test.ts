/**
 * `t2vlp demo` end to end on a small generated dataset (30 videos, 2 + 1 epochs): the table, the
 * query answer, and the final JSON line in the documented shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './testing/run-cli.js';

test('demo --json prints the retrieval table, a query answer and one JSON object last', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', '30', '--epochs', '2', '--finetune-epochs', '1', '--batch-size', '8', '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  const text = r.out;
  const out = r.out.split('\n');
  assert.match(text, /text→video/);
  assert.match(text, /video→text/);
  assert.match(text, /chance/);
  assert.match(text, /query: "/);
  const last = JSON.parse(out.at(-1)!) as {
    retrieval: { t2v: Record<string, number>; v2t: Record<string, number>; untrained: { t2v: Record<string, number> }; chance: { R1: number } };
    seconds: number;
  };
  for (const k of ['R1', 'R5', 'R10', 'MedianR']) {
    assert.equal(typeof last.retrieval.t2v[k], 'number', `t2v.${k}`);
    assert.equal(typeof last.retrieval.v2t[k], 'number', `v2t.${k}`);
    assert.equal(typeof last.retrieval.untrained.t2v[k], 'number', `untrained.t2v.${k}`);
  }
  assert.ok(Math.abs(last.retrieval.chance.R1 - 100 / 6) < 1e-9, 'chance R@1 over the 6 test videos');
  assert.ok(last.seconds > 0);
});

test('demo --query ranks the test videos for that text', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 't2vlp-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--videos', '30', '--epochs', '1', '--finetune-epochs', '1', '--batch-size', '8', '--query', 'a red circle moves left', '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /query: "a red circle moves left"/);
  const last = JSON.parse(r.out.split('\n').at(-1)!) as { query: { text: string; top: { videoId: string; score: number }[] } };
  assert.equal(last.query.text, 'a red circle moves left');
  assert.equal(last.query.top.length, 5);
  const scores = last.query.top.map((t) => t.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'results are in descending score order');
});
