/**
 * The COCO caption toolkit's caption preparation (`pycocoevalcap` 1.2 `PTBTokenizer`,
 * docs/EVAL.md): PTB tokens, lower case, then the toolkit's punctuation tokens removed and the
 * rest joined by single spaces. The toolkit's list names the brackets in upper case
 * (-LRB-, -RRB-, -LCB-, -RCB-) but compares them with lower-cased tokens, so brackets survive as
 * `-lrb-`, `-rrb-`, `-lsb-`, `-rsb-`, `-lcb-`, `-rcb-`; kept here for equal scores.
 */
import { ptbLex } from './ptb-lexer.js';

/** The tokens the toolkit drops after tokenizing (its upper-case bracket names never match). */
const TOOLKIT_PUNCTUATION = new Set([
  "''",
  "'",
  '``',
  '`',
  '-LRB-',
  '-RRB-',
  '-LCB-',
  '-RCB-',
  '.',
  '?',
  '!',
  ',',
  ':',
  '-',
  '--',
  '...',
  ';',
]);

/** One caption as the toolkit scores it: `"A man's guitar (red)."` → `"a man 's guitar -lrb- red -rrb-"`. */
export function ptbTokenize(text: string): string {
  return ptbLex(text)
    .filter((t) => !TOOLKIT_PUNCTUATION.has(t))
    .join(' ');
}
