// Keeps the documentation and the code in step: every relative link (and its #anchor) in docs/
// and the README resolves; every citation of a design document in code (`docs/DATA.md §2.1`,
// `docs/TRAINING.md "Parameter groups"`) names a page and a section that exist; no comment cites
// a design document without its docs/ folder; and the README's Layout section lists every folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC_NAMES = ['ARCHITECTURE', 'TRAINING', 'DATA', 'EVAL', 'FUSION', 'QUIRKS', 'STYLE'];
const CODE_ROOTS = ['src', 'native', 'bench', 'scripts', 'test', 'bin'];
const CODE_EXT = /\.(ts|mts|mjs|js|cc|h|cpp|py|sh)$/;
const SKIP_DIRS = new Set(['node_modules', 'build', 'dist']);

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

function headings(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => /^#{1,6}\s/.test(l))
    .map((l) => l.replace(/^#+\s+/, '').trim());
}

const markdownFiles = [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'), (p) => p.endsWith('.md'))];

test('docs: the design documents the code cites exist', () => {
  for (const name of [...DOC_NAMES, 'README']) {
    assert.ok(existsSync(join(ROOT, 'docs', `${name}.md`)), `docs/${name}.md is missing`);
  }
});

test('docs: every relative link and anchor in docs/ and README.md resolves', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const file of markdownFiles) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      checked++;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const dest = path === '' ? file : resolve(dirname(file), path);
      const where = `${relative(ROOT, file)} → ${target}`;
      if (!existsSync(dest)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined && dest.endsWith('.md') && !headingSlugs(readFileSync(dest, 'utf8')).has(anchor))
        problems.push(`${where}: no heading with anchor #${anchor} in ${relative(ROOT, dest)}`);
    }
  }
  assert.ok(checked > 20, `expected many links in docs/ and README.md, found ${checked}`);
  assert.deepEqual(problems, [], `broken links (fix the link or the heading):\n${problems.join('\n')}`);
});

/** Code text with comment continuations joined, so a citation wrapped over two lines reads as one. */
function joinedText(file: string): string {
  return readFileSync(file, 'utf8').replace(/\s*\n\s*(?:\/\/+|\*(?!\/)|#)?\s*/g, ' ');
}

test('docs: citations in code name an existing page and section', () => {
  const files = CODE_ROOTS.flatMap((r) => walk(join(ROOT, r), (p) => CODE_EXT.test(p)));
  const pages = [...DOC_NAMES, 'README'];
  const docs = new Map(pages.map((n) => [n, readFileSync(join(ROOT, 'docs', `${n}.md`), 'utf8')]));
  const problems: string[] = [];
  let citations = 0;
  for (const file of files) {
    const text = joinedText(file);
    const rel = relative(ROOT, file);
    for (const m of text.matchAll(/docs\/([A-Za-z]+)\.md/g)) {
      const name = m[1]!;
      const doc = docs.get(name);
      citations++;
      if (!doc) {
        problems.push(`${rel}: cites docs/${name}.md, which is not a design document`);
        continue;
      }
      const rest = text.slice(m.index! + m[0].length, m.index! + m[0].length + 120);
      const quoted = /^,?\s*"([^"]+)"/.exec(rest);
      if (quoted) {
        const section = quoted[1]!.toLowerCase();
        if (!headings(doc).some((h) => h.toLowerCase() === section))
          problems.push(`${rel}: docs/${name}.md has no section "${quoted[1]}"`);
      }
      const numbered = /^,?\s*(§[\d.]+(?:-[\d.]+)?(?:(?:,\s*|\s+and\s+)§[\d.]+(?:-[\d.]+)?)*)/.exec(rest);
      if (numbered) {
        const numbers = headings(doc).flatMap((h) => /^(\d+[a-z]?(?:\.\d+)*)[.\s]/.exec(h)?.[1] ?? []);
        for (const ref of numbered[1]!.matchAll(/(\d+(?:\.\d+)*)(?:-(\d+(?:\.\d+)*))?/g)) {
          for (const n of [ref[1], ref[2]]) {
            if (n && !numbers.includes(n)) problems.push(`${rel}: docs/${name}.md has no section §${n}`);
          }
        }
      }
    }
    const bare = new RegExp(`(?<![\\w/])(?:spec )?(${DOC_NAMES.join('|')})\\.md`, 'g');
    for (const m of text.matchAll(bare)) problems.push(`${rel}: cites '${m[0]}' without docs/ (write docs/${m[1]}.md)`);
    for (const m of text.matchAll(/fixtures README,? (?:item|note)s? \d+/gi))
      problems.push(`${rel}: cites '${m[0]}', which is not in the repository (docs/ARCHITECTURE.md "Numeric parity" says which docs/ section describes each note)`);
  }
  assert.ok(citations > 30, `expected the code to cite docs/ often, found ${citations} citations`);
  assert.deepEqual(problems, [], `citations that do not resolve:\n${problems.join('\n')}`);
});

test("docs: the README's Layout section lists every folder", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  assert.ok(section, 'README.md has no "## Layout" section');
  const listed = new Set([...section.matchAll(/^([\w.-]+(?:\/[\w.-]+)*\/)/gm)].map((m) => m[1]!));
  const ignored = new Set(
    readFileSync(join(ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/^\/|\/$/g, ''))
      .filter((l) => l && !l.includes('*') && !l.includes('/')),
  );
  const dirs = (dir: string): string[] =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir))
          .filter((n) => !n.startsWith('.') && !SKIP_DIRS.has(n) && !ignored.has(n))
          .filter((n) => statSync(join(ROOT, dir, n)).isDirectory())
          .map((n) => (dir ? `${dir}/${n}` : n))
      : [];
  const expected = [
    ...dirs(''),
    ...dirs('src'),
    ...dirs('src').flatMap(dirs),
    ...['native', 'test', 'bench', 'scripts'].flatMap(dirs),
  ];
  const missing = expected.map((d) => `${d}/`).filter((d) => !listed.has(d));
  assert.ok(expected.length > 20, `expected many folders, found ${expected.length}`);
  assert.deepEqual(missing, [], `folders missing from the README's Layout section: ${missing.join(', ')}`);
});
