/**
 * [start, end) ranges of UTF-16 offsets, as requests name the parts of a text to analyse. Pure: no
 * `vscode`, no Node; the engine's tasks share it. (The editor's highlighter keeps its own set
 * operations, src/ui/offsetRanges.ts, where an empty range is a point that still counts.)
 */

/**
 * Sorted, empty ones dropped, overlapping and touching ones merged; with `length`, each first
 * clamped to [0, length].
 */
export function disjointRanges(ranges: ReadonlyArray<readonly [number, number]>, length?: number): Array<[number, number]> {
  const clamp = (offset: number) => (length === undefined ? offset : Math.max(0, Math.min(offset, length)));
  const sorted = ranges
    .map(([start, end]): [number, number] => [clamp(start), clamp(end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
