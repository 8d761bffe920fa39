import * as vscode from 'vscode';
import { WorkerClient } from './client/workerClient';
import { AnalyzeSentimentCommand } from './commands/analyzeSentiment';
import { ClassifyTopicsCommand } from './commands/classifyTopics';
import { ClassifyWithCommand } from './commands/classifyWith';
import { QuestionAsker } from './commands/askQuestion';
import { EntityCommands } from './commands/highlightEntities';
import { ModelCommands } from './commands/models';
import { Config, RESTART_SETTINGS } from './config';
import { EntityHighlighter } from './ui/entityHighlighter';
import { inertMessageText } from './ui/inertText';
import { QuestionsView } from './ui/questionsView';
import { registerResultsPanelSerializer, ResultsPanel } from './ui/resultsPanel';
import { StatusBar, showEngineActions } from './ui/statusBar';
import { DEFAULT_MODEL_TASKS, type DefaultModelTask } from './tasks/registry';
import type { PanelState } from './views/messages';

/**
 * Wiring only: settings, the worker client (started on first use, never here), commands, the
 * results panel, the Questions view, the entity highlighter and the status bar. Inference never runs on the extension
 * host.
 */
/** What `activate` returns: the extension's parts that tests (and other extensions) may read. */
export interface ExtensionApi {
  client: WorkerClient;
  entities: EntityHighlighter;
  /** What the results panel shows now, when it is open. */
  panelState(): Readonly<PanelState> | undefined;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('Text Analytics', { log: true });
  const config = (scope?: vscode.ConfigurationScope) => new Config(context, scope);

  const client = new WorkerClient({
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    engineOptions: config().engineOptions(),
    log: (level, message) => log[level](message),
  });
  const statusBar = new StatusBar(client.status);
  const sentiment = new AnalyzeSentimentCommand(context.extensionUri, client, config, log);
  const topics = new ClassifyTopicsCommand(context.extensionUri, client, config, log);
  const classifiers = new ClassifyWithCommand(context.extensionUri, client, config, log);
  const entities = new EntityHighlighter({
    client,
    config,
    log,
    // The one place entity results reach the results panel: after every pass of every refresh
    // (command, typing, scrolling, settings), with all entities of the document. The command opens
    // the panel; a refresh only updates a panel already showing this document's entities.
    onResult: (document, result, { userInitiated }) => {
      const view = { uri: document.uri.toString(), version: document.version, fileName: document.fileName, result };
      if (userInitiated) ResultsPanel.createOrShow(context.extensionUri).showEntities(view);
      else if (ResultsPanel.current?.showsEntitiesOf(view.uri)) ResultsPanel.current.showEntities(view);
    },
  });

  const asker = new QuestionAsker(client, config, log);
  const models = new ModelCommands(client, config, log);
  const taskArg = (value: unknown) => (DEFAULT_MODEL_TASKS.includes(value as DefaultModelTask) ? (value as DefaultModelTask) : undefined);
  const questions = new QuestionsView(context, asker, log);

  context.subscriptions.push(
    log,
    { dispose: () => client.dispose() },
    statusBar,
    sentiment,
    topics,
    classifiers,
    entities,
    new EntityCommands(entities, config, log),
    client.onStatus((status) => statusBar.update(status)),
    registerResultsPanelSerializer(context, log),
    asker,
    questions,
    vscode.window.registerWebviewViewProvider(QuestionsView.viewType, questions),
    vscode.commands.registerCommand('textAnalytics.askQuestion', (question?: unknown) =>
      questions.askCommand(typeof question === 'string' ? question : undefined),
    ),
    vscode.commands.registerCommand('textAnalytics.analyzeSentiment', () => sentiment.run()),
    vscode.commands.registerCommand('textAnalytics.classifyTopics', (args?: unknown) => topics.run(args)),
    vscode.commands.registerCommand('textAnalytics.classifyWith', (id?: unknown, uri?: unknown) => classifiers.run(id, uri)),
    vscode.commands.registerCommand('textAnalytics.showEngineActions', () => showEngineActions(client.status, client.info)),
    vscode.commands.registerCommand('textAnalytics.restartWorker', async () => {
      try {
        await client.restart(config().engineOptions());
        void vscode.window.setStatusBarMessage('Text Analytics: inference worker restarted.', 3000);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log.error(`Restarting the worker failed: ${reason}`);
        void vscode.window.showErrorMessage(`The inference worker could not be restarted: ${inertMessageText(reason)}`, 'Show Logs').then((choice) => choice && log.show());
      }
    }),
    vscode.commands.registerCommand('textAnalytics.showLogs', () => log.show()),
    // With a task (from a request's download question): that task's model, without asking again.
    vscode.commands.registerCommand('textAnalytics.downloadModels', (task?: unknown, model?: unknown) =>
      task === 'classify' && typeof model === 'string' ? models.downloadModels('classify', model) : models.downloadModels(taskArg(task)),
    ),
    vscode.commands.registerCommand('textAnalytics.useLocalModelFolder', (task?: unknown) => models.useLocalFolder(taskArg(task))),
    vscode.commands.registerCommand('textAnalytics.openSettings', () =>
      vscode.commands.executeCommand('workbench.action.openSettings', '@ext:local-text-analytics.local-text-analytics'),
    ),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0) ResultsPanel.current?.markStale(event.document.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) return;
      log.info('Settings that the worker depends on changed; restarting it.');
      void client.reconfigure(config().engineOptions()).catch((error: unknown) => log.error(String(error)));
    }),
  );
  return { client, entities, panelState: () => ResultsPanel.current?.shown };
}

export function deactivate(): void {
  // Everything, the worker included, is disposed through context.subscriptions.
}
