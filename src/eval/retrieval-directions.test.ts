/**
 * Both retrieval directions on a rectangular captions × videos similarity (several captions per
 * video), against ranks worked out by hand (docs/EVAL.md "Multi-sentence datasets"): text→video
 * ranks each caption's video among all videos; video→text scores video v against video u by the
 * best of u's captions and ranks v's own. The two directions differ here, so reporting one as the
 * other fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retrievalMetricsMulti } from './multi-sentence-metrics.js';

// Captions 0, 1 show video 0; caption 2 video 1; captions 3, 4 video 2.
const captionVideo = [0, 0, 1, 2, 2];
const sim = [
  [0.9, 0.1, 0.5], // caption 0: its video 0 scores highest           → rank 1
  [0.2, 0.8, 0.3], // caption 1: 0.8 and 0.3 beat video 0's 0.2       → rank 3
  [0.4, 0.6, 0.7], // caption 2: 0.7 beats video 1's 0.6              → rank 2
  [0.1, 0.3, 0.2], // caption 3: 0.3 beats video 2's 0.2              → rank 2
  [0.5, 0.2, 0.6], // caption 4: video 2's 0.6 is highest             → rank 1
];
// Video→text, S[v][u] = best score of u's captions against v (column v of sim):
//   video 0: own max(.9, .2) = .9; video 1's caption .4; video 2's max(.1, .5) = .5  → rank 1
//   video 1: own .6; video 0's max(.1, .8) = .8 beats it; video 2's max(.3, .2) = .3 → rank 2
//   video 2: own max(.2, .6) = .6; video 1's .7 beats it; video 0's max(.5, .3) = .5 → rank 2

test('text→video and video→text of a 5 × 3 multi-caption matrix equal the hand-worked ranks', () => {
  const r = retrievalMetricsMulti(sim, captionVideo);
  assert.deepEqual(r.t2v.ranks, [0, 2, 1, 1, 0], 't2v 0-based ranks per caption');
  assert.equal(r.t2v.R1, 40);
  assert.equal(r.t2v.R5, 100);
  assert.equal(r.t2v.MedianR, 2);
  assert.ok(Math.abs(r.t2v.MeanR - 1.8) < 1e-12, `t2v MeanR ${r.t2v.MeanR}, expected 9 / 5`);
  assert.deepEqual(r.v2t.ranks, [0, 1, 1], 'v2t 0-based ranks per video');
  assert.ok(Math.abs(r.v2t.R1 - 100 / 3) < 1e-12, `v2t R1 ${r.v2t.R1}, expected 100 / 3`);
  assert.equal(r.v2t.R5, 100);
  assert.equal(r.v2t.MedianR, 2);
  assert.ok(Math.abs(r.v2t.MeanR - 5 / 3) < 1e-12, `v2t MeanR ${r.v2t.MeanR}, expected 5 / 3`);
});
