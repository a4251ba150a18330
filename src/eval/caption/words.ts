/**
 * How the COCO toolkit's scorers cut a caption into words. BLEU and CIDEr use Python's
 * `str.split()` (runs of any Unicode whitespace, no empty words); ROUGE-L uses `str.split(" ")`
 * (every single space cuts, so an empty caption is one empty word and double spaces give empty
 * words). Reproducing both keeps `tokenize: 'none'` equal to the toolkit on any string
 * (docs/EVAL.md).
 */

// The characters for which Python's str.isspace() is true.
const PYTHON_WHITESPACE =
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python's `s.split()`: words between runs of whitespace, none empty. */
export function splitWhitespace(text: string): string[] {
  return text.split(PYTHON_WHITESPACE).filter((w) => w.length > 0);
}

/** Python's `s.split(" ")`: cut at every space; `''` gives `['']`. */
export function splitSpaces(text: string): string[] {
  return text.split(' ');
}

/**
 * The n-grams of 1..maxN words with their counts, keyed by the words joined with a space
 * (words from {@link splitWhitespace} hold no space, so keys are unambiguous). Insertion order
 * is by length, then position, as the toolkit builds its dictionaries.
 */
export function countNgrams(words: readonly string[], maxN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxN; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      const key = words.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The number of words in an n-gram key of {@link countNgrams}. */
export function ngramOrder(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 32) n++;
  return n;
}

/** Arithmetic mean (the toolkit's numpy mean differs from it by rounding only, far below 1e-12). */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
