/**
 * What the personal-data view lists: findings counted per type, narrowed to one type, and the
 * words and colours each type is shown with. Pure functions over {@link PiiFinding} lists; no DOM
 * and no `vscode`, so the webview and plain `node --test` can both import them.
 *
 * @example
 * typeCounts(result.entities) // → [{ type: 'EMAIL_ADDRESS', count: 3 }, { type: 'PERSON', count: 1 }]
 * visibleFindings(result.entities, 'PERSON') // → the people, in document order
 */

import type { PiiFinding } from '../protocol';

export interface PiiTypeCount {
  type: string;
  count: number;
}

/** Findings per type, the most frequent first; a tie in the order the types first appear. */
export function typeCounts(findings: readonly PiiFinding[]): PiiTypeCount[] {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.type, (counts.get(finding.type) ?? 0) + 1);
  // Map keeps first-appearance order, and the sort is stable.
  return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count);
}

/** The findings of `type` (undefined: all), in document order, each with its index in `findings` (for its line). */
export function visibleFindings(findings: readonly PiiFinding[], type: string | undefined): { finding: PiiFinding; index: number }[] {
  const indexed = findings.map((finding, index) => ({ finding, index }));
  return (type === undefined ? indexed : indexed.filter(({ finding }) => finding.type === type)).sort((a, b) => a.finding.start - b.finding.start || a.index - b.index);
}

/** The type filter to restore for a new result: kept while the result still has that type, so the list never shows nothing for a reason the user cannot see. */
export function restoredType(findings: readonly PiiFinding[], type: string | undefined): string | undefined {
  return type !== undefined && findings.some((finding) => finding.type === type) ? type : undefined;
}

const TYPE_NAMES: Record<string, string> = {
  PERSON: 'Person',
  LOCATION: 'Location',
  ORGANIZATION: 'Organisation',
  EMAIL_ADDRESS: 'E-mail address',
  PHONE_NUMBER: 'Phone number',
  CREDIT_CARD: 'Card number',
  IBAN_CODE: 'IBAN',
  IP_ADDRESS: 'IP address',
  URL: 'URL',
  US_SSN: 'US social security number',
  MAC_ADDRESS: 'MAC address',
  CRYPTO: 'Bitcoin address',
  CREDENTIAL: 'Credential',
  DATE_TIME: 'Date or time',
};

/** A type as people say it ("E-mail address"); a type of the user's own patterns as they named it. */
export function piiTypeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

/**
 * The colour family a type is shown in (`pii-<family>` in panel.css): people, places and
 * organisations as the entities view and the editor show them; the recognizers' types grouped by
 * what they put at risk (contact, money, network, secrets); the user's own types in one more.
 */
export type PiiColour = 'person' | 'location' | 'organization' | 'contact' | 'money' | 'network' | 'secret' | 'date' | 'custom';

const TYPE_COLOURS: Record<string, PiiColour> = {
  PERSON: 'person',
  LOCATION: 'location',
  ORGANIZATION: 'organization',
  EMAIL_ADDRESS: 'contact',
  PHONE_NUMBER: 'contact',
  US_SSN: 'contact',
  CREDIT_CARD: 'money',
  IBAN_CODE: 'money',
  CRYPTO: 'money',
  IP_ADDRESS: 'network',
  MAC_ADDRESS: 'network',
  URL: 'network',
  CREDENTIAL: 'secret',
  DATE_TIME: 'date',
};

export function piiTypeColour(type: string): PiiColour {
  return TYPE_COLOURS[type] ?? 'custom';
}

const SOURCE_NAMES: Record<PiiFinding['source'], string> = {
  model: 'model',
  pattern: 'recognizer',
  custom: 'your pattern',
};

/** Where a finding came from, in the words the list shows: the model, a built-in recognizer, or one of the user's patterns or deny-list. */
export function piiSourceName(source: PiiFinding['source']): string {
  return SOURCE_NAMES[source] ?? source;
}

/** Longest finding text a row shows whole: a PEM key block is kilobytes, and its first line says what it is. */
const SHOWN_TEXT = 80;

/** A finding's text on one line, shortened: line breaks shown as ⏎, the middle of a long one elided. */
export function findingText(text: string): string {
  // By code point, so that an emoji is never cut in half.
  const chars = [...text.replace(/\r\n|\r|\n/g, '⏎')];
  return chars.length <= SHOWN_TEXT ? chars.join('') : `${chars.slice(0, SHOWN_TEXT - 21).join('')}…${chars.slice(-20).join('')}`;
}
