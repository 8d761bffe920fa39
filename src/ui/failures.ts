/**
 * A failed request, told to the user with the actions that can fix it, and the download question
 * when the failure is a model not on the machine yet. Used by the commands and by the views that
 * send requests of their own (the entity highlighter, the Questions view).
 */
import * as vscode from 'vscode';
import { WorkerRequestError } from '../client/workerClient';
import type { Task } from '../protocol';
import { inertMessageText } from './inertText';

/**
 * Runs the failed request again: what the user asked for, once its model is on the machine. It
 * reports its own failures (a command run again goes through `reportFailure` itself).
 */
export type Retry = () => unknown;

/**
 * Shows a failed request to the user, with the actions that can fix it. Cancellations are silent.
 * A missing model asks to download it (or to pick a folder); once the user has it, `retry` runs, so
 * the command the user asked for finishes without being asked again; when the user declines,
 * `onDeclined` runs (a view waiting for the model says so).
 */
export function reportFailure(error: unknown, log: vscode.LogOutputChannel, retry?: Retry, onDeclined?: () => void): void {
  const code = error instanceof WorkerRequestError ? error.code : 'internal';
  if (code === 'cancelled') return;
  const message = error instanceof Error ? error.message : String(error);
  if (needsDownload(error)) {
    log.info(message);
    void offerDownload(error.task, message, error.model).then(async (ready) => {
      if (!ready) onDeclined?.();
      if (!ready || !retry) return;
      try {
        await retry();
      } catch (failure) {
        reportFailure(failure, log);
      }
    });
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

/**
 * The download question showing now, per model, as the promise of its outcome: a second request
 * for the same model (typing in a highlighted document, a question asked meanwhile) joins it
 * instead of stacking another question, and resumes when the first is answered.
 */
const questions = new Map<string, Promise<boolean>>();

/**
 * A request needs a model that is not on the machine yet: asks before downloading it (the message
 * names the model and its size), or offers a local folder instead. The download runs in a
 * cancellable notification. Resolves true when the model is there afterwards, so the request can run.
 */
export function offerDownload(task: Task, message: string, model: string | undefined): Promise<boolean> {
  const key = model === undefined ? task : `${task}:${model}`;
  const open = questions.get(key);
  if (open) return open;
  // The commands report their own failures: here a failure only means the model is not there.
  const asked = askToDownload(task, message, model)
    .catch(() => false)
    .finally(() => questions.delete(key));
  questions.set(key, asked);
  return asked;
}

async function askToDownload(task: Task, message: string, model: string | undefined): Promise<boolean> {
  const DOWNLOAD = 'Download';
  // A classifier's model is chosen in its entry of textAnalytics.classifiers, not by a task's folder.
  const LOCAL = model === undefined ? 'Use Local Folder…' : 'Open Settings';
  const choice = await vscode.window.showInformationMessage(`${inertMessageText(message)} Download it now?`, DOWNLOAD, LOCAL, 'Cancel');
  // Both commands resolve true once the model is in place (see ModelCommands).
  if (choice === DOWNLOAD) return (await vscode.commands.executeCommand<boolean>('textAnalytics.downloadModels', task, model)) === true;
  if (choice === LOCAL && model === undefined) return (await vscode.commands.executeCommand<boolean>('textAnalytics.useLocalModelFolder', task)) === true;
  if (choice === LOCAL) await vscode.commands.executeCommand('textAnalytics.openSettings', task);
  return false;
}

/** Whether `error` is a model not on the machine yet, which the download question can fix. */
export function needsDownload(error: unknown): error is WorkerRequestError & { task: Task } {
  return error instanceof WorkerRequestError && error.code === 'download-needed' && error.task !== undefined;
}
