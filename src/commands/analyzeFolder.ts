import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { Config } from '../config';
import { uniqueLabels } from '../config';
import type { WorkerClient } from '../client/workerClient';
import { WorkerRequestError } from '../client/workerClient';
import { CLI_TASKS, JSON_SCHEMA_VERSION, parseLabels, type CliTask } from '../cliTasks';
import { progressMessage, runFolder, resultsFile, type FolderRunSummary } from '../batch/folderRun';
import type { BatchDocument } from '../batch/inputs';
import { BatchError } from '../batch/run';
import type { ClassifierSpec } from '../protocol';
import { REGISTRY, type Task } from '../tasks/registry';
import { formatOfPath } from '../tasks/textFormat';
import { reportFailure } from '../ui/failures';
import { inertMessageText } from '../ui/inertText';
import { ReportPanel } from '../ui/reportPanel';

/** The tasks that make sense for whole files, in the order the picker lists them (qa needs a question per file). */
const FOLDER_TASKS = ['sentiment', 'entities', 'topics', 'pii', 'classify', 'language'] as const satisfies readonly Task[];
type FolderTask = (typeof FOLDER_TASKS)[number];

/** A task with its options, as the user chose them: what every file's request carries. */
interface FolderJob {
  task: FolderTask;
  /** The task's name in titles ("Sentiment", a classifier's title). */
  title: string;
  /** Tells apart results files of one task that ran different models (a classifier's id). */
  variant?: string;
  params(document: BatchDocument): object;
}

/**
 * Text Analytics: Analyze Folder…. From the explorer's context menu on a folder, or the palette:
 * asks for a task and the options it needs (topic labels, a classifier; the rest from the settings
 * the editor's commands read), then, from the palette, for the folder (the dialog opens on the
 * workspace folder); analyses every file of the folder on the extension's worker with a
 * cancellable progress notification, writes the results in the batch format to `.text-analytics/`
 * in the workspace folder (src/batch/folderRun.ts says why there), then shows their report in a
 * webview. One folder at a time. Returns the run's summary and results file (for tests and other
 * extensions).
 */
export class AnalyzeFolderCommand implements vscode.Disposable {
  private running?: { folder: string; controller: AbortController };

  constructor(
    private readonly client: WorkerClient,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
    /** Where results go when no workspace folder is open: the extension's global storage. */
    private readonly storage: vscode.Uri,
  ) {}

