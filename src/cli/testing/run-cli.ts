/**
 * Runs the CLI in-process for tests, capturing console.log (stdout) and console.error (stderr).
 * It imports the sources (../main.js is main.ts under tsx), never a built dist/; tests that need a
 * real process start bin/t2vlp.js, which also runs the sources in a checkout.
 */
import { main } from '../main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
