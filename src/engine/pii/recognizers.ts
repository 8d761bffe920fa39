/**
 * The recognizers: patterns that find candidates fast, each validated before it is reported
 * (checksums, number plans, ranges), with context words raising scores; the user's patterns (RE2,
 * linear time) and deny-list; and the resolution of overlapping findings.
 */
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import type { PiiFinding, PiiParams } from '../../protocol';
import { PII_TYPE_NAME, PII_TYPES, type PiiType } from '../../tasks/pii';
import { throwIfCancelled } from '../errors';
import { patternProblem, scanDenyList, scanPatterns } from './custom';
import { dateRecognizer } from './dates';
import { emailRecognizer, ipRecognizer, macRecognizer, urlRecognizer } from './network';
import { cardRecognizer, ibanRecognizer, phoneRecognizer, ssnRecognizer } from './numbers';
import type { Recognizer, ScanOptions } from './scan';
import { credentialRecognizer, cryptoRecognizer } from './secrets';
import { disjointRanges } from '../../ranges';

/** Every built-in recognizer; each runs only when one of its types is asked for. */
const RECOGNIZERS: readonly Recognizer[] = [
  emailRecognizer,
  urlRecognizer,
  ipRecognizer,
  macRecognizer,
  cardRecognizer,
  ibanRecognizer,
  ssnRecognizer,
  phoneRecognizer,
  cryptoRecognizer,
  credentialRecognizer,
  dateRecognizer,
];

/** Characters read on each side of a range, so that words and context just outside it are seen as they are. */
const MARGIN = 64;

/** How many candidates pass between two looks at the cancellation signal. */
const TICKS_PER_CHECK = 2048;

type RecognizerParams = Pick<PiiParams, 'types' | 'ranges' | 'phoneRegion' | 'patterns' | 'denyList'>;

/** The region as the phone library spells it (upper case), if it knows it. */
function phoneRegion(region: string): CountryCode | undefined {
  const code = region.trim().toUpperCase();
  return isSupportedCountry(code) ? code : undefined;
}

/** A problem with the request's patterns, types or region, in one line; undefined when there is none. */
export function recognizerProblem(params: Pick<PiiParams, 'types' | 'phoneRegion' | 'patterns' | 'denyList'>): string | undefined {
  if (!phoneRegion(params.phoneRegion)) {
    return `The phone region "${params.phoneRegion}" (textAnalytics.pii.phoneRegion) is not one the phone library knows: use a two-letter ISO 3166 code such as US, GB or DE.`;
  }
  const badName = [...(params.types ?? []), ...params.patterns.map((p) => p.type), ...Object.keys(params.denyList)].find((type) => !PII_TYPE_NAME.test(type));
  if (badName !== undefined) return `"${badName}" is not a personal-data type name: use upper-case letters, digits and _, such as EMAIL_ADDRESS or EMPLOYEE_ID.`;
  return patternProblem(params.patterns);
}

/** Whether a type is computed: those the request lists, else every type but DATE_TIME (the user's own types too). */
function wantedTypes(types: readonly string[] | undefined): (type: string) => boolean {
  if (!types) return (type) => type !== 'DATE_TIME';
  const wanted = new Set(types);
  return (type) => wanted.has(type);
}

/**
 * V8 runs a regular expression's first search in its interpreter and compiles it to machine code
 * for the next: the first request runs every recognizer once on this line, so that a user's first
 * large document (or a stream's first window) is not read by interpreted patterns — several times
 * slower over a megabyte. Only then, not when the module loads: other commands never pay for it.
 */
const WARM_UP_TEXT = 'Call +1 650 253 0000 or 650-253-0000, mail a@b.example, see https://example.com 10.0.0.1 ::1 4111 1111 1111 1111 on 2024-03-14';
let warmedUp = false;

/**
 * Every finding of the recognizers, the user's patterns and deny-list in `text` (or only inside
 * its `ranges`), offsets into `text`, not yet free of overlaps. Built-in recognizers report
 * source `pattern`; the user's patterns and deny-list `custom`.
 */
export function recognize(text: string, params: RecognizerParams, signal?: AbortSignal): PiiFinding[] {
  if (!warmedUp) {
    warmedUp = true;
    recognize(WARM_UP_TEXT, { types: [...PII_TYPES], phoneRegion: 'US', patterns: [], denyList: {} });
  }
  const wants = wantedTypes(params.types);
  const recognizers = RECOGNIZERS.filter((recognizer) => recognizer.types.some(wants));
  let ticks = 0;
  const options: ScanOptions = {
    wants,
    phoneRegion: phoneRegion(params.phoneRegion) ?? 'US',
    tick: () => {
      if (++ticks % TICKS_PER_CHECK === 0) throwIfCancelled(signal);
    },
  };
  const found: PiiFinding[] = [];
  // The ranges to analyse, sorted, merged and clamped to the text; the whole text when none are given.
  for (const [from, to] of params.ranges ? disjointRanges(params.ranges, text.length) : [[0, text.length]]) {
    // A range is read with a margin around it, and only what lies wholly inside it is kept.
    const base = Math.max(0, from - MARGIN);
    const slice = base === 0 && to + MARGIN >= text.length ? text : text.slice(base, to + MARGIN);
    const report = (start: number, end: number, type: string, score: number, source: PiiFinding['source']) => {
      const s = start + base;
      const e = end + base;
      if (s < from || e > to || !wants(type)) return;
      found.push({ start: s, end: e, text: text.slice(s, e), type, score: Math.round(score * 100) / 100, source });
    };
    for (const recognizer of recognizers) {
      throwIfCancelled(signal);
      recognizer.scan(slice, (start, end, type: PiiType, score) => report(start, end, type, score, 'pattern'), options);
    }
    throwIfCancelled(signal);
    scanPatterns(slice, params.patterns, wants, (start, end, type, score) => report(start, end, type, score, 'custom'), options.tick);
    scanDenyList(slice, params.denyList, wants, (start, end, type, score) => report(start, end, type, score, 'custom'), options.tick);
  }
  return found;
}

/** Whether `a` should be kept over `b` when they overlap: the longer, then the surer, then the earlier. */
function ranksBefore(a: PiiFinding, b: PiiFinding): number {
  return b.end - b.start - (a.end - a.start) || b.score - a.score || a.start - b.start;
}

/**
 * Sorted by start, none overlapping: of two that overlap, the longer is kept, or the surer when
 * equal. Findings are taken in clusters that overlap among themselves, so the greedy choice runs
 * only where there is a choice, and a log with a hundred thousand findings costs a sort.
 */
export function resolveOverlaps(findings: readonly PiiFinding[]): PiiFinding[] {
  const byStart = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiFinding[] = [];
  let cluster: PiiFinding[] = [];
  let clusterEnd = -1;
  const settle = () => {
    if (cluster.length === 1) kept.push(cluster[0]);
    else if (cluster.length > 1) {
      const chosen: PiiFinding[] = [];
      for (const finding of cluster.sort(ranksBefore)) {
        if (chosen.every((c) => finding.end <= c.start || finding.start >= c.end)) chosen.push(finding);
      }
      kept.push(...chosen.sort((a, b) => a.start - b.start));
    }
  };
  for (const finding of byStart) {
    if (finding.start >= clusterEnd) {
      settle();
      cluster = [];
    }
    cluster.push(finding);
    clusterEnd = Math.max(clusterEnd, finding.end);
  }
  settle();
  return kept;
}
