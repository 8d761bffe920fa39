/**
 * The commands that get models onto the machine: "Download Default Models" (all tasks ahead of
 * time, or one task after the user said yes to a request's download question, see
 * `reportFailure`) and "Use a Local Model Folder…". Downloads run in the worker (`download`
 * request) into the download cache, where requests find them afterwards without any network.
 */
import * as vscode from 'vscode';
import type { Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import { missingModelFiles } from '../engine/modelFiles';
import { formatSize } from '../formatSize';
import type { DownloadResult } from '../protocol';
import { DEFAULT_MODEL_TASKS as TASKS, REGISTRY, type DefaultModelTask as Task } from '../tasks/registry';
import { inertMessageText } from '../ui/inertText';
import { reportFailure } from '../ui/failures';

const TASK_NAMES = Object.fromEntries(TASKS.map((task) => [task, REGISTRY[task].title])) as Record<Task, string>;

export class ModelCommands {
  constructor(
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Downloads the default model of `task` (the user already agreed: no question), or of every task
   * whose model is not present, after a confirmation that lists them with their sizes.
   */
  async downloadModels(task?: Task | 'classify', model?: string): Promise<void> {
    try {
      const wanted = task ? [{ task, model }] : (await this.confirmDownloads())?.map((t) => ({ task: t, model: undefined }));
      if (!wanted || wanted.length === 0) return;
      const done = await this.downloadWithProgress(wanted);
      if (done.length === 0) return;
      // A classifier's model is named by its Hub id; a task's default model by its task.
      const names = done.map((r) => (r.task === 'classify' ? `classifier ${r.repo}` : `${r.task} (${r.repo})`)).join(', ');
      void vscode.window.showInformationMessage(
        `Text Analytics downloaded the ${names} model${done.length === 1 ? '' : 's'}; ${done.length === 1 ? 'it works' : 'they work'} offline from now on.${task ? ' Run the command again.' : ''}`,
      );
    } catch (error) {
      reportFailure(error, this.log);
    }
  }

  /** Which models are missing (asking the worker, which knows the settings, the bundled folder and the cache), once the user agrees. */
  private async confirmDownloads(): Promise<Task[] | undefined> {
    const plans: DownloadResult[] = [];
    for (const task of TASKS) plans.push(await this.client.request('download', { task, plan: true }));
    const missing = plans.filter((plan) => !plan.model);
    if (missing.length === 0) {
      void vscode.window.showInformationMessage('Text Analytics: the models of all tasks are already present; nothing to download.');
      return undefined;
    }
    const known = missing.filter((plan) => plan.bytes !== null);
    const knownBytes = known.reduce((sum, plan) => sum + (plan.bytes ?? 0), 0);
    const total = known.length === 0 ? 'size unknown' : known.length < missing.length ? `at least ${formatSize(knownBytes)}` : formatSize(knownBytes);
    const list = missing.map((plan) => `${plan.task}: ${plan.repo} (${formatSize(plan.bytes)})`).join('\n');
    const DOWNLOAD = 'Download';
    const choice = await vscode.window.showInformationMessage(
      `Download ${missing.length} model${missing.length === 1 ? '' : 's'} (${total}) from the Hugging Face Hub?`,
      { modal: true, detail: `${list}\n\nThey are kept in ${this.config().modelCacheDir}.` },
      DOWNLOAD,
    );
    return choice === DOWNLOAD ? missing.map((plan) => plan.task as Task) : undefined;
  }

  /** One cancellable notification for all of them; the percentage runs over their known sizes. */
  private downloadWithProgress(tasks: Array<{ task: Task | 'classify'; model?: string }>): Thenable<DownloadResult[]> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Text Analytics: downloading', cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const results: DownloadResult[] = [];
        for (const [index, { task, model }] of tasks.entries()) {
          let reported = 0;
          const step = 100 / tasks.length;
          progress.report({ message: `${task} model (${index + 1} of ${tasks.length})` });
          const result = await this.client.request(
            'download',
            { task, ...(model ? { model } : {}) },
            {
              signal: controller.signal,
              onProgress: ({ done, total }) => {
                const share = total > 0 ? Math.min(1, done / total) * step : 0;
                progress.report({ increment: share - reported, message: `${task} model: ${formatSize(done)} of ${total > 0 ? formatSize(total) : 'an unknown size'}` });
                reported = share;
              },
            },
          );
          progress.report({ increment: step - reported });
          if (result.downloaded) results.push(result);
        }
        return results;
      },
    );
  }

  /**
   * Points a task's setting at a model folder the user picks, after checking that it holds what a
   * model folder needs (saying what is missing otherwise). The worker restarts with it.
   */
  async useLocalFolder(task?: Task): Promise<void> {
    const chosen =
      task ??
      (
        await vscode.window.showQuickPick(
          TASKS.map((t) => ({ label: TASK_NAMES[t], task: t })),
          { title: 'Use a Local Model Folder', placeHolder: 'Which task is the model for?' },
        )
      )?.task;
    if (!chosen) return;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title: `The ${TASK_NAMES[chosen].toLowerCase()} model folder (config.json, tokenizer.json, onnx/)`,
      openLabel: 'Use This Model Folder',
    });
    const folder = picked?.[0]?.fsPath;
    if (!folder) return;
    const missing = await missingModelFiles(folder);
    if (missing.length > 0) {
      const AGAIN = 'Choose Another Folder';
      const choice = await vscode.window.showErrorMessage(
        inertMessageText(`${folder} cannot be used as the ${chosen} model: it lacks ${missing.join(', ')}.`),
        AGAIN,
      );
      if (choice === AGAIN) await this.useLocalFolder(chosen);
      return;
    }
    try {
      await vscode.workspace.getConfiguration('textAnalytics').update(`models.${chosen}`, folder, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(inertMessageText(`The ${chosen} model now comes from ${folder} (textAnalytics.models.${chosen}).`));
    } catch (error) {
      reportFailure(error, this.log);
    }
  }
}
