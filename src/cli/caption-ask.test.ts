/**
 * `t2vlp caption` and `t2vlp ask` end to end through `main([...])` on generated videos and a tiny
 * random-weight fusion checkpoint: the printed captions and answers equal the model's own
 * `generateCaption` / `answerLogits` on the same clips; --answers; and the error paths (a stage-1
 * checkpoint, missing arguments) with their messages and exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipTokenizer, clipToTensors } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { videoReaderFor } from '../inference/encode.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { noGrad, scope } from '../torch/index.js';
import { runCli } from './testing/run-cli.js';

let dir: string;
let ckpt: string;
let stage1: string;
let model: T2VLP;
let tokenizer: ClipTokenizer;
const video = (i: number) => join(dir, 'data', 'videos', `video${i}.mp4`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-capqa-cli-'));
  const g = await runCli(['generate-data', '--out', join(dir, 'data'), '--videos', '8', '--frames', '8', '--size', '32', '--captions', '1']);
  assert.equal(g.code, 0, g.err);
  ckpt = join(dir, 'fusion.safetensors');
  stage1 = join(dir, 'stage1.safetensors');
  const m = new T2VLP({ ...TINY_CONFIG, embedDim: 64, fusion: true }) // the fusion encoder needs embedDim = textWidth;
  await m.save(ckpt);
  m.dispose();
  const s = new T2VLP(TINY_CONFIG);
  await s.save(stage1);
  s.dispose();
  model = (await T2VLP.load(ckpt)).eval();
  tokenizer = await ClipTokenizer.load();
});
after(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function clipTensorsOf(path: string) {
  return videoReaderFor(model).read(path);
}

describe('t2vlp caption', () => {
  test('--json: one caption per video, equal to generateCaption on the same clip', async () => {
    const r = await runCli(['caption', '--checkpoint', ckpt, video(0), video(1), '--json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { beam: number; captions: { video: string; caption: string; ids: number[] }[] };
    assert.equal(out.beam, 1);
    assert.deepEqual(out.captions.map((c) => c.video), [video(0), video(1)]);
    for (const [i, c] of out.captions.entries()) {
      const clip = await clipTensorsOf(video(i));
      const direct = noGrad(() =>
        scope(() => {
          const t = clipToTensors(clip);
          return model.generateCaption(t.frames.unsqueeze(0), t.mask.unsqueeze(0), { tokenizer }).text[0]!;
        }),
      );
      assert.equal(c.caption, direct);
      assert.equal(c.caption, tokenizer.decode(c.ids).trim());
    }
  });

  test('lines with --beam 2', async () => {
    const r = await runCli(['caption', '--checkpoint', ckpt, video(2), '--beam', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^${video(2).replace(/[.]/g, '\\.')}\\t`));
  });

  test('errors: a stage-1 checkpoint, no video, a bad beam', async () => {
    const s1 = await runCli(['caption', '--checkpoint', stage1, video(0)]);
    assert.equal(s1.code, 1);
    assert.match(s1.err, /caption: checkpoint '.*stage1\.safetensors' has no fusion encoder \(a stage-1 model\); caption needs a model fine-tuned for it/);
    const none = await runCli(['caption', '--checkpoint', ckpt]);
    assert.equal(none.code, 2);
    assert.match(none.err, /give at least one video file to caption/);
    const beam = await runCli(['caption', '--checkpoint', ckpt, video(0), '--beam', '0']);
    assert.equal(beam.code, 2);
    assert.match(beam.err, /--beam must be at least 1, got 0/);
  });
});

describe('t2vlp ask', () => {
  test('--json --top 3: the three most probable tokens of answerLogits', async () => {
    const q = 'what is the man holding?';
    const r = await runCli(['ask', '--checkpoint', ckpt, video(0), q, '--top', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { answers: { answer: string; probability: number }[] };
    assert.equal(out.answers.length, 3);
    const clip = await clipTensorsOf(video(0));
    const expected = noGrad(() =>
      scope(() => {
        const t = clipToTensors(clip);
        const b = tokenizer.batch([q]);
        const p = model.answerLogits({ video: t.frames.unsqueeze(0), videoMask: t.mask.unsqueeze(0), questionIds: b.inputIds, questionMask: b.attentionMask }).softmax(1);
        const top = p.reshape(-1).topk(3);
        return Array.from(top.indices.toArray() as BigInt64Array, (id) => tokenizer.decode([Number(id)]).trim());
      }),
    );
    assert.deepEqual(out.answers.map((a) => a.answer), expected);
    assert.ok(out.answers[0]!.probability >= out.answers[1]!.probability);
  });

  test('--answers train_ans2label.json: whole answers', async () => {
    const file = join(dir, 'train_ans2label.json');
    await writeFile(file, JSON.stringify({ dog: 0, 'a red ball': 1, 'two men': 2 }));
    const r = await runCli(['ask', '--checkpoint', ckpt, video(1), 'what is it?', '--answers', file, '--top', '5']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 4); // header + the 3 answers of the vocabulary
    assert.deepEqual(lines.slice(1).map((l) => l.replace(/^\s*\d+\s+[\d.]+\s+/, '')).sort(), ['a red ball', 'dog', 'two men']);
    // A missing or malformed file: the message names the flag and the file.
    const missing = await runCli(['ask', '--checkpoint', ckpt, video(1), 'what is it?', '--answers', join(dir, 'none.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^t2vlp ask: --answers '.*none\.json' does not exist/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '[1, 2]');
    const malformed = await runCli(['ask', '--checkpoint', ckpt, video(1), 'what is it?', '--answers', bad]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.err, /^t2vlp ask: --answers '.*bad\.json': /);
  });

  test('errors: a stage-1 checkpoint, a missing question', async () => {
    const s1 = await runCli(['ask', '--checkpoint', stage1, video(0), 'who?']);
    assert.equal(s1.code, 1);
    assert.match(s1.err, /ask: checkpoint '.*' has no fusion encoder/);
    const one = await runCli(['ask', '--checkpoint', ckpt, video(0)]);
    assert.equal(one.code, 2);
    assert.match(one.err, /expected a video and a question, got 1 argument\(s\) \(quote the question\)/);
  });
});

describe('--help', () => {
  const options: Record<string, string[]> = {
    caption: ['--checkpoint', '--beam', '--length-penalty', '--json', '--frames', '--fps'],
    ask: ['--checkpoint', '--top', '--answers', '--json', '--max-words'],
  };
  for (const [name, opts] of Object.entries(options))
    test(name, async () => {
      const r = await runCli([name, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^t2vlp ${name}: `));
      for (const o of [...opts, '--help']) assert.match(r.out, new RegExp(`\\n  ${o} `), `${name} --help lists ${o}`);
    });
});
