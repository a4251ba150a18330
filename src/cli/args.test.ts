/**
 * The option parser: one declaration gives parsing (defaults, camelCase keys, booleans, choices,
 * bounds, lists) and help; the parsed options are typed from it (checked by `npm run typecheck`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helpText, parseArgs, UsageError, type Args, type CommandSpec } from './args.js';

const spec = {
  name: 'probe',
  usage: 't2vlp probe [options]',
  options: {
    'max-words': { type: 'int', help: 'tokens', default: 32, min: 3 },
    dtype: { type: 'string', help: 'dtype', default: 'float32', choices: ['float32', 'bfloat16'] },
    out: { type: 'string', help: 'output' },
    rate: { type: 'number', help: 'a rate' },
    json: { type: 'boolean', help: 'json' },
    tags: { type: 'list', help: 'tags' },
  },
} as const satisfies CommandSpec;

describe('parseArgs', () => {
  it('applies defaults, camelCases names, and types the result from the declaration', () => {
    const a: Args<typeof spec.options> = parseArgs(spec, ['--out=x', '--rate', '0.5', 'pos', '--tags', 'a, b,,c']);
    const words: number = a.maxWords;
    const dtype: 'float32' | 'bfloat16' = a.dtype;
    const out: string | undefined = a.out;
    const json: boolean = a.json;
    // @ts-expect-error an option that was not declared has no property
    void a.bogus;
    assert.deepEqual(
      { words, dtype, out, json, rate: a.rate, tags: a.tags, _: a._ },
      { words: 32, dtype: 'float32', out: 'x', json: false, rate: 0.5, tags: ['a', 'b', 'c'], _: ['pos'] },
    );
    assert.equal(parseArgs(spec, ['--json']).json, true);
    assert.equal(parseArgs(spec, ['--no-json']).json, false);
  });

  it('rejects unknown options, bad numbers, values outside the choices or below the minimum', () => {
    const bad: [string[], RegExp][] = [
      [['--bogus'], /^unknown option --bogus \(see 't2vlp probe --help'\)$/],
      [['--max-words', 'many'], /^--max-words expects an integer, got 'many'$/],
      [['--max-words', '2.5'], /^--max-words expects an integer, got '2.5'$/],
      [['--rate', ''], /^--rate expects a number, got ''$/],
      [['--max-words', '2'], /^--max-words must be at least 3, got 2$/],
      [['--dtype', 'int8'], /^--dtype must be one of float32, bfloat16; got 'int8'$/],
      [['--out'], /^--out needs a value$/],
    ];
    for (const [argv, msg] of bad) assert.throws(() => parseArgs(spec, argv), (e: unknown) => e instanceof UsageError && msg.test(e.message));
  });

  it('help lists every option with its default, under the summary from the command registry', () => {
    const h = helpText(spec, 'probe things');
    assert.match(h, /^t2vlp probe: probe things\n\nusage: t2vlp probe \[options\]/);
    assert.match(h, /\n {2}--max-words +tokens \(default: 32\)/);
    assert.match(h, /\n {2}--json +json\n/);
    assert.match(h, /\n {2}--help +show this help$/);
  });
});
