/**
 * `t2vlp ask VIDEO QUESTION`: answers a question about a video with a QA checkpoint (the fusion
 * encoder's answer head, docs/FUSION.md "Question answering") and prints the most probable
 * answers. Without --answers the answers are single tokens of the CLIP vocabulary, as in the
 * reference; with --answers train_ans2label.json they are that file's whole answers. A QA run of
 * `t2vlp train` writes the vocabulary it trained with beside its model, and that one is used
 * when --answers is not given.
 */
import { existsSync } from 'node:fs';
import { ClipTokenizer } from '../../data/index.js';
import { answerQuestion, InferenceError, loadModelForInference, requireFusionHead, videoReaderFor } from '../../inference/index.js';
import { answerVocabularyBeside, readAnswerVocabulary, type AnswerVocabulary } from '../../model/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { DEVICE_OPTION, DTYPE_OPTION, MAX_WORDS_OPTION, VIDEO_INPUT_OPTIONS } from '../options.js';
import { commandDevice } from '../device.js';

const spec = {
  name: 'ask',
  usage: 't2vlp ask --checkpoint CKPT VIDEO "QUESTION" [--top N] [--answers train_ans2label.json] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'a QA checkpoint (fusion encoder fine-tuned for question answering)' },
    top: { type: 'int', help: 'number of answers', default: 5 },
    answers: {
      type: 'string',
      help: "answer vocabulary ({ answer: label } JSON, e.g. train_ans2label.json) the model was trained with (default: train_ans2label.json beside the checkpoint, if any)",
    },
    json: { type: 'boolean', help: 'print one JSON object instead of a table' },
    dtype: DTYPE_OPTION,
    device: DEVICE_OPTION,
    'max-words': MAX_WORDS_OPTION,
    ...VIDEO_INPUT_OPTIONS,
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

/** The answer vocabulary at `path`, with errors that name --answers (or the file found beside the checkpoint). */
async function answerVocabularyFor(path: string, fromFlag: boolean, tokenizer: ClipTokenizer): Promise<AnswerVocabulary> {
  const what = fromFlag ? `--answers '${path}'` : `the answer vocabulary beside the checkpoint, '${path}'`;
  if (!existsSync(path)) throw new InferenceError('NOT_FOUND', `${what} does not exist; pass an ans2label JSON such as DIR/qa/train_ans2label.json`);
  try {
    return await readAnswerVocabulary(path, (t) => tokenizer.encode(t));
  } catch (e) {
    throw new InferenceError('BAD_OPTION', `${what}: ${(e as Error).message}`, { cause: e });
  }
}

async function run(args: Options): Promise<number> {
  if (!args.checkpoint) throw new UsageError("--checkpoint is required (see 't2vlp ask --help')");
  if (args._.length !== 2) throw new UsageError(`expected a video and a question, got ${args._.length} argument(s) (quote the question)`);
  const [video, question] = args._ as [string, string];
  if (!question.trim()) throw new UsageError('the question is empty');
  if (args.top < 1) throw new UsageError(`--top must be at least 1, got ${args.top}`);
  const [model, tokenizer] = await Promise.all([loadModelForInference(args.checkpoint, { dtype: args.dtype, device: commandDevice(args.device, args.dtype) }), ClipTokenizer.load()]);
  try {
    requireFusionHead(model, args.checkpoint, 'ask');
    const answersPath = args.answers ?? answerVocabularyBeside(args.checkpoint);
    const answers = answersPath ? await answerVocabularyFor(answersPath, args.answers !== undefined, tokenizer) : undefined;
    const reader = videoReaderFor(model, { frames: args.frames, fps: args.fps, concurrency: args.concurrency });
    const r = await answerQuestion(model, tokenizer, reader, video, question, { top: args.top, maxWords: args.maxWords, answers });
    if (args.json) {
      console.log(JSON.stringify({ checkpoint: args.checkpoint, video, question, answers: r }));
      return 0;
    }
    console.log(`${video}: ${question}`);
    r.forEach((a, i) => console.log(`${String(i + 1).padStart(3)}  ${a.probability.toFixed(4)}  ${a.answer}`));
    return 0;
  } finally {
    model.dispose();
  }
}

export default defineCommand(spec, run);