  /** `uri`: the folder (the explorer's context menu passes it); without one, the user is asked. */
  async run(uri?: unknown): Promise<(FolderRunSummary & { out: string }) | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage(`Text Analytics is analysing ${basename(this.running.folder)} already: wait for it, or cancel it in its notification.`);
      return undefined;
    }
    const given = uri instanceof vscode.Uri ? uri : undefined;
    // The task first: one that cannot run (no classifier, no language model set up) says so
    // before the user has looked for a folder.
    const config = this.config(given ?? vscode.workspace.workspaceFolders?.[0]?.uri);
    const job = await askJob(config, this.log);
    if (!job) return undefined;
    const folder = given ?? (await askFolder(job.title));
    if (!folder) return undefined;
    if (folder.scheme !== 'file') {
      void vscode.window.showWarningMessage(`${inertMessageText(folder.toString())} is not a folder on this machine: Analyze Folder… reads local folders only.`);
      return undefined;
    }
    return this.analyse(folder, job, this.config(folder));
  }

  private async analyse(folder: vscode.Uri, job: FolderJob, config: Config): Promise<(FolderRunSummary & { out: string }) | undefined> {
    const holder = vscode.workspace.getWorkspaceFolder(folder);
    const workspace = holder ?? vscode.workspace.workspaceFolders?.[0];
    const out = resultsFile((workspace?.uri ?? this.storage).fsPath, folder.fsPath, job.task, job.variant);
    const name = holder?.uri.fsPath === folder.fsPath ? holder.name : vscode.workspace.asRelativePath(folder, false);
    const printer = CLI_TASKS[job.task] as CliTask<Task>;
    const controller = new AbortController();
    this.running = { folder: folder.fsPath, controller };
    let summary: FolderRunSummary;
    try {
      summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${job.title} of ${name}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return runFolder({
            folder: folder.fsPath,
            workspace: holder?.uri.fsPath,
            out,
            task: job.task,
            params: job.params,
            json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }),
            client: this.client,
            input: { maxChars: config.maxDocumentSize },
            signal: controller.signal,
            onProgress: (now) => {
              const percent = now.total ? (100 * now.done) / now.total : 0;
              progress.report({ increment: percent - reported, message: progressMessage(now) });
              reported = percent;
            },
          });
        },
      );
    } catch (error) {
      // The documents' own read errors are result lines: a file system error here is the results'.
      const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
      if (!(error instanceof BatchError) && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
        this.log.error(`Analyze Folder could not write ${out}: ${error instanceof Error ? error.message : String(error)}`);
        void vscode.window.showErrorMessage(`The results cannot be written to ${vscode.workspace.asRelativePath(out, false)} (${code}): make that folder writable, then run Analyze Folder… again.`);
        return undefined;
      }
      // A model that is not on the machine yet: the download question, then the same run again.
      const cause = error instanceof BatchError && error.cause instanceof WorkerRequestError ? error.cause : error;
      if (error instanceof BatchError) this.log.error(`Analyze Folder stopped on ${folder.fsPath}: ${error.message} (what was done is in ${out})`);
      reportFailure(cause, this.log, () => this.analyse(folder, job, config));
      return undefined;
    } finally {
      this.running = undefined;
    }
    this.log.info(`Analyze Folder: ${job.title} of ${folder.fsPath}: ${summary.written} lines (${summary.errors} errors)${summary.cancelled ? ', cancelled' : ''}, in ${out}.`);
    void this.tell(summary, vscode.Uri.file(out), name);
    if (summary.written > 0 && !summary.cancelled) await this.showReport(vscode.Uri.file(out));
    return { ...summary, out };
  }

  /** The outcome in one line, with the actions on the results. */
  private async tell(summary: FolderRunSummary, out: vscode.Uri, name: string): Promise<void> {
    const where = vscode.workspace.asRelativePath(out, false);
    const OPEN = 'Open Results';
    const REPORT = 'Show Report';
    const errors = summary.errors > 0 ? ` (${counted(summary.errors, 'error')}: see the report)` : '';
    let choice: string | undefined;
    if (summary.cancelled) {
      const of = summary.total !== undefined ? ` of ${summary.total.toLocaleString()}` : '';
      const kept = summary.written > 0 ? `what was written is kept in ${where} (${counted(summary.written, 'line')})` : 'nothing was written';
      const actions = summary.written > 0 ? [REPORT, OPEN] : [];
      choice = await vscode.window.showInformationMessage(`Analyze Folder cancelled after ${summary.written.toLocaleString()}${of} documents of ${name}: ${kept}.`, ...actions);
    } else if (summary.written === 0) {
      void vscode.window.showInformationMessage(`${name} has no files to analyse (a .gitignore may leave them all out): choose another folder.`);
    } else {
      choice = await vscode.window.showInformationMessage(`Analysed ${counted(summary.written, 'document')} of ${name}${errors}: the results are in ${where}.`, OPEN);
    }
    if (choice === OPEN) await vscode.window.showTextDocument(out, { preview: false });
    if (choice === REPORT) await this.showReport(out);
  }

  private async showReport(out: vscode.Uri): Promise<void> {
    try {
      await ReportPanel.show(out);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`The report of ${out.fsPath} could not be shown: ${message}`);
      void vscode.window.showErrorMessage(`The report could not be shown: ${inertMessageText(message)}`);
    }
  }

  dispose(): void {
    this.running?.controller.abort();
  }
}

/** The folder to analyse, from the system's folder dialog, opening on the (first) workspace folder. */
async function askFolder(task: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Analyze',
    title: `Analyze Folder: ${task} of which folder?`,
  });
  return picked?.[0];
}

