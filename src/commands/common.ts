import * as vscode from 'vscode';
import type { Config } from '../config';
import { WorkerRequestError } from '../client/workerClient';

/**
 * Checks a document before analysis and tells the user what is wrong; returns a reason when the
 * analysis must not go ahead. Nothing in the document is changed.
 */
export async function documentProblem(document: vscode.TextDocument, text: string, config: Config, isSelection: boolean): Promise<string | undefined> {
  const what = isSelection ? 'The selection' : 'The document';
  if (text.trim().length === 0) {
    void vscode.window.showInformationMessage(`${what} has no text to analyse.`);
    return 'empty';
  }
  if (text.includes('\u0000')) {
    void vscode.window.showWarningMessage(`${what} looks like binary data (it contains NUL characters), so it was not analysed.`);
    return 'binary';
  }
  if (text.length > config.maxDocumentSize) {
    const choice = await vscode.window.showWarningMessage(
      `${what} has ${text.length.toLocaleString()} characters, more than the limit of ${config.maxDocumentSize.toLocaleString()} (textAnalytics.maxDocumentSize). Select a part of it to analyse, or raise the limit.`,
      'Open Settings',
    );
    if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.maxDocumentSize');
    return 'too-large';
  }
  if (!config.languages.includes(document.languageId)) {
    const choice = await vscode.window.showWarningMessage(
      `Text Analytics is set to analyse ${config.languages.join(', ')} documents; this one is ${document.languageId}.`,
      'Analyze Anyway',
      'Add Language',
    );
    if (choice === 'Add Language') {
      await vscode.workspace
        .getConfiguration('textAnalytics')
        .update('languages', [...config.languages, document.languageId], vscode.ConfigurationTarget.Global);
    } else if (choice !== 'Analyze Anyway') {
      return 'language';
    }
  }
  return undefined;
}

/** What a command analyses: the selection (when `range` is set) or the whole document, as it is now. */
export interface AnalysisTarget {
  range?: vscode.Selection;
  text: string;
  /** Where `text` starts in the document. */
  offset: number;
  /** Taken now: if the user types while the worker runs, the panel must see the older version. */
  version: number;
}

/**
 * The text to analyse — the selection, unless it is empty or `wholeDocument` — checked with
 * {@link documentProblem}; undefined (the user has been told why) when it must not be analysed.
 */
export async function analysisTarget(editor: vscode.TextEditor, config: Config, wholeDocument = false): Promise<AnalysisTarget | undefined> {
  const { document, selection } = editor;
  const range = wholeDocument || selection.isEmpty ? undefined : selection;
  const text = document.getText(range);
  const version = document.version;
  if (await documentProblem(document, text, config, range !== undefined)) return undefined;
  return { range, text, offset: range ? document.offsetAt(range.start) : 0, version };
}

/** Shows a failed request to the user, with the actions that can fix it. Cancellations are silent. */
export function reportFailure(error: unknown, log: vscode.LogOutputChannel): void {
  const code = error instanceof WorkerRequestError ? error.code : 'internal';
  if (code === 'cancelled') return;
  const message = error instanceof Error ? error.message : String(error);
  log.error(message + (error instanceof WorkerRequestError && error.detail ? `\n${error.detail}` : ''));
  const actions = code === 'model-missing' || code === 'model-corrupt' ? ['Open Settings', 'Show Logs'] : ['Show Logs'];
  void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('textAnalytics.openSettings');
    if (choice === 'Show Logs') log.show();
  });
}
