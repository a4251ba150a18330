/**
 * The shape of a subcommand: its declaration (for parsing, --help and the type of its options)
 * and what it runs. `defineCommand` ties the two so that `run` receives typed options.
 */
import type { Args, CommandSpec, OptionSpecs } from './args.js';

export interface Command<S extends OptionSpecs = OptionSpecs> {
  spec: CommandSpec<S>;
  /** Returns the process exit code. */
  run(args: Args<S>): Promise<number>;
}

export function defineCommand<const S extends OptionSpecs>(
  spec: CommandSpec<S>,
  run: (args: Args<S>) => Promise<number>,
): Command<S> {
  return { spec, run };
}
