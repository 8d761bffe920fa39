/**
 * Redaction operators: what a finding of personal data is replaced by. Pure (node:crypto only, no
 * vscode, no onnxruntime), shared by the editor's quick fixes, the *Redact Personal Data* command
 * and the CLI's `redact`, so every surface writes the same replacement for the same finding.
 *
 * - `tag`: the type in brackets, `[EMAIL_ADDRESS]`.
 * - `pseudonym`: `[PERSON_1]`, `[PERSON_2]`…, the same value always the same name (see {@link Pseudonyms}).
 * - `mask`: every character but separators (white space, `-`, `.`) becomes `*`; for card numbers,
 *   IBANs, phone numbers and social security numbers the last N digits may stay readable.
 * - `hash`: `[TYPE:` + the first 16 hex digits of SHA-256(salt + "\0" + value) + `]`, e.g.
 *   `[EMAIL_ADDRESS:3f2a9c0d1b4e5f67]`: the same value under the same salt always hashes alike (so
 *   redacted records can still be joined), while without the salt the value cannot be guessed by
 *   hashing candidates.
 */
import { createHash } from 'node:crypto';
import type { PiiFinding } from '../protocol';
import { comparedCaselessly } from '../tasks/pii';

export type RedactOperator = 'tag' | 'pseudonym' | 'mask' | 'hash';

export const REDACT_OPERATORS: readonly RedactOperator[] = ['tag', 'pseudonym', 'mask', 'hash'];

export interface RedactOptions {
  operator: RedactOperator;
  /** mask: how many last digits of CREDIT_CARD / IBAN_CODE / PHONE_NUMBER / US_SSN stay readable (0: none). */
  maskKeepLast?: number;
  /** hash: the salt (required for 'hash'). */
  salt?: string;
}

/** How many hex digits of the SHA-256 a hash replacement keeps: 64 bits, enough that two values practically never collide. */
export const HASH_HEX_DIGITS = 16;

/** The types whose last digits `maskKeepLast` may leave readable ("card ending in 4242"). */
export const MASK_KEEP_LAST_TYPES: readonly string[] = ['CREDIT_CARD', 'IBAN_CODE', 'PHONE_NUMBER', 'US_SSN'];

/** Characters a mask keeps, so the masked value keeps its shape (`****-****-****-4242`). */
const SEPARATOR = /[\s.-]/u;

/** A problem with the options, in one line, or undefined when they are usable. */
export function redactOptionsProblem(options: RedactOptions): string | undefined {
  if (!REDACT_OPERATORS.includes(options.operator)) return `"${String(options.operator)}" is not an operator: use ${REDACT_OPERATORS.join(', ')}`;
  const keep = options.maskKeepLast ?? 0;
  if (!Number.isInteger(keep) || keep < 0) return `the digits to keep (${keep}) must be a whole number, 0 or more`;
  if (options.operator === 'hash' && !options.salt) return 'the hash operator needs a salt';
  return undefined;
}

/** The value a pseudonym or hash identifies: trimmed, and lower-cased where case does not matter. */
export function normalizedValue(type: string, value: string): string {
  const trimmed = value.trim();
  return comparedCaselessly(type) ? trimmed.toLowerCase() : trimmed;
}

/**
 * Consistent pseudonyms: the same (type, value) always gets the same [TYPE_n], numbered in order
 * of first appearance; kept across calls (a stream's chunks, a document's quick fixes), so keep
 * one instance for as long as the replacements must agree.
 */
export class Pseudonyms {
  private readonly names = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  name(type: string, value: string): string {
    const key = `${type}\0${normalizedValue(type, value)}`;
    const known = this.names.get(key);
    if (known !== undefined) return known;
    const n = (this.counts.get(type) ?? 0) + 1;
    this.counts.set(type, n);
    const name = `[${type}_${n}]`;
    this.names.set(key, name);
    return name;
  }
}

/** `value` with every character but separators starred, the last `keepLast` digits left as they are. */
function mask(value: string, keepLast: number): string {
  let digitsLeft = keepLast;
  const out: string[] = [];
  // From the end, so "the last N digits" are counted where they are, whatever the separators.
  const chars = Array.from(value);
  for (let i = chars.length - 1; i >= 0; i--) {
    const char = chars[i];
    if (SEPARATOR.test(char)) out.push(char);
    else if (digitsLeft > 0 && /[0-9]/.test(char)) {
      out.push(char);
      digitsLeft--;
    } else out.push('*');
  }
  return out.reverse().join('');
}

/** The salted hash replacement (see the module comment for the format). */
function hash(type: string, value: string, salt: string): string {
  const digest = createHash('sha256').update(`${salt}\0${normalizedValue(type, value)}`, 'utf8').digest('hex');
  return `[${type}:${digest.slice(0, HASH_HEX_DIGITS)}]`;
}

/** The replacement of one finding. */
export function replacement(finding: Pick<PiiFinding, 'type' | 'text'>, options: RedactOptions, pseudonyms: Pseudonyms): string {
  switch (options.operator) {
    case 'tag':
      return `[${finding.type}]`;
    case 'pseudonym':
      return pseudonyms.name(finding.type, finding.text);
    case 'mask':
      return mask(finding.text, MASK_KEEP_LAST_TYPES.includes(finding.type) ? (options.maskKeepLast ?? 0) : 0);
    case 'hash':
      if (!options.salt) throw new Error('the hash operator needs a salt');
      return hash(finding.type, finding.text, options.salt);
  }
}

/**
 * `text` with every finding (sorted, non-overlapping, offsets into `text`) replaced; every other
 * character unchanged. A finding that overlaps the one before it, or lies outside `text`, is a
 * caller's bug and throws rather than producing a text that leaks or garbles.
 */
export function redact(text: string, findings: readonly PiiFinding[], options: RedactOptions, pseudonyms: Pseudonyms = new Pseudonyms()): string {
  const parts: string[] = [];
  let at = 0;
  for (const finding of findings) {
    if (finding.start < at || finding.end < finding.start || finding.end > text.length) {
      throw new RangeError(`finding ${finding.type} [${finding.start}, ${finding.end}) overlaps the one before it or lies outside the text`);
    }
    parts.push(text.slice(at, finding.start), replacement({ type: finding.type, text: text.slice(finding.start, finding.end) }, options, pseudonyms));
    at = finding.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
