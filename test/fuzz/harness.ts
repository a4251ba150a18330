/**
 * Shared pieces of the property-based fuzz suite (test/fuzz/*.fuzz.test.ts): the run budget and
 * seed (fixed in CI, raised by scripts/fuzz.mjs through FUZZ_RUNS / FUZZ_SEED), byte mutators
 * (bit flips, byte replacements, truncation, splices of two valid files, oversized length
 * fields) as fast-check arbitraries, and the one verdict every case must reach: the reader
 * either succeeds or throws an error of the expected class with a stable `code` and a message
 * that names the input, within a time bound. Anything else (TypeError, RangeError, a hang) fails.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** Cases per property: FUZZ_RUNS (scripts/fuzz.mjs) or the CI budget given by the test. */
export function runs(ciBudget: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(n) && n > 0 ? n : ciBudget;
}

/** Fixed seed in CI so a failure reproduces; FUZZ_SEED explores other paths. */
export const SEED = Number.isSafeInteger(Number(process.env.FUZZ_SEED))
  ? Number(process.env.FUZZ_SEED)
  : 20261127;

/** fast-check parameters for a property with `ciBudget` cases. */
export function params(ciBudget: number): fc.Parameters<unknown> {
  return { numRuns: runs(ciBudget), seed: SEED, endOnFailure: true };
}

/** Per-reader case counts, printed at the end of a run (the closing note's figures). */
const counts = new Map<string, { cases: number; errors: number }>();
export function count(reader: string, threw: boolean): void {
  const c = counts.get(reader) ?? { cases: 0, errors: 0 };
  c.cases++;
  if (threw) c.errors++;
  counts.set(reader, c);
}
process.on('exit', () => {
  if (!counts.size || !process.env.FUZZ_REPORT) return;
  for (const [r, c] of counts)
    process.stdout.write(`fuzz ${r}: ${c.cases} cases, ${c.errors} typed errors\n`);
});

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface Verdict {
  /** The error class every failure must be an instance of (CheckpointError, DataError, ...). */
  errorClass: ErrorClass;
  /** A string the message must contain: the file or source name. */
  names: string;
  /** Reader name for the counts. */
  reader: string;
  /** Time bound for one case, milliseconds (default 2000). */
  timeoutMs?: number;
}

/** Checks one thrown value against the verdict; rethrows with context if it is not a typed error. */
export function checkError(e: unknown, v: Verdict): void {
  if (!(e instanceof v.errorClass)) {
    const err = e as Error;
    assert.fail(
      `${v.reader}: expected a ${v.errorClass.name}, got ${err?.name}: ${err?.message}\n${err?.stack}`,
    );
  }
  const code = (e as { code?: unknown }).code;
  assert.ok(typeof code === 'string' && code.length > 0, `${v.reader}: error without a code`);
  assert.ok(
    e.message.includes(v.names),
    `${v.reader}: message does not name ${v.names}: ${e.message}`,
  );
}

/** Runs `body` (sync or async); success or a typed error pass, anything else fails the property. */
export async function verdict<T>(v: Verdict, body: () => T | Promise<T>): Promise<T | undefined> {
  const t0 = Date.now();
  let out: T | undefined;
  let threw = false;
  try {
    out = await body();
  } catch (e) {
    threw = true;
    checkError(e, v);
  }
  const ms = Date.now() - t0;
  const bound = v.timeoutMs ?? 2000;
  assert.ok(ms <= bound, `${v.reader}: one case took ${ms} ms (bound ${bound} ms)`);
  count(v.reader, threw);
  return out;
}

/** Synchronous form for pure parsers. */
export function verdictSync<T>(v: Verdict, body: () => T): T | undefined {
  const t0 = Date.now();
  let out: T | undefined;
  let threw = false;
  try {
    out = body();
  } catch (e) {
    threw = true;
    checkError(e, v);
  }
  const ms = Date.now() - t0;
  assert.ok(ms <= (v.timeoutMs ?? 2000), `${v.reader}: one case took ${ms} ms`);
  count(v.reader, threw);
  return out;
}

/** One edit of a byte string. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'splice'; at: number; from: number; len: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'u64'; at: number; value: bigint };

/** Positions are fractions of the length so one arbitrary fits any input. */
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const bigLength = fc.oneof(
  fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
  fc.nat({ max: 0xffffffff }),
);
const bigLength64 = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffffffffn, 1n << 32n, 1n << 53n, (1n << 64n) - 1n, (1n << 63n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);

export interface MutationArb {
  kind: Mutation['kind'];
  a: number;
  b: number;
  c: number;
  bytes: Uint8Array;
  u32: number;
  u64: bigint;
}

export const mutationArb: fc.Arbitrary<MutationArb> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>(
    'flip',
    'flip',
    'set',
    'set',
    'truncate',
    'insert',
    'splice',
    'u32',
    'u64',
  ),
  a: frac,
  b: frac,
  c: frac,
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  u32: bigLength,
  u64: bigLength64,
});

/** Applies one mutation; `other` is a second valid file for splices (may be the same one). */
export function mutate(src: Uint8Array, m: MutationArb, other: Uint8Array = src): Uint8Array {
  const n = src.length;
  const at = Math.floor(m.a * Math.max(n, 1));
  const out = Buffer.from(src);
  switch (m.kind) {
    case 'flip':
      if (n) out[at]! ^= 1 << Math.floor(m.b * 8);
      return out;
    case 'set':
      if (n) out[at] = m.bytes[0]!;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'insert':
      return Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    case 'splice': {
      const from = Math.floor(m.b * other.length);
      const len = Math.floor(m.c * Math.min(4096, other.length - from));
      return Buffer.concat([
        out.subarray(0, at),
        other.subarray(from, from + len),
        out.subarray(at + len),
      ]);
    }
    case 'u32':
      if (n >= 4) out.writeUInt32LE(m.u32 >>> 0, Math.min(at, n - 4));
      return out;
    case 'u64':
      if (n >= 8) out.writeBigUInt64LE(m.u64, Math.min(at, n - 8));
      return out;
  }
}

/** One to three mutations in a row. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

export function mutateAll(src: Uint8Array, ms: MutationArb[], other?: Uint8Array): Uint8Array {
  return ms.reduce<Uint8Array>((b, m) => mutate(b, m, other), src);
}

/** Keys that pollute prototypes when a reader assigns with obj[key] = value. */
export const POLLUTING_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
];

/** Arbitrary JSON text built to reach readers' fields: polluting keys, wrong types, deep nests. */
export function jsonValueArb(fields: string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...fields, ...POLLUTING_KEYS), fc.string({ maxLength: 6 }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'x', '0'),
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
    ),
  }));
  return tree;
}

/** Asserts Object.prototype was not polluted by a case. */
export function assertNoPollution(): void {
  const probe: Record<string, unknown> = {};
  for (const k of ['polluted', 'video_id', 'caption', 'x', 'toString'])
    if (k !== 'toString') assert.equal(probe[k], undefined, `Object.prototype.${k} was polluted`);
  assert.equal(typeof probe.toString, 'function', 'Object.prototype.toString was replaced');
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
}
