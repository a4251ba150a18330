/**
 * `t2vlp generate-data` killed with SIGKILL at random moments (seeded): afterwards the dataset
 * folder is either absent or complete and identical to an uninterrupted run's (it is built in a
 * temporary folder and renamed into place), and a rerun with the same options completes it.
 * See docs/DATA.md (synthetic dataset).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { crashSeeds, runT2vlp, seededRandom, treeHashes } from './harness.js';
import { tmp } from './fixtures.js';

const args = (out: string) => ['generate-data', '--out', out, '--videos', '10', '--frames', '8', '--size', '32', '--captions', '2', '--seed', '4'];
let reference: { files: Map<string, string>; ms: number };

before(async () => {
  const out = join(tmp('gen-ref'), 'data');
  const r = await runT2vlp(args(out));
  assert.equal(r.code, 0, r.err);
  reference = { files: treeHashes(out), ms: r.ms };
});

describe('t2vlp generate-data killed with SIGKILL, then rerun', () => {
  for (const seed of crashSeeds(3)) {
    test(`seed ${seed}: a kill at a random moment`, async () => {
      const parent = tmp('gen');
      const out = join(parent, 'data');
      const afterMs = Math.round(reference.ms * (0.25 + 0.6 * seededRandom(seed)()));
      const first = await runT2vlp(args(out), { afterMs });
      if (!first.killed) assert.equal(first.code, 0, first.err);
      if (existsSync(out)) assert.deepEqual(treeHashes(out), reference.files, `seed ${seed}: a dataset folder left by the kill is the complete one`);
      const again = await runT2vlp(args(out));
      assert.equal(again.code, 0, `seed ${seed}: rerun failed: ${again.err}`);
      assert.deepEqual(treeHashes(out), reference.files, `seed ${seed}: rerun dataset differs`);
      assert.deepEqual(readdirSync(parent), ['data'], `seed ${seed}: the killed run's temporary folder is cleaned up by the rerun`);
      console.log(`seed ${seed}: ${first.killed ? `killed at ${first.ms} ms (${existsSync(out) ? 'complete' : 'absent'} before the rerun)` : 'finished before the kill'}; rerun identical`);
    });
  }
});
