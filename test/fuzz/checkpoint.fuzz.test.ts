/**
 * Fuzzing the checkpoint readers (src/torch/io): safetensors headers and offsets, torch.save zip
 * archives (stored, deflated, ZIP64), TorchScript archives, and the restricted unpickler behind
 * both. Inputs are the committed fixtures of test/fixtures/io mutated (bit flips, byte
 * replacements, truncation, splices, oversized 32/64-bit length fields), plus hand-built
 * hostile pickles. Each case must load or throw a CheckpointError with a code and a message
 * naming the file, within the time bound of harness.ts, without allocating more than the file
 * could hold; no pickle ever calls anything outside the allow-list.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { CheckpointError } from '../../src/torch/io/errors.js';
import { readCheckpointFile } from '../../src/torch/io/index.js';
import { PickleGlobal, PickleObject, unpickle } from '../../src/torch/io/pickle.js';
import { readTorchCheckpoint } from '../../src/torch/io/pt.js';
import { readSafetensors, readSafetensorsHeader } from '../../src/torch/io/safetensors.js';
import { unpickleTorch } from '../../src/torch/io/torch-pickle.js';
import { readTorchScript } from '../../src/torch/io/torchscript.js';
import { ZipArchive } from '../../src/torch/io/zip.js';
import { mutateAll, mutationsArb, params, verdict, verdictSync } from './harness.js';

const FIX = new URL('../fixtures/io/', import.meta.url).pathname;
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIX, name)));
const dir = mkdtempSync(join(tmpdir(), 't2vlp-fuzz-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function tmpFile(bytes: Uint8Array, ext: string): string {
  const p = join(dir, `case-${fileNo++ % 16}${ext}`);
  writeFileSync(p, bytes);
  return p;
}

/** Fails a case whose reader allocated far more than the file it read. */
async function bounded<T>(fileSize: number, body: () => Promise<T>): Promise<T> {
  const before = process.memoryUsage().arrayBuffers;
  const out = await body();
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(
    grew < 64 * 1024 * 1024 + 64 * fileSize,
    `a ${fileSize}-byte file made the reader allocate ${grew} bytes`,
  );
  return out;
}

describe('fuzz: safetensors', () => {
  const good = fixture('python_writer.safetensors');
  test('mutated headers, offsets and lengths: tensors that tile the file, or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: mutationsArb.map((ms) => mutateAll(good, ms)) },
          // mutations aimed at the 8-byte length and the JSON header
          {
            weight: 2,
            arbitrary: mutationsArb.map((ms) =>
              mutateAll(
                good,
                ms.map((m) => ({ ...m, a: m.a * 0.3 })),
              ),
            ),
          },
        ),
        async (bytes) => {
          const p = tmpFile(bytes, '.safetensors');
          const st = await bounded(bytes.length, () =>
            verdict({ errorClass: CheckpointError, names: p, reader: 'safetensors' }, () =>
              readSafetensors(p),
            ),
          );
          if (st) {
            let total = 0;
            for (const t of st.tensors.values()) total += t.data.byteLength;
            assert.ok(total <= bytes.length, 'tensors hold more bytes than the file');
          }
          await verdict(
            { errorClass: CheckpointError, names: p, reader: 'safetensors header' },
            () => readSafetensorsHeader(p),
          );
        },
      ),
      params(250),
    );
  });

  test('hand-written hostile headers: polluting names, huge shapes, offsets past the end', async () => {
    const headers = fc.record({
      name: fc.constantFrom('__proto__', 'constructor', 'toString', 'w', '__metadata__'),
      dtype: fc.constantFrom('F32', 'BF16', 'F8_E4M3', 'constructor', '__proto__', 'toString'),
      shape: fc.array(
        fc.oneof(fc.nat({ max: 4 }), fc.constantFrom(2 ** 31, 2 ** 53 - 1, -1, 1.5)),
        { maxLength: 4 },
      ),
      begin: fc.oneof(fc.nat({ max: 16 }), fc.constantFrom(2 ** 53 - 1, -1)),
      len: fc.oneof(fc.nat({ max: 16 }), fc.constantFrom(2 ** 32, 2 ** 53 - 1)),
      data: fc.nat({ max: 32 }),
    });
    await fc.assert(
      fc.asyncProperty(headers, async (h) => {
        const json = `{"${h.name}": {"dtype": "${h.dtype}", "shape": ${JSON.stringify(h.shape)}, "data_offsets": [${h.begin}, ${h.begin + h.len}]}}`;
        const head = Buffer.alloc(8);
        head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
        const bytes = Buffer.concat([head, Buffer.from(json), Buffer.alloc(h.data)]);
        const p = tmpFile(bytes, '.safetensors');
        await bounded(bytes.length, () =>
          verdict({ errorClass: CheckpointError, names: p, reader: 'safetensors' }, () =>
            readSafetensors(p),
          ),
        );
        assert.equal(({} as Record<string, unknown>).dtype, undefined, 'Object.prototype polluted');
      }),
      params(150),
    );
  });
});

