/**
 * How the entities view groups what the model found: by type, then by normalised text, with
 * counts and confidences. Pure functions over {@link Entity} lists; no DOM and no `vscode`, so the
 * webview, the extension host and plain `node --test` can all import it.
 *
 * @example
 * const groups = groupEntities(result.entities, { minScore: 0.5, hiddenTypes: ['MISC'] });
 * for (const group of groups) console.log(entityTypeName(group.type), group.entities.map((e) => e.label));
 */

import { ENTITY_KIND_INFO, entityKind, isUsualEntityName, knownEntityKind, normaliseEntityText } from '../entityTypes';
import type { Entity } from '../protocol';

export { normaliseEntityText };

/** One row of the view: every accepted mention of one normalised text with one type. */
export interface EntityRow {
  /** Unique across the view: the type and the normalised text. */
  key: string;
  type: string;
  /** {@link normaliseEntityText} of the mentions. */
  text: string;
  /**
   * What the row shows: the most frequent spelling; on a tie the most ordinary one (see
   * `spellingRank`), then the earliest.
   */
  label: string;
  /** The other spellings found, most frequent first. */
  variants: string[];
  /** In document order. */
  occurrences: Entity[];
  meanScore: number;
  maxScore: number;
}

export interface EntityTypeGroup {
  type: string;
  /** Most mentioned first; on a tie, the one mentioned earlier in the document first. */
  entities: EntityRow[];
  /** How many mentions the rows hold together. */
  mentions: number;
}

export interface EntityFilter {
  /** Mentions scoring below this are left out (and so are rows left with none). */
  minScore?: number;
  /** Types not shown. */
  hiddenTypes?: readonly string[];
}

/**
 * Groups mentions by type (in {@link compareEntityTypes} order) and by normalised text. The
 * filter applies to each mention, so a row's count, mean and maximum describe only the mentions
 * that pass it, and cycling through the row visits only those.
 */
export function groupEntities(entities: readonly Entity[], filter: EntityFilter = {}): EntityTypeGroup[] {
  const minScore = filter.minScore ?? 0;
  const hidden = new Set(filter.hiddenTypes ?? []);
  // Mentions repeat (that is the point of grouping them): normalise each spelling once.
  const normalised = new Map<string, string>();
  const rows = new Map<string, { text: string; mentions: Entity[] }>();
  for (const entity of entities) {
    if (entity.score < minScore || hidden.has(entity.type)) continue;
    let text = normalised.get(entity.text);
    if (text === undefined) {
      text = normaliseEntityText(entity.text);
      normalised.set(entity.text, text);
    }
    const key = entityKey(entity.type, text);
    const row = rows.get(key);
    if (row) row.mentions.push(entity);
    else rows.set(key, { text, mentions: [entity] });
  }

  const byType = new Map<string, EntityRow[]>();
  for (const [key, { text, mentions }] of rows) {
    const row = buildRow(key, text, mentions);
    const members = byType.get(row.type);
    if (members) members.push(row);
    else byType.set(row.type, [row]);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => compareEntityTypes(a, b))
    .map(([type, members]) => ({
      type,
      entities: members.sort(
        (a, b) => b.occurrences.length - a.occurrences.length || a.occurrences[0].start - b.occurrences[0].start,
      ),
      mentions: members.reduce((sum, row) => sum + row.occurrences.length, 0),
    }));
}

export function entityKey(type: string, normalisedText: string): string {
  // NUL never survives into a type name or an analysed text (binary documents are refused).
  return `${type}\u0000${normalisedText}`;
}

function buildRow(key: string, text: string, unsorted: Entity[]): EntityRow {
  const occurrences = [...unsorted].sort((a, b) => a.start - b.start);
  const first = occurrences[0];
  const spellings = new Map<string, number>();
  let total = 0;
  let maxScore = 0;
  for (const mention of occurrences) {
    const spelling = mention.text.replace(/\s+/g, ' ').trim();
    spellings.set(spelling, (spellings.get(spelling) ?? 0) + 1);
    total += mention.score;
    maxScore = Math.max(maxScore, mention.score);
  }
  // A Map iterates in insertion order, i.e. by first mention: a stable sort keeps the earliest.
  const bySpelling = [...spellings.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || spellingRank(b) - spellingRank(a))
    .map(([spelling]) => spelling);
  return {
    key,
    type: first.type,
    text,
    label: bySpelling[0],
    variants: bySpelling.slice(1),
    occurrences,
    meanScore: total / occurrences.length,
    maxScore,
  };
}

/**
 * Among spellings used equally often, the one a reader expects: ordinary letters before
 * full-width or other compatibility forms, then mixed case (“Merkel”) before shouting or
 * lower case (“MERKEL”, “merkel”).
 */
function spellingRank(spelling: string): number {
  const ordinary = spelling.normalize('NFKC') === spelling ? 2 : 0;
  const mixedCase = spelling !== spelling.toUpperCase() && spelling !== spelling.toLowerCase() ? 1 : 0;
  return ordinary + mixedCase;
}

/** Mentions per type, over all of them (no filter), in {@link compareEntityTypes} order. */
export function countByType(entities: readonly Entity[]): [type: string, count: number][] {
  const counts = new Map<string, number>();
  for (const entity of entities) counts.set(entity.type, (counts.get(entity.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => compareEntityTypes(a, b));
}

/**
 * Which occurrence a click reveals: the one after `last` (the one revealed before), wrapping
 * round; `direction` -1 walks backwards. With nothing revealed yet, or `last` beyond a list that
 * shrank since, it starts again at the first (backwards: the last). -1 when there is none.
 */
export function nextOccurrenceIndex(count: number, last: number | undefined, direction: 1 | -1 = 1): number {
  if (count <= 0) return -1;
  if (last === undefined || last < 0 || last >= count) return direction === 1 ? 0 : count - 1;
  return (last + direction + count) % count;
}

/** The colour family of a type, as the editor colours its highlight (`src/entityTypes.ts`). */
export type EntityColour = 'person' | 'organization' | 'location' | 'misc';

/** “Person” for PER and the other usual names of the four kinds; others as the model names them. */
export function entityTypeName(type: string): string {
  return isUsualEntityName(type) ? ENTITY_KIND_INFO[entityKind(type)].label : type;
}

export function entityTypeColour(type: string): EntityColour {
  return ENTITY_KIND_INFO[entityKind(type)].colour;
}

const KIND_ORDER = ['PER', 'ORG', 'LOC', 'MISC'];

/** Person, organisation, location, miscellaneous (each family's relatives beside it), then the rest alphabetically. */
export function compareEntityTypes(a: string, b: string): number {
  const order = (type: string) => {
    const kind = knownEntityKind(type);
    return kind ? KIND_ORDER.indexOf(kind) : Number.MAX_SAFE_INTEGER;
  };
  const orderA = order(a);
  const orderB = order(b);
  return orderA - orderB || (a < b ? -1 : a > b ? 1 : 0);
}
