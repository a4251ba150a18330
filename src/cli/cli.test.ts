/**
 * End to end through `main([...])` on a tiny generated dataset (8 videos of 16 frames, 32 px) and
 * a tiny random-weight checkpoint: generate-data, encode (videos, a text list, one text, a folder
 * with a broken video), search (table and JSON, checked against scores recomputed from the index),
 * eval (table and JSON), every command's --help, the error paths with their messages and exit
 * codes, and the real binary once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClipTokenizer, clipToTensors } from '../data/index.js';
import { meanPooledVideo, T2VLP } from '../model/index.js';
import { readEmbeddings } from '../inference/embeddings.js';
import { videoReaderFor } from '../inference/encode.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { noGrad, scope, tensor } from '../torch/index.js';
import { runCli, type CliRun as Run } from './testing/run-cli.js';

const cli = (...argv: string[]): Promise<Run> => runCli(argv);

let dir: string;
let data: string;
let ckpt: string;
let videoIndex: string;
let model: T2VLP;
let tokenizer: ClipTokenizer;
const ids = Array.from({ length: 8 }, (_, i) => `video${i}.mp4`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-cli-'));
  data = join(dir, 'data');
  ckpt = join(dir, 'tiny.safetensors');
  videoIndex = join(dir, 'out', 'videos.safetensors');
  const m = new T2VLP(TINY_CONFIG);
  await m.save(ckpt);
  m.dispose();
  model = await T2VLP.load(ckpt);
  tokenizer = await ClipTokenizer.load();
});
after(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('t2vlp generate-data', () => {
  test('writes the dataset, then finds it already there', async () => {
    const args = [
      'generate-data',
      '--out',
      data,
      '--videos',
      '8',
      '--frames',
      '16',
      '--size',
      '32',
      '--captions',
      '2',
    ];
    const r = await cli(...args);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^synthetic dataset .*data: 8 videos \(5 train, 1 val, 2 test\), 16 frames of 32x32 at 8 fps, 2 captions each; created in/,
    );
    const again = await cli(...args);
    assert.equal(again.code, 0);
    assert.match(again.out, /; already there, unchanged$/);
    const other = await cli(...args.slice(0, -1), '3');
    assert.equal(other.code, 1);
    assert.match(
      other.err,
      /^t2vlp generate-data: '.*data' already holds something other than a synthetic dataset with these options; pass --overwrite/,
    );
  });
});

describe('t2vlp encode', () => {
  test('a video folder: embeddings, frames and mask for every video, in name order', async () => {
    const r = await cli(
      'encode',
      '--checkpoint',
      ckpt,
      '--videos',
      join(data, 'videos'),
      '--out',
      videoIndex,
      '--batch',
      '3',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^wrote 8 video embeddings \[8, 32\] \(\+ frames \[8, 4, 32\]\) to .*videos\.safetensors in/,
    );
    assert.match(r.err, /encode: 3\/8 videos/);
    assert.match(r.err, /encode: 8\/8 videos/);
    const e = await readEmbeddings(videoIndex);
    assert.equal(e.kind, 'video');
    assert.deepEqual(e.ids, ids);
    assert.equal(e.dim, 32);
    assert.equal(e.numFrames, 4);
    assert.equal(e.embeddings.length, 8 * 32);
    assert.equal(e.frames!.length, 8 * 4 * 32);
    assert.deepEqual([...e.videoMask!], new Array(32).fill(1)); // 16 frames at 8 fps, 2 per second: 4 frames
    assert.deepEqual(e.skipped, []);
    assert.equal(e.checkpoint, resolve(ckpt));
    assert.deepEqual(e.modelConfig, model.config);
    assert.deepEqual(e.options, { frames: 4, fps: 2, imageSize: 32, dtype: 'float32' });
    for (let i = 0; i < 8; i++) {
      const norm = Math.hypot(...e.embeddings.subarray(i * 32, (i + 1) * 32));
      assert.ok(Math.abs(norm - 1) < 1e-5, `row ${i} norm ${norm}`);
    }
    // Row 3 is what the model gives for that video alone, and meanP re-pooled from the stored
    // frames and mask gives the stored embeddings.
    const clip = await videoReaderFor(model).read(join(data, 'videos', ids[3]!));
    const direct = noGrad(() =>
      scope(() => {
        const t = clipToTensors(clip);
        return model
          .encodeVideo(t.frames.unsqueeze(0), t.mask.unsqueeze(0))
          .embedding.toArray() as Float32Array;
      }),
    );
    const pooled = noGrad(() =>
      scope(() => {
        const f = tensor(e.frames!, [8, 4, 32]);
        const m = tensor(Float32Array.from(e.videoMask!), [8, 4]);
        return meanPooledVideo(f, m).toArray() as Float32Array;
      }),
    );
    direct.forEach((v, j) => assert.ok(Math.abs(v - e.embeddings[3 * 32 + j]!) < 1e-5));
    pooled.forEach((v, j) => assert.ok(Math.abs(v - e.embeddings[j]!) < 1e-5));
  });

  test('a text list and one text', async () => {
    const list = join(dir, 'texts.txt');
    await writeFile(list, 'a red circle moves left\n\n  a blue square appears  \n');
    const out = join(dir, 'out', 'texts.safetensors');
    const r = await cli('encode', '--checkpoint', ckpt, '--texts', list, '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^wrote 2 text embeddings \[2, 32\] to /);
    const e = await readEmbeddings(out);
    assert.equal(e.kind, 'text');
    assert.deepEqual(e.ids, ['a red circle moves left', 'a blue square appears']);
    assert.equal(e.frames, undefined);
    const direct = noGrad(() =>
      scope(() => {
        const b = tokenizer.batch(e.ids);
        return model.encodeText(b.inputIds, b.attentionMask).embedding.toArray() as Float32Array;
      }),
    );
    direct.forEach((v, j) => assert.ok(Math.abs(v - e.embeddings[j]!) < 1e-5));
    const one = join(dir, 'out', 'one.safetensors');
    const r1 = await cli(
      'encode',
      '--checkpoint',
      ckpt,
      '--text',
      'a green triangle',
      '--out',
      one,
    );
    assert.equal(r1.code, 0, r1.err);
    assert.deepEqual((await readEmbeddings(one)).ids, ['a green triangle']);
  });

  test('--dtype int8: dynamic int8 Linear layers, embeddings close to float32 (cosine ≥ 0.99 per text)', async () => {
    const texts = ['a red circle moves left', 'a blue square appears'];
    const out = join(dir, 'out', 'int8.safetensors');
    const r = await cli('encode', '--checkpoint', ckpt, '--dtype', 'int8', '--text', texts[0]!, '--out', out);
    assert.equal(r.code, 0, r.err);
    const e = await readEmbeddings(out);
    assert.equal(e.options.dtype, 'int8');
    const direct = noGrad(() =>
      scope(() => {
        const b = tokenizer.batch([texts[0]!]);
        return model.encodeText(b.inputIds, b.attentionMask).embedding.toArray() as Float32Array;
      }),
    );
    let dot = 0, na = 0, nb = 0;
    direct.forEach((v, j) => {
      const q = e.embeddings[j]!;
      dot += v * q;
      na += v * v;
      nb += q * q;
    });
    const cos = dot / Math.sqrt(na * nb);
    assert.ok(cos >= 0.99 && cos < 1, `int8 vs float32 cosine ${cos}`);
  });

  test('a video that fails to decode is reported, left out and listed as skipped', async () => {
    const folder = join(dir, 'mixed');
    await mkdir(folder);
    await copyFile(join(data, 'videos', 'video0.mp4'), join(folder, 'a.mp4'));
    await writeFile(join(folder, 'b.mp4'), 'not a video');
    await copyFile(join(data, 'videos', 'video1.mp4'), join(folder, 'c.mp4'));
    await writeFile(join(folder, 'notes.txt'), 'ignored: not a video name');
    const out = join(dir, 'out', 'mixed.safetensors');
    const r = await cli(
      'encode',
      '--checkpoint',
      ckpt,
      '--videos',
      folder,
      '--out',
      out,
      '--quiet',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^encode: skipped 'b\.mp4': probeVideo: ffprobe cannot open '.*b\.mp4'/);
    assert.doesNotMatch(r.err, /videos\/s/); // --quiet: no progress lines
    assert.match(r.out, /^wrote 2 video embeddings .*; 1 skipped/);
    const e = await readEmbeddings(out);
    assert.deepEqual(e.ids, ['a.mp4', 'c.mp4']);
    assert.equal(e.skipped.length, 1);
    assert.equal(e.skipped[0]!.id, 'b.mp4');
    assert.match(e.skipped[0]!.reason, /ffprobe cannot open/);
  });

  test('a list file of videos, relative to the list', async () => {
    const list = join(data, 'some-videos.txt');
    await writeFile(list, '# two videos\nvideos/video5.mp4\n\nvideos/video2.mp4\n');
    const out = join(dir, 'out', 'list.safetensors');
    const r = await cli(
      'encode',
      '--checkpoint',
      ckpt,
      '--videos',
      list,
      '--out',
      out,
      '--frames',
      '2',
      '--quiet',
    );
    assert.equal(r.code, 0, r.err);
    const e = await readEmbeddings(out);
    assert.deepEqual(e.ids, ['videos/video5.mp4', 'videos/video2.mp4']);
    assert.deepEqual([...e.videoMask!], [1, 1, 0, 0, 1, 1, 0, 0]); // 2 sampled frames, padded to the model's 4
  });
});

describe('t2vlp search', () => {
  /** exp(logit_scale) · t · v against every stored video embedding. */
  async function expectedScores(query: string): Promise<number[]> {
    const e = await readEmbeddings(videoIndex);
    const { t, scale } = noGrad(() =>
      scope(() => {
        const b = tokenizer.batch([query]);
        return {
          t: Array.from(
            model.encodeText(b.inputIds, b.attentionMask).embedding.toArray() as Float32Array,
          ),
          scale: Math.exp(model.clip.logit_scale.item()),
        };
      }),
    );
    return e.ids.map((_, i) => scale * t.reduce((s, x, j) => s + x * e.embeddings[i * 32 + j]!, 0));
  }

  test('--json: the top K are the index sorted by the recomputed scores', async () => {
    const q = 'a red circle moves left';
    const r = await cli(
      'search',
      '--checkpoint',
      ckpt,
      '--index',
      videoIndex,
      '--query',
      q,
      '--top',
      '3',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {
      query: string;
      total: number;
      k: number;
      results: { rank: number; id: string; score: number }[];
    };
    assert.deepEqual(Object.keys(j), ['query', 'index', 'checkpoint', 'total', 'k', 'results']);
    assert.equal(j.query, q);
    assert.equal(j.total, 8);
    assert.equal(j.k, 3);
    const scores = await expectedScores(q);
    const sorted = ids.map((id, i) => ({ id, s: scores[i]! })).sort((a, b) => b.s - a.s);
    assert.deepEqual(
      j.results.map((h) => h.id),
      sorted.slice(0, 3).map((x) => x.id),
    );
    j.results.forEach((h, k) => {
      assert.equal(h.rank, k + 1);
      assert.ok(Math.abs(h.score - sorted[k]!.s) < 1e-4, `${h.score} vs ${sorted[k]!.s}`);
    });
  });

  test('table output; --top beyond the index lists every video', async () => {
    const r = await cli(
      'search',
      '--checkpoint',
      ckpt,
      '--index',
      videoIndex,
      '--query',
      'a blue square',
      '--top',
      '20',
    );
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'top 8 of 8 videos for "a blue square"');
    assert.match(lines[1]!, /^rank +score +video$/);
    assert.equal(lines.length, 10);
    const rows = lines.slice(2).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(
      rows.map((c) => c[0]),
      ['1', '2', '3', '4', '5', '6', '7', '8'],
    );
    assert.deepEqual(rows.map((c) => c[2]).sort(), ids);
    const shown = rows.map((c) => Number(c[1]));
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => b - a),
    );
  });
});

