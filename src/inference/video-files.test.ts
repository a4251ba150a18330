/**
 * listVideoFiles on large inputs: a folder is streamed and stops at `maxFiles` videos with a
 * TOO_MANY_FILES message (the default is MAX_VIDEO_FILES; a million-file folder is simulated with
 * a small limit), non-video entries do not count, and a list file has the same limit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InferenceError } from './errors.js';
import { listVideoFiles, MAX_VIDEO_FILES } from './video-files.js';

const tooMany = (re: RegExp) => (e: unknown) => e instanceof InferenceError && e.code === 'TOO_MANY_FILES' && re.test(e.message);

test('a folder or list with more videos than maxFiles is refused with a message; at the limit it is listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 't2vlp-many-'));
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, `v${String(i).padStart(2, '0')}.mp4`), 'x');
  for (let i = 0; i < 50; i++) writeFileSync(join(dir, `note${i}.txt`), 'x'); // not videos: not counted
  const all = await listVideoFiles(dir, { maxFiles: 30 });
  assert.equal(all.length, 30);
  assert.deepEqual(all.slice(0, 2).map((f) => f.id), ['v00.mp4', 'v01.mp4']); // sorted
  await assert.rejects(listVideoFiles(dir, { maxFiles: 29 }), tooMany(/^folder '.*' holds more than 29 videos, the most one run encodes; split it into parts/));
  const list = join(dir, 'list.txt');
  writeFileSync(list, all.map((f) => f.path).join('\n'));
  assert.equal((await listVideoFiles(list, { maxFiles: 30 })).length, 30);
  await assert.rejects(listVideoFiles(list, { maxFiles: 10 }), tooMany(/^video list '.*list.txt' holds more than 10 videos/));
  assert.ok(MAX_VIDEO_FILES >= 100_000);
});
