/**
 * The zip reader on PyTorch's own layout (state_dict.pt: stored, 64-byte aligned, ZIP64 end
 * records), Python's zipfile (state_dict_deflate.pt: deflated) and hand-made ZIP64 headers
 * (state_dict_zip64.pt: sizes and offsets only in the ZIP64 extra fields): the same entries
 * with the same bytes; damaged headers and unknown compression give clear errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixture } from '../../../test/fixtures/io/listing.js';
import { CheckpointError } from './errors.js';
import { ZipArchive } from './zip.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function contents(path: string): Promise<Map<string, Uint8Array>> {
  const z = await ZipArchive.open(path);
  try {
    const out = new Map<string, Uint8Array>();
    for (const name of z.entries.keys()) out.set(name, await z.read(name));
    return out;
  } finally {
    await z.close();
  }
}

/** Offset of the central-directory record of the first entry. */
function firstCentralRecord(b: Buffer): number {
  return b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
}

describe('ZipArchive', () => {
  it('reads stored, deflated and ZIP64 archives to the same entries', async () => {
    const stored = await contents(fixture('state_dict.pt'));
    assert.ok(stored.has('state_dict/data.pkl'));
    assert.equal(new TextDecoder().decode(stored.get('state_dict/byteorder')), 'little');
    for (const other of ['state_dict_deflate.pt', 'state_dict_zip64.pt']) {
      const c = await contents(fixture(other));
      assert.deepEqual([...c.keys()].sort(), [...stored.keys()].sort(), other);
      for (const [k, v] of stored) assert.deepEqual(c.get(k), v, `${other}: ${k}`);
    }
    const z = await ZipArchive.open(fixture('state_dict_deflate.pt'));
    assert.ok([...z.entries.values()].some((e) => e.method === 8));
    await z.close();
  });

  it('reports unknown compression methods and damaged local headers', async () => {
    const bytes = readFileSync(fixture('state_dict.pt'));
    const methodAt = firstCentralRecord(bytes) + 10;
    const bz = Buffer.from(bytes);
    bz.writeUInt16LE(12, methodAt);
    const bzPath = join(dir, 'bzip2.pt');
    writeFileSync(bzPath, bz);
    const z = await ZipArchive.open(bzPath, 'test');
    await assert.rejects(z.read('state_dict/data.pkl'), (e: unknown) => {
      assert.ok(e instanceof CheckpointError && e.code === 'UNSUPPORTED');
      assert.equal(
        e.message,
        `test: entry 'state_dict/data.pkl' of '${bzPath}' uses zip compression method 12; only stored (0) and deflate (8) are read. Re-save it with torch.save`,
      );
      return true;
    });
    await assert.rejects(z.read('nope'), {
      code: 'BAD_ARCHIVE',
      message: `test: '${bzPath}' has no entry 'nope'`,
    });
    await z.close();

    const broken = Buffer.from(bytes);
    broken.writeUInt32LE(0, 0); // the first local header's signature
    const brokenPath = join(dir, 'broken.pt');
    writeFileSync(brokenPath, broken);
    const b = await ZipArchive.open(brokenPath, 'test');
    await assert.rejects(b.read('state_dict/data.pkl'), {
      code: 'BAD_ARCHIVE',
      message: `test: '${brokenPath}' has no local header for 'state_dict/data.pkl' at byte 0; the zip is corrupt`,
    });
    await b.close();
  });

  it('reports a directory that points past the end records', async () => {
    const bytes = Buffer.from(readFileSync(fixture('state_dict_deflate.pt')));
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    bytes.writeUInt32LE(bytes.length, end + 16); // directory offset
    const p = join(dir, 'bad-dir.pt');
    writeFileSync(p, bytes);
    await assert.rejects(ZipArchive.open(p, 'test'), (e: unknown) => {
      assert.ok(e instanceof CheckpointError && e.code === 'TRUNCATED');
      assert.match(
        e.message,
        /^test: '.*bad-dir\.pt' has its zip directory at bytes \d+\.\.\d+, past the end records at \d+; the file is truncated or corrupt$/,
      );
      return true;
    });
  });
});
