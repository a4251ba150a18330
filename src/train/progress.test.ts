/**
 * Progress.startAt and the metrics file: a run from step 0 empties it (an earlier run's lines do
 * not belong to it); a resume at step k keeps everything before the first line of a later step
 * (events included) and drops the rest and a torn last line; events written after startAt stay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Progress } from './progress.js';

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; step?: number });
const earlier = [{ type: 'out-of-vocabulary', left: 1 }, { type: 'step', step: 1 }, { type: 'step', step: 2 }, { type: 'resume', step: 2 }, { type: 'step', step: 3 }];

function file(): string {
  const path = join(mkdtempSync(join(tmpdir(), 't2vlp-progress-')), 'metrics.jsonl');
  writeFileSync(path, earlier.map((r) => JSON.stringify(r)).join('\n') + '\n{"type":"st');
  return path;
}

describe('Progress.startAt', () => {
  test('from step 0 the file is emptied; an event written afterwards is the first line', async () => {
    const path = file();
    const p = new Progress({ quiet: true, metricsFile: path });
    await p.startAt(0);
    p.event('out-of-vocabulary', { left: 2 });
    assert.deepEqual(lines(path), [{ type: 'out-of-vocabulary', left: 2 }]);
  });

  test('a resume at step 2 keeps the lines before step 3 and drops the rest and the torn line', async () => {
    const path = file();
    const p = new Progress({ quiet: true, metricsFile: path });
    await p.startAt(2);
    p.event('resume', { step: 2 });
    assert.deepEqual(lines(path), [...earlier.slice(0, 4), { type: 'resume', step: 2 }]);
  });
});
