/**
 * readCheckpointFile / detectCheckpointFormat: each fixture format is recognised by content
 * and read like its own reader reads it; text, random bytes, an empty file, a plain pickle, a
 * legacy torch file, a truncated safetensors file and a missing file give CheckpointErrors
 * whose messages are asserted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  assertListing,
  fixture,
  loadListing,
  REFERENCE_PARAMS,
} from '../../../test/fixtures/io/listing.js';
import {
  CheckpointError,
  detectCheckpointFormat,
  readCheckpointFile,
  writeSafetensors,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const EXPECTED =
  'expected a safetensors file (8-byte header length, then JSON) or a PyTorch zip archive (PK\\x03\\x04)';

describe('readCheckpointFile', () => {
  it('recognises each format by content, whatever the file is called', async () => {
    const renamed = join(dir, 'weights.bin');
    copyFileSync(fixture('tiny_clip_jit.pt'), renamed);
    assert.equal(await detectCheckpointFormat(renamed), 'torchscript');
    assert.equal(await detectCheckpointFormat(fixture('state_dict_wrapped.pt')), 'torch');
    assert.equal(await detectCheckpointFormat(fixture('python_writer.safetensors')), 'safetensors');
    assertListing(await readCheckpointFile(renamed), loadListing('tiny_clip_jit.json'));
  });

  it('reads torch.save weights through their wrapper, and safetensors files whole', async () => {
    assertListing(
      await readCheckpointFile(fixture('state_dict_wrapped.pt')),
      loadListing('state_dict.json'),
    );
    assertListing(
      await readCheckpointFile(fixture('python_writer.safetensors')),
      loadListing('python_writer.json'),
    );
    assert.equal((await readCheckpointFile(REFERENCE_PARAMS)).size, 267);
  });

  it('refuses files that are not checkpoints, naming them and showing what was found', async () => {
    const text = join(dir, 'readme.txt');
    writeFileSync(text, 'Hello, world\n');
    await rejectsWith(
      readCheckpointFile(text),
      'NOT_A_CHECKPOINT',
      `readCheckpointFile: '${text}' is not a checkpoint: ${EXPECTED}, found 13 bytes starting 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a ("Hello, world.")`,
    );

    const noise = join(dir, 'noise.bin');
    const bytes = randomBytes(4096);
    bytes[0] = 0x01; // not a pickle, zip or plausible safetensors length
    bytes[8] = 0x00;
    writeFileSync(noise, bytes);
    await rejectsWith(
      readCheckpointFile(noise),
      'NOT_A_CHECKPOINT',
      new RegExp(
        `^readCheckpointFile: '${noise}' is not a checkpoint: .*, found 4096 bytes starting 01 `,
      ),
    );

    const empty = join(dir, 'empty.pt');
    writeFileSync(empty, '');
    await rejectsWith(
      detectCheckpointFormat(empty),
      'NOT_A_CHECKPOINT',
      `detectCheckpointFormat: '${empty}' is not a checkpoint: ${EXPECTED}, found an empty file`,
    );

    const pickle = join(dir, 'plain.pkl');
    writeFileSync(pickle, Buffer.from('gAJ9cQBYAQAAAGFxAUsBcy4=', 'base64')); // pickle.dumps({'a': 1}, protocol=2)
    await rejectsWith(
      readCheckpointFile(pickle),
      'NOT_A_CHECKPOINT',
      `readCheckpointFile: '${pickle}' is not a checkpoint: ${EXPECTED}, found a plain Python pickle (t2vlp never loads arbitrary pickles)`,
    );
  });

  it('refuses legacy torch files, truncated files and missing files', async () => {
    await rejectsWith(
      readCheckpointFile(fixture('legacy.pt')),
      'LEGACY_FORMAT',
      /^readCheckpointFile: '.*legacy\.pt' was written by torch\.save in the legacy format of PyTorch < 1\.6/,
    );
    const full = join(dir, 'full.safetensors');
    await writeSafetensors(full, {
      w: { dtype: 'float32', shape: [64], data: new Uint8Array(256) },
    });
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, readFileSync(full).subarray(0, 200));
    await rejectsWith(
      readCheckpointFile(cut),
      'TRUNCATED',
      /^readSafetensors: '.*cut\.safetensors' has \d+ bytes of tensor data but its header places 'w' at data bytes 0\.\.256; the file is truncated/,
    );
    const missing = join(dir, 'missing.pt');
    await rejectsWith(
      readCheckpointFile(missing),
      'NOT_FOUND',
      `readCheckpointFile: cannot open '${missing}': no such file`,
    );
  });
});
