/**
 * What text is made of, in the terms every side needs: UTF-16 offsets from code points, white
 * space and blank text, combining marks and surrogates. Pure (no Node, no `vscode`, no DOM): the
 * engine, the extension host and the command line all import it.
 */

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

/**
 * White space, the one definition of it for every blank check, trim and word separator: Unicode's
 * White_Space property — which includes NEL (U+0085), as JavaScript's `\s` and `trim()` do not —
 * and U+FEFF, which they include (so nothing they called blank is text now; in the middle of a
 * text it is mostly a byte-order mark left where two files were joined). A character class body,
 * for regular expressions with the `u` flag.
 */
export const WHITE_SPACE_CLASS = String.raw`\p{White_Space}\uFEFF`;

const WHITE_SPACE = new RegExp(`[${WHITE_SPACE_CLASS}]`, 'u');
const BLANK = new RegExp(`^[${WHITE_SPACE_CLASS}]*$`, 'u');

/** Whether `text` is empty or only white space: nothing to analyse. */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/** Whether the UTF-16 code unit `code` is white space (every white space character is one unit). */
export function isWhiteSpace(code: number): boolean {
  // Most text is ASCII: answer it without the regular expression.
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return WHITE_SPACE.test(String.fromCharCode(code));
}

let whiteSpaceList: readonly string[] | undefined;

/** Every white space character (all are in the Basic Multilingual Plane), in code point order. */
export function whiteSpaceCharacters(): readonly string[] {
  if (!whiteSpaceList) {
    // One scan of a string of the whole plane: a test per character took 50 ms.
    let plane = '';
    for (let from = 0; from < 0x10000; from += 0x1000) plane += String.fromCharCode(...Array.from({ length: 0x1000 }, (_, i) => from + i));
    whiteSpaceList = plane.match(new RegExp(WHITE_SPACE.source, 'gu')) ?? [];
  }
  return whiteSpaceList;
}

function hasSurrogates(text: string): boolean {
  return /[\uD800-\uDFFF]/.test(text);
}

/** What extends the character before it (combining marks, zero-width joiner and non-joiner): never cut from it. */
export const EXTENDING = /[\p{M}\u200c\u200d]/u;

/** Whether the UTF-16 code unit `code` is the second half of a surrogate pair (a character outside the BMP). */
export function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

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
