/**
 * The user's own recognizers: `textAnalytics.pii.patterns`, compiled with re2js (RE2: linear time
 * whatever the pattern, so `(a+)+$` cannot hang the worker), and the deny-list's values.
 */
import { RE2JS } from 're2js';
import type { CustomPiiPattern } from '../../tasks/pii';
import { contextWords, escapeRegExp, withContext } from './scan';

/** The score of a user's pattern that gives none. */
export const DEFAULT_CUSTOM_SCORE = 0.6;

/** Reports a custom finding: [start, end) in the scanned text. */
export type EmitCustom = (start: number, end: number, type: string, score: number) => void;

/** A user's pattern, compiled, or why it does not compile. */
interface CompiledPattern {
  type: string;
  regex?: RE2JS;
  problem?: string;
  context?: RegExp;
  score: number;
}

/** RE2's reason without its generic prefix: `invalid escape sequence: \1`. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error parsing regexp:\s*/i, '');
}

function compile(pattern: CustomPiiPattern): CompiledPattern {
  const common = { type: pattern.type, context: contextWords(pattern.context ?? []), score: pattern.score ?? DEFAULT_CUSTOM_SCORE };
  try {
    return { ...common, regex: RE2JS.compile(pattern.regex) };
  } catch (error) {
    return { ...common, problem: reason(error) };
  }
}

/** The patterns of the last few distinct settings, compiled once each (a setting changes seldom; requests come while typing). */
const compiled = new Map<string, CompiledPattern[]>();
const CACHED_SETS = 8;

export function compiledPatterns(patterns: readonly CustomPiiPattern[]): CompiledPattern[] {
  const key = JSON.stringify(patterns);
  let found = compiled.get(key);
  if (!found) {
    found = patterns.map(compile);
    if (compiled.size >= CACHED_SETS) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, found);
  }
  return found;
}

/** Why a user's pattern cannot run, in one line naming its type and regex; undefined when all compile. */
export function patternProblem(patterns: readonly CustomPiiPattern[]): string | undefined {
  const all = compiledPatterns(patterns);
  const index = all.findIndex((pattern) => pattern.problem !== undefined);
  if (index === -1) return undefined;
  const { type, regex } = patterns[index];
  return `The personal-data pattern for ${type}, /${regex}/, is not an RE2 regular expression (${all[index].problem}): RE2 has no backreferences or lookaround.`;
}

/** Every non-empty match of the user's patterns whose type is wanted, raised by their context words. */
export function scanPatterns(text: string, patterns: readonly CustomPiiPattern[], wants: (type: string) => boolean, emit: EmitCustom, tick: () => void): void {
  for (const pattern of compiledPatterns(patterns)) {
    if (!pattern.regex || !wants(pattern.type)) continue;
    for (const match of pattern.regex.matchAll(text)) {
      tick();
      const start = match.index ?? 0;
      if (match[0] === '') continue;
      const end = start + match[0].length;
      emit(start, end, pattern.type, withContext(pattern.score, text, start, end, pattern.context));
    }
  }
}

/** One pattern per deny-listed type: its values as whole words, ignoring case, the longest first. */
const denyCache = new Map<string, Array<{ type: string; regex: RegExp }>>();

function denyPatterns(denyList: Record<string, string[]>): Array<{ type: string; regex: RegExp }> {
  const key = JSON.stringify(denyList);
  let found = denyCache.get(key);
  if (!found) {
    found = Object.entries(denyList).flatMap(([type, values]) => {
      const literals = [...new Set(values.map((value) => value.trim()).filter((value) => value !== ''))].sort((a, b) => b.length - a.length);
      if (literals.length === 0) return [];
      return [{ type, regex: new RegExp(`(?<![\\p{L}\\p{N}_])(?:${literals.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'giu') }];
    });
    if (denyCache.size >= CACHED_SETS) denyCache.delete(denyCache.keys().next().value as string);
    denyCache.set(key, found);
  }
  return found;
}

/** Every whole-word occurrence of a deny-listed value (ignoring case), score 1. */
export function scanDenyList(text: string, denyList: Record<string, string[]>, wants: (type: string) => boolean, emit: EmitCustom, tick: () => void): void {
  for (const { type, regex } of denyPatterns(denyList)) {
    if (!wants(type)) continue;
    for (const match of text.matchAll(regex)) {
      tick();
      emit(match.index, match.index + match[0].length, type, 1);
    }
  }
}
