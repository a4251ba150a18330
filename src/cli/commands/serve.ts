/**
 * `t2vlp serve`: the video search service for a library folder: indexes it in the background
 * (incremental, resumable) and serves the JSON API and the search page at once. `--demo` needs
 * no checkpoint: it generates the synthetic library and trains (or reuses) the demo model.
 * Ctrl-C (SIGINT/SIGTERM) shuts down gracefully.
 */
import { startService } from '../../serve/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { prepareDemoModel } from '../demo-model.js';
import { LIBRARY_OPTIONS, libraryArgs, openModel } from '../library-options.js';

const spec = {
  name: 'serve',
  usage: 't2vlp serve --library DIR [--index DIR] [--checkpoint CKPT] [--port 8080]   |   t2vlp serve --demo',
  options: {
    ...LIBRARY_OPTIONS,
    host: { type: 'string', help: 'address to listen on (any other than loopback needs --token)', default: '127.0.0.1' },
    port: { type: 'int', help: 'port (0: any free port)', default: 8080 },
    token: { type: 'string', help: "secret clients must send ('Authorization: Bearer TOKEN' or /?token=TOKEN)" },
    'queue-limit': { type: 'int', help: 'text queries waiting for the model before new ones get 503', default: 64 },
    'max-k': { type: 'int', help: 'largest number of results a request may ask for', default: 100 },
    'no-index': { type: 'boolean', help: 'serve the existing index without indexing' },
    demo: { type: 'boolean', help: 'no checkpoint needed: serve the synthetic library with the demo model (trained once, then cached)' },
    'demo-dir': { type: 'string', help: 'working folder of --demo', default: '.t2vlp-cache/demo' },
    'demo-videos': { type: 'int', help: 'synthetic videos of --demo', default: 300 },
    'demo-epochs': { type: 'int', help: 'stage-1 epochs of the --demo model', default: 16 },
    'demo-finetune-epochs': { type: 'int', help: 'retrieval fine-tuning epochs of the --demo model', default: 1 },
    quiet: { type: 'boolean', help: 'no progress output' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

async function run(a: Options): Promise<number> {
  if (a._.length) throw new UsageError(`unexpected argument '${a._[0]}' (give the folder with --library)`);
  const say = (s: string) => {
    if (!a.quiet) console.error(s);
  };
  let checkpoint = a.checkpoint;
  let library = a.library;
  let fps = a.fps;
  if (a.demo) {
    if (a.library || a.checkpoint) throw new UsageError('--demo brings its own library and model: leave out --library and --checkpoint');
    const d = await prepareDemoModel({
      dir: a.demoDir,
      videos: a.demoVideos,
      epochs: a.demoEpochs,
      finetuneEpochs: a.demoFinetuneEpochs,
      quiet: !!a.quiet,
    });
    checkpoint = d.checkpoint;
    library = d.videosDir;
    fps = d.fps;
  }
  if (!checkpoint) throw new UsageError('--checkpoint is required (or --demo to try the service on synthetic videos without one)');
  const lib = libraryArgs({ ...a, fps }, library);
  if ((a.queueLimit) < 1) throw new UsageError(`--queue-limit must be at least 1, got ${a.queueLimit}`);
  const m = await openModel(checkpoint, a.dtype, a.device);
  let lastLine = 0;
  const svc = await startService({
    model: m.model,
    tokenizer: m.tokenizer,
    modelName: m.name,
    modelHash: m.hash,
    library: lib.library,
    indexDir: lib.indexDir,
    host: a.host,
    port: a.port,
    token: a.token,
    windows: lib.windows,
    fps: lib.fps,
    indexing: !a.noIndex,
    indexer: { batchSize: lib.batchSize, concurrency: lib.concurrency },
    queue: { maxPending: a.queueLimit },
    maxK: a.maxK,
    onProgress: (p) => {
      if (p.phase === 'indexing' && Date.now() - lastLine < 5000) return;
      lastLine = Date.now();
      if (p.phase === 'done') say(`serve: indexing done: ${p.indexed} files indexed, ${p.removed} removed, ${p.failed.length} failed, ${p.windowsEncoded} windows in ${p.elapsedSec.toFixed(1)} s`);
      else if (p.phase === 'indexing') say(`serve: indexing ${p.indexed}/${p.toIndex} files, ${p.windowsEncoded} windows`);
    },
    onIndexError: (e) => console.error(`serve: indexing stopped: ${(e as Error).message}`),
  });
  // The URL on stdout (scripts and tests read it); everything else on stderr.
  console.log(`t2vlp serve: ${svc.url}/`);
  say(`serve: library '${lib.library}', index '${svc.index.dir}'${a.token ? ' (token required)' : ''}; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      say('serve: shutting down (finishing the batch being written) ...');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    await svc.close();
  } finally {
    m.model.dispose();
  }
  return 0;
}

export default defineCommand(spec, run);