describe('t2vlp eval', () => {
  test('table on the test split', async () => {
    const r = await cli('eval', '--checkpoint', ckpt, '--data', data, '--batch', '2');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^msrvtt test: 2 captions × 2 videos, /);
    assert.match(lines[1]!, /R@1 +R@5 +R@10 +MdR +MnR +N$/);
    assert.match(lines[2]!, /^t2v /);
    assert.match(lines[3]!, /^v2t /);
    assert.match(lines[4]!, /^chance +50\.0 +100\.0 +100\.0 +1\.5 +1\.5$/);
    assert.match(r.err, /eval: 4\/4 items/);
  });

  test('--json on the val split', async () => {
    const r = await cli(
      'eval',
      '--checkpoint',
      ckpt,
      '--data',
      data,
      '--split',
      'val',
      '--json',
      '--quiet',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const j = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(j.dataset, 'msrvtt');
    assert.equal(j.split, 'val');
    assert.equal(j.numTexts, 1);
    assert.equal(j.numVideos, 1);
    for (const dir of ['t2v', 'v2t'])
      assert.deepEqual(j[dir], { R1: 100, R5: 100, R10: 100, MedianR: 1, MeanR: 1, numQueries: 1 });
  });
});

describe('t2vlp eval with the fusion encoder', () => {
  let fusionCkpt: string;
  before(async () => {
    fusionCkpt = join(dir, 'tiny-fusion.safetensors');
    const m = new T2VLP({ ...TINY_CONFIG, embedDim: 64, fusion: true });
    await m.save(fusionCkpt);
    m.dispose();
  });

  test('prints the loose and the re-ranked rows, with a progress line for the re-ranking', async () => {
    const r = await cli('eval', '--checkpoint', fusionCkpt, '--data', data, '--batch', '2');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[2]!, /^t2v loose /);
    assert.match(lines[3]!, /^v2t loose /);
    assert.match(lines[4]!, /^t2v re-ranked \(top 2\) /, 'K = 32 capped at the 2 candidates');
    assert.match(lines[5]!, /^v2t re-ranked \(top 2\) /);
    assert.match(lines[6]!, /^chance /);
    assert.match(r.err, /rerank: 4\/4 queries/);
    const j = JSON.parse((await cli('eval', '--checkpoint', fusionCkpt, '--data', data, '--json', '--quiet')).out) as {
      t2v: { R1: number };
      rerank: { topK: number; t2v: Record<string, number>; v2t: Record<string, number> } | null;
    };
    assert.equal(j.rerank?.topK, 2);
    for (const k of ['R1', 'R5', 'R10', 'MedianR', 'MeanR', 'numQueries']) {
      assert.equal(typeof j.rerank.t2v[k], 'number', `rerank.t2v.${k}`);
      assert.equal(typeof j.rerank.v2t[k], 'number', `rerank.v2t.${k}`);
    }
  });

  test('--rerank 0 disables the re-ranking; --rerank on a stage-1 checkpoint is refused', async () => {
    const r = await cli('eval', '--checkpoint', fusionCkpt, '--data', data, '--rerank', '0', '--quiet');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /re-ranked/);
    assert.match(r.out, /^t2v /m);
    assert.match(r.out, /re-ranking off: --rerank 0/);
    const j = JSON.parse((await cli('eval', '--checkpoint', fusionCkpt, '--data', data, '--rerank', '0', '--json', '--quiet')).out) as { rerank: unknown };
    assert.equal(j.rerank, null);
    const bad = await cli('eval', '--checkpoint', ckpt, '--data', data, '--rerank', '4', '--quiet');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--rerank 4 needs the fusion encoder, but '.*tiny.safetensors' is a stage-1 checkpoint; pass --rerank 0/);
    const neg = await cli('eval', '--checkpoint', fusionCkpt, '--data', data, '--rerank', '-1');
    assert.equal(neg.code, 2);
    assert.match(neg.err, /--rerank must be 0 \(off\) or more, got -1/);
  });
});

