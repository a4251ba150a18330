/**
 * Every function the native addon exports, called with bad arguments in a child process
 * (testing/call-every-export.ts iterates the addon object, so a new export is covered without
 * editing this file): the child must survive and exit 0 after printing its summary, and every call
 * must throw a TorchError with a known code whose message is `op: torchMessage`. The only calls
 * allowed to succeed are listed below with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TORCH_ERROR_CODES } from './errors.js';
import { GENERATED_OP_NAMES } from './gen/ops.js';
import type { CallResult } from './testing/call-every-export.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'call-every-export.ts');

/** Exports that take no arguments: called with none, they succeed. */
const TAKES_NO_ARGUMENTS = new Set([
  'allowTF32',
  'cudaDeviceCount',
  'distBackends',
  'distDestroy',
  'getNumThreads',
  'getRngState',
  'gradEnabled',
  'memoryStats',
  'version',
]);
/** dispose() of a disposed handle does nothing, and isAlive() reports false: both by design. */
const ACCEPTS_DISPOSED = new Set(['dispose', 'isAlive']);

function mayNotThrow(r: CallResult): boolean {
  return (
    (r.case === 'no arguments' && TAKES_NO_ARGUMENTS.has(r.name)) ||
    (r.case === 'disposed handle' && ACCEPTS_DISPOSED.has(r.name))
  );
}

describe('every native export rejects bad arguments without taking the process down', () => {
  it('no arguments, wrong types, a disposed handle, a non-handle object', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 1 << 26,
    });
    assert.equal(child.signal, null, `the child was killed by ${child.signal}:\n${child.stderr}`);
    assert.equal(child.status, 0, `the child exited ${child.status}:\n${child.stderr}`);
    const last = child.stdout.trim().split('\n').at(-1)!;
    const { exports, results } = JSON.parse(last) as { exports: string[]; results: CallResult[] };

    for (const n of GENERATED_OP_NAMES) assert.ok(exports.includes(n), `generated op ${n} is exported`);
    for (const n of [...TAKES_NO_ARGUMENTS, ...ACCEPTS_DISPOSED, 'fromArray', 'backward', 'installErrorFactory'])
      assert.ok(exports.includes(n), `${n} is exported`);
    assert.equal(results.length, exports.length * 4);

    const problems: string[] = [];
    for (const r of results) {
      const where = `${r.name}(${r.case})`;
      if (mayNotThrow(r)) {
        if (r.threw) problems.push(`${where} threw: ${r.message}`);
        continue;
      }
      if (!r.threw) problems.push(`${where} did not throw`);
      else if (!TORCH_ERROR_CODES.includes(r.code as never)) problems.push(`${where} has code ${String(r.code)}: ${r.message}`);
      else if (!r.isTorchError) problems.push(`${where} is not a TorchError: ${r.message}`);
      else if (r.message !== `${String(r.op)}: ${String(r.torchMessage)}`) problems.push(`${where}: message '${r.message}' is not 'op: torchMessage'`);
    }
    assert.deepEqual(problems, []);
    // Bad input is never reported as an internal error.
    const internal = results.filter((r) => r.code === 'TORCH_INTERNAL').map((r) => `${r.name}(${r.case}): ${r.message}`);
    assert.deepEqual(internal, []);
  });
});
