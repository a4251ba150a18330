// HTML entity decoding exactly as the reference's text cleaning does it: CPython's
// `html.unescape` (named references with and without ';', longest-prefix matching, numeric
// references with the HTML5 replacement rules), which CLIP's `basic_clean` applies twice, and
// ftfy's stricter `unescape_html` (only ';'-terminated names, plus upper-cased Latin names),
// which `ftfy.fix_text` applies first. Tables come from text-tables.generated.ts.
import {
  FTFY_EXTRA_ENTITIES,
  HTML5_ENTITIES,
  INVALID_CHARREFS,
  INVALID_CODEPOINTS,
} from './text-tables.generated.js';

const invalidCodepoints = new Set(INVALID_CODEPOINTS);
const html5 = new Map(Object.entries(HTML5_ENTITIES));

// CPython: r'&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)'
const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function replaceCharref(match: string, body: string): string {
  if (body[0] === '#') {
    const hex = body[1] === 'x' || body[1] === 'X';
    const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
    // Python ints are unbounded; anything past 0x10FFFF is replaced anyway.
    const num = digits.length > 12 ? Infinity : parseInt(digits, hex ? 16 : 10);
    const fixed = INVALID_CHARREFS[String(num)];
    if (fixed !== undefined) return fixed;
    if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
    if (invalidCodepoints.has(num)) return '';
    return String.fromCodePoint(num);
  }
  const direct = html5.get(body);
  if (direct !== undefined) return direct;
  // Longest prefix that is an entity (the standard's rule for names without ';').
  const chars = Array.from(body);
  for (let x = chars.length - 1; x > 1; x--) {
    const prefix = chars.slice(0, x).join('');
    const value = html5.get(prefix);
    if (value !== undefined) return value + chars.slice(x).join('');
  }
  return match;
}

/** CPython's `html.unescape`. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, replaceCharref);
}

// ftfy: HTML_ENTITY_RE = r"&#?[0-9A-Za-z]{1,24};"
const FTFY_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;

/** ftfy's `fixes.unescape_html`: only unambiguous ';'-terminated references. */
export function ftfyUnescapeHtml(text: string): string {
  return text.replace(FTFY_ENTITY_RE, (m) => {
    const named = html5.get(m.slice(1)) ?? FTFY_EXTRA_ENTITIES[m];
    if (named !== undefined) return named;
    if (m.startsWith('&#')) {
      const unescaped = htmlUnescape(m);
      return unescaped.includes(';') ? m : unescaped;
    }
    return m;
  });
}
