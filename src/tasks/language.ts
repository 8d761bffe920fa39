/**
 * Language: which language each paragraph is written in, and the document's (the language of most
 * of its characters), with a language-identification model — a single-label sequence classifier
 * whose labels are language codes (papluca/xlm-roberta-base-language-detection and the like).
 * Paragraphs in a script that only one language writes (kana, Hangul, Thai…) are told by their
 * script without the model; a paragraph the model is unsure of is "undetermined" (`und`), not a
 * guess. The model comes with each request (`textAnalytics.models.language`, the CLI's `--model`):
 * no ONNX export of a language-ID model can be pinned here, so none is downloaded unasked.
 */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { allOf, must, span } from './checks';
import { defineTask, type ModelLabels } from './contract';
import { isLanguageCode } from './languages';
import { TEXT_FORMATS, type TextFormat } from './textFormat';

/** How a paragraph's language was told: by the model, by its script alone, or not at all (no letters). */
export type LanguageSource = 'model' | 'script' | 'none';
export const LANGUAGE_SOURCES = allOf<LanguageSource>({ model: true, script: true, none: true });

export interface ParagraphLanguage extends Span {
  /** A language code as the model names it (`de`), `ja` by script, or `und` (undetermined). */
  language: string;
  /** The model's probability of that language (1 when told by script; for `und`, the best language's probability). */
  score: number;
  source: LanguageSource;
}

/** One language of the document: how many paragraphs and characters are in it. */
export interface LanguageShare {
  language: string;
  paragraphs: number;
  characters: number;
}

export interface LanguageParams {
  text: string;
  /** A Hub id (`owner/name`) or an absolute folder path: the language-identification model. */
  model: string;
  /** A paragraph whose best language scores below this is undetermined (`und`). */
  minScore: number;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
  /** `markdown`: headings, code and other markup are not read as paragraphs. */
  format?: TextFormat;
}

export interface LanguageResult {
  /** The language of most of the document's determined characters (`und` when none is), and its share of them. */
  document: { language: string; share: number };
  /** In document order. */
  paragraphs: ParagraphLanguage[];
  /** Every language found, most characters first (undetermined paragraphs included, as `und`). */
  languages: LanguageShare[];
  model: ModelInfo;
  device: DeviceInfo;
  elapsedMs: number;
}

/** Why a model cannot identify languages: its labels must be language codes (en, de, zh-Hans…). */
function languageLabelProblem({ id2label, problemType }: ModelLabels): string | undefined {
  const needed = 'a language-identification model names its outputs by language code (en, de, fr, zh…)';
  if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${needed}`;
  if (problemType === 'multi_label_classification') return `is a multi-label classifier, but ${needed} and picks one`;
  const notLanguages = id2label.filter((label) => !isLanguageCode(label));
  if (id2label.length < 2 || notLanguages.length > 0) return `has the labels ${id2label.join(', ')}, but ${needed}`;
  return undefined;
}

export const languageTask = defineTask<LanguageParams, LanguageResult>()({
  id: 'language',
  method: 'language',
  title: 'Language',
  modelName: 'language-identification',
  models: 'per-request',
  command: 'textAnalytics.detectLanguage',
  view: 'panel',
  settings: {
    'models.language': { default: '' },
    'languageDetection.minScore': { default: 0.6, minimum: 0, maximum: 1 },
    language: { default: 'auto' },
    modelLanguages: { default: {} },
  },
  params: {
    text: must.string,
    model: must.string,
    minScore: must.number,
    offset: must.optional(must.offset),
    format: must.optional(must.oneOf(TEXT_FORMATS)),
  },
  result: {
    document: must.record({ language: must.string, share: must.number }),
    paragraphs: must.array(span({ language: must.string, score: must.number, source: must.oneOf(LANGUAGE_SOURCES) })),
    languages: must.array(must.record({ language: must.string, paragraphs: must.offset, characters: must.offset })),
  },
  labelProblem: languageLabelProblem,
  cli: { command: 'language', synopsis: 'language FILE --model DIR|owner/name [options]', summary: 'the language of every paragraph and of the whole file' },
});
