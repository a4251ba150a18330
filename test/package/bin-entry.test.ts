/**
 * What bin/t2vlp.js runs: the TypeScript sources in a development checkout (src/ and .git) even
 * when a dist/ exists, so tests that start the binary never run a stale build; dist/ in an
 * installed package (no .git); the sources in an unbuilt tree without .git; a clear error when
 * neither exists. Checked on a throw-away package folder whose src/ and dist/ say which one ran.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, run } from './installed-project.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 't2vlp-bin-'));
  await mkdir(join(root, 'bin'));
  await copyFile(join(REPO_ROOT, 'bin', 't2vlp.js'), join(root, 'bin', 't2vlp.js'));
  await writeFile(join(root, 'package.json'), '{ "name": "t2vlp", "type": "module" }\n');
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules')); // tsx, for src/
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const MAIN = (which: string, annotate: boolean) =>
  `export async function main(argv${annotate ? ': string[]' : ''}) {\n` +
  `  console.log('${which} ' + argv.join(' '));\n  return argv.includes('--fail') ? 3 : 0;\n}\n`;

async function layout(o: { git: boolean; src: boolean; dist: boolean }): Promise<void> {
  for (const p of ['.git', 'src', 'dist']) await rm(join(root, p), { recursive: true, force: true });
  if (o.git) await writeFile(join(root, '.git'), 'gitdir: /elsewhere\n'); // as in a git worktree
  if (o.src) {
    await mkdir(join(root, 'src', 'cli'), { recursive: true });
    await writeFile(join(root, 'src', 'cli', 'main.ts'), MAIN('src', true));
  }
  if (o.dist) {
    await mkdir(join(root, 'dist', 'cli'), { recursive: true });
    await writeFile(join(root, 'dist', 'cli', 'main.js'), MAIN('dist', false));
  }
}

const bin = (...args: string[]) => run(process.execPath, [join(root, 'bin', 't2vlp.js'), ...args], root, 60_000);

test('a development checkout runs src/ even when dist/ was built', async () => {
  await layout({ git: true, src: true, dist: true });
  const r = await bin('--help');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'src --help\n');
});

test('an installed package (no .git) runs dist/ and passes on the exit code', async () => {
  await layout({ git: false, src: false, dist: true });
  const r = await bin('x', '--fail');
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'dist x --fail\n');
});

test('a source tree without .git runs dist/ when built, else src/', async () => {
  await layout({ git: false, src: true, dist: true });
  assert.equal((await bin('a')).stdout, 'dist a\n');
  await layout({ git: false, src: true, dist: false });
  assert.equal((await bin('b')).stdout, 'src b\n');
});

test('neither src/ nor dist/: one line saying what is missing and what to do', async () => {
  await layout({ git: false, src: false, dist: false });
  const r = await bin('--help');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^t2vlp: .*dist\/cli\/main\.js is missing\. .*'npm pack'.*'npm run build'/);
});
