// Loads CLIP's BPE vocabulary file (bpe_simple_vocab_16e6.txt.gz, docs/DATA.md §1.1): gzip,
// newline-separated merges after a version header; keeps the first 49152-256-2 merges and
// builds the 49408-entry vocabulary in id order. The bundled copy lives in the package's
// assets/ folder and is found from this module's URL by walking up to package.json.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { AnnotationError } from '../errors.js';
import { bytesToUnicode } from './byte-unicode.js';

export const SOT_TOKEN = '<|startoftext|>';
export const EOT_TOKEN = '<|endoftext|>';
export const NUM_MERGES = 49152 - 256 - 2;

export interface Vocab {
  encoder: Map<string, number>;
  decoder: string[];
  ranks: Map<string, number>;
}

/** The package root (the nearest folder above this module holding package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`t2vlp: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function bundledVocabPath(): string {
  return join(packageRoot(), 'assets', 'bpe_simple_vocab_16e6.txt.gz');
}

export function parseVocab(gz: Uint8Array, source: string): Vocab {
  let text: string;
  try {
    text = gunzipSync(gz).toString('utf8');
  } catch (err) {
    throw new AnnotationError(
      'BAD_FORMAT',
      `ClipTokenizer.load: '${source}' is not a gzip file (${(err as Error).message})`,
    );
  }
  const lines = text.split('\n').slice(1, NUM_MERGES + 1);
  if (lines.length !== NUM_MERGES) {
    throw new AnnotationError(
      'BAD_FORMAT',
      `ClipTokenizer.load: '${source}' has ${lines.length} merges after the header; expected ${NUM_MERGES}`,
    );
  }
  const { order } = bytesToUnicode();
  const vocabList = [...order, ...order.map((c) => c + '</w>')];
  const ranks = new Map<string, number>();
  lines.forEach((line, i) => {
    const [a, b] = line.split(/\s+/).filter(Boolean);
    if (a === undefined || b === undefined) {
      throw new AnnotationError(
        'BAD_FORMAT',
        `ClipTokenizer.load: '${source}' line ${i + 2} is not a merge: '${line}'`,
      );
    }
    ranks.set(`${a} ${b}`, i); // later duplicates win, as with Python's dict(zip(...))
    vocabList.push(a + b);
  });
  vocabList.push(SOT_TOKEN, EOT_TOKEN);
  const encoder = new Map<string, number>();
  vocabList.forEach((tok, id) => encoder.set(tok, id));
  const decoder: string[] = [];
  for (const [tok, id] of encoder) decoder[id] = tok;
  return { encoder, decoder, ranks };
}

export async function loadVocab(path: string): Promise<Vocab> {
  let gz: Buffer;
  try {
    gz = await readFile(path);
  } catch (err) {
    throw new AnnotationError(
      'ENOENT',
      `ClipTokenizer.load: cannot read vocabulary '${path}': ${(err as Error).message}`,
    );
  }
  return parseVocab(gz, path);
}
