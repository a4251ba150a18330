// Turns one dataset sample into a model item: the caption's (or question's) fixed-length text
// row, the clip, and for QA the answer class and the question+answer "align" row; for WebVid
// pre-training the MLM indicator labels. Empty captions (nothing left after tokenising) fail
// with TokenizerError EMPTY_CAPTION, which the training loader skips and counts.
import type { Sample } from '../datasets/types.js';
import { DataError, TokenizerError } from '../errors.js';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.js';
import type { TextRow, TextStyle } from '../tokenizer/text-ids.js';
import type { VideoClip } from '../video/clip.js';
import type { VideoReader } from '../video/video-reader.js';
import type { LoadContext } from './data-loader.js';
import { pretrainMaskLabels } from './mlm-labels.js';

export interface ModelItem {
  sampleIndex: number;
  videoId: string;
  text: TextRow;
  clip: VideoClip;
  /** QA only. */
  answerLabel?: number;
  /** QA only: id of the answer's first BPE token. */
  answerTokenId?: number;
  /** QA only: row of question + " " + answer. */
  align?: TextRow;
  /** WebVid pre-training only: [1 + M + L]. */
  fusionLabels?: Int32Array;
}

export interface ItemOptions {
  tokenizer: ClipTokenizer;
  videos: VideoReader;
  maxWords?: number;
  /** 'webvid' removes id 0 from rows (pre-training). */
  textStyle?: TextStyle;
  /** Build MLM labels (WebVid pre-training). */
  mlmLabels?: boolean;
}

function describe(sample: Sample): string {
  return sample.video.kind === 'file'
    ? sample.video.path
    : sample.video.kind === 'frames'
      ? sample.video.dir
      : `${sample.video.shardPath}@${sample.video.offset}`;
}

/** A load function for DataLoader. */
export function modelItemLoader(
  o: ItemOptions,
): (sample: Sample, ctx: LoadContext) => Promise<ModelItem> {
  const rowOpts = { maxWords: o.maxWords ?? 32, style: o.textStyle };
  const encode = (text: string, sample: Sample, what: string) => {
    const ids = o.tokenizer.encode(text);
    if (ids.length === 0) {
      throw new TokenizerError(
        'EMPTY_CAPTION',
        `${what} of video '${sample.videoId}' (${describe(sample)}) tokenises to nothing: ${JSON.stringify(text)}`,
      );
    }
    return ids;
  };
  const row = (ids: number[]) => {
    // buildTextRow through the tokenizer keeps one code path for the fixture-tested rows.
    return o.tokenizer.textRowFromIds(ids, rowOpts);
  };
  return async (sample, ctx) => {
    let text: string | undefined = sample.qa?.question ?? sample.caption;
    if (text === undefined && sample.captions?.length) text = ctx.rng.pick(sample.captions);
    if (text === undefined)
      throw new DataError(
        'MISSING_FIELD',
        `sample ${ctx.sampleIndex} (video '${sample.videoId}') has no caption or question`,
      );
    const ids = encode(text, sample, sample.qa ? 'question' : 'caption');
    const clip = await o.videos.read(sample.video, { signal: ctx.signal, rng: ctx.rng });
    const item: ModelItem = {
      sampleIndex: ctx.sampleIndex,
      videoId: sample.videoId,
      text: row(ids),
      clip,
    };
    if (sample.qa) {
      const answerIds = encode(sample.qa.answer, sample, 'answer');
      item.answerLabel = sample.qa.answerLabel ?? -1;
      item.answerTokenId = answerIds[0]!;
      item.align = row(o.tokenizer.encode(`${sample.qa.question} ${sample.qa.answer}`));
    }
    if (o.mlmLabels) item.fusionLabels = pretrainMaskLabels(clip.mask, item.text.mask, ctx.rng);
    return item;
  };
}
