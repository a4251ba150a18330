/**
 * Native misuse ends in a JS error, never a crash: each case of testing/misuse-child.ts runs in a
 * child process, which must exit normally after throwing a TorchError with a stable code and a
 * message naming the op, leak no tensor handle and still compute. (Bad argument types on every
 * export: native-exports.test.ts; a collective after its peer died: distributed.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MisuseResult } from './testing/misuse-child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'misuse-child.ts');

/** What each case must throw: code and a pattern of the message. */
const EXPECTED: Record<string, [string, RegExp]> = {
  'disposed receiver': ['TORCH_DISPOSED', /^Tensor\.add: tensor was already disposed/],
  'disposed argument': ['TORCH_DISPOSED', /disposed/],
  'dtype mismatch in matmul': ['TORCH_OP_FAILED', /^matmul: .*same dtype.*float != double/],
  'float tensor as an index': ['TORCH_OP_FAILED', /^indexSelect: .*int32 or int64/],
  'CUDA device on a CPU-only build': ['TORCH_OP_FAILED', /^to: .*(cuda|CUDA)/],
  'a CUDA device index that does not exist': ['TORCH_OP_FAILED', /^to: .*CUDA/],
  'mismatched matmul shapes': ['TORCH_OP_FAILED', /^matmul: .*2x3 and 2x3/],
  'broadcast of incompatible shapes': ['TORCH_OP_FAILED', /^add: .*size of tensor a \(3\) must match the size of tensor b \(4\)/],
  'reshape to a different element count': ['TORCH_OP_FAILED', /^reshape: .*shape '\[4, 2\]' is invalid for input of size 6/],
  'allocation larger than memory (4 TB)': ['TORCH_OP_FAILED', /^zeros: .*can't allocate memory: you tried to allocate 4000000000000 bytes/],
  'expand then materialise 4 EB': ['TORCH_OP_FAILED', /^contiguous: .*can't allocate memory/],
  'a size whose byte count overflows 64 bits': ['TORCH_OP_FAILED', /^zeros: .*overflow/],
  'a negative size': ['TORCH_OP_FAILED', /^zeros: .*non-negative/],
};

describe('native misuse is a JS error in a process that survives', () => {
  it('disposed tensors, wrong dtypes and devices, mismatched shapes, impossible allocations', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD], { encoding: 'utf8', timeout: 60_000 });
    const lines = child.stdout.trim().split('\n');
    const started = lines.filter((l) => l.startsWith('start ')).at(-1);
    assert.equal(child.signal, null, `the child was killed by ${child.signal} during '${started}':\n${child.stderr}`);
    assert.equal(child.status, 0, `the child exited ${child.status} during '${started}':\n${child.stderr}`);
    assert.equal(lines.at(-1), 'done');
    const results = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as MisuseResult);
    assert.ok(results.length >= Object.keys(EXPECTED).length - 1, `${results.length} cases ran`);
    for (const r of results) {
      const [code, pattern] = EXPECTED[r.case]!;
      assert.ok(r.threw, `${r.case}: no error`);
      assert.equal(r.code, code, `${r.case}: code (${r.message})`);
      assert.match(r.message!, pattern, r.case);
      assert.ok(!/frame #\d|Exception raised from/.test(r.message!), `${r.case}: no C++ backtrace in the message`);
      assert.equal(r.leaked, 0, `${r.case}: ${r.leaked} tensor handle(s) leaked by the failed op`);
      assert.ok(r.healthy, `${r.case}: the process computes afterwards`);
    }
  });
});
