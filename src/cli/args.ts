/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag` /
 * `--no-flag`, list options (comma-separated and repeatable), and positionals. Every option is
 * declared with its type and help text, so an unknown option or a bad value is one clear error
 * line, and `--help` is generated. Messages leave out the command name: the dispatcher (main.ts)
 * prints `t2vlp <command>: ` before them.
 */
export type OptionType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface OptionSpec {
  type: OptionType;
  help: string;
  default?: string | number | boolean | string[];
  /** Allowed values (strings). */
  choices?: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type ParsedArgs = { _: string[]; help: boolean } & Record<string, unknown>;

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const out: ParsedArgs = { _: [], help: false };
  const listsGiven = new Set<string>(); // list options given so far: a repeated one accumulates
  for (const [name, o] of Object.entries(spec.options)) if (o.default !== undefined) out[camel(name)] = o.default;
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
  return out;
}

function convert(name: string, o: OptionSpec, v: string): unknown {
  if (o.choices && !o.choices.includes(v))
    throw new UsageError(`--${name} must be one of ${o.choices.join(', ')}; got '${v}'`);
  switch (o.type) {
    case 'number': {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
      return n;
    }
    case 'int': {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new UsageError(`--${name} expects an integer, got '${v}'`);
      return n;
    }
    case 'list':
      return v.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return v;
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`t2vlp ${spec.name}: ${spec.summary}`, '', `usage: ${spec.usage}`, '', 'options:'];
  const width = Math.max(...Object.keys(spec.options).map((k) => k.length), 4) + 4;
  for (const [name, o] of Object.entries(spec.options)) {
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    lines.push(`  --${name.padEnd(width)}${o.help}${def}`);
  }
  lines.push(`  --${'help'.padEnd(width)}show this help`);
  return lines.join('\n');
}
