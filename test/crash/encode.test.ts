/**
 * `t2vlp encode` killed with SIGKILL at random moments (seeded) and while its output is being
 * written, over an older complete embeddings file at the same path: afterwards the path holds
 * either the old file or the finished new one, never a torn write, and a rerun produces the same
 * bytes as an uninterrupted run. See docs/ARCHITECTURE.md (atomic writes).
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readEmbeddings } from '../../src/inference/index.js';
import { crashSeeds, fileHash, runT2vlp, seededRandom, type KillPlan } from './harness.js';
import { crashInputs, tmp } from './fixtures.js';

let args: (out: string) => string[];
let old: { path: string; hash: string };
let reference: { hash: string; ms: number };

before(async () => {
  const { dataDir, checkpoint } = await crashInputs();
  args = (out) => ['encode', '--checkpoint', checkpoint, '--videos', join(dataDir, 'videos'), '--out', out, '--batch', '2', '--quiet'];
  const dir = tmp('encode-ref');
  const oldPath = join(dir, 'old.safetensors');
  let r = await runT2vlp(['encode', '--checkpoint', checkpoint, '--text', 'a red square moves left', '--out', oldPath]);
  assert.equal(r.code, 0, r.err);
  old = { path: oldPath, hash: fileHash(oldPath) };
  r = await runT2vlp(args(join(dir, 'new.safetensors')));
  assert.equal(r.code, 0, r.err);
  reference = { hash: fileHash(join(dir, 'new.safetensors')), ms: r.ms };
});

async function killThenRerun(plan: (dir: string) => KillPlan, what: string): Promise<string> {
  const dir = tmp('encode');
  const out = join(dir, 'emb.safetensors');
  copyFileSync(old.path, out);
  const first = await runT2vlp(args(out), plan(dir));
  if (!first.killed) assert.equal(first.code, 0, `${what}: ${first.err}`);
  const h = fileHash(out);
  assert.ok(h === old.hash || h === reference.hash, `${what}: after the kill the output is neither the old file nor the finished new one`);
  const e = await readEmbeddings(out); // and it reads as a valid embeddings file
  assert.equal(e.kind, h === old.hash ? 'text' : 'video');
  for (const f of readdirSync(dir)) assert.ok(f === 'emb.safetensors' || f.startsWith('.emb.safetensors.'), `${what}: unexpected ${f}`);
  const again = await runT2vlp(args(out));
  assert.equal(again.code, 0, `${what}: rerun failed: ${again.err}`);
  assert.equal(fileHash(out), reference.hash, `${what}: rerun output differs from an uninterrupted run's`);
  assert.deepEqual(readdirSync(dir), ['emb.safetensors'], `${what}: temporary files of the killed run are removed`);
  return `${what}: ${first.killed ? `killed at ${first.ms} ms, ${h === old.hash ? 'old file intact' : 'new file complete'}` : 'finished before the kill'}; rerun identical`;
}

describe('t2vlp encode killed with SIGKILL, then rerun', () => {
  for (const seed of crashSeeds(2)) {
    test(`seed ${seed}: a kill at a random moment`, async () => {
      const afterMs = Math.round(reference.ms * (0.2 + 0.5 * seededRandom(seed)()));
      console.log(await killThenRerun(() => ({ afterMs }), `seed ${seed}`));
    });
  }

  test('a kill while the output file is being written', async () => {
    const msg = await killThenRerun((dir) => ({ whenFiles: { folder: dir, test: (n) => n.some((f) => f.startsWith('.emb.safetensors.')) } }), 'mid-write');
    console.log(msg);
    assert.match(msg, /killed/);
  });
});
