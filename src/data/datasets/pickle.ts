// A reader for Python pickles that hold plain data only (dicts, lists, tuples, strings,
// numbers, None, booleans), enough for MSVD's raw-captions.pkl (docs/DATA.md §3.3) without an
// offline conversion. It interprets protocol 2-5 data opcodes and refuses anything that would
// import or call code (GLOBAL, REDUCE, BUILD, ...), so an untrusted file cannot run anything.
import { AnnotationError } from '../errors.js';

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>;

const MARK = Symbol('mark');

export function readPickle(buf: Uint8Array, source: string): PickleValue {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const stack: (PickleValue | typeof MARK)[] = [];
  const memo = new Map<number, PickleValue>();
  let i = 0;
  const fail = (msg: string): never => {
    throw new AnnotationError('BAD_FORMAT', `readPickle: '${source}' at byte ${i}: ${msg}`);
  };
  const need = (n: number) => {
    if (i + n > buf.length) fail('truncated');
  };
  const u8 = () => (need(1), buf[i++]!);
  const u32 = () => (need(4), (i += 4), dv.getUint32(i - 4, true));
  const bytes = (n: number) => (need(n), (i += n), buf.subarray(i - n, i));
  const popMark = (): PickleValue[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) fail('no MARK on the stack');
    const items = stack.splice(k) as PickleValue[];
    items.shift();
    return items;
  };
  /** Pops a value; an empty stack or a MARK where a value belongs is a malformed stream. */
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('an opcode pops a value from an empty stack');
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('empty stack');
    return v as PickleValue;
  };
  const setItems = (dict: PickleValue, kv: PickleValue[]) => {
    if (!(dict instanceof Map)) fail('SETITEM on a non-dict');
    for (let k = 0; k + 1 < kv.length; k += 2)
      (dict as Map<PickleValue, PickleValue>).set(kv[k]!, kv[k + 1]!);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        bytes(8);
        break; // FRAME
      case 0x2e: {
        // STOP
        const v = stack.pop();
        if (v === undefined || v === MARK) fail('STOP with an empty stack');
        return v as PickleValue;
      }
      case 0x28:
        stack.push(MARK);
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x64: {
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      } // DICT
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        need(2);
        stack.push(dv.getUint16(i, true));
        i += 2;
        break; // BININT2
      case 0x4a:
        need(4);
        stack.push(dv.getInt32(i, true));
        i += 4;
        break; // BININT
      case 0x47:
        need(8);
        stack.push(dv.getFloat64(i, false));
        i += 8;
        break; // BINFLOAT
      case 0x8c:
        stack.push(utf8.decode(bytes(u8())));
        break; // SHORT_BINUNICODE
      case 0x58:
        stack.push(utf8.decode(bytes(u32())));
        break; // BINUNICODE
      case 0x8d: {
        need(8);
        const n = Number(dv.getBigUint64(i, true));
        i += 8;
        stack.push(utf8.decode(bytes(n)));
        break;
      }
      case 0x43:
        stack.push(bytes(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(bytes(u32()).slice());
        break; // BINBYTES
      case 0x55:
        stack.push(new TextDecoder('latin1').decode(bytes(u8())));
        break; // SHORT_BINSTRING
      case 0x54:
        stack.push(new TextDecoder('latin1').decode(bytes(u32())));
        break; // BINSTRING
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} not set`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x61: {
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND on a non-list');
        (l as PickleValue[]).push(v);
        break;
      }
      case 0x65: {
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS on a non-list');
        // One at a time: push(...items) overflows the call stack past ~100k items.
        for (const x of items) (l as PickleValue[]).push(x);
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      default:
        fail(
          `opcode 0x${op.toString(16)} is not plain data (only dicts, lists, strings and numbers are read; nothing is imported or called)`,
        );
    }
  }
}
