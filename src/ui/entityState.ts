/**
 * What the highlighter knows of one document, without `vscode` (so it is unit-tested in plain
 * Node): the entities found so far, moved through every edit at once, and the parts of the text
 * that are out of date and wait for the next analysis. The highlighter asks {@link nextPass} what
 * to analyse — the visible paragraphs first — and hands the answers to {@link accept}.
 */
import type { Entity } from '../protocol';
import { occurrencesOf } from './entityKinds';
import { intersectRanges, mergeRanges, paragraphRegions, rangesLength, subtractRanges, type LineIndex, type OffsetRange } from './offsetRanges';
import { moveSpans, shiftDirtyRanges, shiftRange, type OffsetEdit } from './textEdits';

/**
 * How much of the document is kept highlighted: all of it; only what is scrolled into view (for
 * documents above `textAnalytics.maxDocumentSize`, or after the user cancelled a long run); or
 * one range (a selection), which moves and stretches with edits.
 */
export type EntityScope = { kind: 'document' } | { kind: 'visible' } | { kind: 'range'; range: OffsetRange };

export interface AnalysisPass {
  /** Whole paragraphs to analyse, sorted; offsets into the document. */
  regions: OffsetRange[];
  /** These are only the visible ones; another pass follows for the rest. */
  visibleFirst: boolean;
}

export class EntityDocumentState {
  /** Owned copies, moved in place on every keystroke (see `moveSpans`); never handed out to keep. */
  private found: Entity[] = [];
  /** Out of date, exactly: a range ending at a line's start does not reach into that line. */
  private outOfDate: OffsetRange[];
  /**
   * Where edits happened since the last pass, edges included; a line break typed there may have
   * changed the paragraph beyond the next blank line, so these widen by a line each way (see
   * `paragraphRegions`) when the next pass turns them into paragraphs.
   */
  private edited: OffsetRange[] = [];

  constructor(
    length: number,
    public scope: EntityScope = { kind: 'document' },
  ) {
    this.outOfDate = [[0, length]];
  }

  /**
   * Sorted by start, never overlapping, offsets into the document as it is now. Live: the next
   * edit moves them; use {@link snapshot} for entities to keep.
   */
  get entities(): readonly Readonly<Entity>[] {
    return this.found;
  }

  /** A copy of the entities now, unaffected by later edits. */
  snapshot(): Entity[] {
    return this.found.map((entity) => ({ ...entity }));
  }

  /** The parts waiting for analysis, and where edits happened (points mark deletions). */
  get pending(): { outOfDate: readonly OffsetRange[]; edited: readonly OffsetRange[] } {
    return { outOfDate: this.outOfDate, edited: this.edited };
  }

  /** Whether everything in scope has been analysed. */
  isComplete(lines: LineIndex, visible: readonly OffsetRange[]): boolean {
    return this.remaining(lines, visible).length === 0;
  }

  /**
   * Follows the document's edits at once: entities move with their text, those an edit touches
   * are dropped, and what the edits wrote becomes out of date. Returns how many were dropped (the
   * caller redraws only then: VS Code moves the decorations of the others by itself).
   */
  applyEdits(edits: readonly OffsetEdit[]): number {
    if (edits.length === 0) return 0;
    const dropped = moveSpans(this.found, edits);
    this.outOfDate = mergeRanges(edits.reduce((ranges, edit) => ranges.map((range) => shiftRange(range, edit)), this.outOfDate));
    this.edited = shiftDirtyRanges(this.edited, edits);
    if (this.scope.kind === 'range') {
      let range = this.scope.range;
      for (const edit of edits) range = shiftRange(range, edit);
      this.scope = { kind: 'range', range };
    }
    return dropped;
  }

  /** Marks the whole document out of date (new settings, a new model); the entities stay shown until replaced. */
  invalidate(length: number): void {
    this.outOfDate = [[0, length]];
    this.edited = [];
  }

  /** Forgets the entities and marks everything out of date. */
  reset(length: number, scope: EntityScope): void {
    this.found = [];
    this.scope = scope;
    this.invalidate(length);
  }

  /**
   * What to analyse next: the out-of-date paragraphs in scope, those intersecting `visible`
   * first. Undefined when there is nothing left to do.
   */
  nextPass(lines: LineIndex, visible: readonly OffsetRange[]): AnalysisPass | undefined {
    const candidates = this.remaining(lines, visible);
    if (candidates.length === 0) return undefined;
    const first = intersectRanges(candidates, paragraphRegions(lines, visible));
    if (first.length > 0 && rangesLength(first) < rangesLength(candidates)) return { regions: first, visibleFirst: true };
    return { regions: candidates, visibleFirst: false };
  }

  /**
   * Takes the entities found in `regions` (of the document as it is now): they replace whatever
   * was known there, and the regions are no longer out of date.
   */
  accept(regions: readonly OffsetRange[], entities: readonly Entity[]): void {
    const analysed = mergeRanges(regions);
    const kept = this.found.filter((entity) => !overlapsAny(entity, analysed));
    const fresh = entities.filter((entity) => overlapsAny(entity, analysed)).map((entity) => ({ ...entity }));
    this.found = [...kept, ...fresh].sort((a, b) => a.start - b.start);
    this.outOfDate = subtractRanges(this.outOfDate, analysed);
  }

  /** The entity under `offset` (its first character up to, not including, its end). */
  entityAt(offset: number): Readonly<Entity> | undefined {
    const entity = this.found[firstEndingAfter(this.found, offset)];
    return entity && entity.start <= offset && offset < entity.end ? entity : undefined;
  }

  /** Every entity that is the same as `entity` (same kind, same normalised text); live, like {@link entities}. */
  occurrences(entity: { text: string; type: string }): readonly Readonly<Entity>[] {
    return occurrencesOf(this.found, entity);
  }

  /** The entities that overlap `[start, end)`, in order; live, like {@link entities}. */
  entitiesIn(start: number, end: number): readonly Readonly<Entity>[] {
    const first = firstEndingAfter(this.found, start);
    let last = first;
    while (last < this.found.length && this.found[last].start < end) last++;
    return this.found.slice(first, last);
  }

  /** The out-of-date paragraphs in scope, whole. */
  remaining(lines: LineIndex, visible: readonly OffsetRange[]): OffsetRange[] {
    // `lines` is the text the edits made, so this is the moment to see which paragraphs they hit.
    if (this.edited.length > 0) {
      this.outOfDate = mergeRanges([...this.outOfDate, ...paragraphRegions(lines, this.edited, { padded: true })]);
      this.edited = [];
    }
    const outOfDate = paragraphRegions(lines, this.outOfDate);
    switch (this.scope.kind) {
      case 'document':
        return outOfDate;
      case 'visible':
        return intersectRanges(outOfDate, paragraphRegions(lines, visible));
      case 'range':
        return intersectRanges(outOfDate, paragraphRegions(lines, [this.scope.range]));
    }
  }
}

/** Whether the entity shares text with one of the sorted, merged ranges. */
function overlapsAny(entity: Entity, ranges: readonly OffsetRange[]): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= entity.start) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo][0] < entity.end;
}

/** The index of the first of sorted spans that ends after `offset`. */
function firstEndingAfter(spans: readonly Entity[], offset: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
