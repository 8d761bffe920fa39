/**
 * Languages: of a document (a BCP-47 tag from the settings, the user's choice for a file, or
 * detected), and of a model (the manifest's for the defaults, `textAnalytics.modelLanguages` for
 * the user's own, English when nobody says). One function, {@link languageCoverageProblem},
 * decides whether a model covers a document; the engine asks it before any task runs
 * (src/engine/runners.ts), so the editor and the command line refuse alike. Pure: no `vscode`, no
 * Node, no DOM — `Intl` is in every runtime.
 */

/** The language of a paragraph or document that could not be told (BCP-47's "undetermined"). */
export const UNDETERMINED = 'und';

/** A model's languages: tags, or `*` for a multilingual model that covers any. */
export type ModelLanguages = readonly string[];
/** What a model covers when nobody says: the Hub's fine-tuned models are English unless they say otherwise. */
export const ENGLISH_ONLY: ModelLanguages = ['en'];
export const ANY_LANGUAGE = '*';

/**
 * `textAnalytics.modelLanguages`: per model — its Hub id, its folder, or a task id for that task's
 * model whatever it is — the languages it covers (`["de", "fr"]`, or `"*"` for multilingual).
 */
export type ModelLanguagesTable = Readonly<Record<string, ModelLanguages | string>>;

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** The tag in its canonical form (`de-ch` → `de-CH`, `eng_Latn` → `en-Latn`), or undefined when it is no language tag. */
export function canonicalLanguage(tag: string): string | undefined {
  const trimmed = tag.trim().replace(/_/g, '-');
  if (trimmed === '' || trimmed === ANY_LANGUAGE) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(trimmed);
    return canonical;
  } catch {
    return undefined;
  }
}

/** The primary language subtag, lower case: `de-CH` → `de`, `zh-Hant` → `zh`; what coverage compares. */
export function primaryLanguage(tag: string): string {
  return (canonicalLanguage(tag) ?? tag).split('-')[0].toLowerCase();
}

/**
 * Whether `label` names a language people know (`de`, `zh-Hans`, `eng_Latn`): a valid tag whose
 * language has an English name. `POSITIVE`, `LABEL_0` or `sports` are not: a language-ID model
 * names its outputs by language.
 */
export function isLanguageCode(label: string): boolean {
  const canonical = canonicalLanguage(label);
  return canonical !== undefined && names.of(primaryLanguage(canonical)) !== undefined && primaryLanguage(canonical) !== UNDETERMINED;
}

/** "German", "Japanese", "undetermined"; the tag itself when no name is known. */
export function languageName(tag: string): string {
  if (primaryLanguage(tag) === UNDETERMINED) return 'undetermined';
  const canonical = canonicalLanguage(tag);
  return (canonical && names.of(canonical)) ?? tag;
}

/** "English", "German and French", "English, German and French", or "any language". */
export function languageList(languages: ModelLanguages): string {
  if (languages.includes(ANY_LANGUAGE)) return 'any language';
  const named = languages.map(languageName);
  return named.length <= 1 ? (named[0] ?? 'no language') : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}

/** Whether a model of `languages` reads `document`'s language (by primary subtag: `de` covers `de-CH`). */
export function coversLanguage(languages: ModelLanguages, document: string): boolean {
  if (languages.includes(ANY_LANGUAGE)) return true;
  const wanted = primaryLanguage(document);
  if (wanted === UNDETERMINED) return true;
  return languages.some((language) => primaryLanguage(language) === wanted);
}

/** A setting's value as languages: `"*"`, `"de"`, `["de", "fr"]`; undefined when it is none of those. */
export function readModelLanguages(value: unknown): ModelLanguages | undefined {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!list || list.length === 0 || !list.every((item) => typeof item === 'string')) return undefined;
  const languages = (list as string[]).map((item) => item.trim());
  if (languages.includes(ANY_LANGUAGE)) return [ANY_LANGUAGE];
  return languages.every((item) => canonicalLanguage(item) !== undefined) ? languages.map((item) => canonicalLanguage(item) as string) : undefined;
}

/**
 * The languages the user's table gives the first of `keys` it names (a model's Hub id, its folder,
 * its folder's name, its task), or undefined when it names none of them. Folder keys compare
 * without a trailing slash.
 */
