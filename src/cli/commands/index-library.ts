/**
 * `t2vlp index`: indexes a library folder into its moment index without serving it (large
 * libraries, scripts, cron). Incremental and resumable: run it again after adding, changing or
 * deleting videos, or after it was stopped or killed. Ctrl-C stops after the batch being written.
 */
import { indexLibrary, MomentIndex } from '../../library/index.js';
import { countProgress } from '../../inference/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { LIBRARY_OPTIONS, libraryArgs, openModel } from '../library-options.js';

const spec = {
  name: 'index',
  usage: 't2vlp index --library DIR --checkpoint CKPT [--index DIR] [--window 10] [--stride 7] [--json]',
  options: {
    ...LIBRARY_OPTIONS,
    'no-overlap': { type: 'boolean', help: 'decode each batch only after the previous one is encoded (for measuring)' },
    json: { type: 'boolean', help: 'print one JSON summary as the last line' },
    quiet: { type: 'boolean', help: 'no progress output' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

async function run(a: Options): Promise<number> {
  if (a._.length) throw new UsageError(`unexpected argument '${a._[0]}' (give the folder with --library)`);
  const lib = libraryArgs(a);
  const checkpoint = a.checkpoint;
  if (!checkpoint) throw new UsageError("--checkpoint is required: the model to index with (see 't2vlp index --help')");
  const m = await openModel(checkpoint, a.dtype, a.device);
  const stop = new AbortController();
  const onSignal = () => {
    if (!a.quiet) console.error('index: stopping after the batch being written ...');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const index = MomentIndex.open({
      root: lib.library,
      indexDir: lib.indexDir,
      identity: { modelHash: m.hash, modelName: m.name, dim: m.model.config.embedDim, fps: lib.fps, frames: m.model.config.numFrames, windows: lib.windows },
    });
    try {
      const bar = countProgress('index', 'videos', { quiet: !!a.quiet });
      let reported = 0;
      const p = await indexLibrary(index, {
        model: m.model,
        fps: lib.fps,
        batchSize: lib.batchSize,
        concurrency: lib.concurrency,
        overlap: !a.noOverlap,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.phase === 'indexing') bar(p.indexed, p.toIndex, `${p.windowsEncoded} windows`);
          for (; reported < p.failed.length; reported++) if (!a.quiet) console.error(`index: skipped ${p.failed[reported]!.video}: ${p.failed[reported]!.reason}`);
        },
      });
      const c = index.catalog.counts();
      const rate = p.elapsedSec > 0 ? p.secondsEncoded / p.elapsedSec : 0;
      if (!a.quiet)
        console.error(
          `index: ${p.phase === 'stopped' ? 'stopped' : 'done'}: ${c.done} videos, ${c.windows} windows in '${index.dir}'; this run ${p.indexed} indexed, ${p.removed} removed, ${p.failed.length} failed, ` +
            `${p.windowsEncoded} windows in ${p.elapsedSec.toFixed(1)} s (${rate.toFixed(1)} video-s/s)`,
        );
      if (a.json)
        console.log(
          JSON.stringify({
            index: index.dir,
            stopped: p.phase === 'stopped',
            videos: c.done,
            windows: c.windows,
            indexed: p.indexed,
            removed: p.removed,
            failed: p.failed,
            windowsEncoded: p.windowsEncoded,
            seconds: p.elapsedSec,
          }),
        );
      return p.phase === 'stopped' ? 130 : 0;
    } finally {
      await index.close();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    m.model.dispose();
  }
}

export default defineCommand(spec, run);
