/**
 * Positions in the encoding the client and the server agreed on (LSP 3.17 `positionEncoding`):
 * a line and a column counted in UTF-16 code units (the protocol's default), UTF-8 bytes or
 * Unicode code points (UTF-32). The engine's offsets, JavaScript strings and
 * `vscode-languageserver-textdocument` all count UTF-16 units, so the server keeps every offset
 * in UTF-16 and converts only at the wire, here: out through {@link positionAt}, in through
 * {@link offsetAt}. Pure (no connection, no I/O).
 *
 * The encoding chosen is the first the client lists that the server knows ({@link chooseEncoding}):
 * the client names its own in its order of preference (Neovim and Helix: utf-8 first), and a
 * column in the client's native unit is one conversion fewer on its side, where mistakes are
 * usually made; the server converts either way at the same cost, since it holds the text.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export type PositionEncoding = 'utf-8' | 'utf-16' | 'utf-32';

const KNOWN: readonly PositionEncoding[] = ['utf-8', 'utf-16', 'utf-32'];

/** The encoding for a client that offers `offered` (its `general.positionEncodings`); UTF-16 when it offers none. */
export function chooseEncoding(offered: readonly string[] | undefined): PositionEncoding {
  return (offered ?? []).find((encoding): encoding is PositionEncoding => (KNOWN as readonly string[]).includes(encoding)) ?? 'utf-16';
}

/** The code point at UTF-16 offset `at`: its width in `encoding`'s units and in UTF-16 units. */
function width(text: string, at: number, encoding: PositionEncoding): { units: number; utf16: number } {
  const code = text.charCodeAt(at);
  const next = text.charCodeAt(at + 1);
  const pair = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  const utf16 = pair ? 2 : 1;
  if (encoding === 'utf-16') return { units: utf16, utf16 };
  if (encoding === 'utf-32') return { units: 1, utf16 };
  // UTF-8: a lone surrogate is written as U+FFFD (3 bytes) by every encoder.
  const units = pair ? 4 : code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
  return { units, utf16 };
}

/** Where the line starting at `lineStart` ends (before its line break), in UTF-16 units. */
function lineEnd(text: string, lineStart: number): number {
  let end = lineStart;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return end;
}

/** The column of UTF-16 `offset` within the line starting at `lineStart`, in `encoding`'s units. */
function columnOf(text: string, lineStart: number, offset: number, encoding: PositionEncoding): number {
  if (encoding === 'utf-16') return offset - lineStart;
  let column = 0;
  for (let at = lineStart; at < offset; ) {
    const { units, utf16 } = width(text, at, encoding);
    // Half a surrogate pair (an offset inside one) counts as the whole character not yet reached.
    if (at + utf16 > offset) break;
    column += units;
    at += utf16;
  }
  return column;
}

/**
 * The UTF-16 offset of `column` (in `encoding`'s units) on the line starting at `lineStart`: past
 * the line's end it is the line's end (as the protocol says), and inside a character's bytes or
 * surrogate pair it is that character's start.
 */
function offsetOfColumn(text: string, lineStart: number, column: number, encoding: PositionEncoding): number {
  const end = lineEnd(text, lineStart);
  if (encoding === 'utf-16') return Math.min(lineStart + Math.max(0, column), end);
  let at = lineStart;
  let units = 0;
  while (at < end) {
    const step = width(text, at, encoding);
    if (units + step.units > column) break;
    units += step.units;
    at += step.utf16;
  }
  return at;
}

/** The position of UTF-16 `offset` of `document`, in `encoding`. */
export function positionAt(document: TextDocument, offset: number, encoding: PositionEncoding): Position {
  const utf16 = document.positionAt(offset);
  if (encoding === 'utf-16') return utf16;
  const text = document.getText();
  const lineStart = document.offsetAt({ line: utf16.line, character: 0 });
  return { line: utf16.line, character: columnOf(text, lineStart, lineStart + utf16.character, encoding) };
}

/** The UTF-16 offset in `document` of `position`, given in `encoding`. */
export function offsetAt(document: TextDocument, position: Position, encoding: PositionEncoding): number {
  if (encoding === 'utf-16') return document.offsetAt(position);
  if (position.line >= document.lineCount) return document.getText().length;
  const lineStart = document.offsetAt({ line: Math.max(0, position.line), character: 0 });
  return offsetOfColumn(document.getText(), lineStart, position.character, encoding);
}

/** The range of the UTF-16 span [start, end) of `document`, in `encoding`. */
export function rangeOf(document: TextDocument, span: { start: number; end: number }, encoding: PositionEncoding): Range {
  return { start: positionAt(document, span.start, encoding), end: positionAt(document, span.end, encoding) };
}
