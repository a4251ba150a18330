// prepareWebvid end to end on a generated download (test-clips.ts): shards, index, caption JSON
// and skipped list; read back through the WebVid reader (the extracted frames are the uniformly
// spaced ones, stored BGR at 256x256); output bytes independent of the concurrency; a run
// aborted after its first shard and rerun ends byte-identical to an uninterrupted one; a
// finished folder is left alone; other settings on the same folder are refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWebvid } from '../datasets/webvid.js';
import { DataAbortError, DataError } from '../errors.js';
import { parseExample } from '../tfrecord/example-proto.js';
import { readRecordAt } from '../tfrecord/tfrecord.js';
import { readWebvidFrames } from '../tfrecord/webvid-shards.js';
import { readFrameIndex } from '../video/test-videos.js';
import { uniformFrameIndices } from './extract-frames.js';
import { prepareWebvid, type PrepareWebvidOptions } from './prepare.js';
import { STATE_DIR } from './state.js';
import { TEST_CLIPS, writeTestDownload } from './test-clips.js';

let dir = '';
let input: { csv: string; clips: string };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-webvid-prep-'));
  input = await writeTestDownload(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

const opts = (out: string, extra: Partial<PrepareWebvidOptions> = {}): PrepareWebvidOptions => ({
  csvPaths: [input.csv],
  clipsDir: input.clips,
  outDir: join(dir, out),
  shardSize: 2,
  concurrency: 3,
  ...extra,
});

/** Every output file (state folder excluded) -> its bytes. */
async function snapshot(out: string): Promise<Map<string, Buffer>> {
  const files = (await readdir(out)).filter((f) => f !== STATE_DIR).sort();
  return new Map(
    await Promise.all(files.map(async (f) => [f, await readFile(join(out, f))] as const)),
  );
}

function assertSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...b.keys()], [...a.keys()], `${what}: the same files`);
  for (const [f, bytes] of a) assert.ok(bytes.equals(b.get(f)!), `${what}: ${f} differs`);
}

