/** Topics: the document and each section scored against the user's labels, zero-shot (NLI). */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { labelScore, must, span } from './checks';
import { TEXT_FORMATS, type TextFormat } from './textFormat';
import type { DocumentLanguageFields } from './languages';
import { analyzeOnSetting, defineTask, LANGUAGE_FIELDS } from './contract';

export interface TopicScore {
  label: string;
  score: number;
}

/** A part of the document classified on its own: a Markdown heading's section, or a block of paragraphs. */
export interface TopicSection extends Span {
  /** The heading's text (without `#`s), when the section starts with one. */
  heading?: string;
  /** Sorted by score, best first. */
  labels: TopicScore[];
}

export interface TopicsParams extends DocumentLanguageFields {
  text: string;
  /** The user's topic labels, in any language, spaces and commas allowed. */
  labels: string[];
  /** Score each label on its own (true) or make the scores compete and sum to 1 (false). */
  multiLabel: boolean;
  /** The NLI hypothesis, with `{}` where the label goes: "This text is about {}." */
  hypothesisTemplate: string;
  /**
   * `markdown` splits sections at headings and reads only their prose (headings, code, front
   * matter and link targets are not read: src/engine/prose.ts); anything else into blocks of paragraphs.
   */
  format: TextFormat;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
}

export interface TopicsResult {
  /** Sorted by score, best first. */
  document: TopicScore[];
  sections: TopicSection[];
  model: ModelInfo;
  device: DeviceInfo;
  /** (window, label) pairs the model read. */
  pairs: number;
  /** Markdown only: blocks left out as markup (headings, code blocks, front matter, HTML blocks, link definitions, rules). */
  skippedMarkup?: number;
  elapsedMs: number;
}

/** Where a zero-shot (NLI) model's entailment and contradiction outputs are, by name; undefined without them. */
export function nliOutputs(id2label: readonly string[]): { entailment: number; contradiction: number } | undefined {
  const byName = new Map(id2label.map((label, index) => [label.toLowerCase(), index]));
  const entailment = byName.get('entailment');
  const contradiction = byName.get('contradiction') ?? byName.get('not_entailment');
  return entailment === undefined || contradiction === undefined ? undefined : { entailment, contradiction };
}

export const DEFAULT_HYPOTHESIS_TEMPLATE = 'This text is about {}.';

export const topicsTask = defineTask<TopicsParams, TopicsResult>()({
  id: 'topics',
  method: 'topics',
  title: 'Topics (zero-shot classification)',
  modelName: 'topic (zero-shot)',
  models: 'default',
  command: 'textAnalytics.classifyTopics',
  view: 'panel',
  settings: {
    'topics.labels': { default: ['sports', 'business', 'science', 'politics'] },
    'topics.multiLabel': { default: false },
    'topics.hypothesisTemplate': { default: DEFAULT_HYPOTHESIS_TEMPLATE },
    'topics.analyzeOn': analyzeOnSetting,
  },
  params: {
    ...LANGUAGE_FIELDS,
    text: must.string,
    labels: must.array(must.string),
    multiLabel: must.boolean,
    hypothesisTemplate: must.string,
    format: must.oneOf(TEXT_FORMATS),
    offset: must.optional(must.offset),
  },
  result: {
    document: must.array(labelScore),
    sections: must.array(span({ heading: must.optional(must.string), labels: must.array(labelScore) })),
    pairs: must.offset,
    skippedMarkup: must.optional(must.offset),
  },
  labelProblem: ({ id2label }) => {
    const needed = 'a zero-shot (NLI) model names its outputs "entailment" and "contradiction"';
    if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${needed}`;
    return nliOutputs(id2label) ? undefined : `has the labels ${id2label.join(', ')}, but ${needed}`;
  },
  cli: {
    command: 'topics',
    synopsis: 'topics FILE --labels L',
    summary: "the file's and each section's topics among the labels L\n(comma-separated; quote a label with a comma: 'a,\"b, c\"')",
  },
});
