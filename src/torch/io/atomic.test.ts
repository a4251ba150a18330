/**
 * writeFileAtomic: content of every accepted data shape, no temporary files left behind, and
 * the previous file untouched when the data source or the filesystem fails mid-write.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { writeFileAtomic } from './atomic.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes strings, buffers, chunk lists and async chunk streams, leaving no temp files', async () => {
    const p = join(dir, 'out.json');
    await writeFileAtomic(p, '{"a": "é"}\n');
    assert.equal(readFileSync(p, 'utf8'), '{"a": "é"}\n');
    await writeFileAtomic(p, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
    await writeFileAtomic(p, [Uint8Array.from([4]), new Uint8Array(0), Uint8Array.from([5, 6])]);
    assert.deepEqual([...readFileSync(p)], [4, 5, 6]);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.from([7]);
      yield Uint8Array.from([8]);
    }
    await writeFileAtomic(p, gen());
    assert.deepEqual([...readFileSync(p)], [7, 8]);
    assert.deepEqual(readdirSync(dir), ['out.json']);
  });

  it('keeps the old file and removes the temp file when the data source fails', async () => {
    const p = join(dir, 'keep.bin');
    writeFileSync(p, 'old content');
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array(1 << 20);
      throw new Error('source failed');
    }
    await assert.rejects(writeFileAtomic(p, failing()), { message: 'source failed' });
    assert.equal(readFileSync(p, 'utf8'), 'old content');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('keep')),
      ['keep.bin'],
    );
  });

  it('keeps the old file when the rename fails, and names the target', async () => {
    const p = join(dir, 'is-a-dir');
    mkdirSync(join(p, 'child'), { recursive: true });
    await assert.rejects(writeFileAtomic(p, 'x'), (e: NodeJS.ErrnoException) => {
      assert.match(
        e.message,
        /^writeFileAtomic: cannot rename the temporary file onto '.*is-a-dir': .*; the previous file, if any, is unchanged$/,
      );
      assert.ok(
        e.code === 'EISDIR' || e.code === 'ENOTEMPTY' || e.code === 'EEXIST',
        String(e.code),
      );
      return true;
    });
    assert.deepEqual(readdirSync(p), ['child']);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('names the target when its folder does not exist', async () => {
    const p = join(dir, 'no-such-folder', 'x.json');
    await assert.rejects(writeFileAtomic(p, 'x'), {
      code: 'ENOENT',
      message: new RegExp(`^writeFileAtomic: cannot create a temporary file for '${p}': ENOENT`),
    });
  });
});

test('temporary files of processes killed mid-write are removed by the next write; a live writer’s are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-atomic-stale-'));
  const target = join(dir, 'model.safetensors');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: no such process any more
  const stale = join(dir, `.model.safetensors.${dead}.0123456789ab.tmp`);
  const live = join(dir, `.model.safetensors.${process.pid}.0123456789ab.tmp`);
  const other = join(dir, `.other.safetensors.${dead}.0123456789ab.tmp`);
  for (const p of [stale, live, other]) writeFileSync(p, 'half-written');
  await writeFileAtomic(target, 'complete');
  assert.equal(readFileSync(target, 'utf8'), 'complete');
  assert.equal(existsSync(stale), false, 'a dead process’s temporary file is removed');
  assert.equal(existsSync(live), true, 'a running process’s temporary file is kept');
  assert.equal(existsSync(other), true, 'another target’s temporary file is left to its own writes');
});
