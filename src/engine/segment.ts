import type { Span } from '../protocol';

/**
 * Splitting a document into paragraphs and sentences. Paragraphs are separated by blank lines
 * (LF, CRLF or CR line ends); sentences come from `Intl.Segmenter` (Unicode UAX #29), which also
 * ends a sentence at a line break, so Markdown list items and headings stand alone.
 * Every span is trimmed of surrounding whitespace, and `text === source.slice(start, end)`.
 */

export interface ParagraphSpan extends Span {
  sentences: Span[];
}

const WORDLIKE = /[\p{L}\p{N}]/u;

// `\r(?!\n)`: a CRLF is one line break, never a CR and an LF making a "blank line".
const BLANK_LINE = /(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*(?:(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*)+/g;

export function paragraphs(text: string, locale = 'en'): ParagraphSpan[] {
  return paragraphSpans(text).map((span) => ({ ...span, sentences: sentences(text, span.start, span.end, locale) }));
}

/** The paragraphs of `text.slice(start, end)`, with offsets into `text`, without their sentences. */
export function paragraphSpans(text: string, start = 0, end = text.length): Span[] {
  const result: Span[] = [];
  const part = text.slice(start, end);
  let from = 0;
  const push = (to: number) => {
    const span = trimmed(text, start + from, start + to);
    if (span) result.push(span);
  };
  for (const separator of part.matchAll(BLANK_LINE)) {
    push(separator.index);
    from = separator.index + separator[0].length;
  }
  push(part.length);
  return result;
}

/** The sentences of `text.slice(start, end)`, with offsets into `text`. */
export function sentences(text: string, start = 0, end = text.length, locale = 'en'): Span[] {
  const result: Span[] = [];
  for (const [from, to] of sentenceBounds(text, start, end, sentenceSegmenter(locale))) {
    const span = trimmed(text, from, to);
    if (!span) continue;
    const previous = result.at(-1);
    // A "sentence" of only emoji or punctuation ("Great! 😀") belongs to the one before it.
    if (previous && !WORDLIKE.test(span.text) && !/[\r\n]/.test(text.slice(previous.end, span.start))) {
      result[result.length - 1] = { start: previous.start, end: span.end, text: text.slice(previous.start, span.end) };
    } else {
      result.push(span);
    }
  }
  return result;
}

/** Characters handed to the segmenter at a time. */
const CHUNK = 4096;

/**
 * Sentence boundaries of `text.slice(start, end)`. V8's segment iterator slows down with every
 * step into a long string (quadratically: 16 s for 8,000 sentences in one string), so the text is
 * segmented a chunk at a time. The last sentence of a chunk may be cut short by the chunk's end,
 * so it is segmented again at the start of the next chunk; a sentence longer than a chunk widens
 * the chunk until it ends.
 */
function* sentenceBounds(text: string, start: number, end: number, segmenter: Intl.Segmenter): Generator<[number, number]> {
  let from = start;
  let size = CHUNK;
  while (from < end) {
    const to = Math.min(end, from + size);
    const pieces = [...segmenter.segment(text.slice(from, to))];
    if (to === end) {
      for (const piece of pieces) yield [from + piece.index, from + piece.index + piece.segment.length];
      return;
    }
    if (pieces.length < 2) {
      size *= 2;
      continue;
    }
    const last = pieces.pop() as Intl.SegmentData;
    for (const piece of pieces) yield [from + piece.index, from + piece.index + piece.segment.length];
    from += last.index;
    size = CHUNK;
  }
}

const segmenters = new Map<string, Intl.Segmenter>();
function sentenceSegmenter(locale: string): Intl.Segmenter {
  let segmenter = segmenters.get(locale);
  if (!segmenter) segmenters.set(locale, (segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' })));
  return segmenter;
}

function trimmed(text: string, start: number, end: number): Span | undefined {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start < end ? { start, end, text: text.slice(start, end) } : undefined;
}

/**
 * Whitespace as JavaScript's `\s` and `trim()` see it, so that a document the other tasks (and the
 * extension) call empty, such as one of em spaces, has no paragraphs here either.
 */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}
