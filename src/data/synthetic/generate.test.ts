// The synthetic dataset generator: same seed -> byte-identical annotation files and videos,
// different seed -> different data; re-running is a no-op; the MSR-VTT and MSRVTT-QA readers
// load it; other settings in an existing folder are refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMsrvtt } from '../datasets/msrvtt.js';
import { loadMsrvttQa } from '../datasets/qa.js';
import { readVideoClip } from '../video/decode-video.js';
import { generateSyntheticDataset } from './generate.js';
import { Rng } from '../random.js';
import { randomScene } from './scene.js';
import { sceneCaptions } from './captions.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 't2vlp-synth-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), join(rel, e.name));
      else
        out[join(rel, e.name)] = createHash('sha256')
          .update(await readFile(join(d, e.name)))
          .digest('hex');
    }
  };
  await walk(dir, '');
  return out;
}

const opts = { numVideos: 10, numFrames: 16, fps: 8, width: 48, height: 48, captionsPerVideo: 3 };

test('same seed gives identical files; re-running is a no-op; another seed differs', async () => {
  const a = await generateSyntheticDataset({ ...opts, outDir: join(root, 'a'), seed: 1 });
  assert.equal(a.created, true);
  assert.deepEqual(a.counts, { train: 7, val: 1, test: 2 });
  const b = await generateSyntheticDataset({ ...opts, outDir: join(root, 'b'), seed: 1 });
  const ha = await hashes(a.dir);
  assert.deepEqual(ha, await hashes(b.dir));
  assert.equal(
    (await generateSyntheticDataset({ ...opts, outDir: join(root, 'a'), seed: 1 })).created,
    false,
  );
  assert.deepEqual(await hashes(a.dir), ha);
  const c = await generateSyntheticDataset({ ...opts, outDir: join(root, 'c'), seed: 2 });
  assert.notEqual((await hashes(c.dir))['MSRVTT_data.json'], ha['MSRVTT_data.json']);
  await assert.rejects(generateSyntheticDataset({ ...opts, outDir: join(root, 'a'), seed: 3 }), {
    code: 'DATASET_EXISTS',
    message: /exists with other settings; pass overwrite: true/,
  });
  assert.ok(
    !(await readdir(root)).some((n) => n.includes('.tmp-')),
    'temporary folder left behind',
  );
});

test('the MSR-VTT and QA readers load it; videos decode into clips', async () => {
  const dir = join(root, 'a');
  const train = await loadMsrvtt({ dataDir: dir, videoDir: join(dir, 'videos'), split: 'train' });
  assert.equal(train.samples.length, 7 * 3);
  const test_ = await loadMsrvtt({ dataDir: dir, videoDir: join(dir, 'videos'), split: 'test' });
  assert.deepEqual(
    test_.samples.map((s) => s.videoId),
    ['video8', 'video9'],
  );
  const val = await loadMsrvtt({ dataDir: dir, videoDir: join(dir, 'videos'), split: 'val' });
  assert.equal(val.samples.length, 1);
  const qa = await loadMsrvttQa({
    dataDir: join(dir, 'qa'),
    videoDir: join(dir, 'videos'),
    split: 'train',
  });
  assert.ok(qa.samples.length >= 7 * 4);
  assert.ok(qa.samples.every((s) => s.qa!.answerLabel! >= 0));
  const clip = await readVideoClip(join(dir, 'videos', 'video0.mp4'), {
    maxFrames: 12,
    featureFramerate: 4,
  });
  assert.equal(clip.numFrames, 8); // 2 s at 4 frames/s
});

test('captions are discriminative: 300 scenes give (almost) all-distinct first captions', () => {
  const firsts = new Set(
    Array.from(
      { length: 300 },
      (_, i) => sceneCaptions(randomScene(new Rng([0, i, 1])), new Rng(0), 1)[0],
    ),
  );
  assert.ok(firsts.size >= 295, `${firsts.size} distinct of 300`);
});
