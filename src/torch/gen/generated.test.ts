/**
 * The generated op surface matches its declarations: `node native/gen/generate.mjs --check`
 * regenerates native/src/gen/ops.gen.cc, gen/ops.ts and gen/tensor-methods.ts in memory from
 * native/gen/ops.decl.mjs and fails when a file on disk differs (someone edited a generated file,
 * or changed a declaration without running `npm run gen:ops`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('generated op surface', () => {
  it('is what native/gen/ops.decl.mjs generates', () => {
    const r = spawnSync(process.execPath, [join(root, 'native', 'gen', 'generate.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^up to date: \d+ native ops, \d+ Tensor methods/);
  });
});
