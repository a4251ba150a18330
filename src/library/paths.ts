/**
 * Library-relative paths from outside (an HTTP request, a CLI argument) → files on disk, refusing
 * anything that could leave the library: absolute paths, '..' segments, NUL bytes, backslashes,
 * and symbolic links whose target resolves outside the library root; hidden names (the index
 * folder among them) are refused too, as the library scan skips them.
 */
import { realpath } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import { LibraryError } from './errors.js';

/** True when `child` (a resolved path) is `parent` or below it. */
export function isInside(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r) && !r.split(sep).includes('..'));
}

/** Checks the shape of a relative path; throws NOT_FOUND (never says whether a file exists outside). */
export function checkRelativePath(rel: string): string {
  const bad = () => {
    throw new LibraryError('NOT_FOUND', `'${rel}' is not a path inside the library`);
  };
  if (!rel || rel.includes('\0') || rel.includes('\\') || rel.startsWith('/') || /^[a-zA-Z]:/.test(rel)) bad();
  const parts = rel.split('/');
  // '.'-names also cover '..' and hidden entries such as the index folder, which the scan skips too.
  if (parts.some((p) => p === '' || p.startsWith('.'))) bad();
  return parts.join(sep);
}

/** The real path of library file `rel`, or NOT_FOUND if it does not exist or resolves outside `root`. */
export async function resolveLibraryFile(root: string, rel: string): Promise<string> {
  const local = checkRelativePath(rel);
  const rootReal = await realpath(root);
  const real = await realpath(join(rootReal, local)).catch(() => undefined);
  if (!real || !isInside(rootReal, real))
    throw new LibraryError('NOT_FOUND', `'${rel}' is not a file in the library`);
  return real;
}
