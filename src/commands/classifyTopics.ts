import * as vscode from 'vscode';
import { uniqueLabels, type Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import type { TopicsResult } from '../protocol';
import { formatOfLanguage } from '../tasks/textFormat';
import { isAutomaticRun } from '../ui/autoAnalysis';
import { analysedPart, analysisTarget, targetEditor } from './common';
import { PanelRun } from './panelRun';
import type { LanguageOf } from '../ui/documentLanguages';

/**
 * Text Analytics: Classify Topics. Scores the selection, or the whole document and each of its
 * sections, against the topic labels in the worker with cancellable progress, and shows the result
 * in the results panel's Topics view. Running it again while it runs cancels the stale run.
 * Returns the result (for tests and other extensions).
 */
export class ClassifyTopicsCommand implements vscode.Disposable {
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

  async run(rawArgs?: unknown): Promise<TopicsResult | undefined> {
    const args = readArgs(rawArgs);
    const editor = await targetEditor(args.uri);
    if (!editor) {
      void vscode.window.showInformationMessage('Open a document to classify its topics.');
      return undefined;
    }
    const { document } = editor;
    const config = this.config(document.uri);
    const labels = args.labels ?? config.topicLabels;
    if (labels.length === 0) {
      if (args.automatic) {
        this.log.info(`Topics of ${document.fileName} were not classified by themselves: textAnalytics.topics.labels is empty.`);
        return undefined;
      }
      const choice = await vscode.window.showWarningMessage(
        'There are no topic labels to classify against. Add some to the setting textAnalytics.topics.labels.',
        'Open Settings',
      );
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.topics.labels');
      return undefined;
    }
    const invalidTemplate = config.invalidHypothesisTemplate;
    if (invalidTemplate !== undefined && args.automatic) {
      this.log.warn(`textAnalytics.topics.hypothesisTemplate ("${invalidTemplate}") has no {}; using "${config.topicsHypothesisTemplate}".`);
    } else if (invalidTemplate !== undefined) {
      void vscode.window.showWarningMessage(
        `The setting textAnalytics.topics.hypothesisTemplate ("${invalidTemplate}") has no {} where the label goes; using "${config.topicsHypothesisTemplate}" instead.`,
      );
    }
    const multiLabel = args.multiLabel ?? config.topicsMultiLabel;
    // A run from the panel classifies the whole document: the editor's selection is incidental then.
    // (The context menu passes the document's bare Uri; its selection counts.)
    const target = await analysisTarget(editor, config, args.fromPanel);
    if (!target) return undefined;
    const { text, offset, version } = target;
    const result = await this.panelRun.run(
      'Classifying topics',
      document.fileName,
      (options) =>
        this.client.request(
          'topics',
          {
            text,
            labels,
            multiLabel,
            hypothesisTemplate: config.topicsHypothesisTemplate,
            format: formatOfLanguage(document.languageId),
            offset,
            ...this.languageOf(document),
          },
          options,
        ),
      (panel, result) =>
        panel.showTopics({
          uri: document.uri.toString(),
          version,
          fileName: document.fileName,
          result,
          labels,
          multiLabel,
          sectionLines: result.sections.map((section) => document.positionAt(section.start).line + 1),
          selection: analysedPart(document, target),
        }),
      { automatic: args.automatic },
    );
    if (result) {
      this.log.info(
        `Topics of ${document.fileName}: ${result.sections.length} sections, ${labels.length} labels, ${result.pairs} pairs in ${result.elapsedMs} ms on ${result.device.used}.`,
      );
    }
    return result;
  }

  dispose(): void {
    this.panelRun.dispose();
  }
}

/**
 * The command's optional arguments, checked: it is also reachable from keybindings and other
 * extensions. The Topics panel's "Classify" passes `{ uri, labels, multiLabel }`, which then win
 * over the settings; a bare `Uri` (the stale banner's "Re-run") names the document only.
 */
function readArgs(value: unknown): { uri?: vscode.Uri; labels?: string[]; multiLabel?: boolean; fromPanel?: boolean; automatic?: boolean } {
  if (value instanceof vscode.Uri) return { uri: value };
  // On open or save (src/ui/autoAnalysis.ts): the whole document, with the settings' labels, asking nothing.
  if (isAutomaticRun(value)) return { uri: value.uri, fromPanel: true, automatic: true };
  if (typeof value !== 'object' || value === null) return {};
  const { uri, labels, multiLabel } = value as Record<string, unknown>;
  const parsedUri = uri instanceof vscode.Uri ? uri : typeof uri === 'string' ? vscode.Uri.parse(uri) : undefined;
  const parsedLabels = Array.isArray(labels)
    ? uniqueLabels(labels.filter((label): label is string => typeof label === 'string'))
    : undefined;
  return {
    uri: parsedUri,
    labels: parsedLabels && parsedLabels.length > 0 ? parsedLabels : undefined,
    multiLabel: typeof multiLabel === 'boolean' ? multiLabel : undefined,
    fromPanel: true,
  };
}
