/**
 * Outside text (a document's words, a file's name, a data set's line, a model's label) made safe
 * to show on one line of a terminal or a message. Pure, no `vscode`: the command-line tool uses it
 * for everything it prints, and the editor's messages can use it too.
 */
import { WHITE_SPACE_CLASS } from './unicode';

/**
 * What a terminal or a text renderer would obey rather than show: control characters (C0, DEL and
 * C1, among them ESC and CSI, which start escape sequences that recolour, retitle or rewrite the
 * screen, and line breaks, tabs and NEL, which break the line), the Unicode line and paragraph
 * separators, bidirectional controls (overrides, embeddings, isolates and marks, which reorder
 * what is shown: "Trojan Source"), and lone surrogates (half a character, which no encoder can
 * write as it is).
 */
const UNSAFE = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` as one line of inert text: each unsafe character written as a visible `\u{…}` escape
 * (`\u{1b}` for ESC, `\u{a}` for a line break), everything else as it is.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
}

const WHITE_SPACE_RUN = new RegExp(`[${WHITE_SPACE_CLASS}]+`, 'gu');

/**
 * Prose for one table cell: each run of white space (line breaks included) becomes one space, as
 * a sentence that spans two lines reads on one, then the rest is made {@link printable}.
 */
export function printableProse(text: string): string {
  return printable(text.replace(WHITE_SPACE_RUN, ' '));
}

/**
 * JSON text with the unsafe characters that JSON.stringify leaves as they are (C1 controls, line
 * and paragraph separators, bidirectional controls) written as `\uXXXX` escapes: the same JSON
 * value, inert on a terminal. Only valid on JSON text, where such characters can only be in strings.
 */
export function inertJson(json: string): string {
  return json.replace(/[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
