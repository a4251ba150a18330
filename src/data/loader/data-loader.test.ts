// The batching loader: deterministic shuffles, disjoint and covering shards, resumable
// positions, bounded prefetch, and bad samples skipped and counted with their reasons
// (missing video, corrupt video, empty caption) while batches stay full.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Sample } from '../datasets/types.js';
import { DataError } from '../errors.js';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.js';
import { writeIndexVideo } from '../video/test-videos.js';
import { VideoReader } from '../video/video-reader.js';
import { collate } from './collate.js';
import { DataLoader } from './data-loader.js';
import { modelItemLoader } from './items.js';
import { pretrainMaskLabels } from './mlm-labels.js';
import { shardOrder } from './sampler.js';
import { Rng } from '../random.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
const echo = async (s: number) => s;

async function collect<I>(loader: DataLoader<number, I>, epoch?: number) {
  const out: number[][] = [];
  for await (const b of loader.epoch({ epoch })) out.push(b.sampleIndices);
  return out;
}

test('shuffle is deterministic by (seed, epoch) and differs across epochs', () => {
  const a = shardOrder(50, 0, { shuffle: true, seed: 7 });
  assert.deepEqual(a, shardOrder(50, 0, { shuffle: true, seed: 7 }));
  assert.notDeepEqual(a, shardOrder(50, 1, { shuffle: true, seed: 7 }));
  assert.notDeepEqual(a, shardOrder(50, 0, { shuffle: true, seed: 8 }));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    ids(50),
  );
  assert.deepEqual(shardOrder(5, 3), [0, 1, 2, 3, 4]);
});

test('shards are disjoint and cover the epoch; padding evens them like DistributedSampler', () => {
  for (const n of [12, 13, 1]) {
    const W = 4;
    const uneven = ids(W).map((r) =>
      shardOrder(n, 2, { shuffle: true, seed: 1, rank: r, worldSize: W, evenShards: 'uneven' }),
    );
    assert.deepEqual(
      uneven.flat().sort((x, y) => x - y),
      ids(n),
      `uneven shards of ${n}`,
    );
    const padded = ids(W).map((r) =>
      shardOrder(n, 2, { shuffle: true, seed: 1, rank: r, worldSize: W }),
    );
    assert.ok(padded.every((s) => s.length === Math.ceil(n / W)));
    assert.deepEqual(
      [...new Set(padded.flat())].sort((x, y) => x - y),
      ids(n),
    );
    const dropped = ids(W).map((r) =>
      shardOrder(n, 2, { rank: r, worldSize: W, evenShards: 'drop' }),
    );
    assert.equal(new Set(dropped.flat()).size, dropped.flat().length);
  }
  assert.throws(() => shardOrder(10, 0, { rank: 4, worldSize: 4 }), {
    name: 'DataOptionError',
    message: /rank must be an integer in \[0, 4\), got 4/,
  });
});

test('batches in order, drop_last, position save and restore', async () => {
  const loader = new DataLoader(ids(23), echo, {
    batchSize: 5,
    shuffle: true,
    seed: 3,
    concurrency: 3,
  });
  const full = await collect(loader, 0);
  assert.equal(full.length, 4);
  assert.deepEqual(full.flat(), shardOrder(23, 0, { shuffle: true, seed: 3 }).slice(0, 20));
  assert.deepEqual(loader.position, { epoch: 1, index: 0 });
  // Stop after two batches, save, restore in a fresh loader: the rest is identical.
  const first = new DataLoader(ids(23), echo, { batchSize: 5, shuffle: true, seed: 3 });
  let saved;
  let k = 0;
  for await (const b of first.epoch({ epoch: 0 })) {
    saved = b.position;
    if (++k === 2) break;
  }
  assert.deepEqual(saved, { epoch: 0, index: 10 });
  const resumed = new DataLoader(ids(23), echo, { batchSize: 5, shuffle: true, seed: 3 });
  resumed.restore(saved!);
  assert.deepEqual(await collect(resumed), full.slice(2));
  const evalLoader = new DataLoader(ids(7), echo, { batchSize: 3, dropLast: false });
  assert.deepEqual(await collect(evalLoader, 0), [[0, 1, 2], [3, 4, 5], [6]]);
});

test('bounded prefetch: loads run at most `concurrency` at once and stop when the consumer waits', async () => {
  let active = 0;
  let maxActive = 0;
  let started = 0;
  const load = async (s: number) => {
    started++;
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 2));
    active--;
    return s;
  };
  const loader = new DataLoader(ids(100), load, {
    batchSize: 4,
    concurrency: 3,
    prefetchBatches: 2,
  });
  const it = loader.epoch({ epoch: 0 });
  await it.next();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(maxActive <= 3, `max ${maxActive} loads at once`);
  assert.ok(started <= 4 + 2 * 4 + 1, `started ${started} loads while the consumer held one batch`);
  await it.return(undefined);
});

