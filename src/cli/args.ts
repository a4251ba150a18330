/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag` /
 * `--no-flag`, list options (comma-separated and repeatable), and positionals. Each command
 * declares its options once, with their types; from that one declaration come the parser,
 * `--help`, and the TypeScript type of the parsed options (`Args<typeof options>`: `--max-words`
 * is `args.maxWords: number`, a `choices` option is the union of its choices, an option without a
 * default may be `undefined`). An unknown option or a bad value is one clear error line. Messages
 * leave out the command name: the dispatcher (main.ts) prints `t2vlp <command>: ` before them.
 */
export type OptionSpec =
  | { type: 'string'; help: string; default?: string; choices?: readonly string[] }
  | { type: 'number' | 'int'; help: string; default?: number; min?: number }
  | { type: 'boolean'; help: string; default?: boolean }
  | { type: 'list'; help: string; default?: readonly string[] };
export type OptionType = OptionSpec['type'];
export type OptionSpecs = Record<string, OptionSpec>;

/** What a command declares: its name, a usage line and its options (its summary lives in commands/index.ts). */
export interface CommandSpec<S extends OptionSpecs = OptionSpecs> {
  name: string;
  usage: string;
  options: S;
}

type Value<O> = O extends { type: 'string'; choices: readonly (infer C extends string)[] }
  ? C
  : O extends { type: 'string' }
    ? string
    : O extends { type: 'number' | 'int' }
      ? number
      : O extends { type: 'boolean' }
        ? boolean
        : string[];
type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
type Present<O> = O extends { default: unknown } | { type: 'boolean' } ? true : false;

/** The parsed options of a command declaring `S`, keyed in camelCase. */
export type Options<S extends OptionSpecs> = {
  -readonly [K in keyof S & string as CamelCase<K>]: Present<S[K]> extends true ? Value<S[K]> : Value<S[K]> | undefined;
};
export type Args<S extends OptionSpecs> = Options<S> & { _: string[]; help: boolean };

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parseArgs<S extends OptionSpecs>(spec: CommandSpec<S>, argv: string[]): Args<S> {
  const out: Record<string, unknown> & { _: string[]; help: boolean } = { _: [], help: false };
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.default !== undefined) out[camel(name)] = Array.isArray(o.default) ? [...o.default] : o.default;
    else if (o.type === 'boolean') out[camel(name)] = false;
  }
  const listsGiven = new Set<string>(); // list options given so far: a repeated one accumulates
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const [name, given] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = given;
    const o = spec.options[name];
    if (!o && name.startsWith('no-') && spec.options[name.slice(3)]?.type === 'boolean') {
      out[camel(name.slice(3))] = false;
      continue;
    }
    if (!o) throw new UsageError(`unknown option --${name} (see 't2vlp ${spec.name} --help')`);
    if (o.type === 'boolean') {
      out[camel(name)] = value === undefined ? true : !['false', '0', 'no'].includes(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    const v = convert(name, o, value);
    const key = camel(name);
    out[key] = o.type === 'list' && listsGiven.has(key) ? [...(out[key] as string[]), ...(v as string[])] : v;
    listsGiven.add(key);
  }
  return out as Args<S>;
}

function convert(name: string, o: OptionSpec, v: string): unknown {
  switch (o.type) {
    case 'number':
    case 'int': {
      const n = v.trim() === '' ? NaN : Number(v);
      if (o.type === 'int' && !Number.isInteger(n)) throw new UsageError(`--${name} expects an integer, got '${v}'`);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
      if (o.min !== undefined && n < o.min) throw new UsageError(`--${name} must be at least ${o.min}, got ${n}`);
      return n;
    }
    case 'list':
      return v.split(',').map((s) => s.trim()).filter(Boolean);
    case 'string':
      if (o.choices && !o.choices.includes(v))
        throw new UsageError(`--${name} must be one of ${o.choices.join(', ')}; got '${v}'`);
      return v;
    default:
      return v;
  }
}

export function helpText(spec: CommandSpec, summary: string): string {
  const lines = [`t2vlp ${spec.name}: ${summary}`, '', `usage: ${spec.usage}`, '', 'options:'];
  const width = Math.max(...Object.keys(spec.options).map((k) => k.length), 4) + 4;
  for (const [name, o] of Object.entries(spec.options)) {
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    lines.push(`  --${name.padEnd(width)}${o.help}${def}`);
  }
  lines.push(`  --${'help'.padEnd(width)}show this help`);
  return lines.join('\n');
}
