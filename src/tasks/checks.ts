/**
 * The small checkers every task contract writes its message shapes with, and the protocol reads
 * messages by (src/protocol.ts). A checker returns the problem it found in a value, with the path
 * to it (`.sentences[2].end is not a non-negative integer`), or undefined when the value has the
 * expected shape. Pure: no `vscode`, no DOM, no Node.
 */
import { isFiniteNumber, isOffset, isRecord, oneOf } from '../validate';

/** A problem found in a value, or undefined when it has the expected shape. */
export type Problem = string | undefined;
export type Check = (value: unknown) => Problem;
export type Fields = Record<string, Check>;

/**
 * Every value of a string union, written as a record so that the compiler says so where it is
 * written when the union gains a member: a reader that did not know it would refuse every message
 * that uses it.
 */
export function allOf<T extends string>(members: Record<T, true>): readonly T[] {
  return Object.keys(members) as T[];
}

/** Checks the named fields of `record` in order; the first problem comes back with its path. */
export function checkFields(record: Record<string, unknown>, checks: Fields): Problem {
  for (const [field, check] of Object.entries(checks)) {
    const problem = check(record[field]);
    if (problem) return at(`.${field}`, problem);
  }
  return undefined;
}

/** Prefixes a nested problem with the path to it. */
export function at(path: string, problem: string): string {
  return /^[.[]/.test(problem) ? `${path}${problem}` : `${path} ${problem}`;
}

export const must = {
  string: (value: unknown): Problem => (typeof value === 'string' ? undefined : 'is not a string'),
  number: (value: unknown): Problem => (isFiniteNumber(value) ? undefined : 'is not a finite number'),
  boolean: (value: unknown): Problem => (typeof value === 'boolean' ? undefined : 'is not a boolean'),
  offset: (value: unknown): Problem => (isOffset(value) ? undefined : 'is not a non-negative integer'),
  oneOf:
    <T extends string>(allowed: readonly T[]) =>
    (value: unknown): Problem =>
      oneOf(value, allowed) !== undefined ? undefined : `is not one of ${allowed.join(', ')}`,
  optional:
    (check: Check) =>
    (value: unknown): Problem =>
      value === undefined ? undefined : check(value),
  record:
    (checks: Fields = {}) =>
    (value: unknown): Problem => {
      if (!isRecord(value)) return 'is not an object';
      return checkFields(value, checks);
    },
  array:
    (each: Check) =>
    (value: unknown): Problem => {
      if (!Array.isArray(value)) return 'is not an array';
      for (let i = 0; i < value.length; i++) {
        const problem = each(value[i]);
        if (problem) return at(`[${i}]`, problem);
      }
      return undefined;
    },
};

/** A [start, end) span with its text (and `extra` fields): what every result shown in a document is made of. */
export function span(extra: Fields = {}): Check {
  const fields = must.record({ start: must.offset, end: must.offset, text: must.string, ...extra });
  return (value) => fields(value) ?? (isRecord(value) && (value.end as number) < (value.start as number) ? 'ends before it starts' : undefined);
}

/** `{ label, score }`: a label and its probability, as every classifier reports them. */
export const labelScore = must.record({ label: must.string, score: must.number });
