// TFRecord framing and tf.train.Example parsing, written here and read back: CRC-32C against
// its published check value, WebVid shards + index (first occurrence wins, BGR -> RGB, 256x256
// frames into clips), and the failure paths (payload CRC, truncated shard, missing feature).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadWebvid } from '../datasets/webvid.js';
import { VideoReader } from '../video/video-reader.js';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { encodeBytesExample, parseExample } from './example-proto.js';
import { readRecordAt, writeRecords } from './tfrecord.js';
import { readWebvidFrames, readWebvidIndex, writeWebvidShards } from './webvid-shards.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-tfrecord-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('CRC-32C check value and TensorFlow masking', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // masked = rotr15(crc) + 0xa282ead8
  const c = crc32c(new Uint8Array([1, 2, 3]));
  assert.equal(
    maskedCrc32c(new Uint8Array([1, 2, 3])),
    ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0,
  );
});

test('records round-trip; offsets advance by length + 16', async () => {
  const p = join(dir, 'a.tfrecord');
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).fill(7)];
  const offsets = await writeRecords(p, payloads);
  assert.deepEqual(offsets, [0, 19, 35]);
  for (let i = 0; i < 3; i++) assert.deepEqual(await readRecordAt(p, offsets[i]!), payloads[i]);
});

test('Example protobuf: bytes feature round trip, unknown fields skipped', () => {
  const ex = encodeBytesExample({
    image: [new Uint8Array([9, 8, 7])],
    name: [new TextEncoder().encode('x')],
  });
  const parsed = parseExample(ex);
  assert.deepEqual(parsed.get('image'), { bytes: [new Uint8Array([9, 8, 7])] });
  assert.deepEqual(parsed.get('name'), { bytes: [new TextEncoder().encode('x')] });
});

test('CRC mismatch and truncation are reported with the shard and offset', async () => {
  const p = join(dir, 'bad.tfrecord');
  const offsets = await writeRecords(p, [new Uint8Array(100).fill(1), new Uint8Array(100).fill(2)]);
  const bytes = await readFile(p);
  bytes[offsets[1]! + 12 + 50] ^= 0xff; // flip a payload byte of record 2
  await writeFile(p, bytes);
  assert.deepEqual(await readRecordAt(p, 0), new Uint8Array(100).fill(1));
  await assert.rejects(readRecordAt(p, offsets[1]!), {
    name: 'TfRecordError',
    code: 'CRC_MISMATCH',
    message: /payload CRC mismatch in '.*bad\.tfrecord' for the record at byte 116/,
  });
  assert.equal((await readRecordAt(p, offsets[1]!, { verifyCrc: false })).length, 100);
  await assert.rejects(readRecordAt(p, 5), {
    code: 'CRC_MISMATCH',
    message: /length CRC mismatch .* at byte 5/,
  });
  await truncate(p, 150);
  await assert.rejects(readRecordAt(p, offsets[1]!), {
    code: 'TRUNCATED',
    message: /is truncated: record at byte 116 needs 116 bytes, file has 34/,
  });
});

test('WebVid shards: index, BGR frames, clips; missing caption video is reported', async () => {
  const frame = (b: number, g: number, r: number) => {
    const f = new Uint8Array(256 * 256 * 3);
    for (let i = 0; i < f.length; i += 3) [f[i], f[i + 1], f[i + 2]] = [b, g, r];
    return f;
  };
  const two = new Uint8Array(2 * 196608);
  two.set(frame(255, 0, 0), 0); // blue in BGR
  two.set(frame(0, 0, 255), 196608); // red
  await writeWebvidShards(
    dir,
    [
      { videoId: 'v1', bgr: two },
      { videoId: 'v2', bgr: frame(0, 255, 0) },
      { videoId: 'v1', bgr: frame(1, 1, 1) }, // duplicate id: first occurrence wins
    ],
    { perShard: 2 },
  );
  const index = await readWebvidIndex(dir);
  assert.deepEqual([...index.keys()], ['v1', 'v2']);
  assert.equal(index.get('v2')!.shardPath, join(dir, 'path-00000.tfrecord'));
  const frames = await readWebvidFrames(index.get('v1')!);
  assert.equal(frames.length, 2);
  assert.deepEqual([...frames[0]!.data.subarray(0, 3)], [0, 0, 255]); // RGB now
  const reader = new VideoReader({ maxFrames: 4 });
  const clip = await reader.read({ kind: 'tfrecord', ...index.get('v1')! });
  assert.equal(clip.numFrames, 2);
  assert.deepEqual(Array.from(clip.mask), [1, 1, 0, 0]);
  const caps = join(dir, 'frozen_train.json');
  await writeFile(
    caps,
    JSON.stringify([
      { video_id: 'v2', caption: 'a green frame' },
      { video_id: 'v9', caption: 'missing' },
    ]),
  );
  await assert.rejects(loadWebvid({ captionsJson: caps, tfrecordDir: dir }), {
    code: 'ENOENT',
    message: /video 'v9' of '.*frozen_train\.json' is not in '.*path\.index'/,
  });
  const d = await loadWebvid({ captionsJson: caps, tfrecordDir: dir, strict: false });
  assert.equal(d.samples.length, 1);
  assert.deepEqual(d.samples[0]!.video, { kind: 'tfrecord', ...index.get('v2')! });
});
