/**
 * Hugging Face `tokenizers` reports offsets in Unicode code points; VS Code positions and
 * JavaScript strings use UTF-16 code units. This converts the former to the latter.
 */
export type CodePointToUtf16 = (codePointIndex: number) => number;

/** Returns a converter for `text`; the identity when the text has no astral characters. */
export function codePointToUtf16(text: string): CodePointToUtf16 {
  if (!hasSurrogates(text)) return (i) => i;
  const map: number[] = [];
  let unit = 0;
  for (const char of text) {
    map.push(unit);
    unit += char.length;
  }
  map.push(unit);
  return (i) => map[Math.min(i, map.length - 1)];
}

function hasSurrogates(text: string): boolean {
  return /[\uD800-\uDFFF]/.test(text);
}

/** What extends the character before it (combining marks, zero-width joiner and non-joiner). */
const EXTENDING = /[\p{M}\u200c\u200d]/u;

/**
 * Widens each token's end over the combining marks (and zero-width joiners) right after it that
 * no token covers. The uncased models' normalizer strips accents and drops format characters, so
 * in decomposed text ("Berli\u0301n\u0301", as macOS and some editors write it) a mark after a
 * word's last letter belongs to no token, and a span ending with that token would cut the last
 * character in two. A mark right after a token is in the same word, so the only token it can
 * begin is a later piece of that word. `offsets` are UTF-16 [start, end) pairs in text order,
 * [-1, -1] for special tokens; they are changed in place.
 */
export function coverTrailingMarks(text: string, offsets: Array<[number, number]>): void {
  if (!EXTENDING.test(text)) return;
  let nextStart = text.length;
  for (let t = offsets.length - 1; t >= 0; t--) {
    const [start, end] = offsets[t];
    if (start < 0) continue;
    let widened = end;
    while (widened < nextStart) {
      const code = text.codePointAt(widened) as number;
      // Nothing below U+0300 extends a character: most text never reaches the regular expression.
      if (code < 0x300 || !EXTENDING.test(String.fromCodePoint(code))) break;
      widened += code > 0xffff ? 2 : 1;
    }
    offsets[t][1] = widened;
    nextStart = Math.min(nextStart, start);
  }
}
