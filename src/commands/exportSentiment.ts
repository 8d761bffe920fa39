import * as vscode from 'vscode';
import type { DocumentSentiments } from '../ui/documentSentiments';
import { exportText } from '../ui/exportText';
import { sentimentToCsv, sentimentToJson, SENTIMENT_EXPORT_FORMATS, type SentimentExportFormat } from '../ui/sentimentExport';

export type SentimentExportDestination = 'clipboard' | 'file';

/** What the command may be given (by the results panel's button or a keybinding's `args`); anything missing is asked. */
export interface ExportSentimentArgs {
  /** `document.uri.toString()` of the analysed document; default: the active editor's, else the last analysed. */
  uri?: string;
  format?: SentimentExportFormat;
  destination?: SentimentExportDestination;
}

interface ExportChoice extends vscode.QuickPickItem {
  format: SentimentExportFormat;
  destination: SentimentExportDestination;
}

const CHOICES: readonly ExportChoice[] = [
  { label: '$(save) Save as CSV…', detail: 'One row per sentence, for a spreadsheet.', format: 'csv', destination: 'file' },
  { label: '$(save) Save as JSON…', detail: 'What `text-analytics sentiment FILE --json` prints.', format: 'json', destination: 'file' },
  { label: '$(copy) Copy as CSV', format: 'csv', destination: 'clipboard' },
  { label: '$(copy) Copy as JSON', format: 'json', destination: 'clipboard' },
];

/**
 * Text Analytics: Export Sentiment… — the last sentiment result of a document as CSV or JSON, to
 * a file or the clipboard. Exports what was analysed, even if the document changed since.
 */
export async function exportSentiment(sentiments: DocumentSentiments, args: unknown): Promise<void> {
  const given = readArgs(args);
  const uri = given.uri ? vscode.Uri.parse(given.uri) : vscode.window.activeTextEditor?.document.uri;
  const found = (uri && sentiments.resultOf(uri)) ?? (given.uri ? undefined : sentiments.latest());
  if (!found) {
    void vscode.window.showInformationMessage('No sentiment result to export: run Analyze Sentiment on the document first.');
    return;
  }
  let { format, destination } = given;
  if (!format || !destination) {
    const picked = await vscode.window.showQuickPick(
      CHOICES.filter((choice) => (!format || choice.format === format) && (!destination || choice.destination === destination)),
      { title: `Export the sentiment of ${found.view.fileName}`, placeHolder: 'Choose a format and where it goes' },
    );
    if (!picked) return;
    ({ format, destination } = picked);
  }
  const text = format === 'csv' ? sentimentToCsv(found.result) : sentimentToJson(found.result);
  await exportText({ what: 'sentiment', format, destination, text, uri: found.view.uri, fileName: found.view.fileName });
}

/** Keeps what is well-formed; a wrong value counts as not given (and is asked). */
function readArgs(args: unknown): ExportSentimentArgs {
  if (typeof args !== 'object' || args === null) return {};
  const { uri, format, destination } = args as Record<string, unknown>;
  return {
    uri: typeof uri === 'string' ? uri : undefined,
    format: SENTIMENT_EXPORT_FORMATS.find((known) => known === format),
    destination: destination === 'clipboard' || destination === 'file' ? destination : undefined,
  };
}
