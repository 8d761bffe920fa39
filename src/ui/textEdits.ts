/**
 * Moving offsets through the edits of a document, so that highlights follow the text at once
 * while the analysis catches up after a pause. Pure: no `vscode`; an {@link OffsetEdit} is the
 * `rangeOffset`, `rangeLength` and `text` of a `TextDocumentContentChangeEvent`.
 *
 * The edits of one change event are applied in the order given, each to the text the previous
 * one left, as VS Code itself applies them (it sorts a multi-cursor edit from the bottom up, so
 * that the offsets of each hold in both the old and the intermediate text).
 */
import { mergeRanges, type OffsetRange } from './offsetRanges';

export interface OffsetEdit {
  /** Where the replaced text starts. */
  offset: number;
  /** How many characters were replaced (0 for an insertion). */
  length: number;
  /** The new text ('' for a deletion). */
  text: string;
}

export interface Spanned {
  start: number;
  end: number;
}

/** A character that makes a word longer, so text typed against an entity changes it. */
const WORD_CHARACTER = /[\p{L}\p{N}\p{M}]/u;

/**
 * Whether `edit` changes the span's text or the word it belongs to: it overlaps the span, or
 * joins it at an edge — typing a letter against "Paris" makes "Parisx", a different word, while a
 * space or a full stop there leaves "Paris" as it was. A deletion at an edge may join the span to
 * the next word, so it counts as touching too.
 */
export function editTouches(span: Spanned, edit: OffsetEdit): boolean {
  const end = edit.offset + edit.length;
  if (edit.offset < span.end && end > span.start) return true;
  const deletes = edit.length > 0 && edit.text === '';
  if (edit.offset === span.end) return deletes || WORD_CHARACTER.test(edit.text.charAt(0) || ' ');
  if (end === span.start) return deletes || WORD_CHARACTER.test(edit.text.slice(-1) || ' ');
  return false;
}

/**
 * Moves sorted, non-overlapping spans through the edits, in place: spans before an edit stay,
 * spans after it shift by its change in length, spans it touches ({@link editTouches}) are
 * removed from the array (they wait for the next analysis). Returns how many were removed.
 *
 * In place because it runs on every keystroke: each edit costs a binary search and a tight loop
 * adding a number to the spans after it — no allocation, so tens of thousands of entities cost
 * well under a millisecond.
 */
export function moveSpans(spans: Spanned[], edits: readonly OffsetEdit[]): number {
  let dropped = 0;
  for (const edit of edits) {
    const end = edit.offset + edit.length;
    const delta = edit.text.length - edit.length;
    // The first span that ends at or after the edit; those before cannot be touched.
    const first = firstIndex(spans, (span) => span.end >= edit.offset);
    let i = first;
    let kept = first;
    for (; i < spans.length && spans[i].start <= end; i++) {
      const span = spans[i];
      if (editTouches(span, edit)) continue;
      if (span.start >= end) move(span, delta);
      spans[kept++] = span;
    }
    if (kept < i) {
      dropped += i - kept;
      spans.splice(kept, i - kept);
      i = kept;
    }
    if (delta !== 0) for (; i < spans.length; i++) move(spans[i], delta);
  }
  return dropped;
}

function move(span: Spanned, delta: number): void {
  span.start += delta;
  span.end += delta;
}

/** Where a range ends up after an edit: shifted when after it, stretched over it when they meet. */
export function shiftRange([start, end]: OffsetRange, edit: OffsetEdit): OffsetRange {
  const editEnd = edit.offset + edit.length;
  const delta = edit.text.length - edit.length;
  if (end < edit.offset) return [start, end];
  if (start > editEnd) return [start + delta, end + delta];
  return [Math.min(start, edit.offset), end >= editEnd ? end + delta : edit.offset + edit.text.length];
}

/**
 * The parts of a document that need analysing again after the edits: the earlier ones, moved,
 * and the text each edit wrote (a deletion leaves a point, which still marks its paragraph).
 * Sorted and merged.
 */
export function shiftDirtyRanges(ranges: readonly OffsetRange[], edits: readonly OffsetEdit[]): OffsetRange[] {
  let current = [...ranges];
  for (const edit of edits) {
    current = current.map((range) => shiftRange(range, edit));
    current.push([edit.offset, edit.offset + edit.text.length]);
  }
  return mergeRanges(current);
}

function firstIndex<T>(items: readonly T[], isAtOrAfter: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (isAtOrAfter(items[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
