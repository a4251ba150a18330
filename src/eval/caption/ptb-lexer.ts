/**
 * A Penn Treebank tokenizer for caption text that behaves like Stanford CoreNLP 3.4.1's
 * `PTBTokenizer -preserveLines -lowerCase` (the one the COCO caption toolkit runs, docs/EVAL.md):
 * punctuation split off words, contractions split (`isn't` → `is n't`, `can't` → `ca n't`,
 * `cannot` → `can not`, `gonna` → `gon na`, `man's` → `man 's`), brackets as -LRB-/-RRB-/-LSB-/
 * -RSB-/-LCB-/-RCB-, quotes as `` '' ` ', dashes and ellipses normalised (— → --, … → ...),
 * abbreviations and acronyms keep their period (Mr., U.S., a.m.), hyphenated words, numbers,
 * URLs and e-mail addresses stay whole, then everything is lower-cased. Written from the
 * observed behaviour of the real tokenizer on the generated corpus in
 * test/fixtures/caption-metrics/ptb-lines.json; the few differences on odd glued strings are
 * listed in that folder's README.
 */

const ALNUM = String.raw`[\p{L}\p{M}\p{N}]`;

/** Titles, company words and months that keep their period (compared lower-cased). */
const ABBREVIATIONS = new Set(
  (
    'mr mrs ms messrs mme mlle dr drs prof profs sen sens rep reps gov govs gen col capt lt sgt cpl pvt maj adm ' +
    'rev hon pres jr sr st ste mt ft ave brig cmdr det supt atty attys ' +
    'inc corp co cos ltd bros plc dept univ assn intl ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec vs etc esp approx fig figs al'
  ).split(' '),
);
/** Abbreviations that keep their period only before a number (`No. 1`). */
const NUMBER_ABBREVIATIONS = new Set(['no', 'nos', 'art', 'nr', 'pp']);
/** Whole words the tokenizer splits in two. */
const SPLIT_WORDS = new Map([
  ['cannot', 3],
  ['gonna', 3],
  ['gotta', 3],
  ['wanna', 3],
  ['lemme', 3],
  ['gimme', 3],
]);

const BRACKETS: Record<string, string> = {
  '(': '-LRB-',
  ')': '-RRB-',
  '[': '-LSB-',
  ']': '-RSB-',
  '{': '-LCB-',
  '}': '-RCB-',
};
/** Characters rewritten before tokenizing (currency, fractions, ellipsis). */
const CHAR_MAP: Record<string, string> = {
  '£': '#',
  '€': '$',
  '¢': ' cents ',
  '½': ' 1/2 ',
  '¼': ' 1/4 ',
  '¾': ' 3/4 ',
  '⅓': ' 1/3 ',
  '⅔': ' 2/3 ',
  '…': ' ... ',
  '—': ' -- ',
  '–': ' -- ',
  '―': ' -- ',
};
const QUOTES = new Set(['"', '“', '”', '«', '»', '‘', '’', "'", '`']);

