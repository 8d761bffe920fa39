/**
 * Cuts an answer's sentence into the text before the answer, the answer, and the text after, by
 * offsets, so that the view can mark the answer inside its sentence. Pure (no DOM), for tests.
 */

import type { Span } from '../protocol';

export interface HighlightedSentence {
  /** Context before the answer, possibly shortened with a leading "…". */
  before: string;
  /** Exactly the answer's text. */
  answer: string;
  /** Context after the answer, possibly shortened with a trailing "…". */
  after: string;
}

/** Context kept on each side of the answer, in characters, before it is shortened. */
export const DEFAULT_CONTEXT_CHARS = 160;

/**
 * The sentence around `answer`, split at the answer's offsets. Offsets are document offsets for
 * both spans. When the answer is not inside the sentence as its offsets say (an engine that
 * widened or trimmed one of them), the answer is looked for in the sentence text, nearest to where
 * it was expected; failing that, it is shown alone. Long context is cut at a word boundary.
 *
 * @example
 * highlightAnswer({ start: 20, end: 24, text: '1932' }, { start: 0, end: 51, text: 'The bridge opened in 1932 after four years of work.' })
 * // → { before: 'The bridge opened in ', answer: '1932', after: ' after four years of work.' }
 */
export function highlightAnswer(answer: Span, sentence: Span, contextChars = DEFAULT_CONTEXT_CHARS): HighlightedSentence {
  const at = answerPosition(answer, sentence);
  if (at === undefined) return { before: '', answer: answer.text, after: '' };
  const before = sentence.text.slice(0, at);
  const after = sentence.text.slice(at + answer.text.length);
  return { before: shortenStart(before, contextChars), answer: answer.text, after: shortenEnd(after, contextChars) };
}

/** Where the answer's text starts within the sentence's text, or undefined if it is not there. */
function answerPosition(answer: Span, sentence: Span): number | undefined {
  const expected = answer.start - sentence.start;
  if (answer.text === '') return undefined;
  if (sentence.text.slice(expected, expected + answer.text.length) === answer.text) return expected;
  let best: number | undefined;
  for (let i = sentence.text.indexOf(answer.text); i !== -1; i = sentence.text.indexOf(answer.text, i + 1)) {
    if (best === undefined || Math.abs(i - expected) < Math.abs(best - expected)) best = i;
  }
  return best;
}

function shortenStart(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const space = cut.search(/\s/);
  return '…' + (space >= 0 && space < max / 2 ? cut.slice(space + 1) : cut);
}

function shortenEnd(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/);
  return (space > max / 2 ? cut.slice(0, space) : cut) + '…';
}
