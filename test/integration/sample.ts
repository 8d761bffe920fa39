/**
 * The sample document both the integration suite and the end-to-end tests analyse, with what the
 * planted sentiment fixture model (test/fixtures/planted.ts) says of it: one sentiment word more
 * on one side gives ≥ 0.9 for that side; equal counts give 0.5, which the default neutral band
 * (0.1) shows as NEUTRAL.
 */
import type { SentimentLabel } from '../../src/protocol';

/** Paragraphs of sentences, each with its expected label. */
export const SAMPLE_PARAGRAPHS: readonly (readonly (readonly [string, SentimentLabel])[])[] = [
  [
    ['This is a wonderful and excellent day.', 'POSITIVE'],
    ['The service was terrible and the food was awful.', 'NEGATIVE'],
  ],
  [
    ['The meeting is on Tuesday.', 'NEUTRAL'],
    ['I love this great team and the best office.', 'POSITIVE'],
  ],
  [
    ['We hate the bad traffic but love the best coffee.', 'NEUTRAL'],
    ['Everyone was happy with the good news.', 'POSITIVE'],
  ],
];

export const SAMPLE_SENTENCES = SAMPLE_PARAGRAPHS.flat();

export const SAMPLE_TEXT = SAMPLE_PARAGRAPHS.map((sentences) => sentences.map(([text]) => text).join(' ')).join('\n\n') + '\n';

/**
 * The document's label: the token-weighted mean of its sentences (about 0.65 here) is clearly
 * outside the neutral band.
 */
export const SAMPLE_DOCUMENT_LABEL: SentimentLabel = 'POSITIVE';
