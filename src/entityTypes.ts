/**
 * Entity types as the user sees them, shared by the editor's highlighting (src/ui) and the results
 * panel (src/webview). Pure: no `vscode`, no DOM.
 *
 * Models name their types in their own way (`PER`, `PERSON`, `GPE`…); the extension has one
 * decoration, one colour and one setting value per kind, so every type maps to one of four kinds,
 * and a type no kind claims counts as miscellaneous.
 */
import { hasOnlyKeys, isOffset, isRecord, isUriString } from './validate';

export type EntityKind = 'PER' | 'ORG' | 'LOC' | 'MISC';

export const ENTITY_KINDS: readonly EntityKind[] = ['PER', 'ORG', 'LOC', 'MISC'];

export interface EntityKindInfo {
  /** Singular, for the hover's headline and the panel's group. */
  label: string;
  /** Plural, for "Hide People". */
  plural: string;
  /** The middle part of its colour ids: `textAnalytics.entity.<colour>.background`. */
  colour: 'person' | 'organization' | 'location' | 'misc';
  /** A codicon for the hover. */
  icon: string;
}

export const ENTITY_KIND_INFO: Readonly<Record<EntityKind, EntityKindInfo>> = {
  PER: { label: 'Person', plural: 'People', colour: 'person', icon: 'person' },
  ORG: { label: 'Organisation', plural: 'Organisations', colour: 'organization', icon: 'organization' },
  LOC: { label: 'Location', plural: 'Locations', colour: 'location', icon: 'location' },
  MISC: { label: 'Miscellaneous', plural: 'Miscellaneous Entities', colour: 'misc', icon: 'tag' },
};

/** The usual names of each kind: a type named so is shown by its kind's label. */
const USUAL_NAMES: Readonly<Record<string, EntityKind>> = {
  PER: 'PER',
  PERS: 'PER',
  PERSON: 'PER',
  ORG: 'ORG',
  ORGANIZATION: 'ORG',
  ORGANISATION: 'ORG',
  LOC: 'LOC',
  LOCATION: 'LOC',
  MISC: 'MISC',
  MISCELLANEOUS: 'MISC',
};

/** Relatives: types of a kind whose own name says more than the kind's (shown by their own name). */
const RELATIVES: Readonly<Record<string, EntityKind>> = {
  CORPORATION: 'ORG',
  GPE: 'LOC',
};

/** The kind of a model's entity type (case-insensitive), if one claims it. */
export function knownEntityKind(type: string): EntityKind | undefined {
  const key = type.trim().toUpperCase();
  if (Object.hasOwn(USUAL_NAMES, key)) return USUAL_NAMES[key];
  return Object.hasOwn(RELATIVES, key) ? RELATIVES[key] : undefined;
}

/** The kind of a model's entity type; unknown types are miscellaneous. */
export function entityKind(type: string): EntityKind {
  return knownEntityKind(type) ?? 'MISC';
}

/** The kinds `textAnalytics.entities.hiddenTypes` hides: its values that name a kind (`PER`…), others ignored. */
export function hiddenEntityKinds(types: readonly string[]): ReadonlySet<EntityKind> {
  return new Set(types.filter((type) => (ENTITY_KINDS as readonly string[]).includes(type)).map(entityKind));
}

/** Whether the type is one of its kind's usual names (PER, PERSON…), not a relative such as GPE. */
export function isUsualEntityName(type: string): boolean {
  return Object.hasOwn(USUAL_NAMES, type.trim().toUpperCase());
}

/**
 * The key under which mentions count as one entity, so “Merkel”, “MERKEL” and “merkel” are one,
 * and so are full-width and composed/decomposed spellings of the same letters.
 *
 * - Unicode NFKC: compatibility forms (full-width letters, ligatures such as “ﬁ”, decomposed
 *   accents) become their ordinary composed form.
 * - Case-folded: a round trip through upper case folds what a plain `toLowerCase` misses
 *   (“STRAẞE” and “Straße” both become “strasse”; a final sigma becomes σ).
 * - Typographic apostrophes become `'` (“O’Brien” = “O'Brien”), and runs of white space (a name
 *   broken across lines) become one space.
 * - Accents are kept: “Müller” and “Muller”, or “José” and “Jose”, may well be different people,
 *   and merging them would hide that; NFKC already merges the different encodings of one accent.
 */
export function normaliseEntityText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .toUpperCase()
    .toLowerCase();
}

// ---- An entity as a link or a panel message names it ------------------------------------------

/** Finds the entities like the one at `start` (by kind and normalised text) in the document `uri`. */
export interface FindOccurrencesArgs {
  uri: string;
  start: number;
  text: string;
  type: string;
}

/** Longest entity text a link may carry: entities are names, not paragraphs. */
export const MAX_LINK_TEXT = 10_000;
/** Longest model type name a link may carry. */
const MAX_LINK_TYPE = 200;

/**
 * The arguments of a Find All Occurrences or Find Mentions link (src/ui/entityHover.ts), or of the
 * results panel's `findMentions` message, if they are well formed; anything else is ignored. Links
 * can be written by hand (in any trusted Markdown that enables the command) and commands run from
 * other extensions, so the arguments are checked like any untrusted input; whether the document is
 * highlighted and has that entity is the command's check.
 */
export function readFindOccurrencesArgs(value: unknown): FindOccurrencesArgs | undefined {
  if (!isRecord(value) || !hasOnlyKeys(value, ['uri', 'start', 'text', 'type'])) return undefined;
  const { uri, start, text, type } = value;
  const wellFormed = isUriString(uri) && isOffset(start) && isEntityText(text) && typeof type === 'string' && type.length <= MAX_LINK_TYPE;
  return wellFormed ? { uri, start, text, type } : undefined;
}

/** An entity's text as a link may carry it: not blank, not a paragraph. */
export function isEntityText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_LINK_TEXT;
}
