import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkRelativePath, resolveLibraryFile } from './paths.js';
import { tempDir } from './testing/fixtures.js';

test('relative paths that could leave the library are refused', () => {
  for (const bad of ['', '../x.mp4', 'a/../../x.mp4', '/etc/passwd', 'a//b.mp4', './a.mp4', 'a\\..\\b.mp4', 'C:/x.mp4', 'a\0.mp4', 'a/..', '.t2vlp-index/catalog.sqlite', 'sub/.hidden.mp4'])
    assert.throws(() => checkRelativePath(bad), /is not a path inside the library/, JSON.stringify(bad));
  assert.equal(checkRelativePath('sub/a b.mp4'), join('sub', 'a b.mp4'));
});

test('symbolic links resolving outside the library are not files of the library', async () => {
  const d = tempDir('paths');
  const lib = join(d, 'lib');
  mkdirSync(join(lib, 'sub'), { recursive: true });
  writeFileSync(join(d, 'secret.mp4'), 'outside');
  writeFileSync(join(lib, 'sub', 'in.mp4'), 'inside');
  symlinkSync(join(d, 'secret.mp4'), join(lib, 'escape.mp4'));
  symlinkSync(d, join(lib, 'up'));
  symlinkSync(join(lib, 'sub', 'in.mp4'), join(lib, 'alias.mp4'));
  assert.equal(await resolveLibraryFile(lib, 'sub/in.mp4'), join(lib, 'sub', 'in.mp4'));
  assert.equal(await resolveLibraryFile(lib, 'alias.mp4'), join(lib, 'sub', 'in.mp4'));
  await assert.rejects(resolveLibraryFile(lib, 'escape.mp4'), /not a file in the library/);
  await assert.rejects(resolveLibraryFile(lib, 'up/secret.mp4'), /not a file in the library/);
  await assert.rejects(resolveLibraryFile(lib, 'missing.mp4'), /not a file in the library/);
});
