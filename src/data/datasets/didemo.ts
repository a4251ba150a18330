// DiDeMo paragraph retrieval (docs/DATA.md §3.4): the reference repository has no DiDeMo
// loader, so this follows the CLIP4Clip convention the paper's numbers use: all sentences of a
// video joined by spaces into one paragraph, the union of its moments as the clip range.
// Accepts the public release's per-split list ({video, times: [[s, e], ...] in 5-second
// segments, description}; a moment spans mean(s)*5 .. (mean(e)+1)*5 seconds) and the dict
// layout {video_id: {timestamps: [[s, e], ...] in seconds, sentences: [...]}}.
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { readJson, walkVideoFiles } from './files.js';
import { IssueSink, type Dataset, type ReaderOptions } from './types.js';

export interface DidemoVideo {
  videoId: string;
  paragraph: string;
  startSec: number;
  endSec: number;
}

function idOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export async function readDidemo(path: string, opts: ReaderOptions = {}): Promise<DidemoVideo[]> {
  const what = 'readDidemo';
  const sink = new IssueSink(opts.strict ?? true);
  const json = await readJson(path, what);
  const groups = new Map<string, { texts: string[]; starts: number[]; ends: number[] }>();
  const add = (id: string, text: string, s: number, e: number) => {
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { texts: [], starts: [], ends: [] }));
    g.texts.push(text);
    g.starts.push(s);
    g.ends.push(e);
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (Array.isArray(json)) {
    json.forEach((item: Record<string, unknown>, i) => {
      const where = `item ${i}`;
      if (typeof item?.video !== 'string') return sink.missingField(what, path, where, 'video');
      if (typeof item.description !== 'string')
        return sink.missingField(what, path, where, 'description');
      const times = item.times;
      if (
        !Array.isArray(times) ||
        !times.length ||
        !times.every((t) => Array.isArray(t) && t.length === 2)
      ) {
        return sink.missingField(what, path, where, 'times');
      }
      const ts = times as [number, number][];
      add(
        idOf(item.video),
        item.description,
        mean(ts.map((t) => t[0])) * 5,
        (mean(ts.map((t) => t[1])) + 1) * 5,
      );
    });
  } else if (json && typeof json === 'object') {
    for (const [id, v] of Object.entries(json as Record<string, Record<string, unknown>>)) {
      const sentences = v?.sentences;
      const stamps = v?.timestamps;
      if (!Array.isArray(sentences)) {
        sink.missingField(what, path, `video '${id}'`, 'sentences');
        continue;
      }
      if (!Array.isArray(stamps) || stamps.length !== sentences.length) {
        sink.missingField(what, path, `video '${id}'`, 'timestamps');
        continue;
      }
      sentences.forEach((s, k) =>
        add(id, String(s), Math.floor(stamps[k][0]), Math.ceil(stamps[k][1])),
      );
    }
  } else
    throw new AnnotationError(
      'BAD_FORMAT',
      `${what}: '${path}' is neither a list of moments nor a dict of videos`,
    );
  return [...groups].map(([videoId, g]) => ({
    videoId,
    paragraph: g.texts.join(' '),
    startSec: Math.min(...g.starts),
    endSec: Math.max(...g.ends),
  }));
}

export interface DidemoOptions extends ReaderOptions {
  dataDir: string;
  videoDir: string;
  split: 'train' | 'val' | 'test';
  /** Default {split}_data.json (train_data.json, val_data.json, test_data.json). */
  file?: string;
  /** Use each paragraph's moment range as the clip range (default false: whole video, as CLIP4Clip's [0, 31] s). */
  useMoments?: boolean;
}

export async function loadDidemo(o: DidemoOptions): Promise<Dataset> {
  const path = join(o.dataDir, o.file ?? `${o.split}_data.json`);
  const sink = new IssueSink(o.strict ?? true);
  const [videos, files] = await Promise.all([
    readDidemo(path, o),
    walkVideoFiles(o.videoDir, 'loadDidemo'),
  ]);
  const samples = [];
  for (const v of videos) {
    const file = files.get(v.videoId);
    if (!file) {
      sink.report(
        new AnnotationError(
          'ENOENT',
          `loadDidemo: no video file for '${v.videoId}' of '${path}' under '${o.videoDir}'`,
        ),
      );
      continue;
    }
    samples.push({
      videoId: v.videoId,
      video: o.useMoments
        ? {
            kind: 'file' as const,
            path: file,
            startSec: Math.floor(v.startSec),
            endSec: Math.ceil(v.endSec),
          }
        : { kind: 'file' as const, path: file },
      split: o.split,
      caption: v.paragraph,
    });
  }
  return { name: 'didemo', split: o.split, samples, issues: sink.issues };
}
