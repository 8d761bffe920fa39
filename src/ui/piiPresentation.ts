/**
 * How personal data found in a document is shown: the name of each type in messages, the colour
 * group its decoration takes, the Problems panel's message, and the hover with its command links
 * (*Redact This*, *Redact All*, *Never Report This Value*). Pure (no `vscode`), so that the words
 * users read are tested without an editor; the detector (piiDetector.ts) wraps them.
 */
import type { PiiFinding } from '../protocol';
import { hasOnlyKeys, isOffset, isRecord, isUriString } from '../validate';
import { commandLink, escapeMarkdown, formatPercent, oneLine } from './entityHover';
import { comparedCaselessly, PII_TYPE_NAME } from '../tasks/pii';

/**
 * The colour groups of the decorations: few enough to tell apart at a glance, each a contributed
 * theme colour `textAnalytics.pii.<group>.background` (package.json), so that themes restyle them.
 */
export const PII_COLOUR_GROUPS = ['person', 'location', 'organization', 'contact', 'financial', 'identifier', 'credential', 'other'] as const;
export type PiiColourGroup = (typeof PII_COLOUR_GROUPS)[number];

export interface PiiTypeInfo {
  /** Singular, lower case, for messages: "e-mail address". */
  label: string;
  /** Plural, capitalised, for links: "E-mail Addresses". */
  plural: string;
  group: PiiColourGroup;
}

/** The built-in types; a user's own type (a pattern's or the deny-list's) is described by {@link piiTypeInfo}. */
const TYPE_INFO: Readonly<Record<string, PiiTypeInfo>> = {
  PERSON: { label: 'person', plural: 'People', group: 'person' },
  LOCATION: { label: 'location', plural: 'Locations', group: 'location' },
  ORGANIZATION: { label: 'organisation', plural: 'Organisations', group: 'organization' },
  EMAIL_ADDRESS: { label: 'e-mail address', plural: 'E-mail Addresses', group: 'contact' },
  PHONE_NUMBER: { label: 'phone number', plural: 'Phone Numbers', group: 'contact' },
  URL: { label: 'URL', plural: 'URLs', group: 'contact' },
  CREDIT_CARD: { label: 'card number', plural: 'Card Numbers', group: 'financial' },
  IBAN_CODE: { label: 'IBAN', plural: 'IBANs', group: 'financial' },
  CRYPTO: { label: 'Bitcoin address', plural: 'Bitcoin Addresses', group: 'financial' },
  US_SSN: { label: 'US social security number', plural: 'Social Security Numbers', group: 'identifier' },
  IP_ADDRESS: { label: 'IP address', plural: 'IP Addresses', group: 'identifier' },
  MAC_ADDRESS: { label: 'MAC address', plural: 'MAC Addresses', group: 'identifier' },
  CREDENTIAL: { label: 'credential', plural: 'Credentials', group: 'credential' },
  DATE_TIME: { label: 'date', plural: 'Dates', group: 'other' },
};

/**
 * What a type is called and its colour group. A user's own type (`EMPLOYEE_ID`) keeps its name,
 * in the `other` group; a dedicated PII model's label is as untrusted as the document, so it is
 * cut to one short line.
 */
export function piiTypeInfo(type: string): PiiTypeInfo {
  const known = TYPE_INFO[type];
  if (known) return known;
  const name = oneLine(type, 64);
  return { label: name, plural: `${name} Findings`, group: 'other' };
}

/** The id of a contributed colour, e.g. `textAnalytics.pii.contact.background`. */
export function piiColourId(group: PiiColourGroup): string {
  return `textAnalytics.pii.${group}.background`;
}

/** The Problems panel's message for a finding: "Personal data: e-mail address (98.2%)". */
export function piiDiagnosticMessage(finding: Pick<PiiFinding, 'type' | 'score'>): string {
  return `Personal data: ${piiTypeInfo(finding.type).label} (${formatPercent(finding.score)})`;
}

/** The source the diagnostics carry, by which the quick fixes know theirs. */
export const PII_DIAGNOSTIC_SOURCE = 'Text Analytics';

// ---- The quick actions: command links in the hover, code actions in the editor -----------------

/** The commands behind the quick actions; each takes one {@link PiiFindingArgs}. */
export const PII_ACTION_COMMANDS = {
  redactOne: 'textAnalytics.redactPersonalDataFinding',
  redactType: 'textAnalytics.redactPersonalDataType',
  allowValue: 'textAnalytics.allowPersonalDataValue',
} as const;

/** A finding of a document, as a quick action names it: the action checks it is still there. */
export interface PiiFindingArgs {
  uri: string;
  start: number;
  end: number;
  text: string;
  type: string;
}