describe('--help', () => {
  const options: Record<string, string[]> = {
    'generate-data': ['--out', '--videos', '--frames', '--size', '--seed', '--captions'],
    encode: [
      '--checkpoint',
      '--videos',
      '--texts',
      '--text',
      '--out',
      '--batch',
      '--dtype',
      '--frames',
      '--fps',
    ],
    search: ['--checkpoint', '--index', '--query', '--top', '--json'],
    eval: ['--checkpoint', '--data', '--split', '--dataset', '--batch', '--rerank', '--json'],
  };
  for (const [name, opts] of Object.entries(options))
    test(name, async () => {
      const r = await cli(name, '--help');
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^t2vlp ${name}: `));
      assert.match(r.out, new RegExp(`\\nusage: t2vlp ${name} `));
      for (const o of [...opts, '--help'])
        assert.match(r.out, new RegExp(`\\n  ${o} `), `${name} --help lists ${o}`);
    });
});

describe('bad input: one line, non-zero exit', () => {
  const cases: [string, () => string[], number, RegExp][] = [
    [
      'missing checkpoint file',
      () => [
        'encode',
        '--checkpoint',
        join(dir, 'nope.safetensors'),
        '--text',
        'x',
        '--out',
        join(dir, 'x.safetensors'),
      ],
      1,
      /^t2vlp encode: checkpoint '.*nope\.safetensors' does not exist$/,
    ],
    [
      'a checkpoint that is not a model',
      () => [
        'encode',
        '--checkpoint',
        join(data, 'MSRVTT_data.json'),
        '--text',
        'x',
        '--out',
        join(dir, 'x.safetensors'),
      ],
      1,
      /^t2vlp encode: '.*MSRVTT_data\.json' is not a T2VLP checkpoint: .*not a checkpoint/,
    ],
    [
      'an embeddings file as checkpoint',
      () => ['search', '--checkpoint', videoIndex, '--index', videoIndex, '--query', 'x'],
      1,
      /^t2vlp search: '.*videos\.safetensors' is an embeddings file \(from 't2vlp encode'\), not a model checkpoint/,
    ],
    [
      'an empty video folder',
      () => [
        'encode',
        '--checkpoint',
        ckpt,
        '--videos',
        join(data, 'qa'),
        '--out',
        join(dir, 'x.safetensors'),
      ],
      1,
      /^t2vlp encode: no video files \(\.mp4, .*\) in folder '.*qa'$/,
    ],
    [
      'a missing video folder',
      () => [
        'encode',
        '--checkpoint',
        ckpt,
        '--videos',
        join(dir, 'nowhere'),
        '--out',
        join(dir, 'x.safetensors'),
      ],
      1,
      /^t2vlp encode: video folder or list '.*nowhere' does not exist$/,
    ],
    [
      'more frames than the model takes',
      () => [
        'encode',
        '--checkpoint',
        ckpt,
        '--videos',
        join(data, 'videos'),
        '--out',
        join(dir, 'x.safetensors'),
        '--frames',
        '9',
      ],
      2,
      /^t2vlp encode: --frames 9 exceeds the model's 4 frames per video$/,
    ],
    [
      'no input to encode',
      () => ['encode', '--checkpoint', ckpt, '--out', join(dir, 'x.safetensors')],
      2,
      /^t2vlp encode: give exactly one of --videos, --texts or --text$/,
    ],
    [
      'an index that is a model checkpoint',
      () => ['search', '--checkpoint', ckpt, '--index', ckpt, '--query', 'x'],
      1,
      /^t2vlp search: '.*tiny\.safetensors' is not an embeddings file: it is a T2VLP model checkpoint/,
    ],
    [
      'an index that is not safetensors',
      () => [
        'search',
        '--checkpoint',
        ckpt,
        '--index',
        join(data, 'manifest.json'),
        '--query',
        'x',
      ],
      1,
      /^t2vlp search: '.*manifest\.json' is not an embeddings file from 't2vlp encode': /,
    ],
    [
      'a text index',
      () => [
        'search',
        '--checkpoint',
        ckpt,
        '--index',
        join(dir, 'out', 'texts.safetensors'),
        '--query',
        'x',
      ],
      1,
      /^t2vlp search: index '.*texts\.safetensors' holds text embeddings; search needs video embeddings/,
    ],
    [
      'an empty query',
      () => ['search', '--checkpoint', ckpt, '--index', videoIndex, '--query', '  '],
      2,
      /^t2vlp search: --query is empty; give some words to search for$/,
    ],
    [
      'a query with no tokens',
      () => ['search', '--checkpoint', ckpt, '--index', videoIndex, '--query', '&nbsp;'],
      1,
      /^t2vlp search: the query "&nbsp;" has no tokens after cleaning$/,
    ],
    [
      'k = 0',
      () => ['search', '--checkpoint', ckpt, '--index', videoIndex, '--query', 'x', '--top', '0'],
      2,
      /^t2vlp search: --top must be at least 1, got 0$/,
    ],
    [
      'k < 0',
      () => ['search', '--checkpoint', ckpt, '--index', videoIndex, '--query', 'x', '--top=-2'],
      2,
      /^t2vlp search: --top must be at least 1, got -2$/,
    ],
    [
      'an unknown option',
      () => ['search', '--checkpoint', ckpt, '--index', videoIndex, '--query', 'x', '--topk', '3'],
      2,
      /^t2vlp search: unknown option --topk \(see 't2vlp search --help'\)$/,
    ],
    [
      'a missing dataset folder',
      () => ['eval', '--checkpoint', ckpt, '--data', join(dir, 'nodata')],
      1,
      /^t2vlp eval: dataset folder '.*nodata' does not exist$/,
    ],
    [
      'a bad split',
      () => ['eval', '--checkpoint', ckpt, '--data', data, '--split', 'train'],
      2,
      /^t2vlp eval: --split must be one of test, val; got 'train'$/,
    ],
    [
      'generate-data without --out',
      () => ['generate-data', '--videos', '4'],
      2,
      /^t2vlp generate-data: --out DIR is required/,
    ],
  ];
  for (const [what, argv, code, message] of cases)
    test(what, async () => {
      const r = await cli(...argv());
      assert.equal(r.code, code, r.err);
      assert.match(r.err, message);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    });
});

describe('the bin/t2vlp.js binary', () => {
  test('--help lists the commands; errors set the exit code', async () => {
    const run = promisify(execFile);
    const bin = fileURLToPath(new URL('../../bin/t2vlp.js', import.meta.url));
    const help = await run(process.execPath, [bin, '--help']);
    for (const c of ['encode', 'search', 'eval', 'generate-data'])
      assert.match(help.stdout, new RegExp(`\\n  ${c} `));
    await assert.rejects(
      run(process.execPath, [bin, 'search', '--top', '0']),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /^t2vlp search: --checkpoint is required/);
        return true;
      },
    );
  });
});
