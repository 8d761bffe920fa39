/**
 * What the language status bar item says, from what is known of a document's language: pure, so
 * that a unit test reads it without VS Code.
 */
import type { LanguageResult } from '../tasks/language';
import { languageName, UNDETERMINED } from '../tasks/languages';

/** A document's language and where it came from. */
export interface KnownLanguage {
  language: string;
  /** "set for this file", "textAnalytics.language", "detected", "by script". */
  from: string;
  /** The detection's result, when it came from the language model. */
  result?: LanguageResult;
}

export interface LanguagePresentation {
  text: string;
  tooltip: string;
}

/**
 * `$(globe) de` and a tooltip naming the language, where it came from and, after a detection, how
 * many paragraphs each language has: "German (detected): 3 paragraphs German, 1 English".
 */
export function presentLanguage(known: KnownLanguage | undefined, hasModel: boolean): LanguagePresentation {
  if (!known) {
    const how = hasModel ? 'Click to detect it.' : 'Set textAnalytics.models.language to a language-identification model to detect it, or choose it with "Set Document Language…".';
    return { text: '$(globe) ?', tooltip: `Document language: unknown. ${how}` };
  }
  const name = known.language === UNDETERMINED ? 'undetermined' : languageName(known.language);
  const counts = known.result?.languages.map((share) => `${share.paragraphs} ${share.paragraphs === 1 ? 'paragraph' : 'paragraphs'} ${share.language === UNDETERMINED ? 'undetermined' : languageName(share.language)}`);
  const detail = counts && counts.length > 0 ? `: ${counts.join(', ')}` : '';
  return { text: `$(globe) ${known.language}`, tooltip: `Document language: ${name} (${known.from})${detail}. Click for each paragraph's language.` };
}
