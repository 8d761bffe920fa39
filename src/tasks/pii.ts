/**
 * Personal data (PII): people, places and organisations from a token-classification model, and
 * e-mail addresses, phone numbers, card numbers, IBANs, IP and MAC addresses, URLs, US social
 * security numbers, Bitcoin addresses, credentials and (when asked) dates from recognizers that
 * validate what they match (checksums, number plans, ranges), plus the user's own patterns,
 * deny-list and allow-list. The task has no model of its own: it borrows the named-entity model
 * and, when set, a dedicated PII model (`textAnalytics.pii.model`), or runs on none (`useModel`
 * false: the recognizers only).
 */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { isRecord } from '../validate';
import { allOf, must, span, type Check } from './checks';
import type { DocumentLanguageFields } from './languages';
import { defineTask, LANGUAGE_FIELDS } from './contract';

/** The types the recognizers and the models report; users' patterns may add their own. */
export type PiiType =
  | 'PERSON'
  | 'LOCATION'
  | 'ORGANIZATION'
  | 'EMAIL_ADDRESS'
  | 'PHONE_NUMBER'
  | 'CREDIT_CARD'
  | 'IBAN_CODE'
  | 'IP_ADDRESS'
  | 'URL'
  | 'US_SSN'
  | 'MAC_ADDRESS'
  | 'CRYPTO'
  | 'CREDENTIAL'
  | 'DATE_TIME';

export const PII_TYPES = allOf<PiiType>({
  PERSON: true,
  LOCATION: true,
  ORGANIZATION: true,
  EMAIL_ADDRESS: true,
  PHONE_NUMBER: true,
  CREDIT_CARD: true,
  IBAN_CODE: true,
  IP_ADDRESS: true,
  URL: true,
  US_SSN: true,
  MAC_ADDRESS: true,
  CRYPTO: true,
  CREDENTIAL: true,
  DATE_TIME: true,
});

/**
 * Whether values of a type are the same whatever their case (e-mail addresses and URLs, as users
 * write them): for the allow-list, pseudonyms, and the quick fixes' "all of this value".
 */
export function comparedCaselessly(type: string): boolean {
  return type === 'EMAIL_ADDRESS' || type === 'URL';
}

/** The types a model finds (the others come from recognizers). */
export const MODEL_PII_TYPES: readonly PiiType[] = ['PERSON', 'LOCATION', 'ORGANIZATION'];

/** Reported unless the user lists the types: every type but DATE_TIME (dates are mostly not personal). */
export const DEFAULT_PII_TYPES: readonly PiiType[] = PII_TYPES.filter((type) => type !== 'DATE_TIME');

/** A type a user's pattern or deny-list may name: upper-case letters, digits and `_`, starting with a letter. */
export const PII_TYPE_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Where a finding came from. */
export type PiiSource = 'model' | 'pattern' | 'custom';

export interface PiiFinding extends Span {
  /** A {@link PiiType}, or the type a user's pattern or deny-list names. */
  type: string;
  /** 0–1: the model's probability, or the recognizer's confidence (raised by context words nearby). */
  score: number;
  source: PiiSource;
}

/** One entry of `textAnalytics.pii.patterns`: the user's own recognizer. */
export interface CustomPiiPattern {
  /** The type it reports (see {@link PII_TYPE_NAME}). */
  type: string;
  /** An RE2 regular expression (linear time: no backreferences or lookaround). */
  regex: string;
  /** Words that, near a match, raise its score (as the built-in recognizers' do). */
  context?: string[];
  /** Its score without context words; 0.6 when absent. */
  score?: number;
}

export interface PiiParams extends DocumentLanguageFields {
  text: string;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
  /** Analyse only these [start, end) ranges of `text`; the whole text when absent. */
  ranges?: Array<[number, number]>;
  /** The types to report (built-in and custom); absent: {@link DEFAULT_PII_TYPES} and every custom type. */
  types?: string[];
  /** Run a model for PERSON, LOCATION and ORGANIZATION; false: the recognizers only (no model loads). */
  useModel: boolean;
  /**
   * A dedicated PII token-classification model (Hub id or absolute folder), its labels mapped to
   * these types by name; with `entitiesModel` false it replaces the named-entity model.
   */
  piiModel?: string;
  /** Whether the named-entity model runs (beside `piiModel`, or alone when none is set). */
  entitiesModel: boolean;
  /** Model findings scoring below this are left out. */
  minScore: number;
  /** The region (ISO 3166 alpha-2) whose national format phone numbers without a country code are read in. */
  phoneRegion: string;
  patterns: CustomPiiPattern[];
  /** Values always reported, by type. */
  denyList: Record<string, string[]>;
  /** Values never reported (compared exactly, and ignoring case for e-mail addresses and URLs). */
  allowList: string[];
}

