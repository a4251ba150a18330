// The streaming CSV parser on RFC 4180 edge cases (quoted commas, doubled quotes, line breaks
// inside quotes, CRLF / CR / LF rows, BOM, blank lines, no final newline), the pandas-like
// leniencies, an unterminated quote, and the same text fed in chunks split at every position;
// then the WebVid CSV layer: columns found by header name, several files, limit, bad rows.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AnnotationError } from '../errors.js';
import { CsvParser, parseCsvText, readCsvRows } from './csv-stream.js';
import { readWebvidCsvs } from './webvid-csv.js';

const fields = (text: string) => parseCsvText(text).map((r) => r.fields);

describe('CsvParser', () => {
  test('plain rows, LF / CRLF / CR endings, no final newline', () => {
    assert.deepEqual(fields('a,b\n1,2'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fields('a,b\r\n1,2\r\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fields('a,b\r1,2\r'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fields('a,,c,\n'), [['a', '', 'c', '']]);
  });

  test('quoted fields: commas, doubled quotes, line breaks, empty', () => {
    const text =
      'id,name\n1,"Hello, world"\n2,"She said ""hi"""\n3,"two\nlines"\n4,"crlf\r\ninside"\n5,""\n';
    assert.deepEqual(fields(text), [
      ['id', 'name'],
      ['1', 'Hello, world'],
      ['2', 'She said "hi"'],
      ['3', 'two\nlines'],
      ['4', 'crlf\r\ninside'],
      ['5', ''],
    ]);
    assert.deepEqual(
      parseCsvText(text).map((r) => r.line),
      [1, 2, 3, 4, 6, 8],
      'rows carry the line they start on, counting line breaks inside quotes',
    );
  });

  test('BOM dropped, blank lines skipped, quotes inside unquoted text kept', () => {
    assert.deepEqual(fields('\ufeffa,b\n\n\r\n1,2\n\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fields('5" tall,x\n'), [['5" tall', 'x']]);
    assert.deepEqual(fields('"ab"cd,x\n'), [['abcd', 'x']]);
    assert.deepEqual(fields('""\n'), [['']], 'a quoted empty field is a row, not a blank line');
  });

  test('an unterminated quote names the line it opened on', () => {
    assert.throws(
      () => parseCsvText('a,b\n1,"never\nclosed\n', "'x.csv'"),
      (e: unknown) =>
        e instanceof AnnotationError &&
        e.code === 'BAD_FORMAT' &&
        /'x\.csv' ends inside a quoted field opened on line 2/.test(e.message),
    );
  });

  test('chunk boundaries anywhere give the same rows', () => {
    const text =
      '\ufeffvideoid,name,page_dir\r\n1,"a, ""b""\r\nc",d\r2,plain,"x"\n\n3,"q""",\r\n4,last,"y"';
    const whole = parseCsvText(text);
    assert.equal(whole.length, 5);
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new CsvParser();
      const rows = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
      assert.deepEqual(rows, whole, `split at ${cut}`);
    }
    const p = new CsvParser();
    const rows = [...[...text].flatMap((c) => p.push(c)), ...p.end()];
    assert.deepEqual(rows, whole, 'one character at a time');
  });
});

describe('readWebvidCsvs', () => {
  let dir = '';
  after(() => rm(dir, { recursive: true, force: true }));

  test('columns by name in either published order; files numbered as one sequence; limit', async () => {
    dir = await mkdtemp(join(tmpdir(), 't2vlp-webvid-csv-'));
    const a = join(dir, 'results_2M_train.csv');
    const b = join(dir, 'results_2M_val.csv');
    await writeFile(
      a,
      'videoid,contentUrl,duration,page_dir,name\n' +
        '31353427,https://x/1.mp4,PT00H00M15S,016401_016450,"Aerial shot, city ""at night"""\n' +
        '14781349,https://x/2.mp4,PT00H00M31S,006601_006650,Two\n',
    );
    await writeFile(
      b,
      'videoid,name,page_idx,page_dir,duration,contentUrl\n99,"multi\nline",3,000001_000050,PT1S,u\n',
    );
    const rows = [];
    for await (const r of readWebvidCsvs([a, b])) rows.push(r);
    assert.deepEqual(
      rows.map((r) => [r.ordinal, r.videoId, r.caption, r.pageDir, r.line, r.problem]),
      [
        [0, '31353427', 'Aerial shot, city "at night"', '016401_016450', 2, undefined],
        [1, '14781349', 'Two', '006601_006650', 3, undefined],
        [2, '99', 'multi\nline', '000001_000050', 2, undefined],
      ],
    );
    assert.equal(rows[2]!.file, b);
    const limited = [];
    for await (const r of readWebvidCsvs([a, b], { limit: 2 })) limited.push(r.videoId);
    assert.deepEqual(limited, ['31353427', '14781349']);
  });

  test('a file without the needed columns is an error naming it; bad rows are flagged', async () => {
    const c = join(dir, 'other.csv');
    await writeFile(c, 'id,caption\n1,x\n');
    await assert.rejects(
      async () => {
        for await (const _ of readWebvidCsvs([c]));
      },
      (e: unknown) =>
        e instanceof AnnotationError &&
        e.code === 'MISSING_FIELD' &&
        e.message.includes(`'${c}' has no 'videoid' column (header: id,caption)`),
    );
    const d = join(dir, 'bad-rows.csv');
    await writeFile(d, 'videoid,name,page_dir\n,no id,p\n../x,up,p\n5,ok,../..\n6\n7,fine,p\n');
    const rows = [];
    for await (const r of readWebvidCsvs([d])) rows.push([r.videoId, r.problem]);
    assert.deepEqual(rows, [
      ['', 'no videoid'],
      ['../x', 'videoid or page_dir would leave the clips folder'],
      ['5', 'videoid or page_dir would leave the clips folder'],
      ['6', "the row has 1 field(s); 'name' is column 2"],
      ['7', undefined],
    ]);
  });

  test('readCsvRows streams a file and reports a missing one', async () => {
    const e = join(dir, 'big.csv');
    const lines = Array.from({ length: 3000 }, (_, i) => `${i},"caption ${i}, with comma"`);
    await writeFile(e, 'videoid,name\n' + lines.join('\n') + '\n');
    let n = 0;
    for await (const r of readCsvRows(e)) {
      if (n > 0) assert.deepEqual(r.fields, [String(n - 1), `caption ${n - 1}, with comma`]);
      n++;
    }
    assert.equal(n, 3001);
    await assert.rejects(async () => {
      for await (const _ of readCsvRows(join(dir, 'nope.csv')));
    }, /readCsvRows: cannot read '.*nope\.csv': ENOENT/);
  });
});
