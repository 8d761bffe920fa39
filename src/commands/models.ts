/**
 * The commands that get models onto the machine: "Download Default Models" (all tasks ahead of
 * time, or one task after the user said yes to a request's download question, see
 * `reportFailure`) and "Use a Local Model Folder…". Downloads run in the worker (`download`
 * request) into the download cache, where requests find them afterwards without any network.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Config } from '../config';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import { folderBytes, missingModelFiles, modelsInParentFolder } from '../engine/modelFiles';
import { formatSize, totalDownloadSize, formatDownloadSize } from '../formatSize';
import { TASK_MODEL_NAMES, type DownloadResult } from '../protocol';
import { DEFAULT_MODEL_TASKS as TASKS, REGISTRY, type DefaultModelTask as Task } from '../tasks/registry';
import { inertMessageText } from '../ui/inertText';
import { reportFailure } from '../ui/failures';

const TASK_NAMES = Object.fromEntries(TASKS.map((task) => [task, REGISTRY[task].title])) as Record<Task, string>;

/** "the question-answering model": how messages name a task's model, never by its id. */
export function modelWords(task: Task | 'classify'): string {
  return `the ${TASK_MODEL_NAMES[task]} model`;
}

/** "the sentiment, named-entity and question-answering models". */
function modelsWords(tasks: readonly Task[]): string {
  const names = tasks.map((task) => TASK_MODEL_NAMES[task]);
  const list = names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `the ${list} model${tasks.length === 1 ? '' : 's'}`;
}

/** What the Models view shows of one task: the worker's plan, or why it could not make one. */
export type TaskPlan = { task: Task; plan: DownloadResult; problem?: undefined } | { task: Task; plan?: undefined; problem: string };

