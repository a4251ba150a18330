/**
 * `t2vlp encode`: videos (a folder, a list file or one file) or texts (a file or one string) →
 * an embeddings file (src/inference/embeddings.ts) for `t2vlp search` and services. Videos that fail
 * to decode are reported on stderr, left out and listed in the file's `skipped` metadata.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ClipTokenizer } from '../../data/index.js';
import {
  countProgress,
  encodeTexts,
  encodeVideos,
  listVideoFiles,
  loadModelForInference,
  readTextList,
  videoReaderFor,
  writeEmbeddings,
  type EmbeddingsData,
} from '../../inference/index.js';
import {UsageError, type Args, type CommandSpec } from '../args.js';
import { DEVICE_OPTION, DTYPE_OPTION, MAX_WORDS_OPTION, VIDEO_INPUT_OPTIONS } from '../options.js';
import { commandDevice } from '../device.js';
import { defineCommand } from '../command.js';

const spec = {
  name: 'encode',
  usage:
    't2vlp encode --checkpoint CKPT (--videos DIR|LIST|FILE | --texts FILE | --text "...") --out FILE.safetensors [options]',
  options: {
    checkpoint: {
      type: 'string',
      help: 'model checkpoint (t2vlp safetensors, PyTorch state dict or CLIP archive)',
    },
    videos: {
      type: 'string',
      help: 'a folder of videos, a text file listing video paths (one per line), or one video',
    },
    texts: { type: 'string', help: 'a text file with one text per line (blank lines ignored)' },
    text: { type: 'string', help: 'one text to encode' },
    out: { type: 'string', help: 'embeddings file to write (safetensors; replaced atomically)' },
    batch: { type: 'int', help: 'videos or texts per forward pass', default: 16 },
    dtype: DTYPE_OPTION,
    device: DEVICE_OPTION,
    ...VIDEO_INPUT_OPTIONS,
    'max-words': MAX_WORDS_OPTION,
    quiet: { type: 'boolean', help: 'no progress lines on stderr' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

function positive<V extends number | undefined>(v: V, flag: string): V {
  if (v !== undefined && v < 1) throw new UsageError(`--${flag} must be at least 1, got ${v}`);
  return v;
}

async function run(args: Options): Promise<number> {
  if (args._.length)
    throw new UsageError(`unexpected argument '${args._[0]}' (options start with --)`);
  const checkpoint = args.checkpoint;
  const out = args.out;
  const videos = args.videos;
  const texts = args.texts;
  const text = args.text;
  if (!checkpoint) throw new UsageError("--checkpoint is required (see 't2vlp encode --help')");
  if (!out) throw new UsageError('--out FILE.safetensors is required');
  const inputs = [videos, texts, text].filter((x) => x !== undefined).length;
  if (inputs !== 1) throw new UsageError('give exactly one of --videos, --texts or --text');
  if (text !== undefined && !text.trim()) throw new UsageError('--text is empty');
  const batchSize = positive(args.batch, 'batch');
  const maxWords = positive(args.maxWords, 'max-words');
  const frames = positive(args.frames, 'frames');
  const concurrency = positive(args.concurrency, 'concurrency');
  const fps = args.fps;
  if (fps < 0) throw new UsageError(`--fps must be at least 0, got ${fps}`);
  const dtype = args.dtype;
  const quiet = args.quiet === true;

  // Inputs are checked before the (possibly slow) model load.
  const videoFiles = videos !== undefined ? await listVideoFiles(videos) : undefined;
  const textList =
    texts !== undefined ? await readTextList(texts) : text !== undefined ? [text.trim()] : [];
  const t0 = Date.now();
  const model = await loadModelForInference(checkpoint, { dtype, device: commandDevice(args.device, args.dtype) });
  try {
    if (maxWords > model.config.contextLength)
      throw new UsageError(
        `--max-words ${maxWords} exceeds the model's context length ${model.config.contextLength}`,
      );
    if (frames !== undefined && frames > model.config.numFrames)
      throw new UsageError(
        `--frames ${frames} exceeds the model's ${model.config.numFrames} frames per video`,
      );
    const common = { checkpoint: resolve(checkpoint), modelConfig: model.config };
    let data: EmbeddingsData;
    if (videoFiles) {
      const reader = videoReaderFor(model, { frames, fps, concurrency });
      const progress = countProgress('encode', 'videos', { quiet });
      const enc = await encodeVideos(
        model,
        videoFiles.map((v) => ({ id: v.id, source: v.path })),
        {
          reader,
          batchSize,
          onSkip: (s) => console.error(`encode: skipped '${s.id}': ${s.reason}`),
          onProgress: (p) =>
            progress(p.done, p.total, p.skipped ? `${p.skipped} skipped` : undefined),
        },
      );
      data = {
        kind: 'video',
        ...enc,
        ...common,
        options: {
          frames: reader.options.maxFrames,
          fps: reader.options.featureFramerate,
          imageSize: reader.options.imageSize,
          dtype,
        },
      };
    } else {
      const tokenizer = await ClipTokenizer.load();
      const enc = encodeTexts(model, tokenizer, textList, { batchSize, maxWords });
      data = {
        kind: 'text',
        ids: textList,
        ...enc,
        skipped: [],
        ...common,
        options: { maxWords, dtype },
      };
    }
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeEmbeddings(out, data);
    const n = data.ids.length;
    const shape =
      data.kind === 'video'
        ? `[${n}, ${data.dim}] (+ frames [${n}, ${data.numFrames}, ${data.dim}])`
        : `[${n}, ${data.dim}]`;
    const skipped = data.skipped.length
      ? `; ${data.skipped.length} skipped (see the messages above)`
      : '';
    console.log(
      `wrote ${n} ${data.kind} embedding${n === 1 ? '' : 's'} ${shape} to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s${skipped}`,
    );
    return 0;
  } finally {
    model.dispose();
  }
}

export default defineCommand(spec, run);
