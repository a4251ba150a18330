// CLIP's text normalisation before pre-tokenisation (docs/DATA.md §1.1): `basic_clean`
// (ftfy.fix_text, HTML-unescape twice, strip), `whitespace_clean` (runs of Python-`\s`
// whitespace become one space, strip) and lower-casing. Python's `\s` and `str.strip` are used
// exactly (they include U+001C..U+001F and U+0085, which JS's `\s` lacks, and exclude U+FEFF).
// Lower-casing uses JS `toLowerCase`, which equals Python's `str.lower` except for ~55
// characters added to Unicode after Python 3.11's tables (Node's ICU is newer).
import { fixText, PY_WHITESPACE_CLASS } from './ftfy.js';
import { htmlUnescape } from './html-unescape.js';

const WS_RUN = new RegExp(`${PY_WHITESPACE_CLASS}+`, 'gu');
const WS_EDGES = new RegExp(`^${PY_WHITESPACE_CLASS}+|${PY_WHITESPACE_CLASS}+$`, 'gu');

/** Python's `str.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(WS_EDGES, '');
}

/** `basic_clean`: ftfy.fix_text, html.unescape twice, strip. */
export function basicClean(text: string): string {
  return pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
}

/** `whitespace_clean`: collapse whitespace runs to one space, strip. */
export function whitespaceClean(text: string): string {
  return pyStrip(text.replace(WS_RUN, ' '));
}

/** The exact string CLIP's pre-tokeniser sees: `whitespace_clean(basic_clean(text)).lower()`. */
export function cleanText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}
