/**
 * What every built-in recognizer shares: how it reports a finding, what it is told about the
 * request, and the context words that raise a score as Presidio's do.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { PiiType } from '../../tasks/pii';

/** Reports a finding: [start, end) in the scanned text, its type and its score (0–1, before rounding). */
export type Emit = (start: number, end: number, type: PiiType, score: number) => void;

export interface ScanOptions {
  /** Whether a type was asked for: a recognizer of several types skips the work of the others. */
  wants(type: PiiType): boolean;
  /** The region national-format phone numbers are read in (already known to the phone library). */
  phoneRegion: CountryCode;
  /** Called once per candidate: throws when the request was cancelled (checked every few thousand calls). */
  tick(): void;
}

/** A family of recognizers: one or a few cheap candidate passes, then validation of each candidate. */
export interface Recognizer {
  /** The types it can report; it does not run when none of them is asked for. */
  readonly types: readonly PiiType[];
  scan(text: string, emit: Emit, options: ScanOptions): void;
}

/** How much a context word near a match raises its score (Presidio's default similarity factor). */
export const CONTEXT_BOOST = 0.35;

/** How far before and after a match context words are looked for: about five words before, three after. */
export const BEFORE = 48;
export const AFTER = 24;

/** Escapes a literal for use in a RegExp (outside a character class; valid with the `u` flag too). */
export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * One case-insensitive regular expression for a list of context words, each matched as a whole
 * word (a plural `s` allowed), so that `tel` does not fire inside `hotel` or `tell`. Undefined
 * for an empty list.
 */
export function contextWords(words: readonly string[]): RegExp | undefined {
  const cleaned = words.map((word) => word.trim()).filter((word) => word !== '');
  if (cleaned.length === 0) return undefined;
  const alternatives = cleaned.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  // ASCII words (all the built-in ones) need no Unicode mode, which makes every test several times slower.
  if (/^[\x20-\x7e]*$/.test(alternatives)) return new RegExp(`(?<![A-Za-z0-9_])(?:${alternatives})s?(?![A-Za-z0-9_])`, 'i');
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})s?(?![\\p{L}\\p{N}_])`, 'iu');
}

/**
 * Whether one of the context words stands a few words before or after [start, end), on the same
 * line: a "call" that ends the line above says nothing of a number on this one.
 */
export function hasContext(text: string, start: number, end: number, words: RegExp | undefined): boolean {
  if (!words) return false;
  const from = Math.max(0, start - BEFORE, text.lastIndexOf('\n', start - 1) + 1);
  const lineEnd = text.indexOf('\n', end);
  const to = Math.min(end + AFTER, lineEnd === -1 ? text.length : lineEnd);
  return words.test(text.slice(from, start)) || words.test(text.slice(end, to));
}

/** A score raised by {@link CONTEXT_BOOST} when a context word is near, capped at 1. */
export function withContext(score: number, text: string, start: number, end: number, words: RegExp | undefined): number {
  return hasContext(text, start, end, words) ? Math.min(1, score + CONTEXT_BOOST) : score;
}

/** Whether the character code is an ASCII letter, digit or `_` (a word character of `\w`). */
export function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * A check that remembers its answers for the last few thousand values: the validating libraries
 * take microseconds a call, and a log repeats the same addresses and numbers on line after line.
 */
export function memoized(check: (value: string) => boolean, size = 4096): (value: string) => boolean {
  const answers = new Map<string, boolean>();
  return (value) => {
    let answer = answers.get(value);
    if (answer === undefined) {
      if (answers.size >= size) answers.clear();
      answer = check(value);
      answers.set(value, answer);
    }
    return answer;
  };
}
