/**
 * torch.save checkpoints: test/fixtures/io/state_dict*.pt (one state dict with every dtype,
 * transposed and strided views, two tensors sharing a storage, scalars and an empty tensor;
 * saved plainly, inside {'state_dict': ..., 'epoch': 3}, re-zipped with deflate, and re-zipped
 * with ZIP64 records) against the values PyTorch listed in state_dict.json, exactly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertListing, fixture, loadListing } from '../../../test/fixtures/io/listing.js';
import { CheckpointError } from './errors.js';
import { flattenTensors } from './flatten.js';
import { PickleGlobal, PickleObject } from './pickle.js';
import { readTorchCheckpoint, readTorchObject } from './pt.js';
import type { RawTensor } from './raw-tensor.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-pt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const listing = loadListing('state_dict.json');

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

describe('readTorchCheckpoint', () => {
  it('covers views and shared storages (the fixture really has them)', () => {
    const views = listing.tensors.filter((t) => !t.contiguous).map((t) => t.name);
    assert.deepEqual(views.sort(), ['bf16_t', 'strided', 'transposed']);
  });

  for (const file of [
    'state_dict.pt',
    'state_dict_wrapped.pt',
    'state_dict_deflate.pt',
    'state_dict_zip64.pt',
  ]) {
    it(`reads ${file} exactly as PyTorch listed it`, async () => {
      const tensors = await readTorchCheckpoint(fixture(file));
      assertListing(tensors, listing);
      assert.deepEqual(
        [...tensors.keys()],
        listing.tensors.map((t) => t.name),
        'state_dict order',
      );
    });
  }

  it('copies views so that tensors sharing a storage do not share bytes', async () => {
    const t = await readTorchCheckpoint(fixture('state_dict.pt'));
    const head = t.get('shared_head')!;
    const tail = t.get('shared_tail')!;
    assert.notEqual(head.data.buffer, tail.data.buffer);
    assert.equal(head.data.byteLength, 16);
    assert.equal(tail.data.byteLength, 24);
  });

  it('reads a chosen part of the object with `key`, and reports missing keys', async () => {
    const sd = await readTorchCheckpoint(fixture('state_dict_wrapped.pt'), { key: 'state_dict' });
    assert.equal(sd.size, listing.tensors.length);
    const all = await readTorchCheckpoint(fixture('state_dict_wrapped.pt'), { key: '' });
    assert.ok(all.has('state_dict.fc.weight'));
    const path = fixture('state_dict_wrapped.pt');
    await rejectsWith(
      readTorchCheckpoint(path, { key: 'model.x' }),
      'MISSING_TENSOR',
      `readTorchCheckpoint: '${path}' has no key 'model' on the way to 'model.x'; keys there: 'state_dict', 'epoch', 'best', 'name'`,
    );
  });

  it('refuses the legacy pre-1.6 format with instructions (legacy.pt)', async () => {
    const path = fixture('legacy.pt');
    await rejectsWith(
      readTorchCheckpoint(path),
      'LEGACY_FORMAT',
      `readTorchCheckpoint: '${path}' was written by torch.save in the legacy format of PyTorch < 1.6 (not a zip archive), which t2vlp does not read. Re-save it with PyTorch >= 1.6: python -c "import torch; torch.save(torch.load('${path}', weights_only=True), 'resaved.pt')"`,
    );
  });

  it('reports a truncated archive', async () => {
    const bytes = readFileSync(fixture('state_dict.pt'));
    const cut = join(dir, 'cut.pt');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
    await rejectsWith(
      readTorchCheckpoint(cut),
      'TRUNCATED',
      `readTorchCheckpoint: '${cut}' is a zip archive without its end-of-central-directory record; the file is truncated, re-download or re-save it`,
    );
  });

  it('reports a zip that is not a checkpoint, and other files', async () => {
    const text = join(dir, 'a.txt');
    writeFileSync(text, 'hello');
    await rejectsWith(
      readTorchCheckpoint(text),
      'NOT_A_CHECKPOINT',
      `readTorchCheckpoint: '${text}' is not a checkpoint: expected a PyTorch zip archive (PK\\x03\\x04), found 5 bytes starting 68 65 6c 6c 6f ("hello")`,
    );
    // An empty zip: just an end-of-central-directory record.
    const empty = join(dir, 'empty.zip');
    writeFileSync(empty, Buffer.from([0x50, 0x4b, 5, 6, ...new Array(18).fill(0)]));
    await rejectsWith(
      readTorchCheckpoint(empty),
      'NOT_A_CHECKPOINT',
      `readTorchCheckpoint: '${empty}' is a zip archive but not a PyTorch checkpoint: expected an entry 'data.pkl', found 0 entries such as none`,
    );
  });
});

describe('readTorchObject', () => {
  it('returns the whole saved object with tensors read', async () => {
    const obj = (await readTorchObject(fixture('state_dict_wrapped.pt'))) as Map<string, unknown>;
    assert.ok(obj instanceof Map);
    assert.deepEqual([obj.get('epoch'), obj.get('best'), obj.get('name')], [3, 0.25, 'wrapped']);
    const sd = obj.get('state_dict') as Map<string, RawTensor>;
    assertListing(flattenTensors(sd), listing);
  });
});

describe('flattenTensors', () => {
  const t = (n: number): RawTensor => ({ dtype: 'uint8', shape: [1], data: Uint8Array.of(n) });
  it('names tensors by dict keys, list indices and attributes', () => {
    const mod = new PickleObject(new PickleGlobal('__torch__', 'M'), []);
    mod.state = new Map<string, unknown>([
      ['training', true],
      ['w', t(3)],
    ]);
    const root = new Map<unknown, unknown>([
      ['a', new Map([['b', t(1)]])],
      ['list', [t(2), 'x']],
      [7, mod],
      ['n', 5],
    ]);
    assert.deepEqual([...flattenTensors(root).keys()], ['a.b', 'list.0', '7.w']);
  });

  it('looks through an eager nn.Module pickled whole', () => {
    const lin = new PickleObject(new PickleGlobal('torch.nn.modules.linear', 'Linear'), []);
    lin.state = new Map<string, unknown>([
      [
        '_parameters',
        new Map([
          ['weight', t(1)],
          ['bias', t(2)],
        ]),
      ],
      ['_buffers', new Map()],
      ['_modules', new Map()],
      ['training', true],
    ]);
    const net = new PickleObject(new PickleGlobal('__main__', 'Net'), []);
    net.state = new Map<string, unknown>([
      ['_parameters', new Map()],
      ['_buffers', new Map([['step', t(0)]])],
      ['_modules', new Map([['fc', lin]])],
    ]);
    assert.deepEqual(
      [...flattenTensors(new Map([['model', net]])).keys()],
      ['model.step', 'model.fc.weight', 'model.fc.bias'],
    );
  });

  it('refuses tensor kinds it cannot read, and clashing names', () => {
    const q = new PickleObject(new PickleGlobal('torch._utils', '_rebuild_qtensor'), []);
    assert.throws(() => flattenTensors(new Map([['w', q]]), undefined, 'x.pt'), {
      code: 'UNSUPPORTED',
      message:
        "flattenTensors: 'w' in 'x.pt' is a tensor rebuilt by torch._utils._rebuild_qtensor (sparse, quantized, nested or a subclass), which t2vlp does not read; save a dense copy",
    });
    const clash = new Map<string, unknown>([
      ['a.b', t(1)],
      ['a', new Map([['b', t(2)]])],
    ]);
    assert.throws(() => flattenTensors(clash), {
      code: 'BAD_PICKLE',
      message: "flattenTensors: two tensors are both named 'a.b' (keys containing '.'?)",
    });
  });
});
