/**
 * Ranges of UTF-16 offsets into a document, and the few set operations the entity highlighter
 * needs: which parts of a document are out of date, which of them are visible, and how to send
 * them to the worker in requests of a bounded size. Pure: no `vscode`, so it is unit-tested in
 * plain Node.
 *
 * A range is `[start, end)`. An empty range `[p, p]` is a point: "something changed at p", which
 * still makes the paragraph around p out of date, so the operations here keep points instead of
 * discarding them as empty.
 */

import { isBlank as isBlankText, WHITE_SPACE_CLASS } from '../unicode';

export type OffsetRange = [number, number];

/** Sorts and merges ranges that overlap or touch. Points inside or at the edge of a range vanish into it. */
export function mergeRanges(ranges: readonly OffsetRange[]): OffsetRange[] {
  const sorted = ranges.map(([start, end]): OffsetRange => [start, Math.max(start, end)]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: OffsetRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  return merged;
}

/**
 * The parts of `a` that lie in `b` (both merged and sorted). Two ranges that only touch share
 * nothing, but a point of either side that lies within the other (edges included) is kept.
 */
export function intersectRanges(a: readonly OffsetRange[], b: readonly OffsetRange[]): OffsetRange[] {
  const result: OffsetRange[] = [];
  let j = 0;
  for (const [start, end] of a) {
    // Skip the ranges of `b` that end before this one starts; they cannot meet later ones either.
    while (j < b.length && b[j][1] < start) j++;
    for (let k = j; k < b.length && b[k][0] <= end; k++) {
      const lo = Math.max(start, b[k][0]);
      const hi = Math.min(end, b[k][1]);
      const isPoint = start === end || b[k][0] === b[k][1];
      if (lo < hi || (lo === hi && isPoint)) result.push([lo, hi]);
    }
  }
  return mergeRanges(result);
}

/**
 * `a` without `b` (both merged and sorted). A point of `a` is removed when a range of `b` covers
 * it, edges included: a paragraph that was analysed covers the changes at its very ends.
 */
export function subtractRanges(a: readonly OffsetRange[], b: readonly OffsetRange[]): OffsetRange[] {
  const result: OffsetRange[] = [];
  let j = 0;
  for (const [start, end] of a) {
    while (j < b.length && b[j][1] < start) j++;
    if (start === end) {
      const covered = j < b.length && b[j][0] <= start && start <= b[j][1];
      if (!covered) result.push([start, end]);
      continue;
    }
    let from = start;
    for (let k = j; k < b.length && b[k][0] < end; k++) {
      if (b[k][0] === b[k][1]) continue; // a point removes nothing from a range
      if (b[k][0] > from) result.push([from, b[k][0]]);
      from = Math.max(from, b[k][1]);
    }
    if (from < end) result.push([from, end]);
  }
  return result;
}

/** Total length of merged ranges. */
export function rangesLength(ranges: readonly OffsetRange[]): number {
  return ranges.reduce((sum, [start, end]) => sum + (end - start), 0);
}

/**
 * What the paragraph logic needs to know of a document's lines, so that it runs on a VS Code
 * `TextDocument` (line by line, without copying the text) and on a plain string in tests.
 */
export interface LineIndex {
  readonly lineCount: number;
  /** The line holding `offset` (a line's end, before its line break, belongs to it). */
  lineAt(offset: number): number;
  /** Empty or whitespace only: a paragraph break, as the engine's segmenter sees it. */
  isBlank(line: number): boolean;
  lineStart(line: number): number;
  /** The offset after the line's last character, before its line break. */
  lineEnd(line: number): number;
}

/** The line holding `offset`, given where each line starts (ascending, the first 0): a binary search. */
export function lineOfOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A {@link LineIndex} over a string with LF or CRLF line ends (a snapshot of a text, and tests). */
export function lineIndexOf(text: string): LineIndex {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineEnd = (line: number) => {
    const next = line + 1 < starts.length ? starts[line + 1] - 1 : text.length;
    return next > starts[line] && text[next - 1] === '\r' ? next - 1 : next;
  };
  return {
    lineCount: starts.length,
    lineAt: (offset) => lineOfOffset(starts, offset),
    isBlank: (line) => isBlankText(text.slice(starts[line], lineEnd(line))),
    lineStart: (line) => starts[line],
    lineEnd,
  };
}

/**
 * Widens each range to the whole paragraphs it touches (paragraphs end at blank lines, as in the
 * engine's segmenter), so that a request sends the same paragraph text that the engine's cache
 * was filled with, and a changed word re-analyses its whole paragraph with its context. A region
 * runs from the start of its first line to the start of the line after its last (its line break
 * included), so that what is left of a range after a region is taken out never touches it.
 *
 * `range.end` is exclusive: a range ending at a line's start does not reach into that line. A
 * point (an empty range) belongs to the line it is on.
 *
 * With `padded`, each range includes its end and reaches one line further either way before
 * widening: that is how an edit is marked, because a line break typed or deleted at a paragraph's edge changes the
 * paragraph on the other side of the new (or former) blank line too.
 *
 * A paragraph longer than `maxLines` lines either way is cut there: a huge document without blank
 * lines must not turn one changed character into a request for all of it.
 */
export function paragraphRegions(lines: LineIndex, ranges: readonly OffsetRange[], options: { padded?: boolean; maxLines?: number } = {}): OffsetRange[] {
  const maxLines = options.maxLines ?? 1000;
  const lastLine = lines.lineCount - 1;
  const regions: OffsetRange[] = [];
  for (const [start, end] of mergeRanges(ranges)) {
    let first = lines.lineAt(start);
    let last = end > start && !options.padded ? lines.lineAt(end - 1) : lines.lineAt(end);
    if (options.padded) {
      first = Math.max(0, first - 1);
      last = Math.min(lastLine, last + 1);
    }
    for (let n = 0; n < maxLines && first > 0 && !lines.isBlank(first - 1) && !lines.isBlank(first); n++) first--;
    for (let n = 0; n < maxLines && last < lastLine && !lines.isBlank(last + 1) && !lines.isBlank(last); n++) last++;
    regions.push([lines.lineStart(first), last < lastLine ? lines.lineStart(last + 1) : lines.lineEnd(last)]);
  }
  return mergeRanges(regions);
}

/** One request to the worker: the slice `[start, end)` of the document, analysed only in `ranges`. */
export interface RequestSlice {
  start: number;
  end: number;
  /** Offsets into the document, inside `[start, end)`. */
  ranges: OffsetRange[];
}

/** A paragraph break: a line break, a line of nothing but spaces, and its line break. */
const BLANK_LINE = new RegExp(String.raw`(?:\r\n|\n)(?:(?![\r\n])[${WHITE_SPACE_CLASS}])*(?:\r\n|\n)`, 'gu');

/**
 * Groups paragraph regions into requests of about `maxChars` characters, so that a long analysis
 * is answered (and shown, and survives a cancellation) a piece at a time, and a request never
 * carries a large gap of text nobody asked about. A region longer than `maxChars` is cut at
 * blank lines (the engine caches by paragraph, so cuts must fall between paragraphs); a single
 * paragraph longer than that goes whole.
 *
 * `textOf(start, end)` reads the document; it is only called for regions that must be cut.
 */
export function requestSlices(regions: readonly OffsetRange[], textOf: (start: number, end: number) => string, maxChars: number): RequestSlice[] {
  const pieces: OffsetRange[] = [];
  for (const [start, end] of regions) {
    if (end - start <= maxChars) {
      pieces.push([start, end]);
      continue;
    }
    const text = textOf(start, end);
    let from = 0;
    while (text.length - from > maxChars) {
      BLANK_LINE.lastIndex = from + maxChars;
      // Cut at the next paragraph break after the budget, or else the last one before it.
      let cut = BLANK_LINE.exec(text)?.index ?? -1;
      if (cut < 0) cut = lastBlankLine(text, from, from + maxChars);
      if (cut <= from) break;
      pieces.push([start + from, start + cut]);
      from = cut;
    }
    pieces.push([start + from, end]);
  }
  const slices: RequestSlice[] = [];
  for (const [start, end] of pieces) {
    const last = slices.at(-1);
    if (last && end - last.start <= maxChars) {
      last.end = end;
      last.ranges.push([start, end]);
    } else {
      slices.push({ start, end, ranges: [[start, end]] });
    }
  }
  return slices;
}

function lastBlankLine(text: string, from: number, to: number): number {
  let found = -1;
  BLANK_LINE.lastIndex = from + 1;
  for (let match = BLANK_LINE.exec(text); match && match.index < to; match = BLANK_LINE.exec(text)) found = match.index;
  return found;
}

/** The ranges of sorted, merged `ranges` that lie inside `[start, end)`, clipped to it. */
export function clipRanges(ranges: readonly OffsetRange[], start: number, end: number): OffsetRange[] {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= start) lo = mid + 1;
    else hi = mid;
  }
  const result: OffsetRange[] = [];
  for (let i = lo; i < ranges.length && ranges[i][0] < end; i++) {
    const clipped: OffsetRange = [Math.max(start, ranges[i][0]), Math.min(end, ranges[i][1])];
    if (clipped[0] < clipped[1]) result.push(clipped);
  }
  return result;
}