export function languagesInTable(table: ModelLanguagesTable | undefined, keys: readonly string[]): ModelLanguages | undefined {
  if (!table) return undefined;
  const normal = (key: string) => key.trim().replace(/[\\/]+$/, '');
  const entries = Object.entries(table).map(([key, value]) => [normal(key), value] as const);
  for (const key of keys) {
    const found = entries.find(([name]) => name === normal(key));
    if (found) return readModelLanguages(found[1]);
  }
  return undefined;
}

export interface CoverageQuestion {
  /** How messages name the model: "The sentiment model (Xenova/distilbert-…)". */
  model: string;
  /** How to choose a model that reads more: "set textAnalytics.models.sentiment to a multilingual model". */
  remedy: string;
  languages: ModelLanguages;
  /** The document's language (BCP-47), and where it came from: "detected", "set for this file"… */
  document: string;
  from?: string;
}

/**
 * The one-line refusal when a model does not read the document's language, or undefined when it
 * does: naming the model, its languages, the document's language, and how to choose a model that
 * reads it. A model run on a language it never saw still returns confident scores, which is worse
 * than no answer.
 */
export function languageCoverageProblem({ model, remedy, languages, document, from }: CoverageQuestion): string | undefined {
  if (coversLanguage(languages, document)) return undefined;
  const where = from ? ` (${from})` : '';
  return (
    `${model} reads ${languageList(languages)}, not ${languageName(document)}, the document's language${where}: ${remedy} (README, "Languages"); ` +
    `if the model does read ${languageName(document)}, add it to textAnalytics.modelLanguages.`
  );
}

/**
 * The language fields every task's request may carry (src/tasks/contract.ts adds their checks to
 * each contract): the document's language, for sentence segmentation and the coverage check, and
 * the user's table of model languages.
 */
export interface DocumentLanguageFields {
  /** The document's language (BCP-47); absent: unknown, segmentation by the root rules and no coverage check. */
  language?: string;
  /** Where the language came from, for messages: "detected", "set for this file", "textAnalytics.language". */
  languageFrom?: string;
  /** `textAnalytics.modelLanguages` (or the CLI's `--model-languages` for its model). */
  modelLanguages?: Record<string, string | string[]>;
}

// ---------------------------------------------------------------------------------------------
// Languages told by their script alone

/**
 * Scripts written for one language only: a paragraph mostly in one of them is that language
 * without asking a model (a language-ID model may not know it at all). Han is not among them
 * (Chinese and Japanese share it): Japanese is told by its kana, which Chinese never uses.
 */
const SCRIPT_LANGUAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Thai}/u, 'th'],
  [/\p{Script=Lao}/u, 'lo'],
  [/\p{Script=Khmer}/u, 'km'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Armenian}/u, 'hy'],
  [/\p{Script=Georgian}/u, 'ka'],
  [/\p{Script=Sinhala}/u, 'si'],
  [/\p{Script=Tamil}/u, 'ta'],
  [/\p{Script=Telugu}/u, 'te'],
  [/\p{Script=Kannada}/u, 'kn'],
  [/\p{Script=Malayalam}/u, 'ml'],
  [/\p{Script=Gujarati}/u, 'gu'],
  [/\p{Script=Gurmukhi}/u, 'pa'],
  [/\p{Script=Oriya}/u, 'or'],
  [/\p{Script=Tibetan}/u, 'bo'],
];
const HAN = /\p{Script=Han}/u;
const LETTER = /\p{L}/u;

/**
 * The language of `text` told by its script: the language whose script holds more than half of its
 * letters (Japanese: kana and kanji together, with some kana), or undefined when no such script
 * does — Latin, Cyrillic, Arabic, Devanagari and Han alone are shared by many languages.
 */
export function languageByScript(text: string): string | undefined {
  const counts = new Map<string, number>();
  let letters = 0;
  let han = 0;
  for (const char of text) {
    if (!LETTER.test(char)) continue;
    letters++;
    if (HAN.test(char)) {
      han++;
      continue;
    }
    const found = SCRIPT_LANGUAGES.find(([script]) => script.test(char));
    if (found) counts.set(found[1], (counts.get(found[1]) ?? 0) + 1);
  }
  if (letters === 0) return undefined;
  if ((counts.get('ja') ?? 0) > 0) counts.set('ja', (counts.get('ja') ?? 0) + han);
  for (const [language, count] of counts) if (count * 2 > letters) return language;
  return undefined;
}

/** Whether `text` has a letter at all: a paragraph of digits, symbols or emoji has no language. */
export function hasLetters(text: string): boolean {
  return LETTER.test(text);
}
