/**
 * The `t2vlp` command line: one file per subcommand under commands/. Errors print as one clear
 * line (the message) with a non-zero exit code; T2VLP_DEBUG=1 prints the stack too.
 */
import { helpText, parseArgs, UsageError } from './args.js';
import { COMMANDS } from './commands/index.js';

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    't2vlp: video-language models (T2VLP) on libtorch',
    '',
    'usage: t2vlp <command> [options]      t2vlp <command> --help',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`t2vlp: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  try {
    const cmd = (await entry.load()).default;
    const args = parseArgs(cmd.spec, rest);
    if (args.help) {
      console.log(helpText(cmd.spec, entry.summary));
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
