/**
 * The video files of a library folder, recursively: every file with a common video extension,
 * with its path relative to the library (forward slashes, the key the index and the HTTP API
 * use), size and modification time. Hidden entries (names starting with '.') are skipped, which
 * also skips the default index folder `.t2vlp-index`; so is an `exclude` folder. A symbolic link
 * is followed only when its target lies inside the library, so a link cannot pull files from
 * elsewhere into the index.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { VIDEO_EXTENSIONS } from '../inference/index.js';
import { isInside } from './paths.js';

export interface LibraryFile {
  /** Relative to the library root, '/'-separated. */
  path: string;
  /** Absolute. */
  absPath: string;
  size: number;
  mtimeMs: number;
}

export async function scanLibrary(root: string, o: { exclude?: string } = {}): Promise<LibraryFile[]> {
  const rootReal = await realpath(root);
  const excludeReal = o.exclude ? await realpath(o.exclude).catch(() => undefined) : undefined;
  const out: LibraryFile[] = [];
  const seenDirs = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => undefined);
    if (!real || seenDirs.has(real) || real === excludeReal) return;
    seenDirs.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const abs = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => undefined);
        if (!target || !isInside(rootReal, target)) continue;
        const st = await stat(target).catch(() => undefined);
        isDir = !!st?.isDirectory();
        isFile = !!st?.isFile();
      }
      if (isDir) await walk(abs);
      else if (isFile && VIDEO_EXTENSIONS.includes(extname(e.name).toLowerCase())) {
        const st = await stat(abs).catch(() => undefined);
        if (!st) continue;
        const rel = relative(root, abs).split(sep).join('/');
        out.push({ path: rel, absPath: abs, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) });
      }
    }
  };
  await walk(root);
  return out;
}
