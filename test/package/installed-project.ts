/**
 * A fresh npm project with t2vlp installed from the tarball `npm pack` makes of this repository,
 * as a user gets it: `npm pack` runs `prepare` (the dist/ build), `npm install <tgz>` fetches the
 * dependencies from the registry and runs the `install` script (the native build, minutes on two
 * cores). The npm cache is shared with the user's (--prefer-offline), so repeated runs download
 * nothing new. Failures say which step failed and show npm's output; a registry that cannot be
 * reached fails the test with that diagnosis instead of skipping it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  tarball: string;
  /** Compressed size in bytes. */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** The environment of a nested npm or node: without the outer `npm test`'s package and script variables. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/.test(k) || k === 'npm_config_local_prefix' || k === 'INIT_CWD') continue;
    // Neither the test runner's loader nor an addon override may leak into the "user's" project.
    if (k === 'NODE_OPTIONS' || k === 'T2VLP_ADDON') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env = childEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      const code = !e ? 0 : typeof e.code === 'number' ? e.code : e.killed ? 124 : 1;
      const note = e && typeof e.code !== 'number' ? `\n[${cmd} ${args.join(' ')}: ${e.message}]` : '';
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + note });
    });
  });
}

const tail = (s: string, n = 4000): string => (s.length > n ? '…' + s.slice(-n) : s);

/** A step's failure message: what ran, where, the exit code and the end of its output. */
export function failure(what: string, r: Run, hint = ''): string {
  return `${what} exited with ${r.code}${hint ? `\n${hint}` : ''}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

const REGISTRY_HINT =
  'The package test needs the npm registry (npm install fetches node-gyp and node-addon-api). ' +
  "Check the network and 'npm config get registry'; this test fails rather than skips when offline.";

/** `npm pack` of the repository into `dest` (runs the `prepare` build). */
export async function packRepo(dest: string): Promise<Packed> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', dest], REPO_ROOT, 300_000);
  if (r.code !== 0) throw new Error(failure(`npm pack in ${REPO_ROOT}`, r));
  // Lifecycle scripts (the build) print to stdout before npm's JSON report.
  const json = r.stdout.slice(r.stdout.search(/^\[/m));
  const [info] = JSON.parse(json) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  return { tarball: join(dest, info!.filename), size: info!.size, unpackedSize: info!.unpackedSize, files: info!.files };
}

/** A new ESM project in a temp folder with the tarball installed; returns its folder. */
export async function installIntoFreshProject(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 't2vlp-user-'));
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 't2vlp-user', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n',
  );
  const r = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball],
    dir,
    1_200_000,
  );
  if (r.code !== 0) {
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network/i.test(r.stderr);
    throw new Error(failure(`npm install ${tarball} in ${dir}`, r, offline ? REGISTRY_HINT : ''));
  }
  return dir;
}
