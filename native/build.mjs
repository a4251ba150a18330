// Builds the native addon (build/Release/t2vlp.node) with node-gyp against the libtorch that
// native/find-libtorch.mjs locates, regenerating the op bindings first when the op declarations or the generator changed.
// Runs on `npm install`/`npm ci`; `--force` rebuilds even when the addon is up to date.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const out = join(root, 'build', 'Release', 't2vlp.node');

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}
function newestSource() {
  let newest = mtime(join(root, 'binding.gyp'));
  const walk = (d) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else newest = Math.max(newest, mtime(p));
    }
  };
  walk(join(root, 'native'));
  return newest;
}

let torch;
try {
  torch = findLibtorch();
} catch (e) {
  console.error(`t2vlp: cannot build the native addon.\n${e.message}`);
  process.exit(1);
}

// The generator and its declarations (everything in native/gen/) against the oldest of its outputs.
const genDir = join(root, 'native', 'gen');
const newestGen = Math.max(...readdirSync(genDir).map((n) => mtime(join(genDir, n))));
const generated = [
  join(root, 'native', 'src', 'gen', 'ops.gen.cc'),
  join(root, 'src', 'torch', 'gen', 'ops.ts'),
  join(root, 'src', 'torch', 'gen', 'tensor-methods.ts'),
];
if (newestGen > Math.min(...generated.map(mtime))) {
  const g = spawnSync(process.execPath, [join(root, 'native', 'gen', 'generate.mjs')], { stdio: 'inherit' });
  if (g.status !== 0) process.exit(g.status ?? 1);
}

if (!force && mtime(out) > newestSource()) {
  console.log(`t2vlp: native addon is up to date (libtorch ${torch.version} from ${torch.source})`);
  process.exit(0);
}

// node-gyp normally downloads Node's headers; use the ones installed beside this node binary when
// present, so the build works without network access.
const nodeDir = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].find(
  (d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')),
);
const require = createRequire(import.meta.url);
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.error('t2vlp: node-gyp is missing; run npm install first');
  process.exit(1);
}
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).cpus().length)));
// Incremental builds reuse a configured build/ (make tracks header dependencies); --force starts clean.
const configured = existsSync(join(root, 'build', 'Makefile')) && !force;
const args = [gyp, configured ? 'build' : 'rebuild', '--release', `--jobs=${jobs}`];
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
console.log(`t2vlp: building the native addon against libtorch ${torch.version} from ${torch.source}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('t2vlp: native build failed (see the compiler output above).');
  process.exit(r.status ?? 1);
}
