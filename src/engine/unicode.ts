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
