import * as vscode from 'vscode';
import type { Config } from '../config';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import type { SentimentResult } from '../protocol';
import { ResultsPanel } from '../ui/resultsPanel';
import { documentProblem, reportFailure } from './common';

/**
 * Text Analytics: Analyze Sentiment. Analyses the selection, or the whole document, in the
 * worker with cancellable progress, and shows the result in the results panel. Running it again
 * while it runs cancels the stale run. Returns the result (for tests and other extensions).
 */
export class AnalyzeSentimentCommand implements vscode.Disposable {
  private current?: AbortController;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async run(): Promise<SentimentResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Open a document to analyse its sentiment.');
      return undefined;
    }
    const { document, selection } = editor;
    const config = this.config();
    const range = selection.isEmpty ? undefined : selection;
    const text = document.getText(range);
    // Taken now: if the user types while the worker runs, the panel must see the older version.
    const version = document.version;
    const problem = await documentProblem(document, text, config, range !== undefined);
    if (problem) return undefined;

    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const panel = ResultsPanel.createOrShow(this.extensionUri);
    panel.showRunning(document.fileName);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Analyzing sentiment', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return this.client.request(
            'sentiment',
            { text, neutralBand: config.neutralBand, offset: range ? document.offsetAt(range.start) : 0 },
            {
              signal: controller.signal,
              onProgress: ({ done, total, message }) => {
                const percent = total > 0 ? (100 * done) / total : 0;
                progress.report({ increment: percent - reported, message });
                reported = percent;
              },
            },
          );
        },
      );
      // A newer run may have started while this one finished: only the newest is shown.
      if (this.current !== controller) return result;
      ResultsPanel.createOrShow(this.extensionUri).showSentiment({
        uri: document.uri.toString(),
        version,
        fileName: document.fileName,
        result,
        selection: range ? { start: document.offsetAt(range.start), end: document.offsetAt(range.end) } : undefined,
      });
      this.log.info(
        `Sentiment of ${document.fileName}: ${result.sentences.length} sentences in ${result.elapsedMs} ms (${result.cachedSentences} cached) on ${result.device.used}.`,
      );
      return result;
    } catch (error) {
      if (this.current === controller) {
        if (error instanceof WorkerRequestError && error.code === 'cancelled') ResultsPanel.current?.clearNotice();
        else ResultsPanel.current?.showError(error instanceof Error ? error.message : String(error));
      }
      reportFailure(error, this.log);
      return undefined;
    } finally {
      if (this.current === controller) this.current = undefined;
    }
  }

  dispose(): void {
    this.current?.abort();
  }
}
