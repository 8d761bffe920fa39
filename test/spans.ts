import assert from 'node:assert/strict';
import type { Span } from '../src/protocol';
import { isWhiteSpace } from '../src/unicode';

// Checks on the spans the engine reports (sentences, paragraphs, entities, answers and their
// sentences, topic sections), shared by the hostile-input tests (test/unit/badInput.test.ts) and
// the random-document property tests (test/unit/property.test.ts). The extension highlights,
// selects and edits the document by these offsets, so an offset that is off by one unit, or lands
// between the two halves of a surrogate pair or before a combining mark, marks or replaces the
// wrong text. Checked here:
// - every span's text is the document's own slice at its offsets, whole offsets, not empty, and
//   inside what was analysed (the text, or a selection of a larger document);
// - with `wholeCharacters`, no span cuts a character in two: no split surrogate pair, and no
//   combining mark or zero-width (non-)joiner left just outside its end;
// - spans that must not overlap are sorted and apart;
// - nothing that is not whitespace is left out of spans that must cover the text (sentences,
//   topic sections).

/** A document and the part of it that was analysed. */
export interface Bounds {
  /** The whole document: the analysed text with what comes before and after it. */
  document: string;
  /** Where the analysed text starts and ends in it. */
  from: number;
  to: number;
}

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
const LOW_SURROGATE = /[\uDC00-\uDFFF]/;
const EXTENDING = /[\p{M}\u200c\u200d]/u;

/** The ranges clamped to the text, with overlapping and touching ones joined: what is analysed. */
export function mergedRanges(ranges: ReadonlyArray<[number, number]>, length: number): Array<[number, number]> {
  const clamped = ranges.map(([start, end]): [number, number] => [Math.max(0, start), Math.min(length, end)]).filter(([start, end]) => start < end);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of clamped.sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * Each span is the document's own text at its offsets, whole offsets, not empty, inside
 * [from, to], and (with `wholeCharacters`) cuts no character in two: no surrogate pair, and no
 * combining mark or zero-width joiner left outside after it. A cut exactly at `from` or `to` is
 * the caller's, not the engine's (the engine is given only the text between them), so it is allowed.
 */
export function assertSpans({ document, from, to }: Bounds, spans: readonly Span[], what: string, { wholeCharacters = true } = {}): void {
  for (const span of spans) {
    const at = `${what} ${JSON.stringify(span.text.slice(0, 40))} at [${span.start}, ${span.end})`;
    assert.ok(Number.isInteger(span.start) && Number.isInteger(span.end), `${at}: whole offsets`);
    assert.ok(from <= span.start && span.start < span.end && span.end <= to, `${at}: not empty and inside [${from}, ${to}]`);
    assert.equal(span.text, document.slice(span.start, span.end), `${at}: its text is the document's`);
    if (!wholeCharacters) continue;
    const splitsPair = (i: number) => HIGH_SURROGATE.test(document[i - 1] ?? '') && LOW_SURROGATE.test(document[i] ?? '');
    assert.ok(!splitsPair(span.start) || span.start === from, `${at}: splits a surrogate pair at its start`);
    assert.ok(!splitsPair(span.end) || span.end === to, `${at}: splits a surrogate pair at its end`);
    if (span.end < to) assert.ok(!EXTENDING.test(String.fromCodePoint(document.codePointAt(span.end) as number)), `${at}: leaves out a combining mark after it`);
  }
}

/** Every character of the analysed text that is not whitespace lies in one of the (sorted) spans: nothing is lost. */
export function assertCovers({ document, from, to }: Bounds, spans: readonly Span[], what: string): void {
  let s = 0;
  for (let i = from; i < to; i++) {
    while (s < spans.length && spans[s].end <= i) s++;
    if (isWhiteSpace(document.charCodeAt(i))) continue;
    assert.ok(s < spans.length && spans[s].start <= i, `${what} leave out ${JSON.stringify(document[i])} at ${i}`);
  }
}

/** Each span ends where the next one starts or before: sorted, and none overlaps another. */
export function assertSortedApart(spans: readonly Span[], what: string): void {
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i - 1].end <= spans[i].start, `${what} sorted and apart: [${spans[i - 1].start}, ${spans[i - 1].end}) then [${spans[i].start}, ${spans[i].end})`);
  }
}
