// TFRecord framing (docs/DATA.md §4.2), read and written directly instead of through
// TensorFlow: each record is u64 length (little-endian), u32 masked CRC-32C of those 8 bytes,
// the payload, u32 masked CRC-32C of the payload. Reads check both CRCs by default (the
// reference does not; a mismatch means a corrupt shard and is reported, not decoded).
import { open, writeFile } from 'node:fs/promises';
import { TfRecordError } from '../errors.js';
import { maskedCrc32c } from './crc32c.js';

export interface ReadRecordOptions {
  /** Check the length and payload CRCs (default true). */
  verifyCrc?: boolean;
}

/** Reads the record starting at byte `offset` of `path`. */
export async function readRecordAt(
  path: string,
  offset: number,
  o: ReadRecordOptions = {},
): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new TfRecordError(
      'ENOENT',
      `readRecordAt: cannot open TFRecord shard '${path}': ${(err as NodeJS.ErrnoException).code}`,
      { cause: err },
    );
  }
  try {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new TfRecordError(
        'BAD_OPTION',
        `readRecordAt: offset ${offset} into '${path}' is not a non-negative integer`,
      );
    const fileSize = (await fh.stat()).size;
    const head = Buffer.alloc(12);
    const got = (await fh.read(head, 0, 12, offset)).bytesRead;
    if (got < 12)
      throw new TfRecordError(
        'TRUNCATED',
        `readRecordAt: '${path}' ends inside the record header at byte ${offset} (${got} of 12 bytes)`,
      );
    const length = head.readBigUInt64LE(0);
    if (o.verifyCrc !== false && maskedCrc32c(head.subarray(0, 8)) !== head.readUInt32LE(8)) {
      throw new TfRecordError(
        'CRC_MISMATCH',
        `readRecordAt: length CRC mismatch in '${path}' at byte ${offset} (not a record start, or the shard is corrupt)`,
      );
    }
    if (length > BigInt(2 ** 31))
      throw new TfRecordError(
        'BAD_FORMAT',
        `readRecordAt: record of ${length} bytes in '${path}' at byte ${offset} is implausibly large`,
      );
    const n = Number(length);
    // The length is data from the file: check it against the file before allocating for it.
    if (offset + 16 + n > fileSize)
      throw new TfRecordError(
        'TRUNCATED',
        `readRecordAt: '${path}' is truncated: record at byte ${offset} needs ${n + 16} bytes, file has ${Math.max(0, fileSize - offset)} (or its length field is corrupt)`,
      );
    const body = Buffer.alloc(n + 4);
    const gotBody = (await fh.read(body, 0, n + 4, offset + 12)).bytesRead;
    if (gotBody < n + 4)
      throw new TfRecordError(
        'TRUNCATED',
        `readRecordAt: '${path}' is truncated: record at byte ${offset} needs ${n + 16} bytes, file has ${12 + gotBody}`,
      );
    const payload = body.subarray(0, n);
    if (o.verifyCrc !== false && maskedCrc32c(payload) !== body.readUInt32LE(n)) {
      throw new TfRecordError(
        'CRC_MISMATCH',
        `readRecordAt: payload CRC mismatch in '${path}' for the record at byte ${offset} (corrupt shard)`,
      );
    }
    return new Uint8Array(payload.buffer, payload.byteOffset, n);
  } finally {
    await fh.close();
  }
}

/** Frames one payload as a TFRecord. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = Buffer.alloc(payload.length + 16);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(payload, 12);
  out.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length);
  return out;
}

/** Writes records to a new file; returns each record's byte offset. */
export async function writeRecords(
  path: string,
  payloads: readonly Uint8Array[],
): Promise<number[]> {
  const offsets: number[] = [];
  let pos = 0;
  const framed = payloads.map((p) => {
    offsets.push(pos);
    pos += p.length + 16;
    return frameRecord(p);
  });
  await writeFile(path, Buffer.concat(framed));
  return offsets;
}
