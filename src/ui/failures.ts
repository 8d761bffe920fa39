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
    void offerDownload(error.task, message, error.model);
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

/** Models whose download question is showing: typing in a highlighted document must not stack more. */
const asking = new Set<string>();

/**
 * A request needs a model that is not on the machine yet: asks before downloading it (the message
 * names the model and its size), or offers a local folder instead. The download runs in a
 * cancellable notification; the user runs the command again afterwards.
 */
async function offerDownload(task: Task, message: string, model: string | undefined): Promise<void> {
  const key = model ?? task;
  if (asking.has(key)) return;
  asking.add(key);
  try {
    const DOWNLOAD = 'Download';
    // A classifier's model is chosen in its entry of textAnalytics.classifiers, not by a task's folder.
    const LOCAL = model === undefined ? 'Use Local Folder…' : 'Open Settings';
    const choice = await vscode.window.showInformationMessage(`${inertMessageText(message)} Download it now?`, DOWNLOAD, LOCAL, 'Cancel');
    if (choice === DOWNLOAD) await vscode.commands.executeCommand('textAnalytics.downloadModels', task, model);
    if (choice === LOCAL) await vscode.commands.executeCommand(model === undefined ? 'textAnalytics.useLocalModelFolder' : 'textAnalytics.openSettings', task);
  } finally {
    asking.delete(key);
  }
}
