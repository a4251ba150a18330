/**
 * `t2vlp prepare-webvid` end to end: a generated WebVid-like download (one corrupt clip, one
 * missing, one too short) → shards through the command, skipped clips on stderr and in
 * skipped.tsv, a rerun that does nothing, then `t2vlp train --dataset webvid` on the output
 * folder for two optimizer steps of a small model; the real binary killed (SIGKILL) after its
 * first shard and run again ends byte-identical to an uninterrupted run. Argument errors are one
 * line, exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeTestDownload } from '../data/webvid-prepare/test-clips.js';
import { runCli } from './testing/run-cli.js';

let dir = '';
let input: { csv: string; clips: string };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-prepare-webvid-'));
  input = await writeTestDownload(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('t2vlp prepare-webvid', () => {
  test('--help says what is written where', async () => {
    const r = await runCli(['prepare-webvid', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^t2vlp prepare-webvid: /);
    for (const o of ['--csv', '--clips', '--out', '--name', '--frames', '--concurrency', '--limit'])
      assert.match(r.out, new RegExp(`\\n  ${o} `), `--help lists ${o}`);
    assert.match(r.out, /path\.index/);
    assert.match(r.out, /frozen_train\.json/);
    assert.match(r.out, /skipped\.tsv/);
    const top = await runCli(['--help']);
    assert.match(top.out, /\n {2}prepare-webvid /);
  });

  test('missing and bad options: one line, exit code 2', async () => {
    let r = await runCli(['prepare-webvid', '--clips', dir, '--out', join(dir, 'o')]);
    assert.deepEqual(
      [r.code, r.err],
      [2, "t2vlp prepare-webvid: --csv FILE is required (see 't2vlp prepare-webvid --help')"],
    );
    r = await runCli([
      'prepare-webvid',
      '--csv',
      input.csv,
      '--clips',
      input.clips,
      '--out',
      join(dir, 'o'),
      '--concurrency',
      '0',
    ]);
    assert.deepEqual(
      [r.code, r.err],
      [2, 't2vlp prepare-webvid: --concurrency must be at least 1, got 0'],
    );
    r = await runCli([
      'prepare-webvid',
      '--csv',
      input.csv,
      '--csv',
      join(dir, 'val.csv'),
      '--clips',
      input.clips,
      '--out',
      join(dir, 'o'),
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /^t2vlp prepare-webvid: CSV file '.*val\.csv' does not exist$/,
      'a repeated --csv adds a file',
    );
    assert.ok(!existsSync(join(dir, 'o')), 'nothing is created on bad options');
  });

  test('prepares the folder, lists skipped clips, then trains on it', async () => {
    const out = join(dir, 'webvid');
    const args = [
      'prepare-webvid',
      '--csv',
      input.csv,
      '--clips',
      input.clips,
      '--out',
      out,
      '--shard-size',
      '3',
    ];
    const r = await runCli(args);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /: 5 clips in 2 shards, 4 skipped; index .*path\.index, captions .*frozen_train\.json$/,
    );
    assert.match(r.err, /skipped '1005' \(missing\)/);
    assert.match(r.err, /skipped '1003' \(undecodable\)/);
    assert.match(
      r.err,
      /4 clip\(s\) skipped \(1 undecodable, 1 missing, 1 too-short, 1 bad-row\); listed in .*skipped\.tsv/,
    );
    assert.match(r.err, /shard .*path-00000\.tfrecord done \(3 clips\)/);
    assert.equal(
      (await readFile(join(out, 'skipped.tsv'), 'utf8')).trimEnd().split('\n').length,
      5,
    );

    const again = await runCli(args);
    assert.equal(again.code, 0);
    assert.match(
      again.out,
      /is already complete \(5 clips in 2 shards, 4 skipped\); nothing to do$/,
    );

    const model = join(dir, 'run');
    const t = await runCli([
      'train',
      '--dataset',
      'webvid',
      '--data',
      out,
      '--out',
      model,
      '--preset',
      'demo',
      '--batch-size',
      '2',
      '--max-steps',
      '2',
      '--epochs',
      '2',
      '--json',
    ]);
    assert.equal(t.code, 0, t.err);
    const summary = JSON.parse(t.out.trim().split('\n').at(-1)!) as {
      steps: number;
      finalLoss: number;
      skipped: number;
    };
    assert.equal(summary.steps, 2);
    assert.ok(
      Number.isFinite(summary.finalLoss) && summary.finalLoss > 0,
      `loss ${summary.finalLoss}`,
    );
    assert.equal(summary.skipped, 0);
    assert.ok(existsSync(join(model, 'model.safetensors')));

    const e = await runCli(['eval', '--help']);
    assert.doesNotMatch(e.out, /webvid/, 'eval does not offer webvid (no test split)');
  });

  test('killed after its first shard, the same command finishes the job with the same bytes', async () => {
    const args = (out: string) => [
      'prepare-webvid',
      '--csv',
      input.csv,
      '--clips',
      input.clips,
      '--out',
      out,
      '--shard-size',
      '1',
      '--concurrency',
      '1',
    ];
    const whole = join(dir, 'whole');
    assert.equal((await runCli(args(whole))).code, 0);

    const killed = join(dir, 'killed');
    const bin = fileURLToPath(new URL('../../bin/t2vlp.js', import.meta.url));
    const child = spawn(process.execPath, [bin, ...args(killed)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // the record of shard 0 is written right after the shard itself
    while (!existsSync(join(killed, '.prepare-webvid', 'shard-00000.json'))) {
      assert.equal(child.exitCode, null, 'the run ended before its first shard');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(!existsSync(join(killed, 'path.index')), 'killed before the end (4 clips were left)');

    const r = await runCli(args(killed));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /resuming after [1-4] finished shard/);
    const files = (await readdir(whole)).filter((f) => !f.startsWith('.')).sort();
    assert.deepEqual((await readdir(killed)).filter((f) => !f.startsWith('.')).sort(), files);
    for (const f of files)
      assert.ok(
        (await readFile(join(whole, f))).equals(await readFile(join(killed, f))),
        `${f} differs`,
      );
  });
});
