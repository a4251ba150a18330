// MSR-VTT retrieval annotations (docs/DATA.md §3.1): MSRVTT_data.json (sentences and videos),
// the training video list MSRVTT_train.9k.csv (column video_id) and the 1k-A test pairs
// MSRVTT_JSFUSION_test.csv (columns video_id, sentence). Videos are <videoDir>/<video_id>.mp4.
// Training with expanded sentences gives one sample per caption of a training video, in the
// json's order; without, one sample per CSV row whose caption is drawn at read time.
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { parseCsvRecords, readJson, readText } from './files.js';
import { IssueSink, stringField, type Dataset, type ReaderOptions, type Sample } from './types.js';

export interface MsrvttData {
  /** Every (video_id, caption) of `sentences`, in file order. */
  sentences: { videoId: string; caption: string }[];
  /** video_id -> captions, in file order. */
  captions: Map<string, string[]>;
  /** video_id -> url (the reference builds a parent-video map from it and never uses it). */
  urls: Map<string, string>;
  /** Split recorded in the json's videos array ('train', 'validate', 'test'), when present. */
  splits: Map<string, string>;
}

export async function readMsrvttData(
  path: string,
  opts: ReaderOptions = {},
): Promise<MsrvttData & { sink: IssueSink }> {
  const what = 'readMsrvttData';
  const json = (await readJson(path, what)) as { sentences?: unknown; videos?: unknown };
  if (!json || !Array.isArray(json.sentences)) {
    throw new AnnotationError('MISSING_FIELD', `${what}: '${path}' has no 'sentences' array`);
  }
  const sink = new IssueSink(opts.strict ?? true);
  const captions = new Map<string, string[]>();
  const sentences: { videoId: string; caption: string }[] = [];
  json.sentences.forEach((s: unknown, i: number) => {
    const id = stringField(s, 'video_id', sink, what, path, `sentences[${i}]`);
    const caption = stringField(s, 'caption', sink, what, path, `sentences[${i}]`);
    if (id === undefined || caption === undefined) return;
    sentences.push({ videoId: id, caption });
    let list = captions.get(id);
    if (!list) captions.set(id, (list = []));
    list.push(caption);
  });
  const urls = new Map<string, string>();
  const splits = new Map<string, string>();
  if (Array.isArray(json.videos)) {
    for (const v of json.videos as Record<string, unknown>[]) {
      if (typeof v?.video_id !== 'string') continue;
      if (typeof v.url === 'string') urls.set(v.video_id, v.url);
      if (typeof v.split === 'string') splits.set(v.video_id, v.split);
    }
  }
  return { sentences, captions, urls, splits, sink };
}

/** Training video ids (column `video_id`) in file order. */
export async function readMsrvttTrainCsv(path: string): Promise<string[]> {
  const what = 'readMsrvttTrainCsv';
  return parseCsvRecords(await readText(path, what), path, what, ['video_id']).map(
    (r) => r.video_id!,
  );
}

/** Test (video_id, sentence) pairs in file order (JSFUSION layout). */
export async function readMsrvttTestCsv(
  path: string,
): Promise<{ videoId: string; sentence: string }[]> {
  const what = 'readMsrvttTestCsv';
  return parseCsvRecords(await readText(path, what), path, what, ['video_id', 'sentence']).map(
    (r) => ({
      videoId: r.video_id!,
      sentence: r.sentence!,
    }),
  );
}

export interface MsrvttOptions extends ReaderOptions {
  /** Folder with MSRVTT_data.json and the CSVs. */
  dataDir: string;
  /** Folder with <video_id>.mp4. */
  videoDir: string;
  split: 'train' | 'val' | 'test';
  /** One sample per caption (default true, as the provided scripts). */
  expandSentences?: boolean;
  /** File names inside dataDir. */
  dataJson?: string;
  trainCsv?: string;
  /** Test pairs; 'val' reads valCsv (the synthetic dataset writes MSRVTT_JSFUSION_val.csv). */
  testCsv?: string;
  valCsv?: string;
  videoExt?: string;
}

export async function loadMsrvtt(o: MsrvttOptions): Promise<Dataset> {
  const ext = o.videoExt ?? '.mp4';
  const video = (id: string) => ({ kind: 'file' as const, path: join(o.videoDir, id + ext) });
  if (o.split !== 'train') {
    const csv = join(
      o.dataDir,
      o.split === 'test'
        ? (o.testCsv ?? 'MSRVTT_JSFUSION_test.csv')
        : (o.valCsv ?? 'MSRVTT_JSFUSION_val.csv'),
    );
    const pairs = await readMsrvttTestCsv(csv);
    return {
      name: 'msrvtt',
      split: o.split,
      samples: pairs.map((p) => ({
        videoId: p.videoId,
        video: video(p.videoId),
        split: o.split,
        caption: p.sentence,
      })),
      issues: [],
    };
  }
  const dataPath = join(o.dataDir, o.dataJson ?? 'MSRVTT_data.json');
  const trainPath = join(o.dataDir, o.trainCsv ?? 'MSRVTT_train.9k.csv');
  const [data, ids] = await Promise.all([
    readMsrvttData(dataPath, o),
    readMsrvttTrainCsv(trainPath),
  ]);
  const train = new Set(ids);
  const samples: Sample[] = [];
  if (o.expandSentences ?? true) {
    // One per caption, in the json's sentence order (the reference iterates the json).
    for (const s of data.sentences) {
      if (train.has(s.videoId))
        samples.push({
          videoId: s.videoId,
          video: video(s.videoId),
          split: 'train',
          caption: s.caption,
        });
    }
  } else {
    for (const id of ids) {
      const caps = data.captions.get(id);
      if (!caps?.length) {
        data.sink.report(
          new AnnotationError(
            'MISSING_FIELD',
            `loadMsrvtt: video '${id}' of '${trainPath}' has no caption in '${dataPath}'`,
          ),
        );
        continue;
      }
      samples.push({ videoId: id, video: video(id), split: 'train', captions: caps });
    }
  }
  return { name: 'msrvtt', split: 'train', samples, issues: data.sink.issues };
}
