/**
 * The README's library example: the first ```ts block under the "## Using the library" heading
 * (found by heading and fence, not by line numbers, so edits to the README keep the test honest).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './installed-project.js';

export const LIBRARY_HEADING = '## Using the library';

/** The code of the first ```ts fence in the section under `heading` (up to the next `## `). */
export function codeUnderHeading(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`README.md has no '${heading}' heading; the package test runs the example under it`);
  let i = start + 1;
  while (i < lines.length && !/^##\s/.test(lines[i]!) && !/^```(ts|typescript)\s*$/.test(lines[i]!.trim())) i++;
  if (i >= lines.length || /^##\s/.test(lines[i]!))
    throw new Error(`README.md: no \`\`\`ts code block under '${heading}' (before the next '## ' heading)`);
  const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
  if (end < 0) throw new Error(`README.md: the \`\`\`ts block under '${heading}' is not closed`);
  return lines.slice(i + 1, end).join('\n') + '\n';
}

export async function readmeLibraryExample(): Promise<string> {
  return codeUnderHeading(await readFile(join(REPO_ROOT, 'README.md'), 'utf8'), LIBRARY_HEADING);
}
