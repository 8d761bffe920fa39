/**
 * Small checks for values that cross a trust boundary: messages between the extension host and
 * the worker (src/protocol.ts) or a webview, state a webview persisted, and command arguments.
 * Pure (no DOM, no `vscode`, no Node), so every side and the unit tests use the same rules.
 *
 * The readers built on them never return the value they were given: they copy the fields they
 * know into a fresh object. An unexpected key (`__proto__` included) therefore never travels
 * further, and a getter or a prototype cannot change a value after it was checked.
 */

/**
 * The largest offset accepted: no JavaScript string is longer (V8 caps strings just below 2^29
 * UTF-16 units), so no document offset can be larger.
 */
export const MAX_OFFSET = 2 ** 29;
/** Longer than any URI of a real document (Windows' long paths stop at 32,767 characters, encoded up to 3×). */
export const MAX_URI_LENGTH = 100_000;

/** A plain object (not an array, not null) whose own keys can be read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A record whose own keys are all in `allowed`. A message with more than its type says is not one
 * the other side sent: it is refused rather than trimmed.
 */
export function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Reflect.ownKeys(value).every((key) => typeof key === 'string' && allowed.includes(key));
}

/** A UTF-16 offset into a document: a non-negative integer no string can exceed. */
export function isOffset(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_OFFSET;
}

/** A number that arithmetic and formatting can use (not NaN, not ±Infinity). */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A probability as the models give it. */
export function isScore(value: unknown): value is number {
  return isFiniteNumber(value) && value >= 0 && value <= 1;
}

/** `document.uri.toString()`: a scheme, a colon, and a bounded length. */
export function isUriString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_URI_LENGTH && /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** The member of `allowed` equal to `value`, if any. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

/** Every element is a string (an empty array too). */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The strings of an array, anything else dropped; not an array: none. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** An array whose every element passes `check`. */
export function isArrayOf(value: unknown, check: (item: unknown) => boolean): value is unknown[] {
  return Array.isArray(value) && value.every((item) => check(item));
}

/** A span of document text: `start ≤ end`, both offsets, and its text. */
export function isSpan(value: unknown): value is Record<string, unknown> & { start: number; end: number; text: string } {
  return isRecord(value) && isOffset(value.start) && isOffset(value.end) && value.start <= value.end && typeof value.text === 'string';
}

/** "Select [start, end) in the editor showing `uri`": the reveal message both webviews send. */
export interface RevealMessage {
  type: 'reveal';
  uri: string;
  start: number;
  end: number;
  focusEditor: boolean;
}

/** A copy of `value` if it is a well-formed {@link RevealMessage} (its `type` already checked). */
export function readReveal(value: Record<string, unknown>): RevealMessage | undefined {
  const { uri, start, end, focusEditor } = value;
  const wellFormed =
    hasOnlyKeys(value, ['type', 'uri', 'start', 'end', 'focusEditor']) &&
    isUriString(uri) &&
    isOffset(start) &&
    isOffset(end) &&
    start <= end &&
    typeof focusEditor === 'boolean';
  return wellFormed ? { type: 'reveal', uri, start, end, focusEditor } : undefined;
}

/**
 * Attributes whose value the browser runs, loads or navigates to. A document-derived value in one
 * of them would be a way in, so the webview's element builder (`h` in dom.ts) refuses them all;
 * no view needs one.
 */
const UNSAFE_ATTRIBUTE = /^(?:on.*|href|src|srcset|srcdoc|style|action|formaction|xlink:href|data|poster|background|ping|http-equiv|content)$/i;

/** Whether the webview's element builder sets an attribute of this name. */
export function isSafeAttributeName(name: string): boolean {
  return /^[a-z][a-z0-9-]*$/i.test(name) && !UNSAFE_ATTRIBUTE.test(name);
}

/**
 * A short description of a refused value for the log: its type and its keys, never its content,
 * which may be large, or private document text.
 */
export function describeValue(value: unknown): string {
  if (!isRecord(value)) return Array.isArray(value) ? `an array of ${value.length}` : value === null ? 'null' : typeof value;
  const keys = Reflect.ownKeys(value).map(String);
  // JSON quoting: a control character in a key or type cannot start a fake line in the log.
  const type = typeof value.type === 'string' ? JSON.stringify(value.type.slice(0, 40)) : 'no type';
  const shown = keys.slice(0, 8).map((key) => JSON.stringify(key.slice(0, 40))).join(', ') + (keys.length > 8 ? ', …' : '');
  return `${type} with keys ${shown || '(none)'}`;
}
