// tf.train.Example protobuf, parsed and written by hand (no protobuf library): Example
// {features = 1: Features {feature = 1: map<string, Feature>}}, Feature {oneof bytes_list = 1,
// float_list = 2, int64_list = 3}, each list {repeated value = 1} (floats and ints packed or
// not). Enough for the WebVid shards ('image': one bytes value) and anything similar.
import { TfRecordError } from '../errors.js';

export type Feature = { bytes: Uint8Array[] } | { floats: number[] } | { ints: bigint[] };

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  fail(msg: string): never {
    throw new TfRecordError(
      'BAD_FORMAT',
      `parseExample: ${this.where}: ${msg} at byte ${this.pos}`,
    );
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) this.fail('varint too long');
    }
  }
  small(): number {
    return Number(this.varint());
  }
  bytes(): Uint8Array {
    const n = this.small();
    if (this.pos + n > this.buf.length) this.fail(`length ${n} runs past the end`);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }
  /** Moves past `n` bytes that must be there. */
  advance(n: number): void {
    if (this.pos + n > this.buf.length) this.fail(`a ${n}-byte field runs past the end`);
    this.pos += n;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.advance(4);
    else this.fail(`unsupported wire type ${wire}`);
  }
}

function parseFeature(buf: Uint8Array, where: string): Feature {
  const r = new Reader(buf, where);
  let feature: Feature = { bytes: [] };
  while (!r.done) {
    const tag = r.small();
    const field = tag >> 3;
    if ((tag & 7) !== 2) {
      r.skip(tag & 7);
      continue;
    }
    const list = new Reader(r.bytes(), where);
    if (field === 1) {
      const values: Uint8Array[] = [];
      while (!list.done) {
        const t = list.small();
        if (t >> 3 === 1 && (t & 7) === 2) values.push(list.bytes());
        else list.skip(t & 7);
      }
      feature = { bytes: values };
    } else if (field === 2) {
      const values: number[] = [];
      while (!list.done) {
        const t = list.small();
        if (t >> 3 === 1 && (t & 7) === 2) {
          const packed = list.bytes();
          const dv = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
          for (let i = 0; i + 4 <= packed.length; i += 4) values.push(dv.getFloat32(i, true));
        } else if (t >> 3 === 1 && (t & 7) === 5) {
          list.advance(4);
          const dv = new DataView(list.buf.buffer, list.buf.byteOffset + list.pos - 4, 4);
          values.push(dv.getFloat32(0, true));
        } else list.skip(t & 7);
      }
      feature = { floats: values };
    } else if (field === 3) {
      const values: bigint[] = [];
      while (!list.done) {
        const t = list.small();
        if (t >> 3 === 1 && (t & 7) === 2) {
          const packed = new Reader(list.bytes(), where);
          while (!packed.done) values.push(BigInt.asIntN(64, packed.varint()));
        } else if (t >> 3 === 1 && (t & 7) === 0) values.push(BigInt.asIntN(64, list.varint()));
        else list.skip(t & 7);
      }
      feature = { ints: values };
    }
  }
  return feature;
}

/** Parses a serialized tf.train.Example into its feature map. */
export function parseExample(buf: Uint8Array, where = 'record'): Map<string, Feature> {
  const out = new Map<string, Feature>();
  const r = new Reader(buf, where);
  while (!r.done) {
    const tag = r.small();
    if (tag >> 3 !== 1 || (tag & 7) !== 2) {
      r.skip(tag & 7);
      continue;
    }
    const features = new Reader(r.bytes(), where);
    while (!features.done) {
      const t = features.small();
      if (t >> 3 !== 1 || (t & 7) !== 2) {
        features.skip(t & 7);
        continue;
      }
      const entry = new Reader(features.bytes(), where);
      let key = '';
      let value: Feature = { bytes: [] };
      while (!entry.done) {
        const et = entry.small();
        if (et >> 3 === 1 && (et & 7) === 2) key = new TextDecoder().decode(entry.bytes());
        else if (et >> 3 === 2 && (et & 7) === 2) value = parseFeature(entry.bytes(), where);
        else entry.skip(et & 7);
      }
      out.set(key, value);
    }
  }
  return out;
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  const head = [(field << 3) | 2, ...varintBytes(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Serializes an Example whose features are all bytes lists. */
export function encodeBytesExample(features: Record<string, Uint8Array[]>): Uint8Array {
  const entries = Object.entries(features).map(([key, values]) => {
    const bytesList = concat(values.map((v) => lengthDelimited(1, v)));
    const feature = lengthDelimited(1, bytesList);
    return lengthDelimited(
      1,
      concat([lengthDelimited(1, new TextEncoder().encode(key)), lengthDelimited(2, feature)]),
    );
  });
  return lengthDelimited(1, concat(entries));
}
