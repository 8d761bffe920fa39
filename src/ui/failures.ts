/**
 * A failed request, told to the user with the actions that can fix it, and the download question
 * when the failure is a model not on the machine yet. Used by the commands and by the views that
 * send requests of their own (the entity highlighter, the Questions view).
 */
import * as vscode from 'vscode';
import { WorkerRequestError } from '../client/workerClient';
import type { Task } from '../protocol';
import { inertMessageText } from './inertText';

/** Shows a failed request to the user, with the actions that can fix it. Cancellations are silent. */
export function reportFailure(error: unknown, log: vscode.LogOutputChannel): void {
  const code = error instanceof WorkerRequestError ? error.code : 'internal';
  if (code === 'cancelled') return;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'download-needed' && error instanceof WorkerRequestError && error.task) {
    log.info(message);
    void offerDownload(error.task, message);
    return;
  }
  log.error(message + (error instanceof WorkerRequestError && error.detail ? `\n${error.detail}` : ''));
  const RESTART = 'Restart Worker';
  const actions =
    code === 'model-missing' || code === 'model-corrupt'
      ? ['Open Settings', 'Show Logs']
      : code === 'worker-unavailable' || code === 'worker-crashed'
        ? [RESTART, 'Show Logs']
        : ['Show Logs'];
  // Worker messages quote file names and a model's labels: outside text, never a link.
  void vscode.window.showErrorMessage(inertMessageText(message), ...actions).then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('textAnalytics.openSettings');
    if (choice === RESTART) void vscode.commands.executeCommand('textAnalytics.restartWorker');
    if (choice === 'Show Logs') log.show();
  });
}

/** Tasks whose download question is showing: typing in a highlighted document must not stack more. */
const asking = new Set<Task>();

/**
 * A request needs a model that is not on the machine yet: asks before downloading it (the message
 * names the model and its size), or offers a local folder instead. The download runs in a
 * cancellable notification; the user runs the command again afterwards.
 */
async function offerDownload(task: Task, message: string): Promise<void> {
  if (asking.has(task)) return;
  asking.add(task);
  try {
    const DOWNLOAD = 'Download';
    const LOCAL = 'Use Local Folder…';
    const choice = await vscode.window.showInformationMessage(`${inertMessageText(message)} Download it now?`, DOWNLOAD, LOCAL, 'Cancel');
    if (choice === DOWNLOAD) await vscode.commands.executeCommand('textAnalytics.downloadModels', task);
    if (choice === LOCAL) await vscode.commands.executeCommand('textAnalytics.useLocalModelFolder', task);
  } finally {
    asking.delete(task);
  }
}
