/**
 * Fuzzing the data layer's readers of untrusted bytes: TFRecord framing and tf.train.Example
 * protobufs, the data-only pickle reader (MSVD), JSON / JSON-lines / CSV / TSV annotation files,
 * the WebVid CSV stream parser, ffprobe's JSON output, ffmpeg's PPM frame stream and the CLIP
 * tokenizer on arbitrary Unicode. Every case must succeed or throw a DataError subclass with a
 * code and a message naming the input, within a time bound (harness.ts); JSON keys must not
 * pollute prototypes. Budgets are fixed for CI (seeded); scripts/fuzz.mjs runs more.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { DataError } from '../../src/data/errors.js';
import { readDidemo } from '../../src/data/datasets/didemo.js';
import { parseCsvRecords } from '../../src/data/datasets/files.js';
import { readLsmdcAnnotations } from '../../src/data/datasets/lsmdc.js';
import { readMsrvttData } from '../../src/data/datasets/msrvtt.js';
import { readMsvdCaptions } from '../../src/data/datasets/msvd.js';
import { readPickle } from '../../src/data/datasets/pickle.js';
import { readQaFile } from '../../src/data/datasets/qa.js';
import { IssueSink } from '../../src/data/datasets/types.js';
import { readWebvidCaptions } from '../../src/data/datasets/webvid.js';
import { encodeBytesExample, parseExample } from '../../src/data/tfrecord/example-proto.js';
import { readRecordAt, writeRecords } from '../../src/data/tfrecord/tfrecord.js';
import { ClipTokenizer } from '../../src/data/tokenizer/clip-tokenizer.js';
import { parseProbeOutput } from '../../src/data/video/probe.js';
import { PpmStreamParser } from '../../src/data/video/ppm.js';
import { CsvParser, parseCsvText } from '../../src/data/webvid-prepare/csv-stream.js';
import {
  PrepareState,
  STATE_DIR,
  type PrepareSettings,
} from '../../src/data/webvid-prepare/state.js';
import { readWebvidIndex, readWebvidFrames } from '../../src/data/tfrecord/webvid-shards.js';
import { mkdirSync } from 'node:fs';
import {
  assertNoPollution,
  jsonValueArb,
  mutateAll,
  mutationsArb,
  params,
  POLLUTING_KEYS,
  verdict,
  verdictSync,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-fuzz-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function tmpFile(bytes: Uint8Array | string, ext = '.bin'): string {
  const p = join(dir, `case-${fileNo++ % 16}${ext}`);
  writeFileSync(p, bytes);
  return p;
}

describe('fuzz: TFRecord framing', () => {
  test('mutated, truncated and oversized shards: typed error naming the shard, never a big allocation', async () => {
    const payloads = [
      encodeBytesExample({ image: [new Uint8Array([1, 2, 3, 4])] }),
      new Uint8Array(40),
    ];
    const good = tmpFile(new Uint8Array(0));
    await writeRecords(good, payloads);
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(good);
    await fc.assert(
      fc.asyncProperty(mutationsArb, fc.boolean(), async (ms, verify) => {
        const p = tmpFile(mutateAll(src, ms));
        const before = process.memoryUsage().arrayBuffers;
        for (const offset of [0, payloads[0]!.length + 16]) {
          const rec = await verdict({ errorClass: DataError, names: p, reader: 'tfrecord' }, () =>
            readRecordAt(p, offset, { verifyCrc: verify }),
          );
          if (rec) {
            assert.ok(rec.length <= src.length + 64, 'a record longer than its file');
            // what a good frame decodes to must parse or fail typed
            verdictSync({ errorClass: DataError, names: 'rec', reader: 'tf.train.Example' }, () =>
              parseExample(rec, 'rec'),
            );
          }
        }
        const grew = process.memoryUsage().arrayBuffers - before;
        assert.ok(grew < 64 << 20, `reading a ${src.length}-byte shard allocated ${grew} bytes`);
      }),
      params(150),
    );
  });

  test('an oversized length with a valid length CRC is refused before allocating', async () => {
    // Regression: readRecordAt allocated Buffer.alloc(length + 4) (up to 2 GiB) before checking the file size.
    const { maskedCrc32c } = await import('../../src/data/tfrecord/crc32c.js');
    const head = Buffer.alloc(12);
    head.writeBigUInt64LE(BigInt(2 ** 31 - 1), 0);
    head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
    const p = tmpFile(Buffer.concat([head, Buffer.alloc(20)]));
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(
      readRecordAt(p, 0),
      (e: DataError) => e.code === 'TRUNCATED' && e.message.includes(p),
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  });

  test('tf.train.Example: arbitrary and mutated protobufs', () => {
    const good = encodeBytesExample({
      image: [new Uint8Array([9, 9])],
      caption: [new TextEncoder().encode('a cat')],
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          mutationsArb.map((ms) => mutateAll(good, ms)),
        ),
        (bytes) => {
          verdictSync({ errorClass: DataError, names: 'shard-7', reader: 'tf.train.Example' }, () =>
            parseExample(bytes, 'shard-7'),
          );
        },
      ),
      params(400),
    );
  });

  test('regression: a fixed32 float past the end of a float list', () => {
    // field 1 (features) > field 1 (entry) > key 'f' + field 2 (feature) > float_list (2) > tag 0x0d (field 1, wire 5) and 1 byte
    const floatList = [0x0d, 0x00];
    const feature = [0x12, floatList.length, ...floatList];
    const entry = [0x0a, 1, 0x66, 0x12, feature.length, ...feature];
    const features = [0x0a, entry.length, ...entry];
    const example = new Uint8Array([0x0a, features.length, ...features]);
    assert.throws(
      () => parseExample(example, 'shard-7'),
      (e: DataError) => e.code === 'BAD_FORMAT' && e.message.includes('shard-7'),
    );
  });
});

describe('fuzz: data-only pickle reader (MSVD)', () => {
  // pickle.dumps({'vid1': [['a', 'cat'], ['dog']], 'vid2': []}, protocol=4) written by hand.
  const good = Buffer.from(
    '80049530000000000000007d94288c0476696431945d94285d94288c0161948c0363617494655d948c03646f679461658c0476696432945d94752e',
    'hex',
  );
  test('mutated and arbitrary streams: typed error naming the file, or plain data', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutationsArb.map((ms) => mutateAll(good, ms)),
          fc.uint8Array({ maxLength: 48 }),
          // opcode soup from the reader's own alphabet plus import/call opcodes
          fc
            .array(
              fc.constantFrom(
                0x28,
                0x7d,
                0x5d,
                0x29,
                0x74,
                0x85,
                0x86,
                0x87,
                0x6c,
                0x64,
                0x4e,
                0x88,
                0x61,
                0x65,
                0x73,
                0x75,
                0x94,
                0x30,
                0x63,
                0x93,
                0x52,
                0x62,
                0x81,
              ),
              { maxLength: 40 },
            )
            .map((ops) => new Uint8Array([...ops, 0x2e])),
        ),
        (bytes) => {
          const v = verdictSync(
            { errorClass: DataError, names: 'raw-captions.pkl', reader: 'data pickle' },
            () => readPickle(bytes, 'raw-captions.pkl'),
          );
          if (v !== undefined) assertPlain(v);
        },
      ),
      params(500),
    );
  });

  test('GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ are refused wherever they appear', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x63, 0x93, 0x52, 0x62, 0x69, 0x6f, 0x81, 0x92, 0x51, 0x50),
        fc.nat({ max: good.length - 2 }),
        (op, at) => {
          // put the opcode at an opcode boundary: before the STOP
          const bytes = Buffer.concat([
            good.subarray(0, good.length - 1),
            Buffer.from([op]),
            Buffer.from('os\nsystem\n'),
            good.subarray(good.length - 1),
          ]);
          void at;
          assert.throws(
            () => readPickle(bytes, 'evil.pkl'),
            (e: DataError) =>
              e instanceof DataError && e.code === 'BAD_FORMAT' && e.message.includes('evil.pkl'),
          );
        },
      ),
      params(30),
    );
  });

  test('regression: APPENDS of 200k items and stack underflow in TUPLE ops', () => {
    const many = new Uint8Array(2 + 200_000 + 2);
    many[0] = 0x5d; // EMPTY_LIST
    many[1] = 0x28; // MARK
    many.fill(0x4e, 2, 2 + 200_000); // NONE x 200k
    many[many.length - 2] = 0x65; // APPENDS
    many[many.length - 1] = 0x2e; // STOP
    const v = readPickle(many, 'big.pkl');
    assert.ok(Array.isArray(v) && v.length === 200_000);
    for (const op of [0x85, 0x86, 0x87])
      assert.throws(
        () => readPickle(new Uint8Array([op, 0x2e]), 'under.pkl'),
        (e: DataError) => e.code === 'BAD_FORMAT',
      );
    // a MARK must never end up inside a value
    assert.throws(
      () => readPickle(new Uint8Array([0x28, 0x85, 0x2e]), 'mark.pkl'),
      (e: DataError) => e.code === 'BAD_FORMAT',
    );
  });
});

function assertPlain(v: unknown, depth = 0): void {
  if (depth > 200) return;
  if (
    v === null ||
    ['boolean', 'number', 'bigint', 'string'].includes(typeof v) ||
    v instanceof Uint8Array
  )
    return;
  if (Array.isArray(v)) return v.forEach((x) => assertPlain(x, depth + 1));
  if (v instanceof Map) {
    for (const [k, x] of v) {
      assertPlain(k, depth + 1);
      assertPlain(x, depth + 1);
    }
    return;
  }
  assert.fail(
    `readPickle returned a non-data value: ${String(typeof v)} ${Object.prototype.toString.call(v)}`,
  );
}

describe('fuzz: JSON and CSV annotation readers', () => {
  const readers: [string, (p: string) => Promise<unknown>, string[]][] = [
    [
      'readMsrvttData',
      (p) => readMsrvttData(p, { strict: false }),
      ['sentences', 'videos', 'video_id', 'caption', 'url', 'split'],
    ],
    ['readDidemo', (p) => readDidemo(p, { strict: false }), ['video', 'description', 'times']],
    [
      'readWebvidCaptions',
      (p) => readWebvidCaptions(p, { strict: false }),
      ['video_id', 'caption'],
    ],
    ['readMsvdCaptions', (p) => readMsvdCaptions(p), ['vid1']],
    [
      'readQaFile',
      (p) => readQaFile(p, new IssueSink(false)),
      ['video_id', 'video', 'question', 'answer', 'answer_type'],
    ],
  ];
  for (const [name, read, fields] of readers) {
    test(`${name}: arbitrary JSON (wrong types, polluting keys), mutated text`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            jsonValueArb(fields).map((v) => JSON.stringify(v) ?? 'null'),
            // keys a reader could assign through: spelled out, since dictionary arbitraries drop __proto__
            fc
              .constantFrom(...POLLUTING_KEYS)
              .chain((k) =>
                fc.constantFrom(
                  `{"${k}": {"polluted": 1}}`,
                  `[{"${k}": {"polluted": 1}, "video_id": "${k}", "caption": "c"}]`,
                  `{"sentences": [{"video_id": "${k}", "caption": {"toString": 1}}], "videos": [{"video_id": "${k}", "url": "u"}]}`,
                  `{"${k}": [{"toString": 1}], "vid1": [["a"]]}`,
                  `[{"video": {"toString": 1}, "description": "d", "times": [[0, 1]]}]`,
                  `{"video_id": {"toString": 1}, "question": "q", "answer": "a"}`,
                ),
              ),
            fc
              .tuple(fc.string({ maxLength: 40 }), fc.nat())
              .map(([s, i]) => `[{"video_id": "v${i}", "caption": ${JSON.stringify(s)}}`),
          ),
          async (text) => {
            const p = tmpFile(text, '.json');
            await verdict({ errorClass: DataError, names: p, reader: name }, () => read(p));
            assertNoPollution();
          },
        ),
        params(120),
      );
    });
  }

  test('readLsmdcAnnotations and parseCsvRecords: arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200, unit: 'binary' }), async (text) => {
        const p = tmpFile(text, '.csv');
        await verdict({ errorClass: DataError, names: p, reader: 'readLsmdcAnnotations' }, () =>
          readLsmdcAnnotations(p, { strict: false }),
        );
        const recs = verdictSync(
          { errorClass: DataError, names: p, reader: 'parseCsvRecords' },
          () => parseCsvRecords(`video_id,__proto__,constructor\n${text}`, p, 'fuzz', ['video_id']),
        );
        for (const r of recs ?? []) assert.equal(Object.getPrototypeOf(r), Object.prototype);
        assertNoPollution();
      }),
      params(200),
    );
  });
});

describe('fuzz: WebVid CSV stream parser', () => {
  const field = fc.string({
    maxLength: 12,
    unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '\u{1F600}'),
  });
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  test('any table round-trips through quoting, whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { maxLength: 6 }),
        fc.array(fc.nat({ max: 200 }), { maxLength: 5 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        (rows, cuts, eol) => {
          const text = rows.map((r) => r.map(quote).join(',')).join(eol);
          const p = new CsvParser('rt.csv');
          const got = [];
          let at = 0;
          for (const c of [...cuts].sort((a, b) => a - b)) {
            got.push(...p.push(text.slice(at, Math.max(at, c))));
            at = Math.max(at, c);
          }
          got.push(...p.push(text.slice(at)), ...p.end());
          assert.deepEqual(
            got.map((r) => r.fields),
            rows,
          );
        },
      ),
      params(300),
    );
  });
  test('arbitrary text: rows or a typed error naming the source', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        verdictSync({ errorClass: DataError, names: 'results.csv', reader: 'csv-stream' }, () =>
          parseCsvText(text, 'results.csv'),
        );
      }),
      params(300),
    );
  });
});

describe('fuzz: ffprobe output', () => {
  const fields = [
    'streams',
    'format',
    'avg_frame_rate',
    'r_frame_rate',
    'nb_frames',
    'duration',
    'start_time',
    'width',
    'height',
    'codec_name',
  ];
  test('arbitrary JSON: a probe with finite, non-negative numbers or a typed error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonValueArb(fields).map((v) => JSON.stringify(v) ?? ''),
          jsonValueArb(fields).map((s) => JSON.stringify({ streams: [s], format: s })),
          fc.string({ maxLength: 40 }),
        ),
        (text) => {
          const pr = verdictSync(
            { errorClass: DataError, names: 'v.mp4', reader: 'ffprobe output' },
            () => parseProbeOutput(Buffer.from(text), 'v.mp4'),
          );
          if (pr)
            for (const k of ['width', 'height', 'fps', 'frameCount', 'durationSec'] as const)
              assert.ok(Number.isFinite(pr[k]) && pr[k] >= 0, `${k} = ${pr[k]}`);
        },
      ),
      params(400),
    );
  });
});

describe('fuzz: PPM frame stream', () => {
  const frame = (w: number, h: number) =>
    Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), Buffer.alloc(w * h * 3, 7)]);
  const good = Buffer.concat([frame(3, 2), frame(2, 2)]);
  test('mutated streams in arbitrary chunks: frames of the declared size or a typed error, bounded buffering', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutationsArb.map((ms) => mutateAll(good, ms)),
          fc.uint8Array({ maxLength: 80 }),
          fc
            .tuple(
              fc.constantFrom('P6', 'P5', 'P6x'),
              fc.constantFrom('0', '-1', '1e9', '99999', '1.5', 'NaN', '4', '0x10'),
              fc.constantFrom('2', '0', '70000'),
              fc.constantFrom('255', '65535', '0'),
            )
            .map(([m, w, h, mx]) => Buffer.from(`${m} ${w} ${h} ${mx}\n` + 'x'.repeat(30))),
        ),
        fc.array(fc.nat({ max: 120 }), { maxLength: 4 }),
        (bytes, cuts) => {
          const p = new PpmStreamParser(undefined, 'clip.mp4');
          verdictSync({ errorClass: DataError, names: 'clip.mp4', reader: 'ppm stream' }, () => {
            let at = 0;
            for (const c of [...cuts, bytes.length].sort((a, b) => a - b)) {
              p.push(Buffer.from(bytes.subarray(at, Math.max(at, c))));
              at = Math.max(at, c);
            }
          });
          for (const f of p.frames) {
            assert.ok(
              f.width > 0 &&
                f.height > 0 &&
                Number.isSafeInteger(f.width) &&
                Number.isSafeInteger(f.height),
            );
            assert.equal(f.data.length, f.width * f.height * 3);
          }
        },
      ),
      params(400),
    );
  });
  test('regression: a header that never ends and a frame too large to be real are refused', () => {
    const p = new PpmStreamParser(undefined, 'clip.mp4');
    assert.throws(
      () => p.push(Buffer.from('P6' + '9'.repeat(200))),
      (e: DataError) => e.code === 'VIDEO_OPEN' && e.message.includes('clip.mp4'),
    );
    const q = new PpmStreamParser(undefined, 'clip.mp4');
    assert.throws(
      () => q.push(Buffer.from('P6 100000 100000 255\n')),
      (e: DataError) => e.code === 'VIDEO_OPEN' && /too large/.test(e.message),
    );
  });
});

describe('fuzz: tokenizer on arbitrary Unicode', () => {
  test('any string: ids in the vocabulary, within a time bound', async () => {
    const tok = await ClipTokenizer.load();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80, unit: 'grapheme' }),
          fc.string({ maxLength: 80, unit: 'binary' }),
          fc.string({
            maxLength: 2000,
            unit: fc.constantFrom('a', ' ', '&amp;', '\u0301', 'Ã©', '\uD800', '\uFFFD', '\u200B'),
          }),
        ),
        (text) => {
          const ids = verdictSync({ errorClass: DataError, names: '', reader: 'tokenizer' }, () =>
            tok.encode(text),
          );
          if (ids)
            for (const id of ids)
              assert.ok(Number.isInteger(id) && id >= 0 && id < 49408, `id ${id}`);
        },
      ),
      params(300),
    );
  });
});

describe('fuzz: WebVid index, shards and prepare-webvid state files', () => {
  const settings: PrepareSettings = {
    version: 1,
    csv: ['a.csv'],
    clipsDir: 'clips',
    name: 'w',
    numFrames: 2,
    shardSize: 10,
    limit: null,
  };
  const stateText = fc.oneof(
    jsonValueArb([
      'shard',
      'file',
      'bytes',
      'rowsEnd',
      'examples',
      'skipped',
      'shards',
      'written',
      ...Object.keys(settings),
    ]).map((v) => JSON.stringify(v) ?? ''),
    fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '{"shard":0,"file":"w-00000.tfrecord","bytes":0,"rowsEnd":1,"examples":[[1,2,3]],"skipped":[]}',
      '{"shards":1,"written":"x","skipped":0}',
    ),
    fc.string({ maxLength: 40 }),
  );
  test('corrupt state files: a typed error naming the file, or a resume that treats them as unfinished', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(stateText, fc.constant(JSON.stringify(settings))),
        stateText,
        stateText,
        async (set, shard, done) => {
          const out = join(dir, `prep-${fileNo++}`);
          mkdirSync(join(out, STATE_DIR), { recursive: true });
          writeFileSync(join(out, STATE_DIR, 'settings.json'), set);
          writeFileSync(join(out, STATE_DIR, 'shard-00000.json'), shard);
          writeFileSync(join(out, STATE_DIR, 'done.json'), done);
          writeFileSync(join(out, 'w-00000.tfrecord'), '');
          const st = await verdict(
            { errorClass: DataError, names: out, reader: 'prepare state' },
            () => PrepareState.open(out, settings),
          );
          if (!st) return;
          await verdict(
            { errorClass: DataError, names: 'done.json', reader: 'prepare state' },
            () => st.done(),
          );
          await verdict(
            { errorClass: DataError, names: 'shard-00000.json', reader: 'prepare state' },
            () => st.readShard(0),
          );
          const kept = await st.finishedShards();
          assert.ok(kept.length <= 1);
        },
      ),
      params(100),
    );
  });

  test('index files: arbitrary text and polluting ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(
            fc.tuple(
              fc.oneof(fc.constantFrom(...POLLUTING_KEYS), fc.string({ maxLength: 5 })),
              fc.string({ maxLength: 5 }),
              fc.oneof(fc.nat().map(String), fc.string({ maxLength: 4 })),
            ),
            { maxLength: 5 },
          )
          .map((ls) => ls.map((l) => l.join('\t')).join('\n')),
        async (text) => {
          const d = join(dir, `idx-${fileNo++}`);
          mkdirSync(d);
          writeFileSync(join(d, 'path.index'), text);
          await verdict(
            { errorClass: DataError, names: 'path.index', reader: 'webvid index' },
            () => readWebvidIndex(d),
          );
          assertNoPollution();
        },
      ),
      params(150),
    );
  });

  test('mutated one-frame shards: frames or a typed error', async () => {
    const shard = tmpFile(new Uint8Array(0), '.tfrecord');
    await writeRecords(shard, [encodeBytesExample({ image: [new Uint8Array(256 * 256 * 3)] })]);
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(shard);
    await fc.assert(
      fc.asyncProperty(
        mutationsArb.map((ms) => ms.map((m) => ({ ...m, a: m.a < 0.5 ? m.a * 0.0003 : m.a }))),
        fc.boolean(),
        async (ms, verify) => {
          const p = tmpFile(mutateAll(src, ms), '.tfrecord');
          const frames = await verdict(
            { errorClass: DataError, names: p, reader: 'webvid frames' },
            () => readWebvidFrames({ shardPath: p, offset: 0 }, { verifyCrc: verify }),
          );
          for (const f of frames ?? []) assert.equal(f.data.length, 256 * 256 * 3);
        },
      ),
      params(60),
    );
  });
});
