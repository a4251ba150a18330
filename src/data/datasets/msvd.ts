// MSVD retrieval/captioning annotations (docs/DATA.md §3.3): train/val/test_list.txt (one
// video id per line) and raw-captions.pkl (video id -> list of captions, each a list of words),
// read directly (pickle.ts) or from a JSON conversion with the same structure. One sample per
// (video, caption); val/test record how sentences group by video for evaluation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { readJson, readText, walkVideoFiles } from './files.js';
import { readPickle, type PickleValue } from './pickle.js';
import { IssueSink, type Dataset, type ReaderOptions, type Sample } from './types.js';

export async function readMsvdList(path: string): Promise<string[]> {
  return (await readText(path, 'readMsvdList'))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** video id -> caption strings (words joined by single spaces), from .pkl or .json. */
export async function readMsvdCaptions(path: string): Promise<Map<string, string[]>> {
  const what = 'readMsvdCaptions';
  let raw: PickleValue | unknown;
  if (path.endsWith('.json')) raw = await readJson(path, what);
  else {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      throw new AnnotationError(
        'ENOENT',
        `${what}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code}`,
        { cause: err },
      );
    }
    raw = readPickle(buf, path);
  }
  const entries: [unknown, unknown][] =
    raw instanceof Map
      ? [...raw.entries()]
      : raw && typeof raw === 'object'
        ? Object.entries(raw)
        : [];
  if (!entries.length && !(raw instanceof Map) && (typeof raw !== 'object' || raw === null)) {
    throw new AnnotationError(
      'BAD_FORMAT',
      `${what}: '${path}' does not hold a dict of video id -> captions`,
    );
  }
  const out = new Map<string, string[]>();
  for (const [id, caps] of entries) {
    if (typeof id !== 'string' || !Array.isArray(caps)) {
      throw new AnnotationError(
        'BAD_FORMAT',
        `${what}: '${path}': entry '${String(id)}' is not video id -> list of captions`,
      );
    }
    out.set(
      id,
      caps.map((c) => captionText(c, () => `${what}: '${path}': a caption of '${id}'`)),
    );
  }
  return out;
}

export interface MsvdOptions extends ReaderOptions {
  dataDir: string;
  videoDir: string;
  split: 'train' | 'val' | 'test';
  /** Default raw-captions.pkl (raw-captions.json also works). */
  captionsFile?: string;
}

export async function loadMsvd(o: MsvdOptions): Promise<Dataset> {
  const sink = new IssueSink(o.strict ?? true);
  const listPath = join(o.dataDir, `${o.split}_list.txt`);
  const capPath = join(o.dataDir, o.captionsFile ?? 'raw-captions.pkl');
  const [ids, captions, files] = await Promise.all([
    readMsvdList(listPath),
    readMsvdCaptions(capPath),
    walkVideoFiles(o.videoDir, 'loadMsvd'),
  ]);
  const samples: Sample[] = [];
  const cutOffPoints: number[] = [];
  let videoNum = 0;
  for (const id of ids) {
    const caps = captions.get(id);
    if (!caps) {
      sink.report(
        new AnnotationError(
          'MISSING_FIELD',
          `loadMsvd: video '${id}' of '${listPath}' has no captions in '${capPath}'`,
        ),
      );
      continue;
    }
    const path = files.get(id);
    if (!path) {
      sink.report(
        new AnnotationError('ENOENT', `loadMsvd: no video file for '${id}' under '${o.videoDir}'`),
      );
      continue;
    }
    for (const caption of caps)
      samples.push({ videoId: id, video: { kind: 'file', path }, split: o.split, caption });
    cutOffPoints.push(samples.length);
    videoNum++;
  }
  return {
    name: 'msvd',
    split: o.split,
    samples,
    multiSentence:
      o.split === 'train' ? undefined : { cutOffPoints, sentenceNum: samples.length, videoNum },
    issues: sink.issues,
  };
}

/**
 * A caption as text: a string, or a list of words joined by spaces (raw-captions.pkl). Only
 * scalars are stringified: an object from a JSON file could carry its own "toString" key.
 */
function captionText(c: unknown, where: () => string): string {
  const scalar = (x: unknown): string | undefined =>
    x === null || x === undefined
      ? ''
      : typeof x === 'string' ||
          typeof x === 'number' ||
          typeof x === 'boolean' ||
          typeof x === 'bigint'
        ? String(x)
        : undefined;
  const words = Array.isArray(c) ? c.map(scalar) : [scalar(c)];
  if (words.some((w) => w === undefined))
    throw new AnnotationError(
      'BAD_FORMAT',
      `${where()} is not a string or a list of words; expected video id -> list of captions`,
    );
  return words.join(' ');
}
