/**
 * What *Export Sentiment…* writes. JSON is what `text-analytics sentiment FILE --json` prints (the
 * unit tests hold the two to each other), so a script reads either the same way; CSV is one row
 * per sentence, after a row for the whole document. Pure (no `vscode`, no DOM).
 *
 * Not made by the CLI's own printer: src/cliTasks.ts reaches the engine's device probing, which
 * would load onnxruntime into the extension host.
 */

import type { SentimentResult, SentimentScore } from '../protocol';
import { csvText, textCell } from './csv';

/** The CLI's JSON_SCHEMA_VERSION (src/cliTasks.ts) that this shape is. */
const CLI_JSON_SCHEMA_VERSION = 2;

export type SentimentExportFormat = 'json' | 'csv';
export const SENTIMENT_EXPORT_FORMATS: readonly SentimentExportFormat[] = ['json', 'csv'];

/** The CLI's `sentiment --json` output for `result`; offsets are UTF-16 document offsets. */
export function sentimentToJson(result: SentimentResult): string {
  const exported = {
    schemaVersion: CLI_JSON_SCHEMA_VERSION,
    document: scoreJson(result.document),
    sentences: result.sentences.map(({ start, end, text, ...score }) => ({ start, end, text, ...scoreJson(score) })),
    model: result.model,
    device: result.device,
  };
  return `${JSON.stringify(exported, null, 2)}\n`;
}

function scoreJson({ label, score, labels, stars }: SentimentScore): Record<string, unknown> {
  return { label, score, ...(labels ? { labels: labels.map(({ label, score }) => ({ label, score })) } : {}), ...(stars !== undefined ? { stars } : {}) };
}

export const SENTIMENT_CSV_COLUMNS = ['sentence', 'start', 'end', 'paragraph', 'label', 'model_label', 'score', 'positive', 'stars', 'text'] as const;

/**
 * The document's own scores first, as sentence `document` (without offsets or text), then one row
 * per sentence, numbered from 1, its paragraph numbered from 1 as well.
 */
export function sentimentToCsv(result: SentimentResult): string {
  const rows: string[][] = [[...SENTIMENT_CSV_COLUMNS]];
  rows.push(['document', '', '', '', ...scoreCells(result.document), '']);
  result.sentences.forEach((sentence, index) => {
    rows.push([String(index + 1), String(sentence.start), String(sentence.end), String(sentence.paragraph + 1), ...scoreCells(sentence), textCell(sentence.text)]);
  });
  return csvText(rows);
}

/** Scores are rounded to this many decimals: more is noise from float arithmetic. */
const SCORE_DECIMALS = 6;

function scoreCells({ label, modelLabel, score, positive, stars }: SentimentScore): string[] {
  return [label, textCell(modelLabel ?? ''), rounded(score), rounded(positive), stars === undefined ? '' : rounded(stars)];
}

function rounded(value: number): string {
  const factor = 10 ** SCORE_DECIMALS;
  return String(Math.round(value * factor) / factor);
}