// Tried in this order at each position of a whitespace-free chunk; the first that matches wins.
const sticky = (src: string): RegExp => new RegExp(src, 'uy');
const URL = new RegExp(String.raw`(?:https?|ftp):\/\/[^\s"“”()<>\[\]{}]+`, 'uyi');
const WWW = sticky(String.raw`[wW]{3}\.[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`);
const EMAIL = sticky(String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`);
const HANDLE = sticky(String.raw`[@#][\p{L}_][\p{L}\p{N}_]*`);
const TAG = sticky(String.raw`<\/?[A-Za-z][A-Za-z0-9]*>`);
const EMOTICON = sticky(String.raw`[:;]-?[()](?!${ALNUM})`);
const CAPS_AMP = sticky(String.raw`[A-Z]+(?:&[A-Z]+)+`);
const SLASHED = sticky(
  String.raw`[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}`,
);
const HYPHENATED = sticky(String.raw`${ALNUM}+(?:-${ALNUM}+)+`);
const DOTTED = sticky(String.raw`\p{L}${ALNUM}*(?:\.\p{L}${ALNUM}*)+`);
const NUMBER = sticky(String.raw`\d+(?:[.,:]\d+)+`);
const SIGNED_NUMBER = sticky(String.raw`[-+]\d+(?:[.,]\d+)*`);
const POINT_NUMBER = sticky(String.raw`[.:,]\d+`);
const WORD = sticky(`${ALNUM}+`);
const APOSTROPHE_SUFFIX = new RegExp(String.raw`['’](?:s|re|ll|ve|m|d)(?!${ALNUM})`, 'uyi');
const APOSTROPHE_WORD = new RegExp(
  String.raw`['’](?:n['’]|n$|em(?!${ALNUM})|[2-9]0s|t(?=is|was))`,
  'uyi',
);
const DOTS = sticky(String.raw`\.{3,}`);
const SYMBOL_RUN = sticky(String.raw`[!?]+|\*+|_+|-{2,}|\^_\^`);

function matchAt(re: RegExp, s: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m ? m[0] : undefined;
}

/** Tokens of one whitespace-free chunk; `nextChunk` decides `No.` before a number. */
function tokenizeChunk(chunk: string, nextChunk: string, out: string[]): void {
  let pos = 0;
  const n = chunk.length;
  const ascii = (s: string): string => s.replace(/’/g, "'");
  while (pos < n) {
    const ch = chunk[pos]!;
    const atWordStart = pos === 0 || !/[\p{L}\p{M}]/u.test(chunk[pos - 1]!);
    const whole =
      matchAt(URL, chunk, pos) ??
      matchAt(EMAIL, chunk, pos) ??
      matchAt(WWW, chunk, pos) ??
      matchAt(HANDLE, chunk, pos) ??
      matchAt(TAG, chunk, pos) ??
      (atWordStart ? matchAt(CAPS_AMP, chunk, pos) : undefined) ??
      matchAt(SLASHED, chunk, pos);
    if (whole !== undefined) {
      out.push(whole);
      pos += whole.length;
      continue;
    }
    const emoticon = matchAt(EMOTICON, chunk, pos);
    if (emoticon !== undefined) {
      out.push(emoticon.replace(/[()[\]{}]/g, (b) => BRACKETS[b]!));
      pos += emoticon.length;
      continue;
    }
    if (/[\p{L}\p{M}\p{N}]/u.test(ch)) {
      pos = wordAt(chunk, pos, nextChunk, out);
      continue;
    }
    const other =
      matchAt(SIGNED_NUMBER, chunk, pos) ??
      matchAt(POINT_NUMBER, chunk, pos) ??
      matchAt(APOSTROPHE_SUFFIX, chunk, pos) ??
      matchAt(APOSTROPHE_WORD, chunk, pos) ??
      matchAt(DOTS, chunk, pos) ??
      matchAt(SYMBOL_RUN, chunk, pos);
    if (other !== undefined) {
      if (/^-{2,}$/.test(other)) out.push('--');
      else if (/^\.{3,}$/.test(other)) out.push('...');
      else out.push(ascii(other));
      pos += other.length;
      continue;
    }
    if (ch in BRACKETS) out.push(BRACKETS[ch]!);
    else if (QUOTES.has(ch)) out.push(quoteToken(chunk, pos));
    else out.push(ch);
    pos += 1;
  }
}

/** PTB quotes: double quotes become `` or '', single ones ` or ' (all removed by the toolkit later). */
function quoteToken(chunk: string, pos: number): string {
  const ch = chunk[pos]!;
  if (ch === "'" && chunk[pos + 1] === "'") return "''";
  if (ch === '`' && chunk[pos + 1] === '`') return '``';
  const opening = pos === 0 || /[\s([{]/u.test(chunk[pos - 1]!);
  if ('“«'.includes(ch)) return '``';
  if ('”»'.includes(ch)) return "''";
  if (ch === '"') return opening ? '``' : "''";
  if (ch === '‘' || ch === '`') return '`';
  return opening ? '`' : "'";
}

/** A token starting with a letter or digit; returns the position after what it consumed. */
function wordAt(chunk: string, pos: number, nextChunk: string, out: string[]): number {
  const compound =
    matchAt(HYPHENATED, chunk, pos) ??
    (/\d/.test(chunk[pos]!) ? matchAt(NUMBER, chunk, pos) : matchAt(DOTTED, chunk, pos));
  if (compound !== undefined) {
    const end = pos + compound.length;
    // Acronyms (u.s., a.m., ph.d.) keep a final period.
    if (
      chunk[end] === '.' &&
      chunk[end + 1] !== '.' &&
      compound.includes('.') &&
      !/\d/.test(compound[0]!)
    ) {
      if (compound.split('.').every((seg) => seg.length === 1) || /^ph\.d$/i.test(compound)) {
        out.push(compound + '.');
        return end + 1;
      }
    }
    out.push(compound);
    return end;
  }
  const word = matchAt(WORD, chunk, pos)!;
  const end = pos + word.length;
  const lower = word.toLowerCase();
  const next = chunk[end];
  const pushWord = (): void => {
    const cut = SPLIT_WORDS.get(lower);
    if (cut !== undefined) out.push(word.slice(0, cut), word.slice(cut));
    else out.push(word);
  };
  if (next === '-' && lower === 'anti' && end + 1 === chunk.length) {
    out.push(word + '-');
    return end + 1;
  }
  if (next === undefined || !/['’.#+]/.test(next)) {
    pushWord();
    return end;
  }
  if (next === '.') {
    if (ABBREVIATIONS.has(lower)) {
      out.push(word + '.');
      return end + 1;
    }
    if (chunk[end + 1] !== '.') {
      const keep =
        (word.length === 1 && /\p{L}/u.test(word)) ||
        (NUMBER_ABBREVIATIONS.has(lower) && end + 1 === chunk.length && /^\d/.test(nextChunk));
      if (keep) {
        out.push(word + '.');
        return end + 1;
      }
    }
    pushWord();
    return end;
  }
  if (next === '#' || next === '+') {
    // C#, F#, C++: one letter and the sign.
    const sign = next === '+' ? (chunk.startsWith('++', end) ? '++' : '') : '#';
    if (sign && word.length === 1 && /[A-Za-z]/.test(word)) {
      out.push(word + sign);
      return end + sign.length;
    }
    pushWord();
    return end;
  }
  // An apostrophe follows.
  const rest = chunk.slice(end + 1);
  if (/[nN]$/.test(word) && /^[tT]/.test(rest)) {
    // n't, with whatever letters are glued after it (the lexer keeps them: "n'tplaying").
    const glued = /^[tT][\p{L}\p{M}\p{N}]*/u.exec(rest)![0];
    if (word.length > 1) out.push(word.slice(0, -1));
    out.push(word.slice(-1) + "'" + glued);
    return end + 1 + glued.length;
  }
  if (/^[yY]$/.test(word) && /^\p{L}/u.test(rest)) {
    out.push(word + "'");
    return end + 1;
  }
  if (/^(?:s|re|ll|ve|m|d)(?![\p{L}\p{M}\p{N}])/iu.test(rest)) {
    pushWord(); // the suffix ('s, 're, …) is the next token
    return end;
  }
  const glued =
    (word.length === 1 && /^[A-HJ-XZa-hj-xz]$/.test(word) && /^\p{L}{2}/u.test(rest)) ||
    (word.length >= 2 && /[aeiouAEIOUY]$/.test(word) && /^[aeiouA-Z]/.test(rest));
  if (glued) {
    const tail = /^\p{L}+/u.exec(rest)![0];
    out.push(word + "'" + tail);
    return end + 1 + tail.length;
  }
  pushWord();
  return end;
}

/**
 * The raw PTB tokens of one line, lower-cased, before the toolkit's punctuation removal.
 * Line breaks count as spaces (the toolkit replaces '\n' in a caption with a space).
 */
export function ptbLex(text: string): string[] {
  let s = text
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/\u00ad/g, '')
    // Characters the 3.4.1 lexer cannot tokenize are dropped (it warns): astral ones such as
    // emoji, and the figure dash.
    .replace(/[\u{10000}-\u{10ffff}\u2012]/gu, ' ')
    .replace(/[£€¢½¼¾⅓⅔…—–―]/g, (c) => CHAR_MAP[c]!);
  s = s.replace(/(^|\s)\.(?:\s+\.){2,}/g, '$1 ... ');
  const chunks = s.split(/[\s\u200b\ufeff]+/u).filter((c) => c.length > 0);
  const out: string[] = [];
  chunks.forEach((chunk, i) => tokenizeChunk(chunk, chunks[i + 1] ?? '', out));
  return out.map((t) => t.toLowerCase());
}
