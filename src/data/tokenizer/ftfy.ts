// A port of `ftfy.fix_text` (ftfy 6.3.1, default configuration), the first step of CLIP's
// `basic_clean` (docs/DATA.md §1.1). Captions from the web carry mojibake ("cafÃ©"), HTML
// entities, curly quotes, full-width letters and ligatures; the reference fixes them before
// tokenising, so a caption's ids depend on it. Control flow follows ftfy's `fix_text`,
// `fix_and_explain` and `fix_encoding_and_explain` step by step; ftfy's data (character classes,
// the mojibake heuristic's regular expression, code pages) is generated from ftfy itself into
// text-tables.generated.ts. Not ported: ftfy's optional fixers that are off by default.
import { ftfyUnescapeHtml } from './html-unescape.js';
import {
  BADNESS_RE,
  CHARMAP_ENCODINGS,
  CHARMAPS,
  CONTROL_CHARS,
  LIGATURES,
  PY_WHITESPACE,
  UTF8_DETECTOR_RE,
  WIDTH_MAP,
} from './text-tables.generated.js';

/** Python's `\s` (str patterns) as a JS character class. */
export const PY_WHITESPACE_CLASS = `[${PY_WHITESPACE.map((c) => `\\u{${c.toString(16)}}`).join('')}]`;

const badnessRe = new RegExp(BADNESS_RE.split('\\s').join(PY_WHITESPACE_CLASS), 'u');
const utf8DetectorRe = new RegExp(UTF8_DETECTOR_RE, 'gu');
const utf8DetectorTest = new RegExp(UTF8_DETECTOR_RE, 'u');

// Byte-level patterns of ftfy.chardata, applied to bytes held as a latin-1 ("binary") string.
const ALTERED_UTF8_RE =
  /[\xc2\xc3\xc5\xce\xd0\xd9][ ]|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]|[\xf0][ ][\x80-\xbf][\x80-\xbf]|[\xf0][\x80-\xbf][ ][\x80-\xbf]|[\xf0][\x80-\xbf][\x80-\xbf][ ]/g;
const A_GRAVE_WORD_RE = /\xc3 (?! |quele|quela|quilo|s )/g;
const LOSSY_UTF8_RE =
  /[\xc2-\xdf][\x1a]|[\xc2-\xc3][?]|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]|\x1a/g;
