/**
 * Which videos to encode, from what a user names: a folder (every video file directly in it,
 * sorted by name, id = file name), a list file (one path per line, relative to the list's
 * folder, `#` comments and blank lines ignored, id = the line as written), or one video file.
 * A folder is read as a stream of entries and both kinds stop at `maxFiles` videos with a message,
 * so a folder of millions of files costs bounded memory (the embeddings of one run are
 * maxFiles x dim floats: encode a larger collection in parts).
 */
import { opendir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { InferenceError } from './errors.js';

export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.avi',
  '.mkv',
  '.webm',
  '.mpg',
  '.mpeg',
  '.flv',
  '.wmv',
  '.3gp',
  '.ogv',
  '.ts',
];

export interface VideoFile {
  /** File name (folder), the line as written (list) or the path given (one file). */
  id: string;
  path: string;
}

const isVideoName = (name: string) => VIDEO_EXTENSIONS.includes(extname(name).toLowerCase());

/** Most videos one listing returns (default of `maxFiles`). */
export const MAX_VIDEO_FILES = 200_000;

function tooMany(what: string, maxFiles: number): InferenceError {
  return new InferenceError(
    'TOO_MANY_FILES',
    `${what} holds more than ${maxFiles} videos, the most one run encodes; ` +
      'split it into parts (a list file per part, passed as --videos LIST) and encode each',
  );
}

export async function listVideoFiles(
  folderOrList: string,
  opts: { maxFiles?: number } = {},
): Promise<VideoFile[]> {
  const maxFiles = opts.maxFiles ?? MAX_VIDEO_FILES;
  const st = await stat(folderOrList).catch(() => undefined);
  if (!st)
    throw new InferenceError('NOT_FOUND', `video folder or list '${folderOrList}' does not exist`);
  if (st.isDirectory()) {
    const names: string[] = [];
    const dir = await opendir(folderOrList, { bufferSize: 256 });
    try {
      for await (const e of dir) {
        if (!(e.isFile() || e.isSymbolicLink()) || !isVideoName(e.name)) continue;
        if (names.length === maxFiles) throw tooMany(`folder '${folderOrList}'`, maxFiles);
        names.push(e.name);
      }
    } finally {
      await dir.close().catch(() => {}); // already closed when the iteration ran to its end
    }
    const files = names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (!files.length)
      throw new InferenceError(
        'NO_VIDEOS',
        `no video files (${VIDEO_EXTENSIONS.slice(0, 6).join(', ')}, ...) in folder '${folderOrList}'`,
      );
    return files.map((name) => ({ id: name, path: join(folderOrList, name) }));
  }
  if (isVideoName(folderOrList)) return [{ id: folderOrList, path: folderOrList }];
  const text = await readFile(folderOrList, 'utf8');
  if (text.includes('\0'))
    throw new InferenceError(
      'NO_VIDEOS',
      `'${folderOrList}' is neither a video folder, a video file (${VIDEO_EXTENSIONS.slice(0, 4).join(', ')}, ...) nor a text list of videos`,
    );
  const out: VideoFile[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const first = seen.get(line);
    if (first !== undefined)
      throw new InferenceError(
        'BAD_OPTION',
        `video list '${folderOrList}' names '${line}' twice (lines ${first} and ${i + 1}); ids must be unique`,
      );
    seen.set(line, i + 1);
    if (out.length === maxFiles) throw tooMany(`video list '${folderOrList}'`, maxFiles);
    out.push({ id: line, path: isAbsolute(line) ? line : join(dirname(folderOrList), line) });
  });
  if (!out.length)
    throw new InferenceError('NO_VIDEOS', `video list '${folderOrList}' names no videos`);
  return out;
}

/** Non-blank lines of a text list (one text per line), trimmed. */
export async function readTextList(path: string): Promise<string[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InferenceError('NOT_FOUND', `text file '${path}' does not exist`);
  if (st.isDirectory())
    throw new InferenceError(
      'BAD_OPTION',
      `'${path}' is a folder; expected a text file with one text per line`,
    );
  const texts = (await readFile(path, 'utf8'))
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!texts.length)
    throw new InferenceError('EMPTY_QUERY', `text file '${path}' has no non-blank line`);
  return texts;
}
