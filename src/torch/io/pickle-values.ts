/**
 * The values the restricted unpickler (pickle.ts) produces besides plain JavaScript ones:
 * inert placeholders for Python globals it does not understand and for objects built from
 * them, the whitelisted pure functions that replace the few globals it does understand, and
 * the small decoders of pickle's integer and text encodings.
 */

/** A global the unpickler does not understand (a class or function of the pickling program). */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of, or the result of calling, a `PickleGlobal`: recorded, never constructed. */
export class PickleObject {
  /** The BUILD state (usually a Map of attributes), undefined if none. */
  state: unknown = undefined;
  /** Items appended to a list subclass, and key/value pairs set on a dict subclass. */
  readonly listItems: unknown[] = [];
  readonly dictItems = new Map<unknown, unknown>();
  constructor(
    readonly cls: PickleGlobal,
    readonly args: readonly unknown[],
    readonly kwargs?: Map<unknown, unknown>,
  ) {}
}

/** A whitelisted global: a pure function of its (already unpickled) arguments. */
export class PickleFunction {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly unknown[]) => unknown,
  ) {}
}

/** Short description of a value for messages. */
export function describe(x: unknown): string {
  if (x === null) return 'None';
  if (x instanceof PickleGlobal) return `global ${x.qualifiedName}`;
  if (x instanceof PickleObject) return `${x.cls.qualifiedName} object`;
  if (x instanceof PickleFunction) return `function ${x.qualifiedName}`;
  if (x instanceof Map) return 'dict';
  if (Array.isArray(x)) return Object.isFrozen(x) ? 'tuple' : 'list';
  if (x instanceof Uint8Array) return 'bytes';
  if (x instanceof Set) return 'set';
  return typeof x;
}

/** A Python int: a number when exact, a bigint beyond ±2^53. */
export function pyInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** LONG1/LONG4 payload: little-endian two's complement. */
export function signedLE(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return pyInt(v);
}

/** Backslash escapes of a protocol-0 STRING literal (Python's repr of a str). */
export function unescapeString(s: string): string {
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
  };
  return s.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/gs,
    (m, c: string) => {
      if (c[0] === 'x' || c[0] === 'u' || c[0] === 'U') return codePoint(parseInt(c.slice(1), 16));
      if (/^[0-7]/.test(c)) return String.fromCharCode(parseInt(c, 8));
      return simple[c] ?? m;
    },
  );
}

/** raw-unicode-escape of a protocol-0 UNICODE line: only \uXXXX and \UXXXXXXXX are escapes. */
export function unescapeRawUnicode(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, b?: string) =>
    codePoint(parseInt((a ?? b)!, 16)),
  );
}

/** An escape's code point as text; one past U+10FFFF (which fromCodePoint throws on) becomes U+FFFD. */
function codePoint(n: number): string {
  return n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd';
}