describe('prepareWebvid', () => {
  const good = TEST_CLIPS.filter((c) => c.frames >= 12);

  test('writes shards, index, captions and the skipped list; the reader reads them back', async () => {
    const r = await prepareWebvid(opts('a'));
    assert.equal(r.written, good.length);
    assert.equal(r.shards, Math.ceil(good.length / 2));
    assert.equal(r.rows, TEST_CLIPS.length);
    assert.deepEqual(r.skippedByReason, {
      undecodable: 1,
      missing: 1,
      'too-short': 1,
      'bad-row': 1,
    });
    const out = r.outDir;
    assert.deepEqual((await readdir(out)).sort(), [
      STATE_DIR,
      'frozen_train.json',
      'path-00000.tfrecord',
      'path-00001.tfrecord',
      'path-00002.tfrecord',
      'path.index',
      'skipped.tsv',
    ]);

    const captions = JSON.parse(await readFile(join(out, 'frozen_train.json'), 'utf8'));
    assert.deepEqual(
      captions,
      good.map((c) => ({ video_id: c.videoId, caption: c.caption })),
    );
    const index = (await readFile(join(out, 'path.index'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      index.map((l) => l.split('\t').slice(0, 2)),
      good.map((c, i) => [c.videoId, `path-0000${i >> 1}.tfrecord`]),
    );
    // frames + tf.train.Example wrapping (5 nested protobuf headers with 4-byte lengths, key 'image') + TFRecord framing
    const record = 12 * 256 * 256 * 3 + 32 + 16;
    assert.deepEqual(
      index.map((l) => Number(l.split('\t')[2])),
      good.map((_, i) => (i % 2) * record),
    );

    const skipped = (await readFile(join(out, 'skipped.tsv'), 'utf8')).trimEnd().split('\n');
    assert.equal(skipped[0], 'video_id\treason\tcsv\tline\tmessage');
    const rows = skipped.slice(1).map((l) => l.split('\t'));
    assert.deepEqual(
      rows.map((f) => [f[0], f[1], f[3]]),
      [
        ['1003', 'undecodable', '4'],
        ['1005', 'missing', '7'],
        ['1006', 'too-short', '8'],
        ['', 'bad-row', '10'],
      ],
    );
    assert.match(rows[1]![4]!, /no clip at '.*000051_000100\/1005\.mp4' or '.*clips\/1005\.mp4'/);
    assert.match(rows[2]![4]!, /has 5 frames, fewer than the 12 to extract/);
    assert.match(rows[0]![4]!, /1003\.mp4/);

    const data = await loadWebvid({
      captionsJson: join(out, 'frozen_train.json'),
      tfrecordDir: out,
    });
    assert.deepEqual(
      data.samples.map((s) => [s.videoId, s.caption]),
      good.map((c) => [c.videoId, c.caption]),
    );
    for (const [i, s] of data.samples.entries()) {
      const c = good[i]!;
      assert.equal(s.video.kind, 'tfrecord');
      const frames = await readWebvidFrames(s.video as { shardPath: string; offset: number });
      assert.equal(frames.length, 12);
      for (const f of frames)
        assert.deepEqual([f.width, f.height, f.data.length], [256, 256, 256 * 256 * 3]);
      if (c.red) {
        const mean = [0, 1, 2].map(
          (k) =>
            frames[0]!.data.filter((_, j) => j % 3 === k).reduce((a, b) => a + b) / (256 * 256),
        );
        assert.ok(
          mean[0]! > 200 && mean[1]! < 60 && mean[2]! < 60,
          `red clip read back as RGB ${mean}`,
        );
      } else {
        assert.deepEqual(
          frames.map(readFrameIndex),
          uniformFrameIndices(c.frames, 12),
          `frames of ${c.videoId}`,
        );
      }
    }
    // On disk the bytes are BGR (frozen_tfrecord.py stores OpenCV's order).
    const red = data.samples[good.findIndex((c) => c.red)]!.video as {
      shardPath: string;
      offset: number;
    };
    const raw = parseExample(await readRecordAt(red.shardPath, red.offset), 'red').get('image') as {
      bytes: Uint8Array[];
    };
    assert.ok(
      raw.bytes[0]![0]! < 60 && raw.bytes[0]![2]! > 200,
      `stored pixel ${raw.bytes[0]!.subarray(0, 3)} is not BGR red`,
    );
  });

  test('a finished folder is left alone; other settings on it are refused', async () => {
    const out = join(dir, 'a');
    const before = await stat(join(out, 'path-00000.tfrecord'));
    const r = await prepareWebvid(opts('a'));
    assert.equal(r.alreadyComplete, true);
    assert.equal(r.written, good.length);
    assert.equal((await stat(join(out, 'path-00000.tfrecord'))).mtimeMs, before.mtimeMs);
    await assert.rejects(
      prepareWebvid(opts('a', { shardSize: 3 })),
      (e: unknown) =>
        e instanceof DataError &&
        e.code === 'DATASET_EXISTS' &&
        /shardSize: 2 before, 3 now/.test(e.message),
    );
  });

  test('the output does not depend on the concurrency', async () => {
    await prepareWebvid(opts('c1', { concurrency: 1 }));
    assertSameFiles(
      await snapshot(join(dir, 'a')),
      await snapshot(join(dir, 'c1')),
      'concurrency 1 vs 3',
    );
  });

  test('aborted after the first shard, then rerun: the same bytes as an uninterrupted run', async () => {
    const out = join(dir, 'resumed');
    const stop = new AbortController();
    await assert.rejects(
      prepareWebvid(
        opts('resumed', {
          signal: stop.signal,
          onProgress: (e) => e.kind === 'shard' && stop.abort(),
        }),
      ),
      DataAbortError,
    );
    assert.ok(existsSync(join(out, 'path-00000.tfrecord')));
    assert.ok(!existsSync(join(out, 'path.index')), 'no index before the run completes');
    assert.deepEqual(
      (await readdir(out)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp files left',
    );
    const events: string[] = [];
    const r = await prepareWebvid(
      opts('resumed', { onProgress: (e) => void (e.kind !== 'clip' && events.push(e.kind)) }),
    );
    assert.equal(r.resumedShards, 1);
    assert.equal(events[0], 'start');
    assert.equal(
      events.filter((e) => e === 'shard').length,
      2,
      'only the two missing shards are written',
    );
    assertSameFiles(
      await snapshot(join(dir, 'a')),
      await snapshot(out),
      'resumed vs uninterrupted',
    );
  });

  test('a lost shard and what a killed run leaves are written again; limit; bad options', async () => {
    const out = join(dir, 'resumed');
    await rm(join(out, 'path-00001.tfrecord'));
    await rm(join(out, STATE_DIR, 'done.json'));
    // and what a killed process leaves: a half-written shard and record, a half-written index
    await writeFile(join(out, 'path-00002.tfrecord.tmp'), 'partial');
    await writeFile(join(out, STATE_DIR, 'shard-00002.json.tmp'), '{"sha');
    await writeFile(join(out, 'path.index.tmp'), 'partial');
    const r = await prepareWebvid(opts('resumed'));
    assert.equal(r.resumedShards, 1);
    assertSameFiles(
      await snapshot(join(dir, 'a')),
      await snapshot(out),
      'after re-writing a lost shard',
    );
    assert.deepEqual(
      (await readdir(join(out, STATE_DIR))).filter((f) => f.endsWith('.tmp')),
      [],
    );

    const l = await prepareWebvid(opts('limited', { limit: 2 }));
    assert.deepEqual([l.rows, l.written, l.shards], [2, 2, 1]);
    await assert.rejects(
      prepareWebvid(opts('x', { concurrency: 0 })),
      /prepareWebvid: concurrency must be an integer >= 1, got 0/,
    );
    await assert.rejects(
      prepareWebvid(opts('x', { clipsDir: join(dir, 'nope') })),
      /clips folder '.*nope' does not exist/,
    );
    await assert.rejects(
      prepareWebvid(opts('x', { csvPaths: [join(dir, 'no.csv')] })),
      /CSV file '.*no\.csv' does not exist/,
    );
  });
});