describe('fuzz: torch.save zip archives', () => {
  const files = [
    'state_dict.pt',
    'state_dict_deflate.pt',
    'state_dict_zip64.pt',
    'state_dict_wrapped.pt',
  ].map(fixture);
  test('mutated, truncated and spliced archives: weights or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: files.length - 1 }),
        fc.nat({ max: files.length - 1 }),
        mutationsArb,
        fc.boolean(),
        async (i, j, ms, tail) => {
          const src = files[i]!;
          // half the cases aim at the last 1 KiB: the central directory and the end records
          const aimed = tail
            ? ms.map((m) => ({ ...m, a: 1 - (1 - m.a) * Math.min(1, 1024 / src.length) }))
            : ms;
          const bytes = mutateAll(src, aimed, files[j]);
          const p = tmpFile(bytes, '.pt');
          await bounded(bytes.length, () =>
            verdict({ errorClass: CheckpointError, names: p, reader: 'torch zip' }, () =>
              readTorchCheckpoint(p, { key: '' }),
            ),
          );
        },
      ),
      params(250),
    );
  });

  test('a deflate bomb (directory claims 1 GiB from a few bytes) is refused before inflating', async () => {
    const src = Buffer.from(files[1]!);
    // the first directory record's uncompressed size (offset 24 in the record) set to 1 GiB
    const at = src.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    assert.ok(at >= 0);
    src.writeUInt32LE(1 << 30, at + 24);
    const p = tmpFile(src, '.pt');
    await bounded(src.length, () =>
      assert.rejects(
        readTorchCheckpoint(p),
        (e: CheckpointError) => e.code === 'BAD_ARCHIVE' && e.message.includes(p),
      ),
    );
  });

  test('regression: an entry that inflates far past its declared size stops at that size', async () => {
    // One deflated entry declared as 10 bytes whose data inflates to 64 MiB of zeros.
    const packed = deflateRawSync(Buffer.alloc(64 << 20), { level: 9 });
    const name = Buffer.from('a/data.pkl');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(10, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(10, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0, 42);
    const cdOffset = 30 + name.length + packed.length;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12);
    end.writeUInt32LE(cdOffset, 16);
    const p = tmpFile(Buffer.concat([local, name, packed, central, name, end]), '.zip');
    const z = await ZipArchive.open(p);
    try {
      const before = process.memoryUsage().arrayBuffers;
      await assert.rejects(
        z.read('a/data.pkl'),
        (e: CheckpointError) => e.code === 'BAD_ARCHIVE' && e.message.includes(p),
      );
      const grew = process.memoryUsage().arrayBuffers - before;
      assert.ok(grew < 16 << 20, `inflating allocated ${grew} bytes for a 10-byte entry`);
    } finally {
      await z.close();
    }
  });
});

