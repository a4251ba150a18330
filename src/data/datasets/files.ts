// File helpers shared by the readers: read text/JSON with errors that name the file, parse
// CSV (RFC 4180 quoting, as pandas reads MSR-VTT's files) and JSON lines, and map video ids to
// files by walking a folder recursively (LSMDC, MSVD, DiDeMo: id = name without extension).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';

export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new AnnotationError(
      'ENOENT',
      `${what}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

export async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AnnotationError(
      'BAD_FORMAT',
      `${what}: '${path}' is not valid JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** JSON lines: one value per non-empty line; a bad line names its number. */
export function parseJsonLines(text: string, path: string, what: string): unknown[] {
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new AnnotationError(
        'BAD_FORMAT',
        `${what}: line ${i + 1} of '${path}' is not valid JSON: ${(err as Error).message}`,
      );
    }
  });
  return out;
}

/** RFC 4180 CSV into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** CSV with a header row into records keyed by column name. */
export function parseCsvRecords(
  text: string,
  path: string,
  what: string,
  required: string[],
): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header)
    throw new AnnotationError(
      'BAD_FORMAT',
      `${what}: '${path}' is empty (expected a header with ${required.join(', ')})`,
    );
  for (const col of required) {
    if (!header.includes(col)) {
      throw new AnnotationError(
        'MISSING_FIELD',
        `${what}: '${path}' has no column '${col}' (header: ${header.join(',')})`,
      );
    }
  }
  return rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])));
}

/** Recursively maps "name without its last extension" -> path for every file under `root`. */
export async function walkVideoFiles(root: string, what: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new AnnotationError(
        'ENOENT',
        `${what}: cannot list video folder '${dir}': ${(err as NodeJS.ErrnoException).code}`,
        { cause: err },
      );
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await visit(p);
      else {
        const dot = e.name.lastIndexOf('.');
        const id = dot > 0 ? e.name.slice(0, dot) : e.name;
        if (!out.has(id)) out.set(id, p);
      }
    }
  };
  await visit(root);
  return out;
}
