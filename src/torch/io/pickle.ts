/**
 * A restricted unpickler: it turns a Python pickle stream (protocols 0-5) into plain JavaScript
 * values and never executes anything. A GLOBAL opcode does not import code: the caller's
 * `findClass` maps the few globals it understands to `PickleFunction`s (pure TypeScript
 * rebuilders such as the tensor rebuild of torch.save), and every other global becomes an
 * inert `PickleGlobal` placeholder; calling or instantiating one yields a `PickleObject` that
 * only records its arguments and BUILD state. Values: None → null, bool, int → number (bigint
 * beyond 2^53), float → number, str → string, bytes/bytearray → Uint8Array, list → array,
 * tuple → frozen array, dict → Map, set/frozenset → Set.
 */
import { CheckpointError } from './errors.js';
import {
  describe,
  PickleFunction,
  PickleGlobal,
  PickleObject,
  pyInt,
  signedLE,
  unescapeRawUnicode,
  unescapeString,
} from './pickle-values.js';

export { describe, PickleFunction, PickleGlobal, PickleObject } from './pickle-values.js';

export interface UnpickleOptions {
  /** Value pushed for GLOBAL module.name; default: a PickleGlobal placeholder. */
  findClass?: (module: string, name: string) => unknown;
  /** Value for a persistent id (BINPERSID / PERSID); without it, persistent ids are an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** For messages: the file, what in it is being unpickled ("'archive/data.pkl'"), the public op. */
  file: string;
  source: string;
  op: string;
}