describe('fuzz: TorchScript archives', () => {
  const files = ['traced_constants.pt', 'tiny_clip_jit.pt'].map(fixture);
  test('mutated archives: module tensors or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 9 }), mutationsArb, async (k, ms) => {
        const src = files[k < 8 ? 0 : 1]!;
        const bytes = mutateAll(src, ms, files[0]);
        const p = tmpFile(bytes, '.pt');
        await bounded(bytes.length, () =>
          verdict({ errorClass: CheckpointError, names: p, reader: 'torchscript' }, () =>
            readTorchScript(p),
          ),
        );
        await verdict({ errorClass: CheckpointError, names: p, reader: 'readCheckpointFile' }, () =>
          readCheckpointFile(p),
        );
      }),
      params(120),
    );
  });
});

/** A zip of stored entries, as torch.save writes them (no ZIP64, no CRCs: the reader checks none). */
function storedZip(entries: [string, Uint8Array][]): Buffer {
  const parts: Buffer[] = [];
  const dirParts: Buffer[] = [];
  let offset = 0;
  for (const [n, data] of entries) {
    const name = Buffer.from(n);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(data));
    dirParts.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(dirParts);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

describe('fuzz: pickles that import or call', () => {
  test('a torch.save archive whose pickle calls any global outside the allow-list loads no weights and runs nothing', async () => {
    const target = fc.constantFrom(
      ['os', 'system'],
      ['posix', 'system'],
      ['builtins', 'eval'],
      ['builtins', 'exec'],
      ['builtins', 'getattr'],
      ['subprocess', 'Popen'],
      ['torch', 'load'],
      ['torch._utils', '_rebuild_from_type_v2'],
      ['torch', 'constructor'],
      ['__builtin__', '__import__'],
    );
    await fc.assert(
      fc.asyncProperty(target, fc.boolean(), async ([m, n], wrapped) => {
        // GLOBAL m n; ('touch /tmp/pwned',); REDUCE  -- at the root, or as a dict value
        const call = [
          0x63,
          ...Buffer.from(`${m}\n${n}\n`),
          0x8c,
          16,
          ...Buffer.from('touch /tmp/pwned'),
          0x85,
          0x52,
        ];
        const body = wrapped ? [0x7d, 0x8c, 1, 0x77, ...call, 0x73] : call;
        const pkl = new Uint8Array([0x80, 0x02, ...body, 0x2e]);
        const p = tmpFile(
          storedZip([
            ['archive/data.pkl', pkl],
            ['archive/version', Buffer.from('3\n')],
          ]),
          '.pt',
        );
        const got = await verdict(
          { errorClass: CheckpointError, names: p, reader: 'torch pickle calls' },
          () => readTorchCheckpoint(p, { key: '' }),
        );
        // Nothing was called: at most an empty set of weights, never a value produced by the global.
        if (got) assert.equal(got.size, 0, `weights from a pickle that only calls ${m}.${n}`);
      }),
      params(40),
    );
  });
});

describe('fuzz: the restricted unpickler', () => {
  let dataPkl: Uint8Array;
  test('mutated torch.save pickles: values or a typed error, never a thrown TypeError/RangeError/SyntaxError', async () => {
    const z = await ZipArchive.open(join(FIX, 'state_dict.pt'));
    dataPkl = await z.read('state_dict/data.pkl');
    await z.close();
    fc.assert(
      fc.property(
        fc.oneof(
          mutationsArb.map((ms) => mutateAll(dataPkl, ms)),
          fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array([0x80, 0x02, ...b, 0x2e])),
        ),
        (bytes) => {
          verdictSync(
            { errorClass: CheckpointError, names: 'ckpt.pt', reader: 'torch pickle' },
            () =>
              unpickleTorch(bytes, { file: 'ckpt.pt', op: 'fuzz', source: "'archive/data.pkl'" }),
          );
        },
      ),
      params(600),
    );
  });

  test('text opcodes with arbitrary lines (INT, LONG, FLOAT, STRING, UNICODE, GET, PUT)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x49, 0x4c, 0x46, 0x53, 0x56, 0x67, 0x70, 0x50),
        fc.oneof(
          fc.string({ maxLength: 20, unit: 'binary-ascii' }),
          fc.constantFrom('1x', '--1', "'\\U0011ffff'", '\\Uffffffff', 'NaN', '', '0x10'),
        ),
        (op, line) => {
          const bytes = new Uint8Array([
            0x4e,
            op,
            ...Buffer.from(line.replace(/\n/g, ''), 'latin1'),
            0x0a,
            0x2e,
          ]);
          verdictSync(
            { errorClass: CheckpointError, names: 'ckpt.pt', reader: 'torch pickle' },
            () =>
              unpickleTorch(bytes, { file: 'ckpt.pt', op: 'fuzz', source: "'archive/data.pkl'" }),
          );
        },
      ),
      params(400),
    );
  });

  test('any global outside the allow-list stays an inert record, whatever its name', () => {
    const name = fc.oneof(
      fc.constantFrom(
        'system',
        'eval',
        'exec',
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'getattr',
        'apply',
      ),
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/),
    );
    const module = fc.oneof(
      fc.constantFrom(
        'os',
        'builtins',
        'torch',
        'subprocess',
        'posix',
        'nt',
        '__builtin__',
        'torch._utils',
      ),
      fc.stringMatching(/^[a-z_][a-z0-9_.]{0,10}$/),
    );
    fc.assert(
      fc.property(module, name, (m, n) => {
        // GLOBAL m n; ('x',); REDUCE; STOP   (protocol 0 GLOBAL, then a call)
        const bytes = new Uint8Array([
          0x63,
          ...Buffer.from(`${m}\n${n}\n`),
          0x8c,
          1,
          0x78,
          0x85,
          0x52,
          0x2e,
        ]);
        const v = verdictSync(
          { errorClass: CheckpointError, names: 'ckpt.pt', reader: 'torch pickle globals' },
          () => unpickleTorch(bytes, { file: 'ckpt.pt', op: 'fuzz', source: "'archive/data.pkl'" }),
        );
        const allowed =
          /^(torch\._utils\._rebuild_|torch\.nn\.parameter\.Parameter$|torch\.Size$|torch\.device$|collections\.OrderedDict$|(builtins|__builtin__)\.(set|frozenset|bytearray|bytes)$|torch\.jit\._pickle\.|_codecs\.encode$)/;
        if (v !== undefined && !allowed.test(`${m}.${n}`)) {
          assert.ok(v instanceof PickleObject, `${m}.${n}(...) gave ${String(v)}`);
          assert.ok(v.cls instanceof PickleGlobal && v.cls.module === m && v.cls.name === n);
        }
        // and the plain unpickler (no allow-list) never calls anything
        const plain = unpickle(bytes, { file: 'x.pkl', source: 'x', op: 'fuzz' });
        assert.ok(plain instanceof PickleObject && plain.cls.qualifiedName === `${m}.${n}`);
      }),
      params(300),
    );
  });

  test('regressions: torch.constructor is not a storage type; 200k-item APPENDS; \\U escapes past U+10FFFF', () => {
    const ctor = new Uint8Array([0x63, ...Buffer.from('torch\nconstructor\n'), 0x2e]);
    const v = unpickleTorch(ctor, { file: 'ckpt.pt', op: 'fuzz', source: 's' });
    assert.ok(v instanceof PickleGlobal, `torch.constructor resolved to ${String(v)}`);
    const many = new Uint8Array(2 + 200_000 + 2);
    many[0] = 0x5d;
    many[1] = 0x28;
    many.fill(0x4e, 2, 2 + 200_000);
    many[many.length - 2] = 0x65;
    many[many.length - 1] = 0x2e;
    assert.equal(
      (unpickle(many, { file: 'big.pkl', source: 's', op: 'fuzz' }) as unknown[]).length,
      200_000,
    );
    const esc = new Uint8Array([0x56, ...Buffer.from('\\Uffffffff\n'), 0x2e]);
    assert.equal(unpickle(esc, { file: 'e.pkl', source: 's', op: 'fuzz' }), '\ufffd');
    assert.throws(
      () =>
        unpickle(new Uint8Array([0x49, ...Buffer.from('1x\n'), 0x2e]), {
          file: 'i.pkl',
          source: 's',
          op: 'fuzz',
        }),
      (e: CheckpointError) => e.code === 'BAD_PICKLE' && e.message.includes('i.pkl'),
    );
  });
});
