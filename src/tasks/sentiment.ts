/**
 * Sentiment: every sentence, paragraph and the document, with any sentiment model — two labels
 * (positive/negative, with a neutral band), three (negative/neutral/positive) or five stars.
 */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { allOf, labelScore, must, span } from './checks';
import { TEXT_FORMATS, type TextFormat } from './textFormat';
import type { DocumentLanguageFields } from './languages';
import { analyzeOnSetting, defineTask, LANGUAGE_FIELDS, type ModelLabels } from './contract';

/** The polarity every sentiment model's answer is read as: what the panel colours by. */
export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';
export const SENTIMENT_LABELS = allOf<SentimentLabel>({ POSITIVE: true, NEGATIVE: true, NEUTRAL: true });

export interface LabelScore {
  label: string;
  score: number;
}

export interface SentimentScore {
  /** The polarity: for a two-label model, NEUTRAL within the neutral band of 0.5. */
  label: SentimentLabel;
  /** Confidence in the answer: the probability of the winning model label (also for NEUTRAL). */
  score: number;
  /** How positive, from 0 to 1: the probability of positive (two labels), positive + half neutral (three), (stars − 1) / 4 (stars). */
  positive: number;
  /** Models of more than two labels: the winning label as the model names it ("neutral", "4 stars"). */
  modelLabel?: string;
  /** Models of more than two labels: every label's probability, best first. */
  labels?: LabelScore[];
  /** Star models: the expected number of stars. */
  stars?: number;
}

export interface SentenceSentiment extends Span, SentimentScore {
  /** Index into {@link SentimentResult.paragraphs}. */
  paragraph: number;
}

export interface ParagraphSentiment extends Span, SentimentScore {}

export interface SentimentParams extends DocumentLanguageFields {
  text: string;
  /**
   * Two-label models: a prediction whose positive probability lies within `neutralBand` of 0.5 is
   * NEUTRAL; 0 never says NEUTRAL. Models with a neutral label say it themselves.
   */
  neutralBand: number;
  /** Added to every reported offset: where `text` starts in the document (for selections). */
  offset?: number;
  /** `markdown`: headings, code, front matter and link targets are not read as sentences (src/engine/prose.ts). Plain text when absent. */
  format?: TextFormat;
}

export interface SentimentResult {
  document: SentimentScore;
  paragraphs: ParagraphSentiment[];
  sentences: SentenceSentiment[];
  model: ModelInfo;
  device: DeviceInfo;
  /** Sentences answered from the result cache rather than the model. */
  cachedSentences: number;
  /** Markdown only: blocks left out as markup (headings, code blocks, front matter, HTML blocks, link definitions, rules). */
  skippedMarkup?: number;
  elapsedMs: number;
}

/**
 * How a sentiment model's outputs are read, from its labels:
 * - `binary`: positive and negative by name (POSITIVE/NEGATIVE, pos/neg…), or any two other labels
 *   (LABEL_0, LABEL_1) read negative then positive, the order of the binary sentiment models;
 * - `three`: negative, neutral and positive by name, in any casing and order;
 * - `stars`: every label "N star" or "N stars" (the 5-star review models).
 */
export type SentimentScheme =
  | { kind: 'binary'; positiveIndex: number; negativeIndex: number }
  | { kind: 'three'; negativeIndex: number; neutralIndex: number; positiveIndex: number }
  | { kind: 'stars'; stars: number[] };

export function sentimentScheme(id2label: readonly string[]): SentimentScheme | undefined {
  const names = id2label.map((label) => label.trim().toLowerCase());
  const find = (prefix: string) => names.findIndex((name) => name.startsWith(prefix));
  const [positiveIndex, negativeIndex, neutralIndex] = [find('pos'), find('neg'), find('neu')];
  if (names.length === 2) {
    if (positiveIndex >= 0 && negativeIndex >= 0) return { kind: 'binary', positiveIndex, negativeIndex };
    return { kind: 'binary', positiveIndex: 1, negativeIndex: 0 };
  }
  if (names.length === 3 && positiveIndex >= 0 && negativeIndex >= 0 && neutralIndex >= 0) return { kind: 'three', negativeIndex, neutralIndex, positiveIndex };
  const stars = names.map((name) => /^(\d+) stars?$/.exec(name)?.[1]);
  if (names.length >= 2 && stars.every((n) => n !== undefined) && new Set(stars).size === stars.length) return { kind: 'stars', stars: stars.map(Number) };
  return undefined;
}

function sentimentLabelProblem({ id2label }: ModelLabels): string | undefined {
  const needed =
    'a sentiment model names its outputs POSITIVE and NEGATIVE (two labels), negative, neutral and positive (three), or "1 star" … "5 stars"';
  if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${needed}`;
  return sentimentScheme(id2label) ? undefined : `has the labels ${id2label.join(', ')}, but ${needed}`;
}

const scoreFields = {
  label: must.oneOf(SENTIMENT_LABELS),
  score: must.number,
  positive: must.number,
  modelLabel: must.optional(must.string),
  labels: must.optional(must.array(labelScore)),
  stars: must.optional(must.number),
};

export const sentimentTask = defineTask<SentimentParams, SentimentResult>()({
  id: 'sentiment',
  method: 'sentiment',
  title: 'Sentiment',
  modelName: 'sentiment',
  models: 'default',
  command: 'textAnalytics.analyzeSentiment',
  view: 'panel',
  settings: {
    'sentiment.neutralBand': { default: 0.1, minimum: 0, maximum: 0.5 },
    'sentiment.analyzeOn': analyzeOnSetting,
  },
  params: {
    ...LANGUAGE_FIELDS, text: must.string, neutralBand: must.number, offset: must.optional(must.offset), format: must.optional(must.oneOf(TEXT_FORMATS)) },
  result: {
    document: must.record(scoreFields),
    paragraphs: must.array(span(scoreFields)),
    sentences: must.array(span({ ...scoreFields, paragraph: must.offset })),
    cachedSentences: must.offset,
    skippedMarkup: must.optional(must.offset),
  },
  labelProblem: sentimentLabelProblem,
  cli: { command: 'sentiment', synopsis: 'sentiment FILE [options]', summary: 'sentiment of every sentence and of the whole file' },
});
