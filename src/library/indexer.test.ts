/**
 * Incremental indexing on small generated videos with a random-weight tiny model: a first run,
 * then adding, modifying, touching and deleting files (only what changed is encoded), a corrupt
 * file (skipped, reported, retried only once it changes), the ANN graph kept in step with the
 * catalog, and an index refusing another model.
 */
import assert from 'node:assert/strict';
import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { T2VLP } from '../model/index.js';
import { indexLibrary, type IndexProgress } from './indexer.js';
import { MomentIndex } from './moment-index.js';
import { searchMoments } from './search-moments.js';
import { tempDir, writeCorruptVideo, writeTestVideo, writeTinyCheckpoint } from './testing/fixtures.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';

let model: T2VLP;
let dir: string;
let lib: string;
const identity = { modelHash: 'tiny-0', modelName: 'tiny', dim: 32, fps: 2, frames: 4, windows: { windowSec: 10, strideSec: 7 } };

before(async () => {
  dir = tempDir('indexer');
  model = (await T2VLP.load(await writeTinyCheckpoint(join(dir, 'tiny.safetensors'), TINY_CONFIG))).eval();
  lib = join(dir, 'lib');
  await writeTestVideo(join(lib, 'a.mp4'), 4, { seed: 1 });
  await writeTestVideo(join(lib, 'sub/b.mp4'), 25, { seed: 2 });
  await writeTestVideo(join(lib, 'sub/deeper/c.mkv'), 3, { seed: 3 });
});
after(() => model.dispose());

async function run(o: { batchSize?: number } = {}): Promise<{ p: IndexProgress; windows: Map<string, number[]>; ann: number }> {
  const index = MomentIndex.open({ root: lib, identity });
  try {
    const p = await indexLibrary(index, { model, fps: 2, batchSize: o.batchSize ?? 3 });
    const windows = new Map<string, number[]>();
    for (const v of index.catalog.videos()) windows.set(v.path, index.catalog.windowsOf(v.id).map((w) => w.start));
    // Every committed window is in the vector store, and nothing else.
    const ids = index.catalog.videos().flatMap((v) => index.catalog.windowsOf(v.id).map((w) => w.id));
    assert.equal(index.vectors.size, ids.length);
    for (const id of ids) assert.ok(index.vectors.has(id), `window ${id} has a vector`);
    return { p, windows, ann: index.vectors.size };
  } finally {
    await index.close();
  }
}

test('first run: every file, cut into windows with real start times, searchable', async () => {
  const { p, windows } = await run();
  assert.equal(p.phase, 'done');
  assert.equal(p.toIndex, 3);
  assert.deepEqual(windows.get('a.mp4'), [0]);
  assert.deepEqual(windows.get('sub/b.mp4'), [0, 7, 14, 20]);
  assert.deepEqual(windows.get('sub/deeper/c.mkv'), [0]);
  assert.equal(p.windowsEncoded, 6);

  const index = MomentIndex.open({ root: lib, identity, readonly: true });
  try {
    const w = index.catalog.windowsOf(index.catalog.video('sub/b.mp4')!.id)[2]!;
    const d = index.catalog.windowDetail(w.id)!;
    assert.equal(d.end, 24);
    assert.ok(d.frameTimes.length >= 1 && d.frameTimes.every((t) => t >= 14 && t <= 25), `frame times ${d.frameTimes} lie in the window`);
    // A window's own vector finds that window first, with its video merged into one hit.
    const hits = searchMoments(index, index.vectors.vector(w.id)!, { k: 3 });
    assert.equal(hits[0]!.windowId, w.id);
    assert.equal(hits[0]!.video, 'sub/b.mp4');
    assert.ok(hits[0]!.time >= 14 && hits[0]!.time <= 24);
    assert.equal(new Set(hits.map((h) => h.video)).size, hits.length, 'one hit per video');
  } finally {
    await index.close();
  }
});

test('a second run with nothing changed encodes nothing', async () => {
  const { p } = await run();
  assert.equal(p.toIndex, 0);
  assert.equal(p.windowsEncoded, 0);
});

test('add, modify, touch and delete files: only what changed is encoded', async () => {
  await writeTestVideo(join(lib, 'new.mp4'), 12, { seed: 4 }); // added: 2 windows
  await writeTestVideo(join(lib, 'a.mp4'), 15, { seed: 5 }); // modified: now 2 windows
  const later = new Date(Date.now() + 5000);
  utimesSync(join(lib, 'sub/deeper/c.mkv'), later, later); // touched: same content
  rmSync(join(lib, 'sub/b.mp4')); // deleted
  const { p, windows } = await run();
  assert.equal(p.removed, 1);
  assert.equal(p.toIndex, 2, 'new.mp4 and a.mp4 (the touched file is recognised by its hash)');
  assert.equal(p.windowsEncoded, 4);
  assert.deepEqual(windows.get('a.mp4'), [0, 7]);
  assert.deepEqual(windows.get('new.mp4'), [0, 7]);
  assert.equal(windows.has('sub/b.mp4'), false);
  assert.deepEqual(windows.get('sub/deeper/c.mkv'), [0]);
});

test('a corrupt file is skipped and reported, and retried only when it changes', async () => {
  writeCorruptVideo(join(lib, 'broken.mp4'));
  const first = await run();
  assert.equal(first.p.failed.length, 1);
  assert.equal(first.p.failed[0]!.video, 'broken.mp4');
  assert.match(first.p.failed[0]!.reason, /broken\.mp4.*Invalid data/);
  assert.deepEqual(first.windows.get('broken.mp4'), []);

  const again = await run();
  assert.equal(again.p.toIndex, 0, 'not retried while unchanged');
  assert.equal(again.p.failed.length, 1, 'still reported');

  await writeTestVideo(join(lib, 'broken.mp4'), 5, { seed: 6 }); // repaired
  const fixed = await run();
  assert.equal(fixed.p.toIndex, 1);
  assert.equal(fixed.p.failed.length, 0);
  assert.deepEqual(fixed.windows.get('broken.mp4'), [0]);
});

test('an index refuses a different model and another windowing', () => {
  assert.throws(() => MomentIndex.open({ root: lib, identity: { ...identity, modelHash: 'other' } }), (e: unknown) => (e as { code?: string }).code === 'MODEL_MISMATCH' && /never mixes models/.test((e as Error).message));
  assert.throws(() => MomentIndex.open({ root: lib, identity: { ...identity, windows: { windowSec: 8, strideSec: 4 } } }), /other sampling \(window 10 s vs 8 s, stride 7 s vs 4 s\)/);
});

test('a lost ANN file is rebuilt from the catalog', async () => {
  rmSync(join(lib, '.t2vlp-index', 'vectors.usearch'));
  const index = MomentIndex.open({ root: lib, identity, exactBelow: 1 }); // search the HNSW graph
  try {
    assert.equal(index.vectors.size, index.catalog.counts().windows);
    const w = index.catalog.windowsOf(index.catalog.video('new.mp4')!.id)[1]!;
    assert.equal(searchMoments(index, index.vectors.vector(w.id)!, { k: 1, exact: false })[0]!.windowId, w.id);
  } finally {
    await index.close();
  }
});
