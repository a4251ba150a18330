// LSMDC retrieval annotations (docs/DATA.md §3.2): tab-separated files without header, exactly
// six fields per line (clip_id, four times, sentence); one sample per line whose clip has a
// video file somewhere under the video folder (found by a recursive walk).
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { readText, walkVideoFiles } from './files.js';
import { IssueSink, type Dataset, type ReaderOptions } from './types.js';

export const LSMDC_FILES = {
  train: 'LSMDC16_annos_training.csv',
  val: 'LSMDC16_annos_val.csv',
  test: 'LSMDC16_challenge_1000_publictect.csv',
} as const;

/** (clip_id, sentence) per line; a line without exactly 6 tab-separated fields is an error. */
export async function readLsmdcAnnotations(
  path: string,
  opts: ReaderOptions = {},
): Promise<{ clipId: string; sentence: string }[]> {
  const what = 'readLsmdcAnnotations';
  const sink = new IssueSink(opts.strict ?? true);
  const out: { clipId: string; sentence: string }[] = [];
  (await readText(path, what)).split('\n').forEach((line, i) => {
    line = line.replace(/\r$/, '');
    if (!line) return;
    const f = line.split('\t');
    if (f.length !== 6) {
      sink.report(
        new AnnotationError(
          'BAD_FORMAT',
          `${what}: line ${i + 1} of '${path}' has ${f.length} tab-separated fields; expected 6`,
        ),
      );
      return;
    }
    out.push({ clipId: f[0]!, sentence: f[5]! });
  });
  return out;
}

export interface LsmdcOptions extends ReaderOptions {
  dataDir: string;
  videoDir: string;
  split: 'train' | 'val' | 'test';
}

export async function loadLsmdc(o: LsmdcOptions): Promise<Dataset> {
  const lines = await readLsmdcAnnotations(join(o.dataDir, LSMDC_FILES[o.split]), o);
  const files = await walkVideoFiles(o.videoDir, 'loadLsmdc');
  return {
    name: 'lsmdc',
    split: o.split,
    samples: lines
      .filter((l) => files.has(l.clipId))
      .map((l) => ({
        videoId: l.clipId,
        video: { kind: 'file', path: files.get(l.clipId)! },
        split: o.split,
        caption: l.sentence,
      })),
    issues: [],
  };
}
