// The long fuzz run: the same properties as the CI suite (test/fuzz/*.fuzz.test.ts), with more
// cases and any seed. `npm run fuzz -- --runs 5000 --seed 7` (defaults: 2000 runs, a seed from
// the clock, printed so a failure can be replayed). Prints per-reader case counts at the end.
// A failure prints fast-check's counterexample and seed: add it to the test as a regression case.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const runs = Number(opt('runs', '2000'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 31)));
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error(
    `fuzz: --runs must be a positive integer and --seed an integer (got ${runs}, ${seed})`,
  );
  process.exit(2);
}
const only = opt('only', '');
const files = readdirSync('test/fuzz')
  .filter((f) => f.endsWith('.fuzz.test.ts') && f.includes(only))
  .map((f) => join('test/fuzz', f));
console.log(`fuzz: ${runs} runs per property, seed ${seed}, ${files.join(' ')}`);
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), FUZZ_REPORT: '1' },
  },
);
process.exit(res.status ?? 1);
