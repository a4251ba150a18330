/** The shape of a subcommand: its spec (for parsing and --help) and what it runs. */
import type { CommandSpec, ParsedArgs } from './args.js';

export interface Command {
  spec: CommandSpec;
  /** Returns the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}