const C1_CONTROL_RE = /[\x80-\x9f]/g;
const SINGLE_QUOTE_RE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTE_RE = /[\u201c-\u201f]/g;
const ANSI_RE = /\x1b\[((?:\p{Nd}|;)*)([a-zA-Z])/gu;
const LONE_SURROGATE_RE = /[\ud800-\udfff]/gu;

function translator(table: Record<string, string | null>): (text: string) => string {
  const map = new Map<string, string>();
  for (const [code, value] of Object.entries(table))
    map.set(String.fromCodePoint(Number(code)), value ?? '');
  const cls = [...map.keys()].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
  const re = new RegExp(`[${cls}]`, 'gu');
  return (text) => text.replace(re, (c) => map.get(c)!);
}
const fixLatinLigatures = translator(LIGATURES);
const fixCharacterWidth = translator(WIDTH_MAP);
const removeControlChars = translator(
  Object.fromEntries(CONTROL_CHARS.map((c) => [String(c), null])),
);

interface Charmap {
  decode: string[]; // byte -> character
  encode: Map<string, number>;
  allowed: Set<string>; // characters `possible_encoding` accepts
}
const charmaps = new Map<string, Charmap>();
for (const name of CHARMAP_ENCODINGS) {
  const decode = Array.from(CHARMAPS[name]!);
  const encode = new Map<string, number>();
  decode.forEach((c, b) => {
    if (!encode.has(c)) encode.set(c, b);
  });
  const allowed = new Set<string>();
  for (let b = 0; b < 0x80; b++) if (b !== 0x1a) allowed.add(String.fromCharCode(b));
  for (let b = 0x80; b < 0x100; b++) allowed.add(decode[b]!);
  allowed.add(decode[0x1a]!);
  charmaps.set(name, { decode, encode, allowed });
}
const sloppy1252 = charmaps.get('sloppy-windows-1252')!;
// Bytes that strict windows-1252 leaves undefined (Python raises on them).
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

function possibleEncoding(text: string, name: string): boolean {
  const { allowed } = charmaps.get(name)!;
  for (const c of text) if (!allowed.has(c)) return false;
  return true;
}

function encodeBinary(text: string, name: string): string {
  const { encode } = charmaps.get(name)!;
  let out = '';
  for (const c of text) out += String.fromCharCode(encode.get(c)!);
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function binaryToBytes(bin: string): Uint8Array {
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

// ftfy's "utf-8-variants": UTF-8 plus CESU-8 surrogate pairs and Java's C0 80 null.
const SPECIAL_BYTES_RE =
  /\xc0(?:\x80|$)|\xed(?:[\xa0-\xaf]|$)(?:[\x80-\xbf]|$)(?:\xed|$)(?:[\xb0-\xbf]|$)(?:[\x80-\xbf]|$)|\xed(?:[\xa0-\xbf]|$)(?:[\x80-\xbf]|$)/;
const CESU8_RE = /^\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]/;
function decodeUtf8Variants(bin: string): string {
  let out = '';
  let rest = bin;
  while (rest.length > 0) {
    const m = SPECIAL_BYTES_RE.exec(rest);
    if (!m) return out + strictUtf8.decode(binaryToBytes(rest));
    if (m.index > 0) {
      out += strictUtf8.decode(binaryToBytes(rest.slice(0, m.index)));
      rest = rest.slice(m.index);
      continue;
    }
    if (rest.startsWith('\xc0') && rest.length > 1) {
      out += '\u0000';
      rest = rest.slice(2);
    } else if (CESU8_RE.test(rest)) {
      const b = (i: number) => rest.charCodeAt(i);
      out += String.fromCodePoint(
        ((b(1) & 0x0f) << 16) +
          ((b(2) & 0x3f) << 10) +
          ((b(4) & 0x0f) << 6) +
          (b(5) & 0x3f) +
          0x10000,
      );
      rest = rest.slice(6);
    } else {
      // A lone surrogate or truncated sequence: strict UTF-8 rejects it, as Python does.
      out += strictUtf8.decode(binaryToBytes(rest.slice(0, 3)));
      rest = rest.slice(3);
    }
  }
  return out;
}

export function isBad(text: string): boolean {
  return badnessRe.test(text);
}

function restoreByteA0(bin: string): string {
  return bin
    .replace(A_GRAVE_WORD_RE, '\xc3\xa0 ')
    .replace(ALTERED_UTF8_RE, (m) => m.replace(/ /g, '\xa0'));
}

function fixC1Controls(text: string): string {
  return text.replace(C1_CONTROL_RE, (c) => sloppy1252.decode[c.charCodeAt(0)]!);
}

function fixEncodingOneStep(text: string): string {
  if (text.length === 0) return text;
  if (/^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  const possible: string[] = [];
  for (const name of CHARMAP_ENCODINGS) {
    if (!possibleEncoding(text, name)) continue;
    possible.push(name);
    let bin = encodeBinary(text, name);
    ALTERED_UTF8_RE.lastIndex = 0;
    if (name !== 'macroman' && ALTERED_UTF8_RE.test(bin)) bin = restoreByteA0(bin);
    ALTERED_UTF8_RE.lastIndex = 0;
    if (name.startsWith('sloppy')) bin = bin.replace(LOSSY_UTF8_RE, '\xef\xbf\xbd');
    try {
      if (bin.includes('\xed') || bin.includes('\xc0')) return decodeUtf8Variants(bin);
      return strictUtf8.decode(binaryToBytes(bin));
    } catch {
      // not UTF-8 in this code page; try the next one
    }
  }
  if (utf8DetectorTest.test(text)) {
    const fixed = text.replace(utf8DetectorRe, (sub) =>
      sub.length < text.length && isBad(sub) ? fixEncoding(sub) : sub,
    );
    if (fixed !== text) return fixed;
  }
  // ftfy checks for "windows-1252" in a list that only holds "sloppy-windows-1252", so
  // Latin-1 text always takes the re-decode branch below; reproduced as is.
  if (possible.includes('latin-1')) {
    let ok = true;
    let fixed = '';
    for (const c of text) {
      const b = c.charCodeAt(0);
      if (CP1252_UNDEFINED.has(b)) {
        ok = false;
        break;
      }
      fixed += sloppy1252.decode[b]!;
    }
    if (ok && fixed !== text) return fixed;
  }
  C1_CONTROL_RE.lastIndex = 0;
  if (C1_CONTROL_RE.test(text)) {
    C1_CONTROL_RE.lastIndex = 0;
    return fixC1Controls(text);
  }
  return text;
}

/** ftfy's `fix_encoding`: undo UTF-8 mojibake until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const prev = text;
    text = fixEncodingOneStep(text);
    if (text === prev) return text;
  }
}

function fixSegment(text: string, unescapeHtml: boolean): string {
  if (unescapeHtml && text.includes('<')) unescapeHtml = false;
  for (;;) {
    const orig = text;
    if (unescapeHtml) text = ftfyUnescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = text.replace(DOUBLE_QUOTE_RE, '"').replace(SINGLE_QUOTE_RE, "'");
    text = text.replace(/\r\n/g, '\n').replace(/[\r\u2028\u2029\u0085]/g, '\n');
    text = text.replace(LONE_SURROGATE_RE, '\ufffd');
    text = text.replace(ANSI_RE, '');
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === orig) return text;
  }
}

/** `ftfy.fix_text(text)` with ftfy's default configuration, line by line as ftfy does. */
export function fixText(text: string): string {
  let unescapeHtml = true; // ftfy's "auto": off from the first line that contains '<'
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos) + 1;
    if (end === 0) end = text.length;
    const segment = text.slice(pos, end);
    if (unescapeHtml && segment.includes('<')) unescapeHtml = false;
    out.push(fixSegment(segment, unescapeHtml));
    pos = end;
  }
  return out.join('');
}
