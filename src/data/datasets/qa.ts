// Video QA annotations. MSRVTT-QA (docs/DATA.md §5): JSON lines {video_id, question, answer,
// answer_type}, ten known-bad videos discarded, answers classified through
// train_ans2label.json. MSVD-QA (public release, not in the reference repository): a JSON
// array or JSON lines of {video_id | video, question, answer}; numeric ids become 'vid<id>'
// as in the release's youtube_mapping; the answer vocabulary is a given ans2label file or the
// most frequent training answers. Videos are <videoDir>/<video_id><videoExt>.
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { parseJsonLines, readJson, readText } from './files.js';
import {
  IssueSink,
  stringField,
  type Dataset,
  type QaPair,
  type ReaderOptions,
  type Sample,
  type Split,
} from './types.js';

export const MSRVTT_QA_DISCARD = new Set([
  'video710',
  'video1054',
  'video1975',
  'video3023',
  'video3071',
  'video5009',
  'video5397',
  'video5858',
  'video5992',
  'video8528',
]);

export async function readAnswerVocab(path: string): Promise<Map<string, number>> {
  const json = await readJson(path, 'readAnswerVocab');
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new AnnotationError(
      'BAD_FORMAT',
      `readAnswerVocab: '${path}' is not an object of answer -> class id`,
    );
  }
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(json)) {
    if (!Number.isInteger(v))
      throw new AnnotationError(
        'BAD_FORMAT',
        `readAnswerVocab: answer '${k}' of '${path}' has class id ${JSON.stringify(v)}; expected an integer`,
      );
    out.set(k, v as number);
  }
  return out;
}

interface QaRecord {
  videoId: string;
  qa: QaPair;
}

/** Reads QA records (JSON lines or a JSON array), skipping or throwing on records without fields. */
export async function readQaFile(
  path: string,
  sink: IssueSink,
  o: { numericPrefix?: string } = {},
): Promise<QaRecord[]> {
  const what = 'readQaFile';
  const text = await readText(path, what);
  const trimmed = text.trimStart();
  let records: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      records = JSON.parse(text);
    } catch (err) {
      throw new AnnotationError(
        'BAD_FORMAT',
        `${what}: '${path}' is not valid JSON: ${(err as Error).message}`,
      );
    }
  } else records = parseJsonLines(text, path, what);
  const out: QaRecord[] = [];
  records.forEach((r, i) => {
    const where = `record ${i + 1}`;
    const rec = r as Record<string, unknown>;
    const rawId = rec?.video_id ?? rec?.video;
    // Only scalars become ids: an object from the file could carry its own "toString" key.
    if (rawId === undefined || (typeof rawId !== 'string' && typeof rawId !== 'number'))
      return sink.missingField(what, path, where, 'video_id');
    const videoId =
      typeof rawId === 'number' ? `${o.numericPrefix ?? 'vid'}${rawId}` : String(rawId);
    const question = stringField(r, 'question', sink, what, path, where);
    const answer = stringField(r, 'answer', sink, what, path, where);
    if (question === undefined || answer === undefined) return;
    const answerType = typeof rec.answer_type === 'string' ? rec.answer_type : undefined;
    out.push({ videoId, qa: { question, answer, answerType } });
  });
  return out;
}

export interface QaOptions extends ReaderOptions {
  dataDir: string;
  videoDir: string;
  split: Split;
  /** QA file inside dataDir (default '<split>.jsonl'). */
  file?: string;
  /** Answer vocabulary file inside dataDir (default 'train_ans2label.json'). */
  ans2label?: string;
  videoExt?: string;
}

function toDataset(
  name: string,
  split: Split,
  recs: QaRecord[],
  vocab: Map<string, number>,
  videoDir: string,
  ext: string,
  sink: IssueSink,
): Dataset {
  const samples: Sample[] = recs.map((r) => ({
    videoId: r.videoId,
    video: { kind: 'file', path: join(videoDir, r.videoId + ext) },
    split,
    qa: { ...r.qa, answerLabel: vocab.get(r.qa.answer) ?? -1 },
  }));
  return { name, split, samples, answerVocab: vocab, issues: sink.issues };
}

export async function loadMsrvttQa(o: QaOptions): Promise<Dataset> {
  const sink = new IssueSink(o.strict ?? true);
  const [recs, vocab] = await Promise.all([
    readQaFile(join(o.dataDir, o.file ?? `${o.split}.jsonl`), sink),
    readAnswerVocab(join(o.dataDir, o.ans2label ?? 'train_ans2label.json')),
  ]);
  const kept = recs.filter((r) => !MSRVTT_QA_DISCARD.has(r.videoId));
  return toDataset('msrvtt-qa', o.split, kept, vocab, o.videoDir, o.videoExt ?? '.mp4', sink);
}

export interface MsvdQaOptions extends Omit<QaOptions, 'ans2label'> {
  /** Answer vocabulary file inside dataDir; absent: the top answers of trainFile. */
  ans2label?: string;
  /** Training QA file used to build the vocabulary (default 'train_qa.json'). */
  trainFile?: string;
  /** Vocabulary size when built from training answers (default 1000). */
  topAnswers?: number;
}

/** Answer -> class id from the most frequent training answers (ties by first occurrence). */
export function buildAnswerVocab(answers: string[], top: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  const ranked = [...counts].sort((x, y) => y[1] - x[1]).slice(0, top);
  return new Map(ranked.map(([a], i) => [a, i]));
}

export async function loadMsvdQa(o: MsvdQaOptions): Promise<Dataset> {
  const sink = new IssueSink(o.strict ?? true);
  const recs = await readQaFile(join(o.dataDir, o.file ?? `${o.split}_qa.json`), sink);
  let vocab: Map<string, number>;
  if (o.ans2label) vocab = await readAnswerVocab(join(o.dataDir, o.ans2label));
  else {
    const train =
      o.split === 'train' && !o.file
        ? recs
        : await readQaFile(join(o.dataDir, o.trainFile ?? 'train_qa.json'), new IssueSink(false));
    vocab = buildAnswerVocab(
      train.map((r) => r.qa.answer),
      o.topAnswers ?? 1000,
    );
  }
  return toDataset('msvd-qa', o.split, recs, vocab, o.videoDir, o.videoExt ?? '.avi', sink);
}
