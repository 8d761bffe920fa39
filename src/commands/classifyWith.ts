import * as vscode from 'vscode';
import type { Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import type { ClassifierSpec, ClassifyResult } from '../protocol';
import { inertMessageText } from '../ui/inertText';
import { analysedPart, analysisTarget, targetEditor } from './common';
import { PanelRun } from './panelRun';
import type { LanguageOf } from '../ui/documentLanguages';

const SETTING = 'textAnalytics.classifiers';

/**
 * Text Analytics: Classify With…. Picks one of the classifiers in `textAnalytics.classifiers`
 * (or takes its id as the argument, for keybindings: contributed commands are static, so there is
 * one command for all classifiers), runs it on the selection or the document in the worker with
 * cancellable progress, and shows the result in the results panel's classifier view. Returns the
 * result (for tests and other extensions).
 *
 * @example
 * // keybindings.json
 * { "key": "ctrl+alt+e", "command": "textAnalytics.classifyWith", "args": "emotion" }
 */
export class ClassifyWithCommand implements vscode.Disposable {
  private readonly panelRun: PanelRun;

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: WorkerClient,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly languageOf: LanguageOf,
  ) {
    this.panelRun = new PanelRun(extensionUri, log);
  }

  /** `id`: the classifier's id (a keybinding's `args`, the panel's re-run); `uri`: the document (the panel's re-run). */
  async run(id?: unknown, uri?: unknown): Promise<ClassifyResult | undefined> {
    const editor = await targetEditor(uri instanceof vscode.Uri ? uri : undefined);
    const config = this.config(editor?.document.uri);
    const { classifiers, problems } = config.classifiers;
    for (const problem of problems) this.log.warn(problem);
    const classifier = await this.choose(typeof id === 'string' ? id : undefined, classifiers, problems);
    if (!classifier) return undefined;
    if (!editor) {
      void vscode.window.showInformationMessage(`Open a document to classify it with ${classifier.title}.`);
      return undefined;
    }
    const { document } = editor;
    const target = await analysisTarget(editor, config, uri instanceof vscode.Uri);
    if (!target) return undefined;
    const { text, offset, version } = target;
    const result = await this.panelRun.run(
      `Classifying with ${classifier.title}`,
      document.fileName,
      (options) => this.client.request('classify', { text, classifier, offset, ...this.languageOf(document) }, options),
      (panel, result) =>
        panel.showClassification({ uri: document.uri.toString(), version, fileName: document.fileName, result, selection: analysedPart(document, target) }),
    );
    if (result) {
      this.log.info(
        `${classifier.title} (${classifier.id}) on ${document.fileName}: ${result.items.length} ${result.level}s in ${result.elapsedMs} ms (${result.cachedItems} cached) on ${result.device.used}.`,
      );
    }
    return result;
  }

  /** The classifier named `id`, or the one the user picks; undefined (the user was told why) when none can run. */
  private async choose(id: string | undefined, classifiers: ClassifierSpec[], problems: string[]): Promise<ClassifierSpec | undefined> {
    if (id !== undefined) {
      const found = classifiers.find((c) => c.id === id);
      if (found) return found;
      const problem = problems.find((p) => p.includes(`("${id}")`));
      void settingsProblem(problem ?? `No classifier has the id "${id}" in ${SETTING}; add { "id": "${id}", "title": …, "model": …, "level": "sentence" } there.`);
      return undefined;
    }
    if (classifiers.length === 0) {
      void settingsProblem(
        problems[0] ??
          `No classifiers are set up. Add one to ${SETTING}, such as { "id": "emotion", "title": "Emotion", "model": "owner/name or a model folder", "level": "sentence" }.`,
      );
      return undefined;
    }
    if (problems.length > 0) void settingsProblem(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more in the log)` : ''}`);
    const picked = await vscode.window.showQuickPick(
      classifiers.map((classifier) => ({
        label: classifier.title,
        description: classifier.id,
        detail: `${classifier.model} · each ${classifier.level}${classifier.multiLabel ? ' · multi-label' : ''}`,
        classifier,
      })),
      { title: 'Classify With…', placeHolder: 'Which classifier? (textAnalytics.classifiers)', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.classifier;
  }

  dispose(): void {
    this.panelRun.dispose();
  }
}

/** Says what is wrong with the setting, offering to open it. */
async function settingsProblem(message: string): Promise<void> {
  const OPEN = 'Open Settings';
  const choice = await vscode.window.showWarningMessage(inertMessageText(message), OPEN);
  if (choice === OPEN) void vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
}
