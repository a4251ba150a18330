/**
 * A content fingerprint of a video file, to tell a real change from a touched mtime and to
 * recognise a file again: SHA-256 of the whole file up to 64 MiB; above that, of the size and
 * sixteen 1 MiB slices spread over the file (reading a 4 GB video in full for every mtime change
 * would cost more than encoding it). Also used for checkpoints, which identify the model an
 * index was built with.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const FULL_LIMIT = 64 * 2 ** 20;
const SLICE = 2 ** 20;
const SLICES = 16;

export async function contentHash(path: string, o: { full?: boolean } = {}): Promise<string> {
  const f = await open(path, 'r');
  try {
    const { size } = await f.stat();
    const h = createHash('sha256');
    if (o.full || size <= FULL_LIMIT) {
      for await (const chunk of f.createReadStream({ autoClose: false, start: 0 })) h.update(chunk as Buffer);
      return h.digest('hex');
    }
    h.update(`size:${size};`);
    const buf = Buffer.alloc(SLICE);
    for (let i = 0; i < SLICES; i++) {
      const pos = Math.floor(((size - SLICE) * i) / (SLICES - 1));
      const { bytesRead } = await f.read(buf, 0, SLICE, pos);
      h.update(buf.subarray(0, bytesRead));
    }
    return 'sampled:' + h.digest('hex');
  } finally {
    await f.close();
  }
}
