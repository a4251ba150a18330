/**
 * Streaming a library file over HTTP with byte ranges (RFC 9110 §14: one `bytes=a-b`, `a-` or
 * `-n` range → 206 with Content-Range; past the end → 416), so a browser's <video> can seek.
 * The caller has already resolved the path inside the library (library/paths.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { ServeError } from './errors.js';

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg',
  '.avi': 'video/x-msvideo',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
  '.3gp': 'video/3gpp',
  '.flv': 'video/x-flv',
  '.wmv': 'video/x-ms-wmv',
  '.jpg': 'image/jpeg',
};

export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** [start, end] inclusive, or undefined for the whole file; throws RANGE when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (!m[1] && !m[2])) return undefined; // not a single byte range: serve the whole file
  let start: number;
  let end: number;
  if (!m[1]) {
    const n = Number(m[2]);
    if (n === 0) throw new ServeError('RANGE', `range '${header}' selects no bytes of a ${size}-byte file`);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) throw new ServeError('RANGE', `range '${header}' is outside the file (${size} bytes)`);
  return [start, end];
}

export async function fileResponse(path: string, rangeHeader: string | undefined, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const st = await stat(path);
  const headers: Record<string, string> = { 'Content-Type': contentType(path), 'Accept-Ranges': 'bytes', ...extraHeaders };
  let range: [number, number] | undefined;
  try {
    range = parseRange(rangeHeader, st.size);
  } catch (e) {
    if (e instanceof ServeError) return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${st.size}` } });
    throw e;
  }
  const [start, end] = range ?? [0, st.size - 1];
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  const body = st.size === 0 ? null : (Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream);
  return new Response(body, { status: range ? 206 : 200, headers });
}