export interface PiiResult {
  /** Sorted by start, never overlapping. */
  entities: PiiFinding[];
  /** Every model that ran (none with `useModel` false). */
  models: ModelInfo[];
  /** The first model that ran; null when none did. */
  model: ModelInfo | null;
  device: DeviceInfo | null;
  elapsedMs: number;
}

const customPattern: Check = must.record({
  type: (value) => (typeof value === 'string' && PII_TYPE_NAME.test(value) ? undefined : 'is not a type name (upper-case letters, digits and _)'),
  regex: must.string,
  context: must.optional(must.array(must.string)),
  score: must.optional((value) => (typeof value === 'number' && value >= 0 && value <= 1 ? undefined : 'is not a score from 0 to 1')),
});

const denyList: Check = (value) => {
  if (!isRecord(value)) return 'is not an object';
  for (const [type, values] of Object.entries(value)) {
    if (!PII_TYPE_NAME.test(type)) return `has the key "${type}", which is not a type name (upper-case letters, digits and _)`;
    const problem = must.array(must.string)(values);
    if (problem) return `.${type} ${problem}`;
  }
  return undefined;
};

/** Nullable: a PII result from the recognizers alone has no model. */
const nullable =
  (check: Check): Check =>
  (value) =>
    value === null ? undefined : check(value);

export const piiTask = defineTask<PiiParams, PiiResult>()({
  id: 'pii',
  method: 'pii',
  title: 'Personal data',
  modelName: 'personal-data',
  models: 'borrowed',
  command: 'textAnalytics.detectPersonalData',
  view: 'panel',
  settings: {
    'pii.types': { default: DEFAULT_PII_TYPES },
    'pii.useModel': { default: true },
    'pii.model': { default: '' },
    'pii.entitiesModel': { default: true },
    'pii.minScore': { default: 0.5, minimum: 0, maximum: 1 },
    'pii.phoneRegion': { default: 'US' },
    'pii.patterns': { default: [] },
    'pii.denyList': { default: {} },
    'pii.allowList': { default: [] },
    'pii.autoDetect': { default: [] },
    'pii.diagnosticSeverity': { default: 'warning', enum: ['error', 'warning', 'information', 'hint'] },
    'pii.redact.operator': { default: 'tag', enum: ['tag', 'pseudonym', 'mask', 'hash'] },
    'pii.redact.maskKeepLast': { default: 0, minimum: 0, maximum: 8, integer: true },
    'pii.redact.destination': { default: 'ask', enum: ['ask', 'copy', 'document'] },
  },
  params: {
    ...LANGUAGE_FIELDS,
    text: must.string,
    offset: must.optional(must.offset),
    ranges: must.optional(must.array((range) => (Array.isArray(range) && range.length === 2 && range.every((n) => Number.isInteger(n) && n >= 0) ? undefined : 'is not a [start, end] pair'))),
    types: must.optional(must.array(must.string)),
    useModel: must.boolean,
    piiModel: must.optional(must.string),
    entitiesModel: must.boolean,
    minScore: must.number,
    phoneRegion: must.string,
    patterns: must.array(customPattern),
    denyList,
    allowList: must.array(must.string),
  },
  result: {
    entities: must.array(span({ type: must.string, score: must.number, source: must.oneOf(allOf<PiiSource>({ model: true, pattern: true, custom: true })) })),
    models: must.array(must.record({ id: must.string, task: must.string })),
    // A result from the recognizers alone carries no model and no device.
    model: nullable(must.record({ id: must.string })),
    device: nullable(must.record({ used: must.string })),
  },
  labelProblem: ({ id2label }) => {
    const needed = 'a personal-data model is a token classifier: its outputs are "O" and tags such as B-PER, I-PER';
    if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${needed}`;
    return id2label.some((label) => label.toLowerCase() === 'o') && id2label.length > 1 ? undefined : `has the labels ${id2label.join(', ')}, but ${needed}`;
  },
  cli: { command: 'pii', synopsis: 'pii FILE [options]', summary: 'personal data: names, e-mail, phone and card numbers, credentials…' },
});