/** The task and its options; undefined when the user stepped back or a task cannot run (the user was told why). */
async function askJob(config: Config, log: vscode.LogOutputChannel): Promise<FolderJob | undefined> {
  const picked = await vscode.window.showQuickPick(
    FOLDER_TASKS.map((task) => ({ label: REGISTRY[task].title, detail: TASK_DETAILS[task], task })),
    { title: 'Analyze Folder', placeHolder: 'Which analysis of every file?' },
  );
  if (!picked) return undefined;
  const { task } = picked;
  const title = REGISTRY[task].title;
  // The language the user set for these files, and the languages of their models, as every editor request carries.
  const language = {
    ...(config.documentLanguage ? { language: config.documentLanguage, languageFrom: 'textAnalytics.language' } : {}),
    modelLanguages: config.modelLanguages,
  };
  switch (task) {
    case 'sentiment':
      return { task, title, params: (document) => ({ neutralBand: config.neutralBand, format: formatOfPath(document.source), ...language }) };
    case 'entities':
      return { task, title, params: () => ({ minScore: config.entityMinScore, ...language }) };
    case 'topics': {
      const labels = await askLabels(config.topicLabels);
      if (!labels) return undefined;
      const [multiLabel, hypothesisTemplate] = [config.topicsMultiLabel, config.topicsHypothesisTemplate];
      return { task, title, params: (document) => ({ labels, multiLabel, hypothesisTemplate, format: formatOfPath(document.source), ...language }) };
    }
    case 'pii': {
      const { params, problems } = config.piiRequest;
      for (const problem of problems) log.warn(problem);
      if (problems.length > 0) void settingsProblem(problems.join(' '), 'textAnalytics.pii');
      return { task, title, params: () => ({ ...params, ...language }) };
    }
    case 'classify': {
      const classifier = await askClassifier(config, log);
      if (!classifier) return undefined;
      return { task, title: classifier.title, variant: classifier.id, params: () => ({ classifier, ...language }) };
    }
    case 'language': {
      const model = config.languageModel;
      if (!model) {
        void settingsProblem('No language-identification model is set: set textAnalytics.models.language to one (README, "Languages") to detect the language of each file.', 'textAnalytics.models.language');
        return undefined;
      }
      return { task, title, params: (document) => ({ model, minScore: config.languageMinScore, format: formatOfPath(document.source) }) };
    }
  }
}

/** What each task gives per file, under its name in the picker. */
const TASK_DETAILS: Record<FolderTask, string> = {
  sentiment: 'Positive, negative or neutral: each file and its sentences',
  entities: 'People, organisations, places and other names in each file',
  topics: 'Each file scored against your topic labels (textAnalytics.topics.labels)',
  pii: 'Personal data in each file: names, e-mail, phone and card numbers… (textAnalytics.pii.*)',
  classify: 'Each file through one of your classifiers (textAnalytics.classifiers)',
  language: 'The language of each file and its paragraphs (textAnalytics.models.language)',
};

/** The topic labels, starting from the setting's; a label holding a comma is quoted, as `--labels` reads them. */
async function askLabels(settings: string[]): Promise<string[] | undefined> {
  const written = settings.map((label) => (/[",]/.test(label) ? `"${label.replace(/"/g, '""')}"` : label)).join(', ');
  const value = await vscode.window.showInputBox({
    title: 'Analyze Folder: topic labels',
    prompt: 'The labels to score every file against, separated by commas (from textAnalytics.topics.labels)',
    value: written,
    validateInput: (text) => (parseLabels(text).length === 0 ? 'Give at least one label, such as sports, business.' : undefined),
  });
  return value === undefined ? undefined : uniqueLabels(parseLabels(value));
}

/** One of `textAnalytics.classifiers`, as *Classify With…* offers them. */
async function askClassifier(config: Config, log: vscode.LogOutputChannel): Promise<ClassifierSpec | undefined> {
  const { classifiers, problems } = config.classifiers;
  for (const problem of problems) log.warn(problem);
  if (classifiers.length === 0) {
    void settingsProblem(
      problems[0] ?? 'No classifiers are set up. Add one to textAnalytics.classifiers, such as { "id": "emotion", "title": "Emotion", "model": "owner/name or a model folder", "level": "sentence" }.',
      'textAnalytics.classifiers',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    classifiers.map((classifier) => ({ label: classifier.title, description: classifier.id, detail: `${classifier.model} · each ${classifier.level}`, classifier })),
    { title: 'Analyze Folder: classifier', placeHolder: 'Which classifier? (textAnalytics.classifiers)', matchOnDescription: true },
  );
  return picked?.classifier;
}

/** Says what is wrong with a setting, offering to open it. */
async function settingsProblem(message: string, setting: string): Promise<void> {
  const OPEN = 'Open Settings';
  if ((await vscode.window.showWarningMessage(inertMessageText(message), OPEN)) === OPEN) {
    void vscode.commands.executeCommand('workbench.action.openSettings', setting);
  }
}

function counted(n: number, one: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : `${one}s`}`;
}
