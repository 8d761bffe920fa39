/**
 * `textAnalytics.models.profile`: which default models a task runs on when its own
 * `textAnalytics.models.<task>` is not set. "english" keeps the pinned English defaults of the
 * manifest; "multilingual" swaps in the multilingual transformers.js exports below, for the tasks
 * that have one known to be in the transformers.js layout (`onnx/model.onnx`,
 * `onnx/model_quantized.onnx`). Their revisions and hashes could not be read when this list was
 * written, so they are NOT in the manifest: they are fetched as any Hub id the user sets is — only
 * after the user agrees to the download, from the repo's main branch, their hashes recorded at the
 * first download and a later change refused (src/engine/pins.ts). The README lists them, and the
 * models for the other tasks that need an ONNX export made by the user. Pure: every side reads it.
 */
import type { ModelLanguages } from './languages';

export const MODEL_PROFILES = ['english', 'multilingual'] as const;
export type ModelProfile = (typeof MODEL_PROFILES)[number];

export interface RecommendedModel {
  /** The Hub repo. */
  repo: string;
  /** The languages it was trained on, as its model card says them (`*`: multilingual beyond a list). */
  languages: ModelLanguages;
}

/** The multilingual profile's model per task, where a transformers.js export is known. */
export const MULTILINGUAL_DEFAULTS = {
  entities: {
    repo: 'Xenova/bert-base-multilingual-cased-ner-hrl',
    // Davlan/bert-base-multilingual-cased-ner-hrl: the ten high-resource languages of its card.
    languages: ['ar', 'de', 'en', 'es', 'fr', 'it', 'lv', 'nl', 'pt', 'zh'],
  },
  sentiment: {
    repo: 'Xenova/distilbert-base-multilingual-cased-sentiments-student',
    // lxyuan/distilbert-base-multilingual-cased-sentiments-student: distilled on the twelve languages of tyqiangz/multilingual-sentiments.
    languages: ['ar', 'de', 'en', 'es', 'fr', 'hi', 'id', 'it', 'ja', 'ms', 'pt', 'zh'],
  },
} as const satisfies Record<string, RecommendedModel>;

/**
 * Recommended multilingual models that need an ONNX export in the transformers.js layout made by
 * the user (`optimum-cli export onnx --model <repo> <folder>`), then set as a folder. Their
 * languages count when such a folder or the repo id is the model (a folder by the repo's name).
 */
export const RECOMMENDED_TO_EXPORT = {
  topics: { repo: 'MoritzLaurer/mDeBERTa-v3-base-mnli-xnli', languages: ['*'] },
  qa: { repo: 'deepset/xlm-roberta-base-squad2', languages: ['*'] },
  language: {
    repo: 'papluca/xlm-roberta-base-language-detection',
    languages: ['ar', 'bg', 'de', 'el', 'en', 'es', 'fr', 'hi', 'it', 'ja', 'nl', 'pl', 'pt', 'ru', 'sw', 'th', 'tr', 'ur', 'vi', 'zh'],
  },
  entitiesDistil: { repo: 'Davlan/distilbert-base-multilingual-cased-ner-hrl', languages: ['ar', 'de', 'en', 'es', 'fr', 'it', 'lv', 'nl', 'pt', 'zh'] },
  sentimentStars: { repo: 'nlptown/bert-base-multilingual-uncased-sentiment', languages: ['de', 'en', 'es', 'fr', 'it', 'nl'] },
} as const satisfies Record<string, RecommendedModel>;

/** The languages of a recommended model by its repo id, or undefined for any other model. */
export function recommendedLanguages(repo: string): ModelLanguages | undefined {
  const all: RecommendedModel[] = [...Object.values(MULTILINGUAL_DEFAULTS), ...Object.values(RECOMMENDED_TO_EXPORT)];
  return all.find((model) => model.repo === repo)?.languages;
}
