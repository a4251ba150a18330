// One split of a captioning or QA dataset, by format name, from a dataset folder (docs/DATA.md §8):
// what `t2vlp train` and `t2vlp eval --task caption|qa` read.
// Captioning: MSVD (train/val/test_list.txt + raw-captions.pkl, or raw-captions.json with the
// same structure) or MSR-VTT (MSRVTT_data.json; train = MSRVTT_train.9k.csv with every caption,
// val/test = the videos of MSRVTT_JSFUSION_<split>.csv with every caption of each, grouped by
// video). QA: MSRVTT-QA (<split>.jsonl + train_ans2label.json) or MSVD-QA (<split>_qa.json, answer
// vocabulary from train_ans2label.json when present, else the training answers); the QA files sit
// in the folder itself or in its `qa/` subfolder (the synthetic dataset's layout); the training
// answers give evaluation its chance level (docs/EVAL.md "Captioning and QA evaluation"). Videos
// are in `videoDir`, by default `<dataDir>/videos`.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { loadMsrvtt, readMsrvttData, readMsrvttTestCsv } from './msrvtt.js';
import { loadMsvd } from './msvd.js';
import { loadMsrvttQa, loadMsvdQa } from './qa.js';
import type { Dataset, ReaderOptions, Sample, Split } from './types.js';

export const CAPTION_FORMATS = ['msvd', 'msrvtt'] as const;
export type CaptionFormat = (typeof CAPTION_FORMATS)[number];
export const QA_FORMATS = ['msrvtt-qa', 'msvd-qa'] as const;
export type QaFormat = (typeof QA_FORMATS)[number];

export interface TaskSplitOptions extends ReaderOptions {
  /** Video folder (default `<dataDir>/videos`). */
  videoDir?: string;
}

/** MSVD's caption file: raw-captions.pkl (the release), else its JSON conversion raw-captions.json. */
function msvdCaptionsFile(dataDir: string): string {
  return existsSync(join(dataDir, 'raw-captions.pkl')) || !existsSync(join(dataDir, 'raw-captions.json'))
    ? 'raw-captions.pkl'
    : 'raw-captions.json';
}

/** MSR-VTT val/test for captioning: each CSV video once, with every caption the json has for it. */
async function msrvttCaptionEval(dataDir: string, videoDir: string, split: Split, o: ReaderOptions): Promise<Dataset> {
  const csv = join(dataDir, `MSRVTT_JSFUSION_${split}.csv`);
  const [pairs, data] = await Promise.all([readMsrvttTestCsv(csv), readMsrvttData(join(dataDir, 'MSRVTT_data.json'), o)]);
  const samples: Sample[] = [];
  const cutOffPoints: number[] = [];
  const seen = new Set<string>();
  for (const { videoId, sentence } of pairs) {
    if (seen.has(videoId)) continue;
    seen.add(videoId);
    const caps = data.captions.get(videoId) ?? [sentence];
    for (const caption of caps) samples.push({ videoId, video: { kind: 'file', path: join(videoDir, `${videoId}.mp4`) }, split, caption });
    cutOffPoints.push(samples.length);
  }
  return {
    name: 'msrvtt',
    split,
    samples,
    multiSentence: { cutOffPoints, sentenceNum: samples.length, videoNum: cutOffPoints.length },
    issues: data.sink.issues,
  };
}

/**
 * A captioning split: one sample per (video, caption); val/test group the captions by video
 * (`multiSentence`), so the references of video i are samples cutOffPoints[i-1]..cutOffPoints[i]-1.
 */
export async function readCaptionSplit(format: CaptionFormat, dataDir: string, split: Split, o: TaskSplitOptions = {}): Promise<Dataset> {
  const videoDir = o.videoDir ?? join(dataDir, 'videos');
  if (format === 'msvd') return loadMsvd({ dataDir, videoDir, split, captionsFile: msvdCaptionsFile(dataDir), strict: o.strict });
  if (format === 'msrvtt') {
    if (split === 'train') return loadMsrvtt({ dataDir, videoDir, split, strict: o.strict });
    return msrvttCaptionEval(dataDir, videoDir, split, o);
  }
  throw new AnnotationError('BAD_FORMAT', `readCaptionSplit: unknown caption format '${String(format)}'; expected one of ${CAPTION_FORMATS.join(', ')}`);
}

/** A QA split's annotation file: MSRVTT-QA's `<split>.jsonl`, MSVD-QA's `<split>_qa.json`. */
function qaSplitFile(format: QaFormat, split: Split): string {
  return format === 'msvd-qa' ? `${split}_qa.json` : `${split}.jsonl`;
}

/** The folder holding a QA split's file: `dataDir` when it has it, else `dataDir/qa` when that does. */
export function qaSplitFolder(format: QaFormat, dataDir: string, split: Split): string {
  const probe = qaSplitFile(format, split);
  if (existsSync(join(dataDir, probe))) return dataDir;
  if (existsSync(join(dataDir, 'qa', probe))) return join(dataDir, 'qa');
  throw new AnnotationError(
    'ENOENT',
    `readQaSplit: no ${format} annotation '${probe}' in '${dataDir}' or '${join(dataDir, 'qa')}'; ` +
      `is this a ${format} folder (${format === 'msrvtt-qa' ? 'train/val/test.jsonl + train_ans2label.json' : 'train/val/test_qa.json'})?`,
  );
}

/** MSVD-QA videos are .avi in the release; a folder of .mp4 files only (converted, or synthetic) is read as such. */
export function msvdVideoExt(videoDir: string): '.avi' | '.mp4' {
  if (!existsSync(videoDir)) return '.avi';
  const names = readdirSync(videoDir);
  return names.some((n) => n.endsWith('.avi')) || !names.some((n) => n.endsWith('.mp4')) ? '.avi' : '.mp4';
}

/**
 * A QA split: one sample per question, `sample.qa.answerLabel` its class in the dataset's answer
 * vocabulary (`answerVocab`; -1 when the answer is not in it).
 */
export async function readQaSplit(format: QaFormat, dataDir: string, split: Split, o: TaskSplitOptions = {}): Promise<Dataset> {
  const videoDir = o.videoDir ?? join(dataDir, 'videos');
  if (format === 'msrvtt-qa') return loadMsrvttQa({ dataDir: qaSplitFolder(format, dataDir, split), videoDir, split, strict: o.strict });
  if (format === 'msvd-qa') {
    const dir = qaSplitFolder(format, dataDir, split);
    const ans2label = existsSync(join(dir, 'train_ans2label.json')) ? 'train_ans2label.json' : undefined;
    return loadMsvdQa({ dataDir: dir, videoDir, split, ans2label, videoExt: msvdVideoExt(videoDir), strict: o.strict });
  }
  throw new AnnotationError('BAD_FORMAT', `readQaSplit: unknown QA format '${String(format)}'; expected one of ${QA_FORMATS.join(', ')}`);
}

/**
 * The training split's answers, one per question (the chance level of docs/EVAL.md "Captioning
 * and QA evaluation"); [] when neither `dataDir` nor `dataDir/qa` has the training file. Read
 * leniently: a bad training line is skipped, not fatal, since only its answer is needed.
 */
export async function readQaTrainAnswers(format: QaFormat, dataDir: string, o: TaskSplitOptions = {}): Promise<string[]> {
  const file = qaSplitFile(format, 'train');
  if (!existsSync(join(dataDir, file)) && !existsSync(join(dataDir, 'qa', file))) return [];
  const train = await readQaSplit(format, dataDir, 'train', { ...o, strict: false });
  return train.samples.map((s) => s.qa!.answer);
}
