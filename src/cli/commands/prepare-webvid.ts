/**
 * `t2vlp prepare-webvid`: WebVid metadata CSVs + a folder of downloaded clips → the TFRecord
 * shards, index and caption JSON that WebVid pre-training reads (what the seed's
 * frozen_tfrecord.py does after its download step; docs/DATA.md). Progress and skipped clips go
 * to stderr, a summary line to stdout. Rerunning the same command continues an interrupted run;
 * on a finished folder it does nothing and says so.
 */
import { DataError, prepareWebvid, type PrepareEvent } from '../../data/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';

const spec = {
  name: 'prepare-webvid',
  usage:
    't2vlp prepare-webvid --csv results_2M_train.csv [--csv results_2M_val.csv] --clips DIR --out DIR [--name path] [--frames 12] [--concurrency N] [--limit N]',
  options: {
    csv: {
      type: 'list',
      help: 'WebVid metadata CSV (videoid, name = caption, page_dir); repeat or comma-separate for several, read in order',
    },
    clips: {
      type: 'string',
      help: 'folder of clips: CLIPS/<page_dir>/<videoid>.mp4 or CLIPS/<videoid>.mp4',
    },
    out: {
      type: 'string',
      help: "output folder: path-00000.tfrecord, path-00001.tfrecord, ... (--shard-size clips each, 256x256 BGR frames; 'path' is --name), path.index (video_id, shard file, byte offset), frozen_train.json ([{video_id, caption}] of the clips written), skipped.tsv (clips left out and why), .prepare-webvid/ (resume state)",
    },
    name: {
      type: 'string',
      help: 'shard and index name (the reader expects path)',
      default: 'path',
    },
    frames: { type: 'int', help: 'uniformly spaced frames per clip', default: 12 },
    'shard-size': { type: 'int', help: 'clips per shard', default: 1000 },
    concurrency: {
      type: 'int',
      help: 'clips decoded at once (output order does not depend on it)',
      default: 2,
    },
    limit: { type: 'int', help: 'only the first N CSV rows (all files together)' },
    quiet: {
      type: 'boolean',
      help: 'no progress lines on stderr (skipped clips are still summarised)',
    },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

function atLeast(v: number | undefined, flag: string, min: number): number | undefined {
  if (v !== undefined && v < min)
    throw new UsageError(`--${flag} must be at least ${min}, got ${v}`);
  return v;
}

/** Progress on stderr: every skipped clip, every finished shard, and a count every few seconds. */
function progressPrinter(quiet: boolean): (e: PrepareEvent) => void {
  const t0 = Date.now();
  let last = 0;
  let startRows = 0;
  const counts = (e: PrepareEvent) => {
    const s = (Date.now() - t0) / 1000;
    const rate = s > 0 ? (e.rows - startRows) / s : 0;
    return `${e.rows} rows: ${e.written} written, ${e.skipped} skipped (${rate.toFixed(1)} clips/s)`;
  };
  return (e) => {
    if (e.kind === 'start') {
      startRows = e.rows;
      if (e.resumedShards > 0)
        console.error(
          `prepare-webvid: resuming after ${e.resumedShards} finished shard(s), ${e.rows} rows done`,
        );
      return;
    }
    if (e.kind === 'skip') {
      if (!quiet)
        console.error(
          `prepare-webvid: skipped '${e.clip.videoId}' (${e.clip.reason}): ${e.clip.message}`,
        );
      return;
    }
    if (quiet) return;
    if (e.kind === 'shard')
      console.error(`prepare-webvid: shard ${e.file} done (${e.examples} clips); ${counts(e)}`);
    else if (Date.now() - last > 5000) {
      last = Date.now();
      console.error(`prepare-webvid: ${counts(e)}`);
    }
  };
}

async function run(args: Options): Promise<number> {
  if (args._.length)
    throw new UsageError(`unexpected argument '${args._[0]}' (options start with --)`);
  const csv = args.csv ?? [];
  if (!csv.length)
    throw new UsageError("--csv FILE is required (see 't2vlp prepare-webvid --help')");
  if (!args.clips) throw new UsageError('--clips DIR is required');
  if (!args.out) throw new UsageError('--out DIR is required');
  const quiet = args.quiet === true;
  const r = await prepareWebvid({
    csvPaths: csv,
    clipsDir: args.clips,
    outDir: args.out,
    name: args.name,
    numFrames: atLeast(args.frames, 'frames', 1),
    shardSize: atLeast(args.shardSize, 'shard-size', 1),
    concurrency: atLeast(args.concurrency, 'concurrency', 1),
    limit: atLeast(args.limit, 'limit', 1),
    onProgress: progressPrinter(quiet),
  }).catch((e: unknown) => {
    if (e instanceof DataError && e.code === 'BAD_OPTION')
      throw new UsageError(e.message.replace(/^prepareWebvid: /, ''));
    throw e;
  });
  if (r.alreadyComplete) {
    console.log(
      `${r.outDir} is already complete (${r.written} clips in ${r.shards} shards, ${r.skipped} skipped); nothing to do`,
    );
    return 0;
  }
  if (r.skipped > 0) {
    const by = Object.entries(r.skippedByReason)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    console.error(
      `prepare-webvid: ${r.skipped} clip(s) skipped (${by}); listed in ${r.skippedFile}`,
    );
  }
  console.log(
    `${r.outDir}: ${r.written} clips in ${r.shards} shards` +
      (r.resumedShards ? ` (${r.resumedShards} kept from an earlier run)` : '') +
      `, ${r.skipped} skipped; index ${r.indexFile}, captions ${r.captionsFile}`,
  );
  return 0;
}

export default defineCommand(spec, run);
