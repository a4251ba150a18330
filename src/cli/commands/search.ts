/**
 * `t2vlp search`: ranks the videos of an embeddings file (from `t2vlp encode --videos`) for a
 * text query with the model's retrieval similarity and prints the best K, as a table or as one
 * JSON object.
 */
import { resolve } from 'node:path';
import { ClipTokenizer } from '../../data/index.js';
import {
  checkIndexForModel,
  loadModelForInference,
  readEmbeddings,
  searchVideos,
} from '../../inference/index.js';
import {UsageError, type Args, type CommandSpec } from '../args.js';
import { DEVICE_OPTION, DTYPE_OPTION, MAX_WORDS_OPTION } from '../options.js';
import { commandDevice } from '../device.js';
import { defineCommand } from '../command.js';

const spec = {
  name: 'search',
  usage:
    't2vlp search --checkpoint CKPT --index VIDEOS.safetensors --query "text" [--top K] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'the model checkpoint the index was encoded with' },
    index: { type: 'string', help: "video embeddings file from 't2vlp encode --videos'" },
    query: { type: 'string', help: 'what to search for' },
    top: { type: 'int', help: 'number of results', default: 5 },
    json: { type: 'boolean', help: 'print one JSON object instead of a table' },
    dtype: DTYPE_OPTION,
    device: DEVICE_OPTION,
    'max-words': MAX_WORDS_OPTION,
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

async function run(args: Options): Promise<number> {
  if (args._.length)
    throw new UsageError(`unexpected argument '${args._[0]}' (give the text with --query)`);
  const checkpoint = args.checkpoint;
  const indexPath = args.index;
  const query = args.query;
  const k = args.top;
  if (!checkpoint) throw new UsageError("--checkpoint is required (see 't2vlp search --help')");
  if (!indexPath)
    throw new UsageError(
      "--index is required: a video embeddings file from 't2vlp encode --videos'",
    );
  if (query === undefined) throw new UsageError('--query is required');
  if (!query.trim()) throw new UsageError('--query is empty; give some words to search for');
  if (k < 1) throw new UsageError(`--top must be at least 1, got ${k}`);
  const maxWords = args.maxWords;
  if (maxWords < 3) throw new UsageError(`--max-words must be at least 3, got ${maxWords}`);

  const device = commandDevice(args.device, args.dtype);
  const index = await readEmbeddings(indexPath);
  const [model, tokenizer] = await Promise.all([
    loadModelForInference(checkpoint, { dtype: args.dtype, device }),
    ClipTokenizer.load(),
  ]);
  try {
    checkIndexForModel(index, model, `index '${indexPath}'`);
    if (index.checkpoint && index.checkpoint !== resolve(checkpoint))
      console.error(`search: note: '${indexPath}' was encoded with '${index.checkpoint}'`);
    const r = searchVideos(model, tokenizer, index, query, k, { maxWords });
    if (args.json) {
      console.log(
        JSON.stringify({
          query: r.query,
          index: indexPath,
          checkpoint,
          total: r.total,
          k: r.hits.length,
          results: r.hits.map((h) => ({ rank: h.rank, id: h.id, score: h.score })),
        }),
      );
      return 0;
    }
    console.log(`top ${r.hits.length} of ${r.total} videos for ${JSON.stringify(r.query)}`);
    const rankW = Math.max(4, String(r.hits.length).length);
    const scores = r.hits.map((h) => h.score.toFixed(4));
    const scoreW = Math.max(5, ...scores.map((s) => s.length));
    console.log(`${'rank'.padStart(rankW)}  ${'score'.padStart(scoreW)}  video`);
    r.hits.forEach((h, i) =>
      console.log(`${String(h.rank).padStart(rankW)}  ${scores[i]!.padStart(scoreW)}  ${h.id}`),
    );
    return 0;
  } finally {
    model.dispose();
  }
}

export default defineCommand(spec, run);
