// The common shape of every dataset reader's output: a list of samples, each naming its video
// (where its frames come from) and its text (a caption, a list to draw from, or a QA pair),
// plus what evaluation needs to group several sentences per video. Readers either throw on a
// bad record (strict, the default) or record it in `issues` so a training run can skip it.
import { AnnotationError, DataError } from '../errors.js';

export type Split = 'train' | 'val' | 'test';

export type SampleVideo =
  | { kind: 'file'; path: string; startSec?: number; endSec?: number }
  | { kind: 'frames'; dir: string }
  | { kind: 'tfrecord'; shardPath: string; offset: number };

export interface QaPair {
  question: string;
  answer: string;
  answerType?: string;
  /** Class id in the answer vocabulary (train_ans2label.json); -1 if the answer is not in it. */
  answerLabel?: number;
}

export interface Sample {
  videoId: string;
  video: SampleVideo;
  split: Split;
  /** The sentence of this sample. */
  caption?: string;
  /** Draw one uniformly each time the sample is read (MSR-VTT without expanded sentences). */
  captions?: string[];
  qa?: QaPair;
}

export interface MultiSentenceInfo {
  /** Cumulative sentence count after each video (last sentence index + 1). */
  cutOffPoints: number[];
  sentenceNum: number;
  videoNum: number;
}

export interface Dataset {
  name: string;
  split: Split;
  samples: Sample[];
  /** MSVD val/test: several sentences per video, grouped in video order. */
  multiSentence?: MultiSentenceInfo;
  /** QA: answer string -> class id. */
  answerVocab?: Map<string, number>;
  /** Records skipped by a non-strict reader, with the reason. */
  issues: DataError[];
}

export interface ReaderOptions {
  /** Throw on the first bad record (default) or skip it and record it in `issues`. */
  strict?: boolean;
}

/** Collects or throws record-level problems, as `strict` says. */
export class IssueSink {
  readonly issues: DataError[] = [];
  constructor(private readonly strict: boolean = true) {}

  report(err: DataError): void {
    if (this.strict) throw err;
    this.issues.push(err);
  }

  missingField(what: string, file: string, where: string, field: string): void {
    this.report(
      new AnnotationError('MISSING_FIELD', `${what}: ${where} of '${file}' has no '${field}'`),
    );
  }
}

/** A string field of a parsed JSON record, or undefined (after reporting) when absent. */
export function stringField(
  rec: unknown,
  field: string,
  sink: IssueSink,
  what: string,
  file: string,
  where: string,
): string | undefined {
  const v = rec && typeof rec === 'object' ? (rec as Record<string, unknown>)[field] : undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  sink.missingField(what, file, where, field);
  return undefined;
}
