/**
 * `t2vlp serve`: the video search service for a library folder: indexes it in the background
 * (incremental, resumable) and serves the JSON API and the search page at once. `--demo` needs
 * no checkpoint: it generates the synthetic library and trains (or reuses) the demo model.
 * Ctrl-C (SIGINT/SIGTERM) shuts down gracefully.
 */
import { startService } from '../../serve/index.js';
import { UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { prepareDemoModel } from '../demo-model.js';
import { LIBRARY_OPTIONS, libraryArgs, openModel } from '../library-options.js';

const spec: CommandSpec = {
  name: 'serve',
  summary: 'search a video library by text in the browser (indexes it in the background)',
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
};

async function run(a: ParsedArgs): Promise<number> {
  if (a._.length) throw new UsageError(`unexpected argument '${a._[0]}' (give the folder with --library)`);
  const say = (s: string) => {
    if (!a.quiet) console.error(s);
  };
  let checkpoint = a.checkpoint as string | undefined;
  let library = a.library as string | undefined;
  let fps = a.fps as number;
  if (a.demo) {
    if (a.library || a.checkpoint) throw new UsageError('--demo brings its own library and model: leave out --library and --checkpoint');
    const d = await prepareDemoModel({
      dir: a.demoDir as string,
      videos: a.demoVideos as number,
      epochs: a.demoEpochs as number,
      finetuneEpochs: a.demoFinetuneEpochs as number,
      quiet: !!a.quiet,
    });
    checkpoint = d.checkpoint;
    library = d.videosDir;
    fps = d.fps;
  }
  if (!checkpoint) throw new UsageError('--checkpoint is required (or --demo to try the service on synthetic videos without one)');
  const lib = libraryArgs({ ...a, fps }, library);
  if ((a.queueLimit as number) < 1) throw new UsageError(`--queue-limit must be at least 1, got ${a.queueLimit as number}`);
  const m = await openModel(checkpoint, a.dtype as string);
  let lastLine = 0;
  const svc = await startService({
    model: m.model,
    tokenizer: m.tokenizer,
    modelName: m.name,
    modelHash: m.hash,
    library: lib.library,
    indexDir: lib.indexDir,
    host: a.host as string,
    port: a.port as number,
    token: a.token as string | undefined,
    windows: lib.windows,
    fps: lib.fps,
    indexing: !a.noIndex,
    indexer: { batchSize: lib.batchSize, concurrency: lib.concurrency },
    queue: { maxPending: a.queueLimit as number },
    maxK: a.maxK as number,
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

const command: Command = { spec, run };
export default command;
