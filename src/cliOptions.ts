/**
 * The command line's options that take a value, checked before anything runs: a value out of its
 * range is a usage error naming the range (exit code 2), as VS Code refuses a setting out of range.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HUB_ID } from './engine/manifest';
import { printable } from './printable';
import { MAX_TEXT_LENGTH } from './protocol';
import { formatOfPath, type TextFormat } from './tasks/textFormat';

/** The command line was wrong: the message and the usage are printed, exit code 2. */
export class UsageError extends Error {}

export interface NumberRange {
  /** Whole numbers only. */
  whole: boolean;
  min: number;
  /** None: any number from `min` up. */
  max?: number;
  /** The VS Code settings with the same meaning, whose range (package.json) this one is. */
  settings: string[];
}

/**
 * The range of each numeric option: the setting's where one has the same meaning (a test checks
 * them against package.json). --threads: the setting's 0–64 (0: onnxruntime's choice); each thread
 * is a thread of onnxruntime's pool with its own stack, more threads than cores only contend, and
 * 100,000 of them exhaust the memory. --limit: any number of examples, from 1. --keep-last: the
 * setting's 0–8 (a card's last 4 is the custom; more than 8 digits kept is hardly masked).
 */
export const NUMBER_OPTIONS = {
  threads: { whole: true, min: 0, max: 64, settings: ['textAnalytics.threads'] },
  processes: { whole: true, min: 1, max: 64, settings: [] },
  'neutral-band': { whole: false, min: 0, max: 0.5, settings: ['textAnalytics.sentiment.neutralBand'] },
  'min-score': { whole: false, min: 0, max: 1, settings: ['textAnalytics.entities.minScore', 'textAnalytics.qa.minScore', 'textAnalytics.pii.minScore'] },
  top: { whole: true, min: 1, max: 20, settings: ['textAnalytics.qa.topAnswers'] },
  'max-chars': { whole: true, min: 1000, max: MAX_TEXT_LENGTH, settings: ['textAnalytics.maxDocumentSize'] },
  limit: { whole: true, min: 1, settings: [] },
  'keep-last': { whole: true, min: 0, max: 8, settings: ['textAnalytics.pii.redact.maskKeepLast'] },
} satisfies Record<string, NumberRange>;

export type NumberOption = keyof typeof NUMBER_OPTIONS;

/** `value` of --`name` as a number in its range, or a usage error naming the range. Decimal notation only: no sign, exponent, hex or blank. */
export function numberOption(name: NumberOption, value: string): number {
  const range: NumberRange = NUMBER_OPTIONS[name];
  const number = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  const inRange = number >= range.min && number <= (range.max ?? Infinity) && (!range.whole || Number.isInteger(number));
  if (!inRange) throw new UsageError(`--${name} must be ${rangeText(range)}, not ${clipped(value)}.`);
  return number;
}

/** "a whole number from 0 to 64", "a number from 0 to 0.5", "a whole number, at least 1". */
export function rangeText({ whole, min, max }: NumberRange): string {
  const kind = whole ? 'a whole number' : 'a number';
  const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 20 });
  return max === undefined ? `${kind}, at least ${n(min)}` : `${kind} from ${n(min)} to ${n(max)}`;
}

/** One of `allowed`, or a usage error listing them. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T {
  if (allowed.includes(value as T)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}${value === undefined ? '' : `, not ${clipped(value)}`}.`);
}

/** The names --format takes for each format: `text` as the usage says it, `plaintext` as VS Code and the protocol do. */
const FORMAT_NAMES: Record<string, TextFormat> = { markdown: 'markdown', text: 'plaintext', plaintext: 'plaintext' };

/** `--format markdown|text`, or by default the file's extension (.md, .markdown, .mdx… are Markdown). */
export function textFormat(value: string | undefined, path: string): TextFormat {
  if (value === undefined) return formatOfPath(path);
  return FORMAT_NAMES[oneOf(value, Object.keys(FORMAT_NAMES), 'format')];
}

/** `--lines FROM:TO`, `FROM:` (to the end), `:TO` or `N` (one line); lines count from 1. */
export function lineRange(value: string): [number, number] {
  const match = /^\s*(\d*)\s*(?::\s*(\d*)\s*)?$/.exec(value);
  const from = match?.[1] ? Number(match[1]) : 1;
  const to = match?.[2] === undefined ? from : match[2] ? Number(match[2]) : Infinity;
  if (!match || (!match[1] && !match[2]) || !Number.isSafeInteger(from) || from < 1 || to < from || (to !== Infinity && !Number.isSafeInteger(to))) {
    throw new UsageError(`--lines must be FROM:TO with 1 ≤ FROM ≤ TO (or FROM: to the end, or one line number), not ${clipped(value)}.`);
  }
  return [from, to];
}

/** A value quoted in a message: long ones cut (a message is one line of readable length). */
/** A value quoted in a message, cut at 40 characters. */
export function clipped(value: string): string {
  return value.length > 40 ? `${value.slice(0, 39)}…` : value;
}

/**
 * `--model`: a model folder (relative or absolute, when it exists) as an absolute path, or a Hub id
 * (owner/name). Every subcommand takes one: the task's model instead of its default (a classifier
 * for classify, the PII model beside the named-entity model for pii and redact).
 */
export function modelSource(given: string): string {
  const trimmed = given.trim();
  const model = isAbsolute(trimmed) || existsSync(trimmed) ? resolve(trimmed) : trimmed;
  if (!isAbsolute(model) && !HUB_ID.test(model)) throw new UsageError(`--model must be a model folder or a Hub id (owner/name), not ${printable(clipped(given))}: no such folder.`);
  return model;
}