test('failing samples are skipped and counted; other errors propagate', async () => {
  const load = async (s: number) => {
    if (s % 5 === 2) throw new DataError('VIDEO_OPEN', `sample ${s}: corrupt`);
    return s;
  };
  const loader = new DataLoader(ids(20), load, { batchSize: 4 });
  const batches = await collect(loader, 0);
  assert.deepEqual(batches, [
    [0, 1, 3, 4],
    [5, 6, 8, 9],
    [10, 11, 13, 14],
    [15, 16, 18, 19],
  ]);
  assert.deepEqual(loader.report().byCode, { VIDEO_OPEN: 4 });
  assert.match(
    loader.formatReport(),
    /skipped 4 samples \(VIDEO_OPEN 4\)\n {2}#2 \(epoch 0\) VIDEO_OPEN: sample 2: corrupt/,
  );
  const buggy = new DataLoader(
    ids(4),
    async () => {
      throw new TypeError('bug');
    },
    { batchSize: 2 },
  );
  await assert.rejects(collect(buggy, 0), TypeError);
});

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-loader-'));
  await writeIndexVideo(join(dir, 'ok.mp4'), 20, 10, { width: 48, height: 48 });
  await writeFile(join(dir, 'corrupt.mp4'), Buffer.alloc(3000, 0x42));
});
after(() => rm(dir, { recursive: true, force: true }));

test('model items: real videos and captions; missing/corrupt video and empty caption skipped with reasons', async () => {
  const tok = await ClipTokenizer.load();
  const file = (name: string) => ({ kind: 'file' as const, path: join(dir, name) });
  const samples: Sample[] = [
    { videoId: 'a', video: file('ok.mp4'), split: 'train', caption: 'a red circle moves left' },
    { videoId: 'b', video: file('missing.mp4'), split: 'train', caption: 'a caption' },
    { videoId: 'c', video: file('ok.mp4'), split: 'train', caption: '   ' },
    { videoId: 'd', video: file('corrupt.mp4'), split: 'train', caption: 'a caption' },
    {
      videoId: 'e',
      video: file('ok.mp4'),
      split: 'train',
      captions: ['one caption', 'another caption'],
    },
  ];
  const load = modelItemLoader({
    tokenizer: tok,
    videos: new VideoReader({ maxFrames: 4 }),
    mlmLabels: true,
  });
  const loader = new DataLoader(samples, load, { batchSize: 2, dropLast: false });
  const batches = [];
  for await (const b of loader.epoch({ epoch: 0 })) batches.push(collate(b.items));
  assert.equal(batches.length, 1);
  const b = batches[0]!;
  assert.deepEqual(b.videoIds, ['a', 'e']);
  assert.deepEqual(b.videoShape, [2, 4, 3, 224, 224]);
  assert.deepEqual(Array.from(b.videoMask, Number), [1, 1, 0, 0, 1, 1, 0, 0]); // 2 s at 1 frame/s
  assert.equal(b.inputIds[0], 49406n);
  assert.equal(b.fusionLabels!.length, 2 * (1 + 4 + 32));
  const r = loader.report();
  assert.deepEqual(r.byCode, { ENOENT: 1, EMPTY_CAPTION: 1, VIDEO_OPEN: 1 });
  const msgs = r.examples.map((e) => e.message).join('\n');
  assert.match(msgs, /video '.*missing\.mp4' does not exist/);
  assert.match(msgs, /caption of video 'c' \(.*ok\.mp4\) tokenises to nothing: "   "/);
  assert.match(msgs, /ffprobe cannot open '.*corrupt\.mp4'/);
});

test('MLM labels: flags, masked text between CLS and EOT, fallback at M + 2', () => {
  const labels = pretrainMaskLabels([1, 1, 0], [1, 1, 1, 1, 1, 0, 0], new Rng(5), 0.5);
  assert.deepEqual(Array.from(labels.subarray(0, 4)), [1, 1, 1, 0]);
  for (let p = 4; p < labels.length; p++) {
    if (labels[p] === -1) assert.ok(p >= 5 && p <= 7, `masked position ${p} outside CLS..EOT`);
  }
  assert.deepEqual(Array.from(labels.subarray(9)), [0, 0]);
  const none = pretrainMaskLabels([1], [1, 1, 1], new Rng(1), 0);
  assert.deepEqual(Array.from(none), [1, 1, 1, -1, 1]);
});

test('collated batches become Tensors (needs the tensor layer)', async (t) => {
  const { batchToTensors } = await import('./collate.js');
  const { clipToTensors } = await import('../video/clip.js');
  const tok = await ClipTokenizer.load();
  const load = modelItemLoader({
    tokenizer: tok,
    videos: new VideoReader({ maxFrames: 2, imageSize: 32 }),
  });
  const sample: Sample = {
    videoId: 'a',
    video: { kind: 'file', path: join(dir, 'ok.mp4') },
    split: 'train',
    caption: 'a cat',
  };
  const item = await load(sample, { sampleIndex: 0, epoch: 0, rng: new Rng(0) });
  let tensors;
  try {
    tensors = batchToTensors(collate([item, item]));
  } catch (err) {
    if ((err as { code?: string }).code === 'TENSOR_UNAVAILABLE')
      return t.skip('tensor layer not available');
    throw err;
  }
  const shape = (x: unknown) => [...(x as { shape: number[] }).shape];
  assert.deepEqual(shape(tensors.video), [2, 2, 3, 32, 32]);
  assert.deepEqual(shape(tensors.videoMask), [2, 2]);
  assert.deepEqual(shape(tensors.inputIds), [2, 32]);
  const clip = clipToTensors(item.clip);
  assert.deepEqual(shape(clip.frames), [2, 3, 32, 32]);
  for (const x of [...Object.values(tensors), ...Object.values(clip)])
    (x as { dispose(): void }).dispose();
});
