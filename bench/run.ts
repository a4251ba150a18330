/**
 * `npm run bench`: runs every bench/*.bench.ts in a fixed order (tensor layer, then data, then
 * model, then any others by name), each under a header, and reports which failed at the end.
 * `npm run bench -- tensor model` runs only the named benches. Each bench module exports
 * `default async function (): Promise<void>` and prints its own figures.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getNumThreads, libtorchVersion } from '../src/torch/index.js';

const ORDER = ['tensor', 'data', 'model'];
const here = dirname(fileURLToPath(import.meta.url));

const found = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length));
const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
const names = found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted)
  if (!names.includes(w)) {
    console.error(`bench: no bench/${w}.bench.ts (have: ${names.join(', ')})`);
    process.exit(2);
  }
const selected = wanted.length ? names.filter((n) => wanted.includes(n)) : names;

console.log(
  `t2vlp benchmarks: node ${process.version}, libtorch ${libtorchVersion()}, ${getNumThreads()} threads`,
);
const failed: string[] = [];
for (const name of selected) {
  console.log(`\n=== ${name} (bench/${name}.bench.ts) ===`);
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as {
      default?: () => Promise<void>;
    };
    if (typeof mod.default !== 'function')
      throw new Error(`bench/${name}.bench.ts has no default export function`);
    await mod.default();
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed.push(name);
    console.log(`${name} FAILED: ${(e as Error).stack ?? String(e)}`);
  }
}
if (failed.length) {
  console.log(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
