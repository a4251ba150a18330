// GPT-2/CLIP byte <-> unicode table (docs/DATA.md §1.1): printable bytes map to the code point
// of the same value, the 68 others to U+0100.. in increasing byte order, so every byte string
// becomes a string of visible characters that BPE merges can name.

/** Byte values in table order: printable ones first, then the remapped ones. */
export function byteTableOrder(): number[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  return bs;
}

/** byte -> character, and the characters in table order (vocabulary ids 0..255). */
export function bytesToUnicode(): { byteEncoder: string[]; order: string[] } {
  const bs = byteTableOrder();
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const byteEncoder = new Array<string>(256);
  const order: string[] = [];
  bs.forEach((b, i) => {
    const ch = String.fromCodePoint(cs[i]!);
    byteEncoder[b] = ch;
    order.push(ch);
  });
  return { byteEncoder, order };
}
