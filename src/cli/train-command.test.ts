/**
 * `t2vlp train` and `t2vlp demo` argument handling: help, and bad input as one clear line with a
 * non-zero exit code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './testing/run-cli.js';

const capture = runCli;

describe('t2vlp train / demo arguments', () => {
  test('--help lists the options with their defaults', async () => {
    const r = await capture(['train', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--preset\s+hyper-parameter defaults and objective \(stage1: sim\+align; fusion: vtm\+mlm\+plm\+align; .*\(default: stage1\)/);
    assert.match(r.out, /--nproc/);
    assert.match(r.out, /--amp\s+mixed precision: .*\(default: off\)/);
    assert.match(r.out, /--objective\s+what to back-propagate, if not the preset's/);
    assert.match(r.out, /--preset stage1\|fusion\|msrvtt\|lsmdc\|didemo\|demo/);
    const d = await capture(['demo', '--help']);
    assert.equal(d.code, 0);
    assert.match(d.out, /--finetune-epochs/);
    assert.match(d.out, /--fusion-epochs/);
    assert.match(d.out, /--rerank/);
  });

  test('missing and bad options are one line with exit code 2', async () => {
    let r = await capture(['train', '--out', '/tmp/x']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 't2vlp train: --data is required');
    r = await capture(['train', '--data', '/tmp', '--out', '/tmp/x', '--preset', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--preset must be one of stage1, fusion, msrvtt, lsmdc, didemo, demo, msvd-caption, msrvtt-caption, msrvtt-qa, msvd-qa; got 'nope'/);
    r = await capture(['train', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option --bogus/);
    r = await capture(['train', '--data', '/tmp', '--epochs', 'many']);
    assert.match(r.err, /--epochs expects an integer, got 'many'/);
    r = await capture(['train', '--data', '/tmp', '--out', '/tmp/x', '--amp', 'int8']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--amp must be one of off, bf16, fp16; got 'int8'/);
    r = await capture(['nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'nope'/);
  });

  test('a data folder that does not exist and a missing checkpoint are named', async () => {
    let r = await capture(['train', '--data', '/nonexistent/data', '--out', '/tmp/t2vlp-x', '--preset', 'demo']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /data folder '\/nonexistent\/data' does not exist/);
    r = await capture(['train', '--data', '/tmp', '--out', '/tmp/t2vlp-x', '--init', '/nonexistent/model.pt']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /checkpoint '\/nonexistent\/model.pt' does not exist/);
    r = await capture(['train', '--data', '/tmp', '--out', '/tmp/t2vlp-x', '--preset', 'msrvtt']);
    assert.match(r.err, /preset 'msrvtt' starts from a checkpoint: pass --init/);
  });
});
