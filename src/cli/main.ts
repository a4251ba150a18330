/**
 * The `t2vlp` command line: one file per subcommand under commands/. Errors print as one clear
 * line (the message) with a non-zero exit code; T2VLP_DEBUG=1 prints the stack too.
 */
import { helpText, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  demo: () => import('./commands/demo.js'),
  train: () => import('./commands/train.js'),
  eval: () => import('./commands/eval.js'),
  encode: () => import('./commands/encode.js'),
  search: () => import('./commands/search.js'),
  index: () => import('./commands/index-library.js'),
  serve: () => import('./commands/serve.js'),
  'generate-data': () => import('./commands/generate-data.js'),
};

const SUMMARIES: Record<string, string> = {
  demo: 'generate the synthetic dataset, train a small T2VLP, evaluate retrieval, answer a query',
  train: 'stage-1 pre-training or retrieval fine-tuning (presets per dataset; --nproc N processes)',
  eval: 'text-video retrieval evaluation of a checkpoint on a dataset split',
  encode: 'encode videos or texts into an embeddings file',
  search: 'rank encoded videos for a text query',
  index: 'index a video library into moments (incremental, resumable)',
  serve: 'search a video library by text in the browser (indexes it in the background)',
  'generate-data': 'write the synthetic video-text dataset',
};

function usage(): string {
  const w = Math.max(...Object.keys(SUMMARIES).map((k) => k.length)) + 2;
  return [
    't2vlp: video-language models (T2VLP) on libtorch',
    '',
    'usage: t2vlp <command> [options]      t2vlp <command> --help',
    '',
    'commands:',
    ...Object.entries(SUMMARIES).map(([k, v]) => `  ${k.padEnd(w)}${v}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`t2vlp: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  try {
    const cmd = (await load()).default;
    const args = parseArgs(cmd.spec, rest);
    if (args.help) {
      console.log(helpText(cmd.spec));
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    const err = e as Error;
    console.error(`t2vlp ${name}: ${err.message.split('\n').join('\n  ')}`);
    if (process.env.T2VLP_DEBUG) console.error(err.stack);
    return e instanceof UsageError ? 2 : 1;
  }
}
