/**
 * What the document status item says ("Positive 61% · 12 entities") and its screen-reader label,
 * in the user's locale. Pure: no `vscode`; the locale is `vscode.env.language`.
 */

import type { SentimentLabel, SentimentScore } from '../protocol';

const SENTIMENT_WORDS: Readonly<Record<SentimentLabel, string>> = { POSITIVE: 'Positive', NEGATIVE: 'Negative', NEUTRAL: 'Neutral' };

export interface DocumentSummaryInput {
  /** The last sentiment analysis of the document, if any. */
  sentiment?: {
    score: SentimentScore;
    /** Only a part of the document (a selection, or the part in view) was analysed. */
    part: boolean;
    /** The document was edited since. */
    edited: boolean;
  };
  /** How many entities are highlighted (hidden kinds left out); undefined when the document is not highlighted. */
  entities?: number;
}

export interface DocumentSummary {
  /** The status bar text, without codicons (it is the document's own text, not an icon row). */
  text: string;
  /** One sentence per fact, for the tooltip and screen readers. */
  details: string[];
}

/** "61%" in English, "61 %" in German or French: the winning label's probability. */
export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(safeLocale(locale), { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** "Positive 61%": the polarity and how sure the model is of it. */
export function sentimentText(score: SentimentScore, locale: string): string {
  return `${SENTIMENT_WORDS[score.label]} ${formatPercent(score.score, locale)}`;
}

/** "1 entity", "1,234 entities". */
export function entitiesText(count: number, locale: string): string {
  return `${new Intl.NumberFormat(safeLocale(locale)).format(count)} ${count === 1 ? 'entity' : 'entities'}`;
}

/** Undefined when there is nothing to say about the document (the item is then hidden). */
export function documentSummary({ sentiment, entities }: DocumentSummaryInput, locale: string): DocumentSummary | undefined {
  const parts: string[] = [];
  const details: string[] = [];
  if (sentiment) {
    const text = sentimentText(sentiment.score, locale);
    parts.push(sentiment.part ? `Selection ${text}` : text);
    const stars = sentiment.score.stars === undefined ? '' : `, ${new Intl.NumberFormat(safeLocale(locale), { maximumFractionDigits: 1 }).format(sentiment.score.stars)} stars`;
    details.push(
      `Sentiment of ${sentiment.part ? 'the analysed part' : 'the document'}: ${SENTIMENT_WORDS[sentiment.score.label].toLowerCase()}, ${formatPercent(sentiment.score.score, locale)} confidence${stars}.`,
    );
    if (sentiment.edited) details.push('The document changed since; run Analyze Sentiment again to update it.');
  }
  if (entities !== undefined) {
    parts.push(entitiesText(entities, locale));
    details.push(`${entitiesText(entities, locale)} highlighted.`);
  }
  return parts.length === 0 ? undefined : { text: parts.join(' · '), details };
}

/** VS Code's display language, or English where the runtime does not know it. */
function safeLocale(locale: string): string {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0 ? locale : 'en';
  } catch {
    return 'en';
  }
}
