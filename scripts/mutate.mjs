#!/usr/bin/env node
// Mutation testing: applies each deliberate bug of scripts/mutate/mutations.mjs, one at a time,
// to a copy of the repository (the checkout itself is never modified), runs that mutation's test
// files, and records whether the suite caught it (tests failed), let it survive (tests passed),
// or timed out (unknown: left out of the score and listed; rerun it with a longer --timeout). Prints a table and a score, and writes a JSON
// report. A `find` that no longer occurs exactly once is reported as stale: update the list.
//
//   npm run mutate                                  every mutation
//   npm run mutate -- --only sum-gradients,v2t-is-t2v
//   npm run mutate -- --timeout 300 --report mutation-report.json --list
//   (a control run of the selected tests without mutation comes first; --no-control skips it)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS } from './mutate/mutations.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const only = opt('only')?.split(',');
const timeoutS = Number(opt('timeout', '300'));
const reportPath = opt('report', join(root, 'mutation-report.json'));
const selected = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
if (only && selected.length !== only.length) {
  console.error(`mutate: unknown mutation id(s): ${only.filter((id) => !MUTATIONS.some((m) => m.id === id)).join(', ')}`);
  process.exit(2);
}
if (argv.includes('--list')) {
  for (const m of selected) console.log(`${m.id.padEnd(34)} ${m.file}: ${m.description}`);
  process.exit(0);
}

// The copy: tracked and untracked-but-not-ignored files, with node_modules and the native build
// linked (the mutations touch TypeScript only).
const work = mkdtempSync(join(tmpdir(), 't2vlp-mutate-'));
const copy = join(work, 'repo');
const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
if (files.status !== 0) {
  console.error(`mutate: 'git ls-files' failed in ${root}: ${files.stderr}`);
  process.exit(1);
}
for (const f of files.stdout.split('\0').filter(Boolean)) {
  if (f === 'node_modules' || f.startsWith('node_modules/') || !existsSync(join(root, f))) continue;
  mkdirSync(dirname(join(copy, f)), { recursive: true });
  cpSync(join(root, f), join(copy, f));
}
mkdirSync(join(copy, '.git')); // bin/t2vlp.js runs the sources in a checkout
for (const link of ['node_modules', 'build']) symlinkSync(join(root, link), join(copy, link));

function runTests(tests) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['scripts/run-tests.mjs', ...tests], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let tail = '';
    const keep = (d) => (tail = (tail + d).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the test runner and its children
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, seconds: (Date.now() - t0) / 1000, tail });
    });
  });
}

const results = [];
try {
  // Control: the selected mutations' tests must pass on the unmutated copy, or a "caught" would
  // only mean the copy is broken. Each test file's own arguments (such as a name pattern) are kept.
  if (!argv.includes('--no-control')) {
    // One control per distinct test list (a list may carry runner arguments such as a name pattern).
    const lists = [...new Map(selected.map((m) => [JSON.stringify(m.tests), m.tests])).values()];
    let seconds = 0;
    for (const tests of lists) {
      const c = await runTests(tests);
      seconds += c.seconds;
      if (c.code !== 0) {
        console.error(`mutate: ${tests.join(' ')} fails without any mutation (control run); fix it first:\n${c.tail}`);
        rmSync(work, { recursive: true, force: true });
        process.exit(2);
      }
    }
    console.log(`control: ${lists.length} test lists pass unmutated (${seconds.toFixed(0)} s)`);
  }
  for (const m of selected) {
    const path = join(copy, m.file);
    const original = readFileSync(path, 'utf8');
    let text = original;
    let stale = '';
    for (const e of m.edits) {
      const n = text.split(e.find).length - 1;
      if (n !== 1) {
        stale = `'${e.find.slice(0, 60)}' occurs ${n} times in ${m.file}`;
        break;
      }
      text = text.replace(e.find, () => e.replace);
    }
    if (stale) {
      results.push({ id: m.id, status: 'stale', detail: stale, seconds: 0 });
      console.log(`${m.id}: STALE (${stale})`);
      continue;
    }
    writeFileSync(path, text);
    try {
      const r = await runTests(m.tests);
      const status = r.timedOut ? 'timeout' : r.code === 0 ? 'survived' : 'caught';
      results.push({ id: m.id, status, seconds: r.seconds, tests: m.tests, description: m.description, ...(status === 'survived' ? { tail: r.tail } : {}) });
      console.log(`${m.id}: ${status.toUpperCase()} in ${r.seconds.toFixed(0)} s (${m.tests.join(' ')})`);
    } finally {
      writeFileSync(path, original);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const count = (s) => results.filter((r) => r.status === s).length;
const valid = results.length - count('stale');
const decided = count('caught') + count('survived');
const score = decided ? (100 * count('caught')) / decided : 0;
console.log('\nmutation                           result    seconds');
for (const r of results) console.log(`${r.id.padEnd(34)} ${r.status.padEnd(9)} ${r.seconds.toFixed(0).padStart(7)}`);
console.log(`\nscore: ${count('caught')}/${decided} caught (${score.toFixed(0)}%); ${count('survived')} survived; ${count('timeout')} timed out and ${count('stale')} stale (not scored) of ${valid + count('stale')}`);
writeFileSync(reportPath, JSON.stringify({ date: new Date().toISOString(), score, results }, null, 1) + '\n');
console.log(`report: ${reportPath}`);
process.exit(count('survived') || count('stale') || count('timeout') ? 1 : 0);
