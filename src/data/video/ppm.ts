// Splits ffmpeg's `-f image2pipe -c:v ppm` output stream into RGB frames. Each frame is a
// binary PPM ("P6 <w> <h> 255" then w*h*3 bytes), so frame sizes travel with the data and
// nothing has to be guessed from the probe (rotation, odd sizes).
import type { RgbImage } from './pil-resize.js';

export class PpmStreamParser {
  private buf: Buffer = Buffer.alloc(0);
  readonly frames: RgbImage[] = [];

  constructor(private readonly onFrame?: (img: RgbImage) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const header = parseHeader(this.buf);
      if (!header) return;
      const size = header.width * header.height * 3;
      if (this.buf.length < header.length + size) return;
      const data = new Uint8Array(size);
      data.set(this.buf.subarray(header.length, header.length + size));
      this.buf = this.buf.subarray(header.length + size);
      const img = { data, width: header.width, height: header.height };
      if (this.onFrame) this.onFrame(img);
      else this.frames.push(img);
    }
  }

  /** Bytes left over that do not form a whole frame. */
  get pendingBytes(): number {
    return this.buf.length;
  }
}

function parseHeader(buf: Buffer): { width: number; height: number; length: number } | undefined {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < buf.length && isSpace(buf[i]!)) i++;
    const start = i;
    while (i < buf.length && !isSpace(buf[i]!)) i++;
    if (i >= buf.length) return undefined;
    fields.push(buf.toString('latin1', start, i));
  }
  if (fields[0] !== 'P6' || fields[3] !== '255') {
    throw new Error(`ppm stream: unexpected header '${fields.join(' ')}' (expected 'P6 w h 255')`);
  }
  return { width: Number(fields[1]), height: Number(fields[2]), length: i + 1 };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
