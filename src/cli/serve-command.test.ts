/** Usage errors of `t2vlp index` and `t2vlp serve`: one line saying what to pass, exit code 2. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './testing/run-cli.js';

test('index and serve say what is missing', async () => {
  const cases: [string[], RegExp][] = [
    [['index', '--checkpoint', 'x.safetensors'], /--library is required/],
    [['index', '--library', '.'], /--checkpoint is required/],
    [['index', '--library', '.', '--checkpoint', 'x', '--window', '5', '--stride', '8'], /--stride \(8\) must not exceed --window \(5\)/],
    [['serve', '--library', '.'], /--checkpoint is required \(or --demo/],
    [['serve', '--demo', '--library', '.'], /--demo brings its own library and model/],
    [['serve', 'videos/'], /unexpected argument 'videos\/'/],
    [['index', '--library', 'no/such/folder', '--checkpoint', 'x'], /library folder 'no\/such\/folder' does not exist/],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message);
  }
});

test('index with a checkpoint that does not exist names it', async () => {
  const r = await runCli(['index', '--library', '.', '--checkpoint', 'no/such/model.safetensors']);
  assert.equal(r.code, 1);
  assert.match(r.err, /checkpoint 'no\/such\/model.safetensors' does not exist/);
});
