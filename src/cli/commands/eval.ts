/**
 * `t2vlp eval`: evaluation of a checkpoint on a dataset split. `--task caption` and `--task qa`
 * run src/cli/eval-caption.ts and eval-qa.ts (docs/EVAL.md "Captioning and QA evaluation").
 * `--task retrieval` (the default): text-video retrieval (MSR-VTT
 * format, which the synthetic dataset uses; LSMDC and DiDeMo through the same readers as
 * `t2vlp train`): encode every caption and video of the split, score
 * all pairs with the loose meanP similarity, re-score each query's top K candidates with the
 * fusion encoder when the checkpoint has one (`--rerank K`, default 32, 0 disables), and print
 * R@1/5/10 and median/mean rank both ways, loose and re-ranked (as a table beside chance level, or
 * as one JSON object).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipTokenizer } from '../../data/index.js';
import {
  chanceRetrievalMetrics,
  evaluateRetrieval,
  formatRetrievalTable,
  type RetrievalMetrics,
} from '../../eval/index.js';
import {
  countProgress,
  loadModelForInference,
  InferenceError,
  videoReaderFor,
} from '../../inference/index.js';
import {UsageError, type Args, type CommandSpec } from '../args.js';
import { DEVICE_OPTION, DTYPE_OPTION, MAX_WORDS_OPTION, VIDEO_INPUT_OPTIONS } from '../options.js';
import { commandDevice } from '../device.js';
import { defineCommand } from '../command.js';
import { DATASETS, readSplit } from '../setup.js';
import { runCaptionEval } from '../eval-caption.js';
import { runQaEval } from '../eval-qa.js';

const spec = {
  name: 'eval',
  usage:
    't2vlp eval --checkpoint CKPT --data DIR [--task retrieval|caption|qa] [--split test|val] [--dataset msrvtt|lsmdc|didemo|msvd] [--batch N] [--rerank K] [--beam N] [--answers FILE|tokens] [--baseline fresh|none|CKPT] [--predictions FILE] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'model checkpoint to evaluate' },
    task: {
      type: 'string',
      help: 'retrieval (R@K), caption (BLEU-4, METEOR, ROUGE-L, CIDEr ×100) or qa (accuracy overall and per answer type)',
      default: 'retrieval',
      choices: ['retrieval', 'caption', 'qa'],
    },
    data: {
      type: 'string',
      help: 'dataset folder (MSRVTT_data.json, MSRVTT_JSFUSION_<split>.csv, videos/; qa: <split>.jsonl and train_ans2label.json, in DIR/qa when there)',
    },
    split: {
      type: 'string',
      help: 'which pairs to rank: test or val',
      default: 'test',
      choices: ['test', 'val'],
    },
    dataset: {
      type: 'string',
      help: 'annotation format: retrieval msrvtt, lsmdc, didemo; caption msrvtt, msvd; qa msrvtt (MSRVTT-QA), msvd (MSVD-QA). The synthetic dataset is msrvtt',
      default: 'msrvtt',
      choices: [...DATASETS, 'msvd'],
    },
    'video-dir': { type: 'string', help: 'folder with <video_id>.mp4 (default: DIR/videos)' },
    batch: { type: 'int', help: 'videos or captions per forward pass', default: 32 },
    rerank: {
      type: 'int',
      help: "re-score each query's top K candidates with the fusion encoder (default: 32 when the checkpoint has it; 0: loose similarity only)",
    },
    beam: { type: 'int', help: 'caption: beam width (1 = greedy, the reference decoder)', default: 1 },
    'length-penalty': { type: 'number', help: 'caption, beam search: rank by logp / length^P', default: 0 },
    tokenize: {
      type: 'string',
      help: "caption: 'ptb' (the COCO toolkit's protocol) or 'none' (strings as decoded, the reference's cap_scores)",
      default: 'ptb',
      choices: ['ptb', 'none'],
    },
    answers: {
      type: 'string',
      help: "qa: the answer vocabulary (an ans2label JSON) or 'tokens' (single CLIP tokens, as the reference); default: the one saved in the checkpoint",
    },
    baseline: {
      type: 'string',
      help: "caption/qa: the 'untrained' row: 'fresh' (this checkpoint with its fusion encoder re-initialised, seed 0), 'none', or a checkpoint (e.g. the one fine-tuning started from)",
      default: 'fresh',
    },
    predictions: {
      type: 'string',
      help: "caption/qa: where the predictions JSON goes (default: beside the checkpoint, <name>.<task>-<split>-predictions.json)",
    },
    dtype: DTYPE_OPTION,
    device: DEVICE_OPTION,
    ...VIDEO_INPUT_OPTIONS,
    fps: {
      type: 'int',
      help: 'frames taken per second of video (feature_framerate; 0 = all). Default: 2 for retrieval (MSR-VTT fine-tuning), 1 for caption and qa (the reference scripts)',
    },
    'max-words': MAX_WORDS_OPTION,
    json: { type: 'boolean', help: 'print one JSON object instead of a table' },
    quiet: { type: 'boolean', help: 'no progress lines on stderr' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;
export type EvalArgs = Options;

const summary = (m: RetrievalMetrics) => ({
  R1: m.R1,
  R5: m.R5,
  R10: m.R10,
  MedianR: m.MedianR,
  MeanR: m.MeanR,
  numQueries: m.numQueries - m.numDropped,
});

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function run(args: Options): Promise<number> {
  if (args._.length)
    throw new UsageError(`unexpected argument '${args._[0]}' (options start with --)`);
  const checkpoint = args.checkpoint;
  const data = args.data;
  if (!checkpoint) throw new UsageError("--checkpoint is required (see 't2vlp eval --help')");
  if (!data) throw new UsageError('--data DIR is required: a dataset folder in MSR-VTT format');
  const rerank = args.rerank;
  if (rerank !== undefined && rerank < 0) throw new UsageError(`--rerank must be 0 (off) or more, got ${rerank}`);
  for (const k of ['batch', 'concurrency', 'maxWords', 'frames'] as const) {
    const v = args[k];
    if (v !== undefined && v < 1)
      throw new UsageError(`--${k === 'maxWords' ? 'max-words' : k} must be at least 1, got ${v}`);
  }
  if (args.fps !== undefined && args.fps < 0)
    throw new UsageError(`--fps must be at least 0, got ${String(args.fps)}`);
  if (!(await isFolder(data)))
    throw new InferenceError('NOT_FOUND', `dataset folder '${data}' does not exist`);
  const videoDir = args.videoDir ?? join(data, 'videos');
  if (!(await isFolder(videoDir)))
    throw new InferenceError(
      'NOT_FOUND',
      `video folder '${videoDir}' does not exist (set it with --video-dir)`,
    );
  const split = args.split;
  if (args.task !== 'retrieval') {
    const run = { args, fps: args.fps ?? 1, checkpoint, data, videoDir, split };
    return args.task === 'caption' ? runCaptionEval(run) : runQaEval(run);
  }
  if (args.dataset === 'msvd') throw new UsageError("--dataset msvd is for --task caption and qa; retrieval reads msrvtt, lsmdc or didemo");
  const dataset = await readSplit(args.dataset, data, split, videoDir);
  if (!dataset.samples.length)
    throw new InferenceError('NO_VIDEOS', `${dataset.name} ${split} in '${data}' has no samples`);

  const model = await loadModelForInference(checkpoint, {
    dtype: args.dtype,
    device: commandDevice(args.device, args.dtype),
  });
  try {
    const frames = args.frames;
    if (frames !== undefined && frames > model.config.numFrames)
      throw new UsageError(
        `--frames ${frames} exceeds the model's ${model.config.numFrames} frames per video`,
      );
    const tokenizer = await ClipTokenizer.load();
    const videoReader = videoReaderFor(model, {
      frames,
      fps: args.fps ?? 2,
      concurrency: args.concurrency,
    });
    if (rerank && !model.hasFusion)
      throw new UsageError(
        `--rerank ${rerank} needs the fusion encoder, but '${checkpoint}' is a stage-1 checkpoint; pass --rerank 0 or a stage-2 / retrieval checkpoint`,
      );
    const quiet = args.quiet === true;
    const progress = countProgress('eval', 'items', { quiet });
    const t0 = Date.now();
    const r = await evaluateRetrieval(model, dataset, {
      tokenizer,
      videoReader,
      batchSize: args.batch,
      maxWords: args.maxWords,
      onProgress: progress,
      rerank,
      onRerankProgress: countProgress('rerank', 'queries', { quiet }),
    });
    const rr = r.reranked;
    const [numTexts, numVideos] = r.shape;
    const seconds = (Date.now() - t0) / 1000;
    if (args.json) {
      console.log(
        JSON.stringify({
          dataset: dataset.name,
          split,
          data,
          checkpoint,
          numTexts,
          numVideos,
          t2v: summary(r.t2v),
          v2t: summary(r.v2t),
          rerank: rr ? { topK: rr.topK, t2v: summary(rr.t2v), v2t: summary(rr.v2t), seconds: rr.seconds } : null,
          seconds,
        }),
      );
      return 0;
    }
    console.log(
      `${dataset.name} ${split}: ${numTexts} captions × ${numVideos} videos, ${checkpoint} (${seconds.toFixed(1)} s)`,
    );
    const rows = [
      { label: rr ? 't2v loose' : 't2v', metrics: r.t2v },
      { label: rr ? 'v2t loose' : 'v2t', metrics: r.v2t },
      ...(rr
        ? [
            { label: `t2v re-ranked (top ${rr.topK})`, metrics: rr.t2v },
            { label: `v2t re-ranked (top ${rr.topK})`, metrics: rr.v2t },
          ]
        : []),
    ];
    console.log(
      formatRetrievalTable(rows, {
        // Both directions rank among the videos (v2t takes each video's best caption).
        extraRows: [{ label: 'chance', metrics: chanceRetrievalMetrics(numVideos) }],
      }),
    );
    if (!rr && model.hasFusion) console.log('(re-ranking off: --rerank 0)');
    return 0;
  } finally {
    model.dispose();
  }
}

export default defineCommand(spec, run);
