/**
 * The language of each paragraph of a document, and of the document (the language of most of its
 * characters), with a language-identification model: a single-label sequence classifier whose
 * labels are language codes. Paragraphs go through the model as sentiment's sentences do
 * (spanScores.ts: windows averaged over a long paragraph, results cached by text); a paragraph in
 * a script only one language writes (kana, Hangul, Thai…) is told by that script and not run, and
 * one whose best language scores under `minScore` is undetermined (`und`): a language-ID model
 * always names some language, also for a list of names or a line of code.
 */
import type { LanguageParams, LanguageResult, LanguageShare, ParagraphLanguage } from '../tasks/language';
import { hasLetters, languageByScript, UNDETERMINED } from '../tasks/languages';
import type { BatchLimits } from './batching';
import { EngineError } from './errors';
import type { LoadedModel } from './modelStore';
import { documentSpan, proseOf } from './prose';
import type { ResultCache } from './resultCache';
import { paragraphSpans } from './segment';
import { spanScores, type SpanPlan, type SpanScore, type SpanScores } from './spanScores';
import type { TaskContext } from './task';

export async function paragraphLanguages(
  model: LoadedModel,
  params: LanguageParams,
  cache: ResultCache<SpanScore>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<LanguagePart> {
  const plan = languagePlan(model, params);
  // Paragraphs told by their script alone need no forward pass.
  return plan.finish(plan.starts.length > 0 ? await spanScores({ ...plan, model, cache, context, limits }) : undefined);
}

type LanguagePart = Omit<LanguageResult, 'model' | 'device' | 'elapsedMs'>;

/**
 * The paragraphs of a document the model reads, and how its languages are made from their scores:
 * one request runs it through spanScores, a packed one with other documents' (engine.ts).
 */
export function languagePlan(model: LoadedModel, params: LanguageParams): SpanPlan<LanguagePart> & { finish(scores: SpanScores | undefined): LanguagePart } {
  const { text, minScore } = params;
  const offset = params.offset ?? 0;
  const prose = proseOf(text, params.format ?? 'plaintext');
  const blocks = paragraphSpans(prose.text);
  if (blocks.length === 0) {
    if (prose.skippedBlocks > 0) throw new EngineError('bad-input', 'There is no prose to read: the document holds only Markdown markup (headings, code, front matter).');
    throw new EngineError('bad-input', 'There is no text to read: the document is empty or only whitespace.');
  }
  const paragraphs: ParagraphLanguage[] = [];
  // The paragraphs the model reads: their index in `paragraphs`, and their prose spans.
  const asked: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [b, block] of blocks.entries()) {
    const span = documentSpan(text, prose, block, paragraphs.at(-1)?.end ?? 0, blocks[b + 1]?.start ?? text.length);
    const byScript = languageByScript(block.text);
    const source = byScript ? 'script' : hasLetters(block.text) ? 'model' : 'none';
    paragraphs.push({ ...span, language: byScript ?? UNDETERMINED, score: byScript ? 1 : 0, source });
    if (source === 'model') {
      asked.push(paragraphs.length - 1);
      starts.push(block.start);
      ends.push(block.end);
    }
  }
  const finish = (scores: SpanScores | undefined): LanguagePart => {
    if (scores) {
      const id2label = model.config.id2label;
      for (const [i, index] of asked.entries()) {
        const probabilities = scores.probabilities.subarray(i * scores.labels, (i + 1) * scores.labels);
        let best = 0;
        for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
        const paragraph = paragraphs[index];
        paragraph.score = probabilities[best];
        paragraph.language = probabilities[best] >= minScore ? id2label[best] : UNDETERMINED;
      }
    }
    const languages = languageShares(paragraphs);
    const determined = languages.filter((share) => share.language !== UNDETERMINED);
    const characters = determined.reduce((sum, share) => sum + share.characters, 0);
    const top = determined[0];
    for (const paragraph of paragraphs) {
      paragraph.start += offset;
      paragraph.end += offset;
    }
    return { document: top ? { language: top.language, share: top.characters / characters } : { language: UNDETERMINED, share: 0 }, paragraphs, languages };
  };
  return { text: prose.text, starts, ends, activation: 'softmax', what: 'paragraphs', finish };
}

/** Each language's paragraphs and characters (code points), most characters first. */
export function languageShares(paragraphs: readonly ParagraphLanguage[]): LanguageShare[] {
  const shares = new Map<string, LanguageShare>();
  for (const { language, text } of paragraphs) {
    const share = shares.get(language) ?? { language, paragraphs: 0, characters: 0 };
    share.paragraphs++;
    for (const char of text) if (/\p{L}/u.test(char)) share.characters++;
    shares.set(language, share);
  }
  return [...shares.values()].sort((a, b) => b.characters - a.characters);
}
