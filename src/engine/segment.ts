import type { Span } from '../protocol';
import { isWhiteSpace, WHITE_SPACE_CLASS } from '../unicode';
import { keepsSentenceGoing } from './sentenceBreaks';

/**
 * Splitting a document into paragraphs and sentences. Paragraphs are separated by blank lines
 * (LF, CRLF or CR line ends); sentences come from `Intl.Segmenter` (Unicode UAX #29), which also
 * ends a sentence at a line break, so Markdown list items and headings stand alone, less the
 * breaks a reader would not make: after a title, an abbreviation or an initial (sentenceBreaks.ts;
 * V8's ICU ignores the `-u-ss-standard` locale extension that would do this).
 * Every span is trimmed of surrounding white space (Unicode's, NEL included: see `isWhiteSpace`),
 * and `text === source.slice(start, end)`.
 */

export interface ParagraphSpan extends Span {
  sentences: Span[];
}

const WORDLIKE = /[\p{L}\p{N}]/u;

// A line break, then white space on the line that is not a line break; at least two such lines.
// `\r(?!\n)`: a CRLF is one line break, never a CR and an LF making a "blank line".
const LINE_BREAK = String.raw`(?:\r\n|\r(?!\n)|\n)`;
const SPACE_ON_LINE = String.raw`(?:(?![\r\n])[${WHITE_SPACE_CLASS}])*`;
const BLANK_LINE = new RegExp(`${LINE_BREAK}${SPACE_ON_LINE}(?:${LINE_BREAK}${SPACE_ON_LINE})+`, 'gu');

export function paragraphs(text: string, locale = 'en'): ParagraphSpan[] {
  return paragraphSpans(text).map((span) => ({ ...span, sentences: sentences(text, span.start, span.end, locale) }));
}

/** The paragraphs of `text.slice(start, end)`, with offsets into `text`, without their sentences. */
export function paragraphSpans(text: string, start = 0, end = text.length): Span[] {
  const result: Span[] = [];
  const part = text.slice(start, end);
  let from = 0;
  const push = (to: number) => {
    const span = trimmedSpan(text, start + from, start + to);
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
  for (const [from, to] of readersBounds(text, end, sentenceBounds(text, start, end, sentenceSegmenter(locale)), locale)) {
    const span = trimmedSpan(text, from, to);
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

/**
 * UAX #29's bounds less those a reader would not make ("Dr. | Smith", "John F. | Kennedy"): a
 * bound that {@link keepsSentenceGoing} joins the sentence before it to the next. It never joins
 * across a line break, where UAX #29 always ends a sentence (sentiment.ts segments long
 * paragraphs a part at a time, cut at line breaks, and relies on it).
 */
function* readersBounds(text: string, end: number, bounds: Iterable<[number, number]>, locale: string): Generator<[number, number]> {
  let pending: [number, number] | undefined;
  for (const [from, to] of bounds) {
    if (pending && keepsSentenceGoing(text, pending[0], pending[1], end, locale)) pending = [pending[0], to];
    else {
      if (pending) yield pending;
      pending = [from, to];
    }
  }
  if (pending) yield pending;
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
/**
 * ICU's sentence rules for `locale`; a tag ICU cannot read (a request's `language` is the user's
 * text: "x-klingon!") gets the root rules, English's, as a document of unknown language does.
 */
function sentenceSegmenter(locale: string): Intl.Segmenter {
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    let readable = 'en';
    try {
      readable = Intl.getCanonicalLocales(locale)[0] ?? 'en';
    } catch {
      // Not a well-formed BCP-47 tag.
    }
    segmenters.set(locale, (segmenter = new Intl.Segmenter(readable, { granularity: 'sentence' })));
  }
  return segmenter;
}

/** `text.slice(start, end)` without the white space around it (see `isWhiteSpace`); undefined if nothing is left. */
export function trimmedSpan(text: string, start: number, end: number): Span | undefined {
  while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
  return start < end ? { start, end, text: text.slice(start, end) } : undefined;
}