/** The quick actions' titles, the same in the hover and the light bulb. */
export function piiActionTitles(type: string): { redactOne: string; redactType: string; allowValue: string } {
  return { redactOne: 'Redact This', redactType: `Redact All ${piiTypeInfo(type).plural}`, allowValue: 'Never Report This Value' };
}

export interface PiiHover {
  markdown: string;
  /** Pass to `MarkdownString.isTrusted`: only these command links run. */
  enabledCommands: string[];
}

/** Longest finding text quoted in the hover. */
const MAX_QUOTED = 80;

/**
 * The hover of a finding: its type, the text (one line, escaped: it is the document's), how sure
 * the finding is and where it came from, how often it occurs, and the quick actions as links.
 */
export function piiHover(finding: PiiFinding, uri: string, occurrences: number): PiiHover {
  const info = piiTypeInfo(finding.type);
  const source = finding.source === 'model' ? 'a model' : finding.source === 'custom' ? 'your own pattern or deny-list' : 'a validating recognizer';
  const times = occurrences <= 1 ? 'once' : occurrences === 2 ? 'twice' : `${occurrences} times`;
  const args: PiiFindingArgs = { uri, start: finding.start, end: finding.end, text: finding.text, type: finding.type };
  const titles = piiActionTitles(finding.type);
  const links = [
    commandLink(titles.redactOne, PII_ACTION_COMMANDS.redactOne, args),
    commandLink(titles.redactType, PII_ACTION_COMMANDS.redactType, args),
    commandLink(titles.allowValue, PII_ACTION_COMMANDS.allowValue, args),
  ];
  const markdown = [
    `$(shield) **Personal data: ${escapeMarkdown(info.label)}** (${escapeMarkdown(oneLine(finding.type, 64))}): ${escapeMarkdown(`“${oneLine(finding.text, MAX_QUOTED)}”`)}`,
    `Confidence ${formatPercent(finding.score)} · found by ${source} · occurs ${times} in this document`,
    links.join(' · '),
  ].join('\n\n');
  return { markdown, enabledCommands: Object.values(PII_ACTION_COMMANDS) };
}

/** Longest finding text an action may carry (a PEM private key block is the longest finding). */
const MAX_ARGS_TEXT = 20_000;

/**
 * The argument of a quick action, if it is what {@link piiHover} or the code actions write. Links
 * can be written by hand and commands run from other extensions, so it is checked as untrusted
 * input; whether the document still has that finding is the command's check.
 */
export function readPiiFindingArgs(value: unknown): PiiFindingArgs | undefined {
  if (!isRecord(value) || !hasOnlyKeys(value, ['uri', 'start', 'end', 'text', 'type'])) return undefined;
  const { uri, start, end, text, type } = value;
  const wellFormed =
    isUriString(uri) &&
    isOffset(start) &&
    isOffset(end) &&
    end > start &&
    typeof text === 'string' &&
    text.length === end - start &&
    text.length <= MAX_ARGS_TEXT &&
    typeof type === 'string' &&
    PII_TYPE_NAME.test(type);
  return wellFormed ? { uri, start, end, text, type } : undefined;
}

/** The findings that are the same value as `like` (same type; e-mail addresses and URLs in any case), in order. */
export function sameValue<T extends Pick<PiiFinding, 'type' | 'text'>>(findings: readonly T[], like: Pick<PiiFinding, 'type' | 'text'>): T[] {
  const caseless = comparedCaselessly(like.type);
  const key = caseless ? like.text.toLowerCase() : like.text;
  return findings.filter((finding) => finding.type === like.type && (caseless ? finding.text.toLowerCase() : finding.text) === key);
}

/** The allow-list with `value` added (once, in the order written); unchanged when it is already there. */
export function withAllowedValue(allowList: readonly string[], value: string): string[] {
  return allowList.includes(value) ? [...allowList] : [...allowList, value];
}

/** How many findings of each type, the commonest first: the message after *Detect Personal Data*. */
export function piiCountsByType(findings: readonly Pick<PiiFinding, 'type'>[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.type, (counts.get(finding.type) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The finding that contains `offset` (its end included, as a hover at a word's end shows it), by binary search. */
export function findingAt<T extends Pick<PiiFinding, 'start' | 'end'>>(findings: readonly T[], offset: number): T | undefined {
  let low = 0;
  let high = findings.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const finding = findings[middle];
    if (offset < finding.start) high = middle - 1;
    else if (offset > finding.end) low = middle + 1;
    else return finding;
  }
  return undefined;
}
