// Writes a small synthetic video-text dataset in MSR-VTT's file formats (and MSRVTT-QA's), so
// the real readers and loaders train and evaluate on it: videos/<id>.mp4, MSRVTT_data.json,
// MSRVTT_train.9k.csv, MSRVTT_JSFUSION_val.csv / _test.csv (one caption per video), MSVD's
// captioning files (train/val/test_list.txt, raw-captions.json), qa/*.jsonl (MSRVTT-QA) and
// qa/*_qa.json (MSVD-QA) with qa/train_ans2label.json, and manifest.json. The same options give byte-identical
// annotation files and (with the same ffmpeg build) identical videos. Written into a temporary
// folder beside the target and renamed into place; re-running with the same options when the
// dataset is complete does nothing. A run killed mid-way (SIGKILL, power cut) leaves only its
// temporary folder, which the next run for the same target removes (test/crash/generate-data.test.ts).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { Limiter } from '../limiter.js';
import { Rng } from '../random.js';
import { encodeRgbVideo } from '../video/encode.js';
import { sceneCaptions, sceneQa, SYNTHETIC_ANSWERS } from './captions.js';
import { renderScene } from './render.js';
import { randomScene } from './scene.js';

export interface SyntheticOptions {
  outDir: string;
  numVideos?: number;
  /** Frames per clip (default 32: 4 s at 8 fps). */
  numFrames?: number;
  fps?: number;
  width?: number;
  height?: number;
  seed?: number;
  captionsPerVideo?: number;
  /** Fractions of videos in val and test (the rest is train). */
  valFraction?: number;
  testFraction?: number;
  /** ffmpeg encoder (default libx264; 'mpeg4' also works). */
  codec?: string;
  /** Videos encoded at once. */
  concurrency?: number;
  /** Replace an existing dataset made with other options. */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** Bumped when the files written change (2: MSVD caption and MSVD-QA files), so an older dataset is not taken as complete. */
export const SYNTHETIC_VERSION = 2;

function settings(o: SyntheticOptions) {
  return {
    version: SYNTHETIC_VERSION,
    numVideos: o.numVideos ?? 300,
    numFrames: o.numFrames ?? 32,
    fps: o.fps ?? 8,
    width: o.width ?? 64,
    height: o.height ?? 64,
    seed: o.seed ?? 0,
    captionsPerVideo: o.captionsPerVideo ?? 5,
    valFraction: o.valFraction ?? 0.1,
    testFraction: o.testFraction ?? 0.2,
    codec: o.codec ?? 'libx264',
  };
}
export type SyntheticSettings = ReturnType<typeof settings>;

export interface SyntheticResult {
  dir: string;
  /** false when a complete dataset with the same settings was already there. */
  created: boolean;
  settings: SyntheticSettings;
  counts: { train: number; val: number; test: number };
}

const tmpPrefix = (dir: string) => `.${dir.split('/').pop()}.tmp-`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary folders of runs for the same target whose process is gone (killed mid-way). */
async function removeStaleTemporaries(dir: string): Promise<void> {
  const prefix = tmpPrefix(dir);
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid))
      await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function generateSyntheticDataset(o: SyntheticOptions): Promise<SyntheticResult> {
  const s = settings(o);
  const dir = resolve(o.outDir);
  const nVal = Math.round(s.numVideos * s.valFraction);
  const nTest = Math.round(s.numVideos * s.testFraction);
  const counts = { train: s.numVideos - nVal - nTest, val: nVal, test: nTest };
  if (counts.train < 1)
    throw new DataError(
      'BAD_OPTION',
      `generateSyntheticDataset: ${s.numVideos} videos leave no training videos`,
    );
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(dir)) {
    let existing: { settings?: unknown } | undefined;
    try {
      existing = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch {
      existing = undefined;
    }
    if (existing && JSON.stringify(existing.settings) === JSON.stringify(s))
      return { dir, created: false, settings: s, counts };
    if (!o.overwrite) {
      throw new DataError(
        'DATASET_EXISTS',
        `generateSyntheticDataset: '${dir}' exists ${existing ? 'with other settings' : 'and is not a complete synthetic dataset'}; pass overwrite: true or choose another folder`,
      );
    }
  }
  await removeStaleTemporaries(dir);
  const tmp = join(dirname(dir), `${tmpPrefix(dir)}${process.pid}-${Date.now()}`);
  await mkdir(join(tmp, 'videos'), { recursive: true });
  await mkdir(join(tmp, 'qa'), { recursive: true });
  try {
    const limiter = new Limiter(o.concurrency ?? 2);
    const ids = Array.from({ length: s.numVideos }, (_, i) => `video${i}`);
    const split = (i: number) =>
      i < counts.train ? 'train' : i < counts.train + nVal ? 'val' : 'test';
    const scenes = ids.map((_, i) => randomScene(new Rng([s.seed, i, 1])));
    const captions = scenes.map((sc, i) =>
      sceneCaptions(sc, new Rng([s.seed, i, 2]), s.captionsPerVideo),
    );
    const videoHashes: string[] = new Array(s.numVideos);
    await Promise.all(
      ids.map((id, i) =>
        limiter.run(async () => {
          if (o.signal?.aborted)
            throw new DataError('ABORTED', 'generateSyntheticDataset: aborted');
          const frames = renderScene(scenes[i]!, s.numFrames, s.width, s.height);
          videoHashes[i] = createHash('sha256').update(frames).digest('hex').slice(0, 16);
          await encodeRgbVideo(frames, join(tmp, 'videos', `${id}.mp4`), {
            width: s.width,
            height: s.height,
            fps: s.fps,
            codec: s.codec,
            signal: o.signal,
          });
        }),
      ),
    );
    const duration = s.numFrames / s.fps;
    const data = {
      info: {
        description: 't2vlp synthetic shapes dataset (MSR-VTT format)',
        version: SYNTHETIC_VERSION,
        seed: s.seed,
      },
      videos: ids.map((id, i) => ({
        category: 0,
        url: `synthetic://${id}`,
        video_id: id,
        'start time': 0,
        'end time': duration,
        split: { train: 'train', val: 'validate', test: 'test' }[split(i)],
        id: i,
      })),
      sentences: ids
        .flatMap((id, i) => captions[i]!.map((caption) => ({ caption, video_id: id })))
        .map((x, k) => ({ ...x, sen_id: k })),
    };
    await writeFile(join(tmp, 'MSRVTT_data.json'), JSON.stringify(data, null, 1) + '\n');
    await writeFile(
      join(tmp, 'MSRVTT_train.9k.csv'),
      ['video_id', ...ids.filter((_, i) => split(i) === 'train')].join('\n') + '\n',
    );
    for (const which of ['val', 'test'] as const) {
      const rows = ids
        .map((id, i) => ({ id, i }))
        .filter(({ i }) => split(i) === which)
        .map(({ id, i }, k) => [`ret${k}`, `msr${i}`, id, csvField(captions[i]![0]!)].join(','));
      await writeFile(
        join(tmp, `MSRVTT_JSFUSION_${which}.csv`),
        ['key,vid_key,video_id,sentence', ...rows].join('\n') + '\n',
      );
    }
    let qaId = 0;
    for (const which of ['train', 'val', 'test'] as const) {
      const lines = ids
        .map((id, i) => ({ id, i }))
        .filter(({ i }) => split(i) === which)
        .flatMap(({ id, i }) =>
          sceneQa(scenes[i]!).map((q) =>
            JSON.stringify({
              video_id: id,
              question: q.question,
              answer: q.answer,
              answer_type: q.answerType,
              id: qaId++,
            }),
          ),
        );
      await writeFile(join(tmp, 'qa', `${which}.jsonl`), lines.join('\n') + '\n');
      // The same pairs in MSVD-QA's layout (a JSON array per split).
      await writeFile(join(tmp, 'qa', `${which}_qa.json`), `[${lines.join(',\n')}]\n`);
    }
    // MSVD's captioning layout (docs/DATA.md §3.3) over the same videos: the lists, and the
    // JSON form of raw-captions.pkl (video id -> captions as lists of words).
    for (const which of ['train', 'val', 'test'] as const) {
      const listed = ids.filter((_, i) => split(i) === which);
      await writeFile(join(tmp, `${which}_list.txt`), listed.map((id) => id + '\n').join(''));
    }
    await writeFile(
      join(tmp, 'raw-captions.json'),
      JSON.stringify(Object.fromEntries(ids.map((id, i) => [id, captions[i]!.map((c) => c.split(' '))]))) + '\n',
    );
    await writeFile(
      join(tmp, 'qa', 'train_ans2label.json'),
      JSON.stringify(Object.fromEntries(SYNTHETIC_ANSWERS.map((a, k) => [a, k]))) + '\n',
    );
    await writeFile(
      join(tmp, 'manifest.json'),
      JSON.stringify(
        { generator: 't2vlp synthetic', settings: s, counts, frameHashes: videoHashes },
        null,
        1,
      ) + '\n',
    );
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, created: true, settings: s, counts };
}
