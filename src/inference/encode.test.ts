/**
 * encodeVideos' batch pipeline (a batch's forward is queued, the next batch gathered, then the
 * results read): every video's row equals its own forward pass, progress comes once per batch in
 * order, an undecodable video is skipped without shifting the others, and no tensor outlives the
 * call, whether it finishes or is aborted between batches (the queued batch is freed).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { clipToTensors } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed, memoryStats, noGrad, scope } from '../torch/index.js';
import { tinyDataset } from '../train/testing/tiny.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { encodeVideos, videoReaderFor } from './encode.js';

let model: T2VLP;
let videos: { id: string; source: string }[];
before(async () => {
  manualSeed(3);
  model = new T2VLP(TINY_CONFIG);
  model.eval();
  const dir = join(await tinyDataset(), 'videos');
  videos = readdirSync(dir)
    .sort()
    .slice(0, 7)
    .map((f) => ({ id: f, source: join(dir, f) }));
});

describe('encodeVideos', () => {
  test('rows equal single-video forwards; progress per batch; a bad video skipped in place; no tensor left', async () => {
    const list = [...videos.slice(0, 3), { id: 'missing', source: join(videos[0]!.source, '..', 'no-such.mp4') }, ...videos.slice(3)];
    const reader = videoReaderFor(model);
    const progress: number[] = [];
    const live = memoryStats().liveTensors;
    const enc = await encodeVideos(model, list, { reader, batchSize: 3, onProgress: (p) => progress.push(p.done) });
    assert.equal(memoryStats().liveTensors, live, 'tensors left after encodeVideos');
    assert.deepEqual(enc.ids, videos.map((v) => v.id));
    assert.deepEqual(enc.skipped.map((s) => s.id), ['missing']);
    // Batches of 3 decodable videos: 3 read, then 7 (one skipped), then 8.
    assert.deepEqual(progress, [3, 7, 8]);
    const E = model.config.embedDim;
    for (const [i, v] of videos.entries()) {
      const clip = await reader.read(v.source);
      const own = noGrad(() =>
        scope(() => {
          const t = clipToTensors(clip);
          return model.encodeVideo(t.frames.unsqueeze(0), t.mask.unsqueeze(0)).embedding.toArray() as Float32Array;
        }),
      );
      own.forEach((x, j) => assert.ok(Math.abs(x - enc.embeddings[i * E + j]!) < 1e-5, `video ${v.id} [${j}]: ${x} vs ${enc.embeddings[i * E + j]}`));
    }
  });

  test('aborted between batches: rejects, and the queued batch is freed', async () => {
    const reader = videoReaderFor(model);
    const abort = new AbortController();
    const live = memoryStats().liveTensors;
    await assert.rejects(
      encodeVideos(model, videos, { reader, batchSize: 2, signal: abort.signal, onProgress: () => abort.abort(new Error('stop here')) }),
      /stop here|abort/i,
    );
    assert.equal(memoryStats().liveTensors, live, 'tensors left after an aborted run');
  });
});
