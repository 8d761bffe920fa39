import * as vscode from 'vscode';
import { WorkerRequestError, type RequestOptions } from '../client/workerClient';
import { ResultsPanel } from '../ui/resultsPanel';
import { reportFailure } from '../ui/failures';

/**
 * One results-panel analysis at a time for a command: a new run cancels the stale one, the panel
 * says the run is under way (keeping the previous results visible), the worker's progress shows in
 * a cancellable notification, and only the newest run's result reaches the panel. Failures are
 * shown in the panel and reported to the user; a cancellation just clears the notice.
 */
export class PanelRun implements vscode.Disposable {
  private current?: AbortController;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async run<T>(
    title: string,
    fileName: string,
    request: (options: Required<RequestOptions>) => Promise<T>,
    show: (panel: ResultsPanel, result: T) => void,
  ): Promise<T | undefined> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    ResultsPanel.createOrShow(this.extensionUri).showRunning(fileName);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return request({
            signal: controller.signal,
            onProgress: ({ done, total, message }) => {
              const percent = total > 0 ? (100 * done) / total : 0;
              progress.report({ increment: percent - reported, message });
              reported = percent;
            },
          });
        },
      );
      // A newer run may have started while this one finished: only the newest is shown.
      if (this.current === controller) show(ResultsPanel.createOrShow(this.extensionUri), result);
      return result;
    } catch (error) {
      if (this.current === controller) {
        // A cancelled run, or one waiting for the user to allow a download (`reportFailure` asks), did not fail.
        if (error instanceof WorkerRequestError && (error.code === 'cancelled' || error.code === 'download-needed')) ResultsPanel.current?.clearNotice();
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
