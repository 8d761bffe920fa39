import * as vscode from 'vscode';
import { WorkerRequestError, type RequestOptions } from '../client/workerClient';
import { ResultsPanel } from '../ui/resultsPanel';
import { reportFailure } from '../ui/failures';
import { inertStatusText } from '../ui/inertText';

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
    { automatic = false }: { automatic?: boolean } = {},
  ): Promise<T | undefined> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    // A run nobody asked for (on open or save, src/ui/autoAnalysis.ts) opens the panel only with
    // its result, shows its progress in the status bar, and never pops anything up.
    if (automatic) ResultsPanel.current?.showRunning(fileName);
    else ResultsPanel.createOrShow(this.extensionUri).showRunning(fileName);
    try {
      const result = await vscode.window.withProgress(
        { location: automatic ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title, cancellable: !automatic },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          const counts = new Intl.NumberFormat(vscode.env.language);
          return request({
            signal: controller.signal,
            onProgress: ({ done, total, message }) => {
              const percent = total > 0 ? (100 * done) / total : 0;
              progress.report({ increment: percent - reported, message: message && localCounts(message, counts) });
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
        if (automatic || (error instanceof WorkerRequestError && (error.code === 'cancelled' || error.code === 'download-needed'))) ResultsPanel.current?.clearNotice();
        else ResultsPanel.current?.showError(error instanceof Error ? error.message : String(error));
      }
      if (automatic) reportQuietly(title, fileName, error, this.log);
      // Once the user has the model (download or folder), the same analysis runs by itself.
      else reportFailure(error, this.log, () => this.run(title, fileName, request, show));
      return undefined;
    } finally {
      if (this.current === controller) this.current = undefined;
    }
  }

  dispose(): void {
    this.current?.abort();
  }
}

/**
 * A run nobody asked for failed: a status-bar line and a log line, no notification and no
 * download question (a missing model is set up when the user runs the command).
 */
function reportQuietly(title: string, fileName: string, error: unknown, log: vscode.LogOutputChannel): void {
  if (error instanceof WorkerRequestError && error.code === 'cancelled') return;
  const message = error instanceof Error ? error.message : String(error);
  log.info(`${title} ${fileName} by itself did not succeed: ${message}`);
  void vscode.window.setStatusBarMessage(`$(info) Text Analytics: not analysed automatically: ${inertStatusText(message)}`, 10_000);
}

/**
 * The engine, which knows no locale, writes its counts as plain digits ("1234 of 5678 sentences");
 * the user reads them in their display language ("1,234 of 5,678 sentences").
 */
export function localCounts(message: string, counts: Intl.NumberFormat): string {
  return message.replace(/^(\d+) of (\d+)(?=\s)/, (_, done: string, total: string) => `${counts.format(Number(done))} of ${counts.format(Number(total))}`);
}
