import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServeError } from './errors.js';
import { QueryQueue } from './query-queue.js';

const embed = (t: string) => Float32Array.of(t.length);

test('queries waiting together are encoded in one batch, each gets its own vector', async () => {
  const batches: string[][] = [];
  const q = new QueryQueue((texts) => (batches.push(texts), texts.map(embed)), { maxPending: 8, maxBatch: 3 });
  const out = await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((t) => q.submit(t)));
  assert.deepEqual(out.map((v) => v[0]), [1, 2, 3, 4]);
  assert.deepEqual(batches, [['a', 'bb', 'ccc'], ['dddd']]);
  assert.deepEqual(q.stats, { batches: 2, queries: 4, refused: 0 });
  await q.idle();
});

test('a full queue refuses at once with BUSY and a retry time', async () => {
  const q = new QueryQueue((texts) => texts.map(embed), { maxPending: 2 });
  const a = q.submit('a');
  const b = q.submit('b');
  assert.throws(
    () => q.submit('c'),
    (e: unknown) => e instanceof ServeError && e.code === 'BUSY' && e.status === 503 && e.retryAfterSec === 1 && /2 queries are waiting \(limit 2\)/.test(e.message),
  );
  await Promise.all([a, b]);
  assert.equal(q.pending, 0);
  assert.equal((await q.submit('again'))[0], 5, 'accepts again once drained');
});

test('an encoder error rejects that batch only', async () => {
  const q = new QueryQueue((texts) => {
    if (texts.includes('bad')) throw new Error('encoder failed');
    return texts.map(embed);
  }, { maxBatch: 1 });
  const bad = q.submit('bad');
  const good = q.submit('good');
  await assert.rejects(bad, /encoder failed/);
  assert.equal((await good)[0], 4);
});
