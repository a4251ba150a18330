// Builds dist/, the JavaScript an installed package runs (`npm run build`; npm also runs it as
// `prepare`, i.e. on `npm pack`, `npm publish`, a git-URL install and a local `npm ci`):
//   1. starts from an empty dist/, so no module deleted from src/ survives in it;
//   2. compiles src/ with tsconfig.build.json (JavaScript + .d.ts; tests and src/**/testing/ left out);
//   3. copies every other file of src/ (src/model/configs/*.json, ...; not *.py generators or *.md)
//      to the same place under dist/, so code that reads `new URL('./x.json', import.meta.url)`
//      finds it from src/ and dist/ alike.
// Files at the package root (assets/, build/Release/t2vlp.node) are found from the package root
// and are not copied (README, "Installing as a dependency").
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error(
    "t2vlp build: typescript is not installed (it is a devDependency). Run 'npm install' in the " +
      'repository first; an installed t2vlp package already contains dist/ and needs no build.',
  );
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('t2vlp build: tsc failed (see the errors above); dist/ is incomplete.');
  process.exit(r.status ?? 1);
}

/** Files under src/ the compiled code may read at run time: all but TypeScript, tests and generators. */
const NOT_ASSETS = ['.ts', '.py', '.md'];
function assetsUnder(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing') assetsUnder(p, out);
    } else if (!NOT_ASSETS.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}
const assets = assetsUnder(src);
for (const from of assets) {
  const to = join(dist, relative(src, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'cli', 'main.js'))) {
  console.error('t2vlp build: dist/index.js or dist/cli/main.js is missing after tsc; check tsconfig.build.json.');
  process.exit(1);
}
console.log(`t2vlp build: dist/ compiled; ${assets.length} asset file(s) copied from src/: ${assets.map((a) => relative(src, a)).join(', ')}`);
