/**
 * `t2vlp generate-data` killed with SIGKILL at random moments (seeded): once after a random number
 * of its videos are encoded (1 to all 10, then annotation writing and the rename), once at a
 * random time. Afterwards the dataset
 * folder is either absent or complete and identical to an uninterrupted run's (it is built in a
 * temporary folder and renamed into place), and a rerun with the same options completes it.
 * See docs/DATA.md (synthetic dataset).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { crashSeeds, runT2vlp, seededRandom, treeHashes, type KillPlan } from './harness.js';
import { tmp } from './fixtures.js';

const args = (out: string) => [
  'generate-data',
  '--out',
  out,
  '--videos',
  '10',
  '--frames',
  '8',
  '--size',
  '32',
  '--captions',
  '2',
  '--seed',
  '4',
];
let reference: { files: Map<string, string>; ms: number };

function videoCount(tmpDir: string): number {
  try {
    return readdirSync(join(tmpDir, 'videos')).filter((f) => f.endsWith('.mp4')).length;
  } catch {
    return 0;
  }
}

before(async () => {
  const out = join(tmp('gen-ref'), 'data');
  const r = await runT2vlp(args(out));
  assert.equal(r.code, 0, r.err);
  reference = { files: treeHashes(out), ms: r.ms };
});

describe('t2vlp generate-data killed with SIGKILL, then rerun', () => {
  for (const seed of crashSeeds(2)) {
    const rand = seededRandom(seed);
    const videosDone = 1 + Math.floor(rand() * 10);
    const afterMs = rand();
    const plans: [string, (parent: string) => KillPlan][] = [
      [
        `after ${videosDone} videos`,
        (parent) => ({
          whenFiles: {
            folder: parent,
            test: (names) =>
              names.some(
                (n) => n.startsWith('.data.tmp-') && videoCount(join(parent, n)) >= videosDone,
              ),
          },
        }),
      ],
      ['at a random time', () => ({ afterMs: Math.round(reference.ms * (0.25 + 0.6 * afterMs)) })],
    ];
    for (const [when, plan] of plans)
      test(`seed ${seed}: a kill ${when}`, async () => {
        const parent = tmp('gen');
        const out = join(parent, 'data');
        const first = await runT2vlp(args(out), plan(parent));
        if (!first.killed) assert.equal(first.code, 0, first.err);
        if (existsSync(out))
          assert.deepEqual(
            treeHashes(out),
            reference.files,
            `seed ${seed}, ${when}: a dataset folder left by the kill is the complete one`,
          );
        const leftBehind = existsSync(out) ? 'complete' : 'absent';
        const again = await runT2vlp(args(out));
        assert.equal(again.code, 0, `seed ${seed}, ${when}: rerun failed: ${again.err}`);
        assert.deepEqual(
          treeHashes(out),
          reference.files,
          `seed ${seed}, ${when}: rerun dataset differs`,
        );
        assert.deepEqual(
          readdirSync(parent),
          ['data'],
          `seed ${seed}, ${when}: the killed run's temporary folder is cleaned up by the rerun`,
        );
        console.log(
          `seed ${seed}, ${when}: ${first.killed ? `killed at ${first.ms} ms (${leftBehind} before the rerun)` : 'finished before the kill'}; rerun identical`,
        );
      });
  }
});