/** Unpickles one object from `data` (up to its STOP opcode). */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): unknown {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let pos = 0;
  let opPos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string, code: 'BAD_PICKLE' | 'UNSUPPORTED' = 'BAD_PICKLE'): never => {
    throw new CheckpointError(
      code,
      opts.file,
      `${opts.op}: ${opts.source} in '${opts.file}': ${msg} (pickle byte ${opPos})`,
    );
  };

  // Reading the stream.
  const need = (n: number): void => {
    if (pos + n > data.length)
      fail(
        `the pickle ends inside an opcode (needs ${n} more bytes); the file is truncated or corrupt`,
      );
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const u8 = (): number => (need(1), data[pos++]!);
  const u16 = (): number => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const f64 = (): number => (need(8), (pos += 8), dv.getFloat64(pos - 8, false)); // BINFLOAT is big-endian
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length))
      fail(`a length of ${v} bytes exceeds the ${data.length}-byte pickle`);
    return Number(v);
  };
  const line = (decoder: TextDecoder = latin1): string => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) fail('a text opcode has no end of line');
    const s = decoder.decode(data.subarray(pos, nl));
    pos = nl + 1;
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  };
  const text = (b: Uint8Array): string => utf8.decode(b);
  /** A decimal integer of a text opcode; BigInt() would throw a SyntaxError on anything else. */
  const textInt = (s: string): bigint =>
    /^\s*[-+]?\d{1,4300}\s*$/.test(s)
      ? BigInt(s.trim())
      : fail(`a text integer is ${JSON.stringify(s.slice(0, 40))}, not decimal digits`);
  const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b); // own bytes, not a view of the stream

  // The stack. `push` is a function, not stack.push(...): `stack` must be read after the
  // argument (which may pop a mark and replace `stack`) is evaluated.
  const push = (v: unknown): void => {
    stack.push(v);
  };
  const pop = (): unknown =>
    stack.length ? stack.pop() : fail('an opcode pops from an empty stack');
  const top = (): unknown =>
    stack.length ? stack[stack.length - 1] : fail('an opcode reads an empty stack');
  const popMark = (): unknown[] => {
    const items = stack;
    stack = metastack.pop() ?? fail('an opcode needs a MARK that is not there');
    return items;
  };
  const tuple = (items: unknown[]): unknown[] => Object.freeze(items) as unknown[];
  const memoGet = (i: number): unknown =>
    memo.has(i) ? memo.get(i) : fail(`memo entry ${i} is read before it is written`);

  // Objects: never constructed, only recorded unless whitelisted.
  const findGlobal = (module: string, name: string): unknown =>
    opts.findClass ? opts.findClass(module, name) : new PickleGlobal(module, name);
  const call = (fn: unknown, args: unknown, kwargs?: unknown): unknown => {
    if (!Array.isArray(args))
      return fail(`a call with ${describe(args)} arguments, expected a tuple`);
    if (kwargs !== undefined && !(kwargs instanceof Map))
      return fail(`a call with ${describe(kwargs)} keyword arguments`);
    if (fn instanceof PickleFunction) return fn.call(args);
    if (fn instanceof PickleGlobal) return new PickleObject(fn, args, kwargs);
    return fail(`a call of a ${describe(fn)}, which is not a class or function`);
  };
  const setItems = (target: unknown, kv: unknown[]): void => {
    const map =
      target instanceof Map ? target : target instanceof PickleObject ? target.dictItems : null;
    if (!map) return fail(`SETITEM on a ${describe(target)}`);
    for (let i = 0; i + 1 < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    // One at a time: push(...items) overflows the call stack past ~100k items.
    const list =
      Array.isArray(target) && !Object.isFrozen(target)
        ? target
        : target instanceof PickleObject
          ? target.listItems
          : null;
    if (list) for (const x of items) list.push(x);
    else fail(`APPEND on a ${describe(target)}`);
  };
  const addItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Set)) return fail(`ADDITEMS on a ${describe(target)}`);
    for (const x of items) target.add(x);
  };
  const build = (obj: unknown, state: unknown): void => {
    if (!(obj instanceof PickleObject)) return; // an OrderedDict's _metadata, a rebuilt tensor's hooks: not weights
    if (obj.state instanceof Map && state instanceof Map)
      for (const [k, v] of state) obj.state.set(k, v);
    else obj.state = state;
  };
  const persistent = (pid: unknown): unknown =>
    opts.persistentLoad ? opts.persistentLoad(pid) : fail('a persistent id where none is expected');
  const stackGlobal = (name: unknown, module: unknown): unknown =>
    typeof module === 'string' && typeof name === 'string'
      ? findGlobal(module, name)
      : fail('STACK_GLOBAL with non-string names');
  const unsupported = (what: string): never => fail(what, 'UNSUPPORTED');

  for (;;) {
    opPos = pos;
    if (pos >= data.length)
      fail('the pickle ends without a STOP opcode; the file is truncated or corrupt');
    const op = data[pos++]!;
    let a: unknown, b: unknown, c: unknown;
    // One opcode a line, with its name, in the order of CPython's pickletools.
    // prettier-ignore
    switch (op) {
      case 0x80: if (u8() > 5) unsupported(`pickle protocol ${data[pos - 1]} is newer than the 5 this reader knows`); break; // PROTO
      case 0x95: u64(); break; // FRAME: the whole stream is in memory
      case 0x2e: return pop(); // STOP
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x30: if (stack.length) stack.pop(); else popMark(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(signedLE(bytes(u8()))); break; // LONG1
      case 0x8b: a = i32(); push(signedLE(bytes((a as number) < 0 ? fail('LONG4 with a negative length') : (a as number)))); break; // LONG4
      case 0x49: a = line(); push(a === '00' || a === '01' ? a === '01' : pyInt(textInt(a as string))); break; // INT (text; 00/01 are bools)
      case 0x4c: push(pyInt(textInt(line().replace(/L$/, '')))); break; // LONG (text)
      case 0x46: push(parseFloat(line())); break; // FLOAT (text)
      case 0x47: push(f64()); break; // BINFLOAT
      case 0x53: push(unescapeString(line().slice(1, -1))); break; // STRING (quoted text)
      case 0x54: push(latin1.decode(bytes(u32()))); break; // BINSTRING (a Python 2 str)
      case 0x55: push(latin1.decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x56: push(unescapeRawUnicode(line())); break; // UNICODE (text)
      case 0x58: push(text(bytes(u32()))); break; // BINUNICODE
      case 0x8c: push(text(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(text(bytes(u64()))); break; // BINUNICODE8
      case 0x42: push(copy(bytes(u32()))); break; // BINBYTES
      case 0x43: push(copy(bytes(u8()))); break; // SHORT_BINBYTES
      case 0x8e: push(copy(bytes(u64()))); break; // BINBYTES8
      case 0x96: push(copy(bytes(u64()))); break; // BYTEARRAY8
      case 0x97: case 0x98: unsupported('out-of-band buffers (pickle protocol 5 buffer_callback) are not part of any checkpoint format'); break; // NEXT_BUFFER, READONLY_BUFFER
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x61: a = pop(); appendItems(top(), [a]); break; // APPEND
      case 0x65: a = popMark(); appendItems(top(), a as unknown[]); break; // APPENDS
      case 0x6c: push(popMark()); break; // LIST
      case 0x29: push(tuple([])); break; // EMPTY_TUPLE
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x85: push(tuple([pop()])); break; // TUPLE1
      case 0x86: b = pop(); a = pop(); push(tuple([a, b])); break; // TUPLE2
      case 0x87: c = pop(); b = pop(); a = pop(); push(tuple([a, b, c])); break; // TUPLE3
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x64: a = new Map(); setItems(a, popMark()); push(a); break; // DICT
      case 0x73: b = pop(); a = pop(); setItems(top(), [a, b]); break; // SETITEM
      case 0x75: a = popMark(); setItems(top(), a as unknown[]); break; // SETITEMS
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x90: a = popMark(); addItems(top(), a as unknown[]); break; // ADDITEMS
      case 0x91: push(new Set(popMark())); break; // FROZENSET
      case 0x63: a = line(utf8); push(findGlobal(a as string, line(utf8))); break; // GLOBAL
      case 0x93: b = pop(); a = pop(); push(stackGlobal(b, a)); break; // STACK_GLOBAL
      case 0x52: b = pop(); a = pop(); push(call(a, b)); break; // REDUCE
      case 0x81: b = pop(); a = pop(); push(call(a, b)); break; // NEWOBJ
      case 0x92: c = pop(); b = pop(); a = pop(); push(call(a, b, c)); break; // NEWOBJ_EX
      case 0x69: a = line(utf8); b = line(utf8); push(call(findGlobal(a as string, b as string), popMark())); break; // INST
      case 0x6f: a = popMark(); push(call((a as unknown[])[0], (a as unknown[]).slice(1))); break; // OBJ
      case 0x62: a = pop(); build(top(), a); break; // BUILD
      case 0x50: push(persistent(line())); break; // PERSID (text)
      case 0x51: push(persistent(pop())); break; // BINPERSID
      case 0x70: memo.set(Number(line()), top()); break; // PUT (a non-number key is never found by GET)
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: push(memoGet(Number(line()))); break; // GET
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
      case 0x82: case 0x83: case 0x84: unsupported('the copyreg extension registry (EXT opcodes) is not used by checkpoints'); break; // EXT1/2/4
      default: fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}; this is not a pickle stream, or it is corrupt`);
    }
  }
}
