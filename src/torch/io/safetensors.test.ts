/**
 * safetensors reader and writer: round trips of every dtype with metadata, the file written by
 * the Python `safetensors` package (test/fixtures/io/python_writer.safetensors, values from its
 * JSON listing, exact), the shared reference parameters (test/fixtures/reference/
 * params_stage1.safetensors, sampled listing made with the Python package), and every kind of
 * damaged file, with the messages asserted.
 */
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  assertListing,
  assertMatches,
  fixture,
  loadListing,
  REFERENCE_PARAMS,
} from '../../../test/fixtures/io/listing.js';
import { CheckpointError } from './errors.js';
import { rawTensorToNumbers, type RawTensor } from './raw-tensor.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function raw(dtype: RawTensor['dtype'], shape: number[], bytes: number[]): RawTensor {
  return { dtype, shape, data: Uint8Array.from(bytes) };
}
function f32(shape: number[], values: number[]): RawTensor {
  return { dtype: 'float32', shape, data: new Uint8Array(Float32Array.from(values).buffer) };
}

/** A file with the given header (object or raw JSON text, unpadded) and data bytes. */
function handMade(name: string, header: unknown, data: Uint8Array = new Uint8Array(0)): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, json, data]));
  return path;
}

async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const ALL: Record<string, RawTensor> = {
  'b.f64': {
    dtype: 'float64',
    shape: [2],
    data: new Uint8Array(Float64Array.from([1.5, -2.25]).buffer),
  },
  'a.f32': f32([2, 2], [1, 2, 3, 4]),
  '10': raw('float16', [2], [0x00, 0x3c, 0x00, 0xc0]), // 1, -2
  '2': raw('bfloat16', [1], [0x80, 0x3f]), // 1
  'c.i64': {
    dtype: 'int64',
    shape: [2],
    data: new Uint8Array(BigInt64Array.from([-(2n ** 62n), 5n]).buffer),
  },
  'c.i32': raw('int32', [1], [0xff, 0xff, 0xff, 0xff]),
  'c.i16': raw('int16', [1, 1], [0x02, 0x01]),
  'c.i8': raw('int8', [3], [0x80, 0x7f, 0x00]),
  'c.u8': raw('uint8', [1], [0xff]),
  'c.bool': raw('bool', [2], [1, 0]),
  scalar: f32([], [3.5]),
  empty: f32([0, 4], []),
};

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips every dtype, scalars, empty tensors and metadata', async () => {
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, ALL, { format: 'pt', note: 'round trip' });
    const { tensors, metadata } = await readSafetensors(path);
    assert.deepEqual(metadata, { format: 'pt', note: 'round trip' });
    assert.deepEqual([...tensors.keys()], Object.keys(ALL).sort());
    for (const [name, t] of Object.entries(ALL)) assert.deepEqual(tensors.get(name), t, name);
    assert.deepEqual(Array.from(rawTensorToNumbers(tensors.get('10')!)), [1, -2]);
  });

  it('writes the documented layout: padded header, sorted names, contiguous offsets', async () => {
    const path = join(dir, 'layout.safetensors');
    await writeSafetensors(
      path,
      new Map([
        ['z', f32([1], [1])],
        ['a', f32([2], [2, 3])],
      ]),
    );
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    assert.equal(
      text,
      `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`.padEnd(
        n,
        ' ',
      ),
    );
    assert.deepEqual(
      Array.from(new Float32Array(Uint8Array.from(bytes.subarray(8 + n)).buffer)),
      [2, 3, 1],
    );
  });

  it('reads only the tensors named, and reports names it lacks', async () => {
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, ALL);
    const some = await readSafetensors(path, { names: ['c.u8', 'scalar'] });
    assert.deepEqual([...some.tensors.keys()].sort(), ['c.u8', 'scalar']);
    const pred = await readSafetensors(path, { names: (n) => n.startsWith('c.') });
    assert.equal(pred.tensors.size, 6);
    await rejectsWith(
      readSafetensors(path, { names: ['scalar', 'nope'] }),
      'MISSING_TENSOR',
      `readSafetensors: '${path}' has no tensor 'nope'; it has 12 tensors, e.g. '10', '2', 'a.f32'`,
    );
  });

  it('reads the header alone', async () => {
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, ALL, { k: 'v' });
    const h = await readSafetensorsHeader(path);
    assert.deepEqual(h.metadata, { k: 'v' });
    assert.deepEqual(
      h.entries.find((e) => e.name === 'a.f32'),
      { name: 'a.f32', dtype: 'float32', shape: [2, 2], begin: 6, end: 22 },
    );
    assert.equal(h.dataOffset % 8, 0);
  });

  it('refuses invalid tensors before writing anything', async () => {
    const path = join(dir, 'invalid.safetensors');
    await rejectsWith(
      writeSafetensors(path, { w: f32([3], [1, 2]) }),
      'INVALID_ARGUMENT',
      `writeSafetensors: tensor 'w' for '${path}' has 8 bytes of data; float32 [3] needs 12`,
    );
    await rejectsWith(
      writeSafetensors(path, {
        w: { dtype: 'complex64', shape: [1], data: new Uint8Array(8) } as unknown as RawTensor,
      }),
      'INVALID_ARGUMENT',
      /has dtype "complex64", expected one of float32/,
    );
    await rejectsWith(
      writeSafetensors(path, { w: f32([1], [1]) }, { n: 3 as unknown as string }),
      'INVALID_ARGUMENT',
      /metadata 'n' .* must be strings/,
    );
    assert.equal(existsSync(path), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

describe('readSafetensors on files written by others', () => {
  it('reads the Python safetensors writer output exactly (python_writer.safetensors)', async () => {
    const listing = loadListing('python_writer.json');
    const { tensors, metadata } = await readSafetensors(fixture('python_writer.safetensors'));
    assert.deepEqual(metadata, listing.metadata);
    assertListing(tensors, listing);
  });

  it('reads the reference parameters (params_stage1.safetensors: 267 tensors, sampled sums)', async () => {
    const listing = loadListing('params_stage1.json');
    const { tensors, metadata } = await readSafetensors(REFERENCE_PARAMS);
    assert.equal(tensors.size, listing.num_tensors);
    assert.equal(tensors.size, 267);
    assert.deepEqual(Object.keys(metadata).sort(), listing.metadata_keys);
    assert.equal(metadata.fixture, 'params_stage1.safetensors');
    for (const want of listing.tensors) assertMatches(tensors.get(want.name), want);
    // fixtures/README.md: logit_scale = ln 20; fusion_center is [1, 1, 8, Wv].
    assert.equal(
      rawTensorToNumbers(tensors.get('clip.logit_scale')!)[0],
      Math.fround(Math.log(20)),
    );
    assert.deepEqual(tensors.get('clip.fusion_center')!.shape, [1, 1, 8, 64]);
    assert.ok([...tensors.values()].every((t) => t.dtype === 'float32' || t.dtype === 'int64'));
  });
});

describe('readSafetensors on damaged files', () => {
  const good = join(dir, 'good.safetensors');
  const ready = writeSafetensors(good, { a: f32([4], [1, 2, 3, 4]), b: f32([2], [5, 6]) });

  it('reports a file cut inside its data', async () => {
    await ready;
    const cut = join(dir, 'cut-data.safetensors');
    writeFileSync(cut, readFileSync(good).subarray(0, -4));
    await rejectsWith(
      readSafetensors(cut),
      'TRUNCATED',
      new RegExp(
        `^readSafetensors: '${cut}' has 20 bytes of tensor data but its header places 'b' at data bytes 16\\.\\.24; the file is truncated \\(or the offsets are out of range\\), re-download or re-save it$`,
      ),
    );
  });

  it('reports a file cut inside its header, or before it', async () => {
    await ready;
    const cut = join(dir, 'cut-header.safetensors');
    writeFileSync(cut, readFileSync(good).subarray(0, 30));
    await rejectsWith(
      readSafetensors(cut),
      'TRUNCATED',
      /^readSafetensors: '.*cut-header\.safetensors' is 30 bytes but its header length field says the JSON header alone is \d+ bytes; the file is truncated/,
    );
    truncateSync(cut, 5);
    await rejectsWith(
      readSafetensors(cut),
      'TRUNCATED',
      `readSafetensors: '${cut}' is 5 bytes; a safetensors file starts with an 8-byte header length (file truncated?)`,
    );
  });

  it('reports a corrupt header', async () => {
    const p = handMade(
      'bad-json.safetensors',
      '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]',
    );
    await rejectsWith(
      readSafetensors(p),
      'BAD_HEADER',
      /^readSafetensors: '.*bad-json\.safetensors' has a header that is not valid UTF-8 JSON \(.*\); the file is corrupt$/,
    );
    const arr = handMade('array.safetensors', '[1, 2]');
    await rejectsWith(
      readSafetensors(arr),
      'NOT_A_CHECKPOINT',
      /is not a safetensors file: expected an 8-byte length and then '\{', found 06 00/,
    );
    const meta = handMade('meta.safetensors', { __metadata__: { n: 1 } });
    await rejectsWith(
      readSafetensors(meta),
      'BAD_HEADER',
      `readSafetensors: '${meta}' has __metadata__.n = 1; metadata values must be strings`,
    );
  });

  it('reports inconsistent offsets, sizes and dtypes', async () => {
    const d8 = new Uint8Array(8);
    const cases: [string, unknown, Uint8Array, string, string][] = [
      [
        'overlap',
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        d8,
        'BAD_HEADER',
        "has overlapping tensors: 'b' starts at data byte 4, inside 'a' which ends at 8",
      ],
      [
        'gap',
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        },
        new Uint8Array(12),
        'BAD_HEADER',
        "has a gap in its data section: 'a' ends at data byte 4 but the next tensor, 'b', starts at data byte 8",
      ],
      [
        'late-start',
        { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
        d8,
        'BAD_HEADER',
        "has a gap in its data section: the first tensor, 'a', starts at data byte 4",
      ],
      [
        'trailing',
        { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
        d8,
        'BAD_HEADER',
        "has 4 bytes after its last tensor 'a' (data section 8 bytes, tensors end at 4); the header and data do not match",
      ],
      [
        'out-of-range',
        { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } },
        d8,
        'TRUNCATED',
        "has 8 bytes of tensor data but its header places 'a' at data bytes 0..16; the file is truncated (or the offsets are out of range), re-download or re-save it",
      ],
      [
        'size',
        { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
        d8,
        'BAD_HEADER',
        "has tensor 'a' of F32 [3] = 12 bytes but data_offsets [0, 8] span 8",
      ],
      [
        'dtype',
        { a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } },
        d8,
        'UNSUPPORTED',
        "has tensor 'a' of dtype C64; t2vlp reads F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL. Convert it (e.g. to F32) before loading",
      ],
      [
        'shape',
        { a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } },
        d8,
        'BAD_HEADER',
        "has tensor 'a' with shape [-2]; expected an array of non-negative integers",
      ],
      [
        'offsets',
        { a: { dtype: 'F32', shape: [2], data_offsets: [0] } },
        d8,
        'BAD_HEADER',
        "has tensor 'a' with data_offsets [0]; expected [begin, end] byte offsets",
      ],
    ];
    for (const [name, header, data, code, msg] of cases) {
      const p = handMade(`${name}.safetensors`, header, data);
      await rejectsWith(readSafetensors(p), code, `readSafetensors: '${p}' ${msg}`);
    }
  });

  it('reports files that are not safetensors at all', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'just some text, not a checkpoint\n');
    await rejectsWith(
      readSafetensors(text),
      'NOT_A_CHECKPOINT',
      `readSafetensors: '${text}' is not a safetensors file: expected an 8-byte length and then '{', found 6a 75 73 74 20 73 6f 6d 65 20 74 65 78 74 2c 20 ("just some text, ")`,
    );
    const missing = join(dir, 'missing.safetensors');
    await rejectsWith(
      readSafetensors(missing),
      'NOT_FOUND',
      `readSafetensors: cannot open '${missing}': no such file`,
    );
    await rejectsWith(
      readSafetensorsHeader(dir),
      'NOT_FOUND',
      `readSafetensorsHeader: '${dir}' is not a regular file (a directory?)`,
    );
  });
});
