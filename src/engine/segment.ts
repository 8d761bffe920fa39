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

const BLANK_LINE = /(?:\r\n|\r|\n)[^\S\r\n]*(?:(?:\r\n|\r|\n)[^\S\r\n]*)+/g;

export function paragraphs(text: string, locale = 'en'): ParagraphSpan[] {
  const result: ParagraphSpan[] = [];
  let from = 0;
  for (const separator of text.matchAll(BLANK_LINE)) {
    pushParagraph(text, from, separator.index, locale, result);
    from = separator.index + separator[0].length;
  }
  pushParagraph(text, from, text.length, locale, result);
  return result;
}

function pushParagraph(text: string, start: number, end: number, locale: string, out: ParagraphSpan[]): void {
  const span = trimmed(text, start, end);
  if (!span) return;
  out.push({ ...span, sentences: sentences(text, span.start, span.end, locale) });
}

/** The sentences of `text.slice(start, end)`, with offsets into `text`. */
export function sentences(text: string, start = 0, end = text.length, locale = 'en'): Span[] {
  const segmenter = sentenceSegmenter(locale);
  const result: Span[] = [];
  for (const segment of segmenter.segment(text.slice(start, end))) {
    const span = trimmed(text, start + segment.index, start + segment.index + segment.segment.length);
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

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0xfeff || code === 0x3000;
}
