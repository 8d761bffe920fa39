/**
 * What "Copy as JSON", "Export JSON…" and "Export CSV…" write for a topic classification. Pure
 * (no `vscode`, no DOM), so it is unit-tested in plain Node.
 */

import type { TopicScore, TopicsResult } from '../protocol';
import { csvText, textCell } from './csv';

export interface TopicsExportInput {
  fileName: string;
  labels: readonly string[];
  multiLabel: boolean;
  result: TopicsResult;
}

/** Scores are rounded to this many decimals: more is noise from float arithmetic. */
const SCORE_DECIMALS = 6;

function roundScore(score: number): number {
  const factor = 10 ** SCORE_DECIMALS;
  return Math.round(score * factor) / factor;
}

function scores(labels: readonly TopicScore[]): TopicScore[] {
  return labels.map(({ label, score }) => ({ label, score: roundScore(score) }));
}

/** The whole classification, pretty-printed; offsets are UTF-16 document offsets. */
export function topicsToJson({ fileName, labels, multiLabel, result }: TopicsExportInput): string {
  const exported = {
    file: fileName,
    labels: [...labels],
    multiLabel,
    model: result.model.id,
    document: scores(result.document),
    sections: result.sections.map((section, index) => ({
      section: index + 1,
      start: section.start,
      end: section.end,
      ...(section.heading !== undefined ? { heading: section.heading } : {}),
      labels: scores(section.labels),
    })),
  };
  return `${JSON.stringify(exported, null, 2)}\n`;
}

export const CSV_COLUMNS = ['section', 'start', 'end', 'heading', 'label', 'score'] as const;

/**
 * One row per (section, label), with the document's own scores first as section `document`
 * (without offsets). RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line
 * break, quotes doubled.
 */
export function topicsToCsv({ result }: TopicsExportInput): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const { label, score } of result.document) rows.push(['document', '', '', '', textCell(label), scoreCell(score)]);
  result.sections.forEach((section, index) => {
    for (const { label, score } of section.labels) {
      rows.push([
        String(index + 1),
        String(section.start),
        String(section.end),
        textCell(section.heading ?? ''),
        textCell(label),
        scoreCell(score),
      ]);
    }
  });
  return csvText(rows);
}

function scoreCell(score: number): string {
  return String(roundScore(score));
}
