// Byte-pair encoding of one pre-tokenised word (docs/DATA.md §1.1), exactly as CLIP's
// SimpleTokenizer.bpe: the last character carries the `</w>` word end; repeatedly merge the
// adjacent pair of lowest rank, all its non-overlapping occurrences left to right, until no pair
// is in the merge table. Results are cached per word, as in the reference.

export class Bpe {
  private readonly cache = new Map<string, string[]>();

  /** `ranks` maps "first second" to the merge's rank (lower merges first). */
  constructor(
    private readonly ranks: Map<string, number>,
    specials: string[],
  ) {
    for (const s of specials) this.cache.set(s, [s]);
  }

  encode(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = chars.slice(0, -1).concat(chars[chars.length - 1] + '</w>');
    if (word.length === 1) {
      this.cache.set(token, word);
      return word;
    }
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best]!;
      const second = word[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]!);
          i += 1;
        }
      }
      word = merged;
      if (word.length === 1) break;
    }
    this.cache.set(token, word);
    return word;
  }

  get cacheSize(): number {
    return this.cache.size;
  }
}