export class ModelCommands implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Models were downloaded, removed or pointed elsewhere by these commands: the Models view refreshes. */
  readonly onDidChangeModels = this.changed.event;

  constructor(
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
    /** The user's Hugging Face token (secret storage), sent with each download; see commands/hubToken.ts. */
    private readonly hubToken: () => Promise<string | undefined> = async () => undefined,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /**
   * Downloads the default model of `task` (the user already agreed: no question), or of every task
   * whose model is not present, after a confirmation that lists them with their sizes. Resolves
   * true when the wanted models are on the machine afterwards: the request that asked for the
   * download (see `reportFailure`) then runs again by itself.
   */
  async downloadModels(task?: Task | 'classify', model?: string): Promise<boolean> {
    try {
      const wanted = task ? [{ task, model }] : (await this.confirmDownloads())?.map((t) => ({ task: t, model: undefined }));
      if (!wanted || wanted.length === 0) return false;
      let done: DownloadResult[];
      try {
        done = await this.downloadWithProgress(wanted);
      } finally {
        this.changed.fire();
      }
      if (done.length > 0) {
        // A classifier's model is named by its Hub id; a task's default model by the task, in words.
        const names = done.map((r) => (r.task === 'classify' ? `classifier ${r.repo}` : `${TASK_MODEL_NAMES[r.task]} (${r.repo})`)).join(', ');
        void vscode.window.showInformationMessage(
          `Text Analytics downloaded the ${names} model${done.length === 1 ? '' : 's'}; ${done.length === 1 ? 'it works' : 'they work'} offline from now on.`,
        );
      }
      return true;
    } catch (error) {
      return this.downloadFailed(error, task, model);
    }
  }

  /** Which models are missing (asking the worker, which knows the settings, the bundled folder and the cache), once the user agrees. */
  private async confirmDownloads(): Promise<Task[] | undefined> {
    // A task whose setting is broken has nothing to download: its error shows when it is used.
    const missing = (await this.plans()).flatMap(({ plan }) => (plan && !plan.model ? [plan] : []));
    if (missing.length === 0) {
      void vscode.window.showInformationMessage('Text Analytics: the models of all tasks are already present; nothing to download.');
      return undefined;
    }
    const locale = vscode.env.language;
    const total = totalDownloadSize(missing, locale);
    const list = missing.map((plan) => `${TASK_NAMES[plan.task as Task]}: ${plan.repo} (${formatDownloadSize(plan, locale)})`).join('\n');
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
        // Read once per run: the token goes with each request, never into the worker's environment.
        const hubToken = await this.hubToken();
        const results: DownloadResult[] = [];
        for (const [index, { task, model }] of tasks.entries()) {
          let reported = 0;
          const step = 100 / tasks.length;
          const name = TASK_MODEL_NAMES[task];
          progress.report({ message: `${name} model (${index + 1} of ${tasks.length})` });
          let result: DownloadResult;
          try {
            result = await this.client.request(
              'download',
              { task, ...(model ? { model } : {}), ...(hubToken ? { hubToken } : {}) },
              {
                signal: controller.signal,
                onProgress: ({ done, total }) => {
                  const share = total > 0 ? Math.min(1, done / total) * step : 0;
                  progress.report({ increment: share - reported, message: `${name} model: ${formatSize(done)} of ${total > 0 ? formatSize(total) : 'an unknown size'}` });
                  reported = share;
                },
              },
            );
          } catch (error) {
            throw new TaskDownloadError(task, model, error);
          }
          progress.report({ increment: step - reported });
          if (result.downloaded) results.push(result);
        }
        return results;
      },
    );
  }

  /**
   * A download failed: one notification saying why, with *Retry* (the same download again; once
   * it succeeds the caller goes on as after any success) and *Use Local Folder…* (for a task's
   * default model). Resolves with whether the models are there afterwards. Other failures
   * (cancelled, a crashed worker) are reported as everywhere else.
   */
  private async downloadFailed(error: unknown, task?: Task | 'classify', model?: string): Promise<boolean> {
    const failed = error instanceof TaskDownloadError ? error : undefined;
    const cause = failed ? failed.cause : error;
    if (!(cause instanceof WorkerRequestError && cause.code === 'download-failed')) {
      reportFailure(cause, this.log);
      return false;
    }
    this.log.error(cause.message + (cause.detail ? `\n${cause.detail}` : ''));
    const failedTask = failed?.task ?? task;
    const RETRY = 'Retry';
    const LOCAL = 'Use Local Folder…';
    const LOGS = 'Show Logs';
    // A classifier is named by its Hub id per request: no folder setting to point at.
    const actions = failedTask && failedTask !== 'classify' ? [RETRY, LOCAL, LOGS] : [RETRY, LOGS];
    const what = failedTask ? modelWords(failedTask) : 'the models';
    // Worker messages quote file names and addresses: outside text, never a link.
    const choice = await vscode.window.showErrorMessage(inertMessageText(`Text Analytics: downloading ${what} failed. ${cause.message}`), ...actions);
    if (choice === RETRY) return this.downloadModels(task, model ?? failed?.model);
    if (choice === LOCAL && failedTask && failedTask !== 'classify') return this.useLocalFolder(failedTask);
    if (choice === LOGS) this.log.show();
    return false;
  }

  /** Each task's model as the worker finds it (settings, bundled folder, cache), or why it cannot. */
  async plans(): Promise<TaskPlan[]> {
    const plans: TaskPlan[] = [];
    for (const task of TASKS) plans.push(await this.plan(task));
    return plans;
  }

  /** One task's model as the worker finds it, or why it cannot. */
  private async plan(task: Task): Promise<TaskPlan> {
    try {
      return { task, plan: await this.client.request('download', { task, plan: true }) };
    } catch (error) {
      return { task, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Points a task's setting at a model folder the user picks, after checking that it holds what a
   * model folder needs (saying what is missing otherwise); a folder holding `sentiment/`, `qa/`, …
   * (the bundled layout) sets every task found in it. Without a task, the user picks one, or all.
   * Resolves true when `task`'s model (any, without one) is now set, and the worker runs with it.
   */
  async useLocalFolder(task?: Task | 'all'): Promise<boolean> {
    const ALL = 'all' as const;
    const chosen =
      task ??
      (
        await vscode.window.showQuickPick(
          [
            ...TASKS.map((t) => ({ label: TASK_NAMES[t], task: t as Task | typeof ALL })),
            { label: 'All tasks', description: `a folder holding ${TASKS.map((t) => `${t}/`).join(', ')}`, task: ALL },
          ],
          { title: 'Use a Local Model Folder', placeHolder: 'Which task is the model for?' },
        )
      )?.task;
    if (!chosen) return false;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title:
        chosen === ALL
          ? `A folder holding one model folder per task (${TASKS.map((t) => `${t}/`).join(', ')})`
          : `The ${TASK_MODEL_NAMES[chosen]} model folder (config.json, tokenizer.json, onnx/), or a folder holding ${chosen}/`,
      openLabel: chosen === ALL ? 'Use This Folder' : 'Use This Model Folder',
    });
    const folder = picked?.[0]?.fsPath;
    if (!folder) return false;

    const parent = await modelsInParentFolder(folder, TASKS);
    const found = Object.entries(parent.found) as Array<[Task, string]>;
    // A model folder itself serves the task it was picked for; a parent, every task found in it.
    const missing = chosen === ALL || found.length > 0 ? [] : await missingModelFiles(folder);
    if (chosen === ALL ? found.length === 0 : missing.length > 0) {
      const AGAIN = 'Choose Another Folder';
      const lacks =
        chosen === ALL
          ? `it holds none of ${TASKS.map((t) => `${t}/`).join(', ')} with a model (config.json, tokenizer.json, onnx/)`
          : `it lacks ${missing.join(', ')}, and holds no ${chosen}/ model folder`;
      const choice = await vscode.window.showErrorMessage(
        inertMessageText(`${folder} cannot be used as ${chosen === ALL ? 'a folder of models' : modelWords(chosen)}: ${lacks}.`),
        AGAIN,
      );
      return choice === AGAIN ? this.useLocalFolder(chosen) : false;
    }
    const settings: Array<[Task, string]> = found.length > 0 ? found : [[chosen as Task, folder]];
    try {
      const configuration = vscode.workspace.getConfiguration('textAnalytics');
      for (const [t, dir] of settings) await configuration.update(`models.${t}`, dir, vscode.ConfigurationTarget.Global);
      // Applied here, not only by the settings event: a request resumed right after must reach a
      // worker that knows the folder (the event's restart would fail it).
      await this.client.reconfigure(this.config().engineOptions());
      this.changed.fire();
      const halfCopied = Object.entries(parent.incomplete).map(([t, lacks]) => `${t}/ lacks ${(lacks ?? []).join(', ')}`);
      void vscode.window.showInformationMessage(
        inertMessageText(
          settings.length === 1 && settings[0]![1] === folder
            ? `${capitalized(modelWords(settings[0]![0]))} now comes from ${folder} (textAnalytics.models.${settings[0]![0]}).`
            : `${capitalized(modelsWords(settings.map(([t]) => t)))} now come${settings.length === 1 ? 's' : ''} from ${folder} (${settings.map(([t]) => `${t}/`).join(', ')}).` +
                (halfCopied.length > 0 ? ` Not used: ${halfCopied.join('; ')}.` : ''),
        ),
      );
      return chosen === ALL || settings.some(([t]) => t === chosen);
    } catch (error) {
      reportFailure(error, this.log);
      return false;
    }
  }

  /**
   * Takes a task's model off the machine: a downloaded one is deleted from the cache (after a
   * confirmation); a folder of the user's is only forgotten (the setting goes back to the default),
   * never deleted.
   */
  async removeModel(task: Task): Promise<void> {
    const model = (await this.plan(task)).plan?.model;
    const setting = `textAnalytics.models.${task}`;
    if (!model || model.source === 'bundled') {
      void vscode.window.showInformationMessage(
        model ? `${capitalized(modelWords(task))} is bundled with the extension; it cannot be removed.` : `${capitalized(modelWords(task))} is not on this machine.`,
      );
      return;
    }
    const REMOVE = model.source === 'setting' ? 'Stop Using Folder' : 'Delete';
    const choice = await vscode.window.showWarningMessage(
      model.source === 'setting'
        ? `Stop using ${model.dir} for ${modelWords(task)}?`
        : `Delete ${modelWords(task)} (${formatSize(await folderBytes(model.dir), vscode.env.language)}) from the download cache?`,
      {
        modal: true,
        detail:
          model.source === 'setting'
            ? `${setting} goes back to the default model. The folder and its files stay where they are.`
            : `${model.dir} is deleted. It can be downloaded again.`,
      },
      REMOVE,
    );
    if (choice !== REMOVE) return;
    try {
      if (model.source === 'setting') {
        const configuration = vscode.workspace.getConfiguration('textAnalytics');
        const where = configuration.inspect(`models.${task}`);
        if (where?.globalValue !== undefined) await configuration.update(`models.${task}`, undefined, vscode.ConfigurationTarget.Global);
        if (where?.workspaceValue !== undefined) await configuration.update(`models.${task}`, undefined, vscode.ConfigurationTarget.Workspace);
        await this.client.reconfigure(this.config().engineOptions());
      } else {
        await fs.rm(model.dir, { recursive: true, force: true });
        // A loaded session would keep answering from memory: a fresh worker looks again.
        await this.client.restart(this.config().engineOptions());
      }
      void vscode.window.setStatusBarMessage(`Text Analytics: ${modelWords(task)} removed.`, 4000);
    } catch (error) {
      reportFailure(error, this.log);
    } finally {
      this.changed.fire();
    }
  }

  /** Shows a task's model folder in the operating system's file manager (or the Explorer remotely). */
  async revealModel(task: Task): Promise<void> {
    const model = (await this.plan(task)).plan?.model;
    if (!model) {
      void vscode.window.showInformationMessage(`${capitalized(modelWords(task))} is not on this machine: download it or choose a folder.`);
      return;
    }
    await vscode.commands.executeCommand(vscode.env.remoteName ? 'revealInExplorer' : 'revealFileInOS', vscode.Uri.file(model.dir));
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A download request that failed, with the task it was for (the worker's error does not say, and "Download all" runs several). */
class TaskDownloadError extends Error {
  constructor(
    readonly task: Task | 'classify',
    readonly model: string | undefined,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'TaskDownloadError';
  }
}
