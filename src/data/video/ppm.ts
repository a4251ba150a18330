// Splits ffmpeg's `-f image2pipe -c:v ppm` output stream into RGB frames. Each frame is a
// binary PPM ("P6 <w> <h> 255" then w*h*3 bytes), so frame sizes travel with the data and
// nothing has to be guessed from the probe (rotation, odd sizes). The stream comes from
// decoding an untrusted file, so the header is checked before anything is buffered for it: a
// header that does not end within a few bytes, a size that is not a positive integer, or a frame
// over MAX_PPM_PIXELS is a VideoDecodeError ('VIDEO_OPEN') naming the source, never an
// allocation sized by the stream.
import { VideoDecodeError } from '../errors.js';
import type { RgbImage } from './pil-resize.js';

/** A PPM header ("P6 65535 65535 255" and separators) fits in this many bytes. */
const MAX_HEADER_BYTES = 64;
/** Largest frame accepted: 16384 x 16384 pixels (768 MiB of RGB); nothing t2vlp decodes comes near. */
export const MAX_PPM_PIXELS = 16384 * 16384;

export class PpmStreamParser {
  private buf: Buffer = Buffer.alloc(0);
  readonly frames: RgbImage[] = [];

  /** `source` names the video in messages. */
  constructor(
    private readonly onFrame?: (img: RgbImage) => void,
    private readonly source = 'ffmpeg output',
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const header = parseHeader(this.buf, this.source);
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

function bad(source: string, msg: string): never {
  throw new VideoDecodeError('VIDEO_OPEN', `ppm stream of ${quote(source)}: ${msg}`);
}

function quote(s: string): string {
  return s === 'ffmpeg output' ? s : `'${s}'`;
}

function parseHeader(
  buf: Buffer,
  source: string,
): { width: number; height: number; length: number } | undefined {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < buf.length && isSpace(buf[i]!)) i++;
    const start = i;
    while (i < buf.length && !isSpace(buf[i]!)) i++;
    if (i > MAX_HEADER_BYTES)
      bad(source, `no PPM header in the first ${MAX_HEADER_BYTES} bytes (expected 'P6 w h 255')`);
    if (i >= buf.length) {
      // Check what is already known, so a wrong stream fails at once instead of buffering.
      if (fields.length === 0 && i > start && !'P6'.startsWith(buf.toString('latin1', start, i)))
        bad(
          source,
          `unexpected header '${buf.toString('latin1', start, Math.min(i, start + 16))}' (expected 'P6 w h 255')`,
        );
      return undefined;
    }
    fields.push(buf.toString('latin1', start, i));
  }
  if (fields[0] !== 'P6' || fields[3] !== '255')
    bad(source, `unexpected header '${fields.join(' ')}' (expected 'P6 w h 255')`);
  const dim = (s: string): number =>
    /^[1-9][0-9]{0,8}$/.test(s)
      ? Number(s)
      : bad(source, `frame size '${fields[1]} ${fields[2]}' is not two positive integers`);
  const width = dim(fields[1]!);
  const height = dim(fields[2]!);
  if (width * height > MAX_PPM_PIXELS)
    bad(
      source,
      `a frame of ${width}x${height} pixels is too large (limit ${MAX_PPM_PIXELS} pixels); decode at a smaller size`,
    );
  return { width, height, length: i + 1 };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
