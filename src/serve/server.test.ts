/**
 * The service on loopback with a random-weight tiny model and small generated videos: the API's
 * shapes, byte ranges, thumbnails, path traversal attempts, the queue limit (503 + Retry-After),
 * the token check, and the refusal to bind a non-loopback address without a token.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClipTokenizer } from '../data/index.js';
import { tempDir, writeCorruptVideo, writeTestVideo, writeTinyCheckpoint } from '../library/testing/fixtures.js';
import { T2VLP } from '../model/index.js';
import { startService, type RunningService } from './server.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';

let model: T2VLP;
let tokenizer: ClipTokenizer;
let dir: string;
let lib: string;
let svc: RunningService;

const base = { modelName: 'tiny', modelHash: 'tiny-0', fps: 2 };

before(async () => {
  dir = tempDir('serve');
  lib = join(dir, 'lib');
  model = (await T2VLP.load(await writeTinyCheckpoint(join(dir, 'tiny.safetensors'), TINY_CONFIG))).eval();
  tokenizer = await ClipTokenizer.load();
  await writeTestVideo(join(lib, 'clips/a b.mp4'), 4, { seed: 1 });
  await writeTestVideo(join(lib, 'long.mp4'), 25, { seed: 2 });
  writeCorruptVideo(join(lib, 'broken.mp4'));
  writeFileSync(join(dir, 'secret.mp4'), 'not for the web');
  writeFileSync(join(lib, 'notes.txt'), 'not for the web either');
  symlinkSync(join(dir, 'secret.mp4'), join(lib, 'escape.mp4'));
  mkdirSync(join(dir, 'outside'));
  svc = await startService({ ...base, model, tokenizer, library: lib, port: 0 });
  await svc.indexing;
});
after(async () => {
  await svc.close();
  model.dispose();
});

/** A raw GET (no URL normalisation, so '..' reaches the server as sent). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((res, rej) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode ?? 0, headers: resp.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', rej);
    r.end();
  });
}
const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as Record<string, unknown>;

test('status reports the index, the failures and the model capabilities', async () => {
  const r = await get(svc.port, '/api/status');
  assert.equal(r.status, 200);
  const s = json(r.body) as { done: boolean; videos: number; windows: number; failed: { video: string; reason: string }[]; capabilities: Record<string, boolean> };
  assert.equal(s.done, true);
  assert.equal(s.videos, 2);
  assert.equal(s.windows, 1 + 4);
  assert.deepEqual(s.failed.map((f) => f.video), ['broken.mp4']);
  assert.deepEqual(s.capabilities, { rerank: false, caption: false, qa: false });
});

test('search returns one hit per video with times inside the window and a thumbnail', async () => {
  const r = await get(svc.port, '/api/search?q=a+red+circle+moves+left&k=5');
  assert.equal(r.status, 200);
  const { hits } = json(r.body) as { hits: { video: string; start: number; end: number; time: number; score: number; thumbnail: string }[] };
  assert.equal(hits.length, 2);
  assert.deepEqual(new Set(hits.map((h) => h.video)), new Set(['clips/a b.mp4', 'long.mp4']));
  for (const h of hits) {
    assert.ok(h.start <= h.time && h.time <= h.end, `time ${h.time} in [${h.start}, ${h.end}]`);
    assert.equal(typeof h.score, 'number');
  }
  assert.ok(hits[0]!.score >= hits[1]!.score);
  const t = await get(svc.port, hits[0]!.thumbnail);
  assert.equal(t.status, 200);
  assert.equal(t.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...t.body.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
});

test('bad requests say what is wrong', async () => {
  const empty = await get(svc.port, '/api/search?q=');
  assert.equal(empty.status, 400);
  assert.match(String((json(empty.body).error as { message: string }).message), /q is empty/);
  const bigK = await get(svc.port, '/api/search?q=dog&k=1000');
  assert.equal(bigK.status, 400);
  assert.match(String((json(bigK.body).error as { message: string }).message), /k must be an integer from 1 to 100; got '1000'/);
  const long = await get(svc.port, `/api/search?q=${'a'.repeat(1001)}`);
  assert.equal(long.status, 400);
  const rerank = await get(svc.port, '/api/search?q=dog&rerank=1');
  assert.equal(rerank.status, 501);
});

test('similar moments: other windows than the query moment', async () => {
  const r = await get(svc.port, '/api/similar?video=long.mp4&t=12&k=10'); // the window 7-17
  assert.equal(r.status, 200);
  const { hits } = json(r.body) as { hits: { video: string; start: number; end: number }[] };
  assert.ok(hits.length >= 1);
  for (const h of hits) if (h.video === 'long.mp4') assert.ok(h.end <= 7 || h.start >= 17, `hit ${h.start}-${h.end} does not overlap the query window 7-17`);
  const whole = json((await get(svc.port, '/api/similar?video=clips%2Fa%20b.mp4')).body) as { hits: { video: string }[] };
  assert.deepEqual(whole.hits.map((h) => h.video), ['long.mp4']);
  assert.equal((await get(svc.port, '/api/similar?video=nope.mp4')).status, 404);
});

test('videos stream with byte ranges', async () => {
  const full = await get(svc.port, '/api/videos/clips/a%20b.mp4');
  assert.equal(full.status, 200);
  assert.equal(full.headers['content-type'], 'video/mp4');
  assert.equal(full.headers['accept-ranges'], 'bytes');
  const part = await get(svc.port, '/api/videos/clips/a%20b.mp4', { Range: 'bytes=10-19' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 10-19/${full.body.length}`);
  assert.deepEqual(part.body, full.body.subarray(10, 20));
  const tail = await get(svc.port, '/api/videos/clips/a%20b.mp4', { Range: 'bytes=-5' });
  assert.deepEqual(tail.body, full.body.subarray(-5));
  const past = await get(svc.port, '/api/videos/clips/a%20b.mp4', { Range: `bytes=${full.body.length}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], `bytes */${full.body.length}`);
});

test('path traversal attempts get 404 and never a byte from outside the library', async () => {
  const attempts = [
    '/api/videos/../secret.mp4',
    '/api/videos/..%2Fsecret.mp4',
    '/api/videos/%2e%2e/secret.mp4',
    '/api/videos/clips/..%2F..%2Fsecret.mp4',
    '/api/videos/%2Fetc%2Fpasswd',
    '/api/videos//etc/passwd',
    '/api/videos/escape.mp4',
    '/api/videos/..%5csecret.mp4',
    '/api/videos/clips%00.mp4',
    '/api/videos/.t2vlp-index/catalog.sqlite',
    '/api/videos/.t2vlp-index%2Fcatalog.sqlite',
    '/api/videos/notes.txt',
    `/api/thumbnail?video=${encodeURIComponent('../secret.mp4')}&t=0`,
    '/api/thumbnail?video=escape.mp4&t=0',
    `/api/thumbnail?video=${encodeURIComponent('/etc/passwd')}&t=0`,
  ];
  for (const path of attempts) {
    const r = await get(svc.port, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.ok(!r.body.toString('utf8').includes('not for the web') && !r.body.includes('SQLite format'), `${path} leaked a file`);
  }
});

test('with a token: requests without it get 401; header, query and cookie work', async () => {
  const token = 'correct-horse-battery';
  const locked = await startService({ ...base, model, tokenizer, library: lib, port: 0, indexing: false, token });
  try {
    assert.equal((await get(locked.port, '/api/status')).status, 401);
    assert.equal((await get(locked.port, '/api/videos/long.mp4')).status, 401);
    assert.equal((await get(locked.port, '/')).status, 401);
    assert.equal((await get(locked.port, '/api/status', { Authorization: 'Bearer wrong-token-xyz' })).status, 401);
    assert.equal((await get(locked.port, '/api/status', { Authorization: `Bearer ${token}` })).status, 200);
    const viaQuery = await get(locked.port, `/?token=${token}`);
    assert.equal(viaQuery.status, 200);
    const cookie = String(viaQuery.headers['set-cookie']).split(';')[0]!;
    assert.match(cookie, /^t2vlp_token=/);
    assert.equal((await get(locked.port, '/api/videos/long.mp4', { Cookie: cookie })).status, 200);
  } finally {
    await locked.close();
  }
});

test('a non-loopback address without a token is refused before listening', async () => {
  await assert.rejects(
    startService({ ...base, model, tokenizer, library: lib, port: 0, host: '0.0.0.0', indexing: false }),
    (e: unknown) => (e as { code?: string }).code === 'UNSAFE_BIND' && /refusing to listen on '0.0.0.0' without a token/.test((e as Error).message),
  );
  await assert.rejects(startService({ ...base, model, tokenizer, library: lib, port: 0, host: '::', token: 'short', indexing: false }), /at least 8 characters/);
});

test('the page is served', async () => {
  const r = await get(svc.port, '/');
  assert.equal(r.status, 200);
  assert.match(r.body.toString('utf8'), /<form id="search"/);
  assert.equal((await get(svc.port, '/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
});
