#!/usr/bin/env node
// The t2vlp command. Which code it runs:
//   - a development checkout (src/ and .git beside this folder) runs the TypeScript sources
//     through tsx, always: a dist/ left by `npm run build` or `npm pack` may be stale, and tests
//     that start this binary (the CLI and multi-process training tests) must exercise src/;
//   - an installed package (no .git, no src/: see "files" in package.json) runs the compiled dist/,
//     which `prepare` built before packing;
//   - a source tree without .git (an unpacked archive) runs dist/ when it was built, else src/.
// Workers started by `t2vlp train --nproc N` re-run this file, so they make the same choice.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'cli', 'main.js');
const checkout = existsSync(join(root, '.git')) && existsSync(source);

let entry;
if (!checkout && existsSync(built)) {
  entry = built;
} else if (existsSync(source)) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error(
      `t2vlp: cannot run the sources in ${join(root, 'src')}: tsx is not installed. ` +
        "Run 'npm install' in that folder (tsx is a devDependency), or 'npm run build' to run dist/.",
    );
    process.exit(1);
  }
  tsx.register();
  entry = source;
} else {
  console.error(
    `t2vlp: ${built} is missing. The package was packed without its build: ` +
      "reinstall it from a tarball made by 'npm pack' (which runs 'npm run build'), or run 'npm run build' in the repository.",
  );
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
