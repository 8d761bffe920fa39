/** Named entities: people, organisations, locations and other names, highlighted in the editor. */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { isOffset } from '../validate';
import { must, span } from './checks';
import type { DocumentLanguageFields } from './languages';
import { defineTask, LANGUAGE_FIELDS } from './contract';

/** A named entity: a person, organisation, location or other (the model's own type names). */
export interface Entity extends Span {
  /** The entity type without its B-/I- prefix, as the model's config names it: PER, ORG, LOC, MISC… */
  type: string;
  /** The mean of its tokens' probabilities. */
  score: number;
}

export interface EntitiesParams extends DocumentLanguageFields {
  text: string;
  /** Entities scoring below this are left out. */
  minScore: number;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
  /**
   * Analyse only these [start, end) ranges of `text` (comments and strings of code, the visible
   * part, a selection); the whole text when absent.
   */
  ranges?: Array<[number, number]>;
}

export interface EntitiesResult {
  /** Sorted by start, never overlapping. */
  entities: Entity[];
  model: ModelInfo;
  device: DeviceInfo;
  /** Paragraphs run through the model; the others came from the cache (unchanged text). */
  paragraphsAnalysed: number;
  paragraphsCached: number;
  elapsedMs: number;
}

export const entitiesTask = defineTask<EntitiesParams, EntitiesResult>()({
  id: 'entities',
  method: 'entities',
  title: 'Named entities',
  modelName: 'named-entity',
  models: 'default',
  command: 'textAnalytics.highlightEntities',
  view: 'panel',
  settings: {
    'entities.autoHighlight': { default: [] },
    'entities.minScore': { default: 0.5, minimum: 0, maximum: 1 },
    'entities.style': { default: 'background' },
    'entities.hiddenTypes': { default: [] },
    'entities.codeScope': { default: 'commentsAndStrings' },
  },
  params: {
    ...LANGUAGE_FIELDS,
    text: must.string,
    minScore: must.number,
    offset: must.optional(must.offset),
    ranges: must.optional(must.array((range) => (Array.isArray(range) && range.length === 2 && range.every(isOffset) ? undefined : 'is not a [start, end] pair'))),
  },
  result: {
    entities: must.array(span({ type: must.string, score: must.number })),
    paragraphsAnalysed: must.offset,
    paragraphsCached: must.offset,
  },
  labelProblem: ({ id2label }) => {
    const needed = 'a named-entity model names its outputs "O" and tags such as B-PER, I-PER';
    if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${needed}`;
    return id2label.some((label) => label.toLowerCase() === 'o') && id2label.length > 1 ? undefined : `has the labels ${id2label.join(', ')}, but ${needed}`;
  },
  cli: { command: 'entities', synopsis: 'entities FILE [options]', summary: 'people, organisations, locations and other names' },
});
