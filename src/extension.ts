import * as vscode from 'vscode';
import { WorkerClient } from './client/workerClient';
import { AnalyzeSentimentCommand } from './commands/analyzeSentiment';
import { ClassifyTopicsCommand } from './commands/classifyTopics';
import { ClassifyWithCommand } from './commands/classifyWith';
import { AnalyzeFolderCommand } from './commands/analyzeFolder';
import { QuestionAsker } from './commands/askQuestion';
import { EntityCommands } from './commands/highlightEntities';
import { PersonalDataCommands } from './commands/personalData';
import { ModelCommands } from './commands/models';
import { HubToken } from './commands/hubToken';
import { ModelsView } from './ui/modelsView';
import { Config, RESTART_SETTINGS } from './config';
import { AutomaticAnalysis } from './ui/autoAnalysis';
import { EntityHighlighter } from './ui/entityHighlighter';
import { PiiDetector } from './ui/piiDetector';
import { DocumentSentiments } from './ui/documentSentiments';
import { DocumentStatus } from './ui/documentStatus';
import { EntityNavigation } from './ui/entitySymbols';
import { FindMentions } from './ui/findMentions';
import { SentimentMarks } from './ui/sentimentMarks';
import { exportSentiment } from './commands/exportSentiment';
import { inertMessageText } from './ui/inertText';
import { QuestionsView } from './ui/questionsView';
import { registerResultsPanelSerializer, ResultsPanel } from './ui/resultsPanel';
import { StatusBar, currentWorkerInfo, showEngineActions } from './ui/statusBar';
import { DEFAULT_MODEL_TASKS, type DefaultModelTask } from './tasks/registry';
import type { PanelState } from './views/messages';
import { DocumentLanguages } from './ui/documentLanguages';
import { LanguageStatus } from './ui/languageStatus';

/**
 * Wiring only: settings, the worker client (started on first use, never here), commands, the
 * results panel, the Questions view, the entity highlighter and the status bar. Inference never runs on the extension
 * host.
 */
/** What `activate` returns: the extension's parts that tests (and other extensions) may read. */
export interface ExtensionApi {
  client: WorkerClient;
  entities: EntityHighlighter;
  personalData: PiiDetector;
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
  // Every task's request carries its document's language, so that a model that does not read it refuses.
  const documentLanguages = new DocumentLanguages(context.workspaceState, config, () => client);
  const languageOf = (document: vscode.TextDocument) => documentLanguages.requestFields(document);
  const languageStatus = new LanguageStatus(context.extensionUri, documentLanguages, config, log);
  const statusBar = new StatusBar(client.status);
  const sentiment = new AnalyzeSentimentCommand(context.extensionUri, client, config, log, languageOf);
  const topics = new ClassifyTopicsCommand(context.extensionUri, client, config, log, languageOf);
  const classifiers = new ClassifyWithCommand(context.extensionUri, client, config, log, languageOf);
  // Every file of a folder on this same worker; results beside the workspace, the report in a webview.
  const folders = new AnalyzeFolderCommand(client, config, log, context.globalStorageUri);
  const entities = new EntityHighlighter({
    client,
    config,
    log,
    languageOf,
    // The one place entity results reach the results panel: after every pass of every refresh
    // (command, typing, scrolling, settings), with all entities of the document. The command opens
    // the panel; a refresh only updates the panel's tab of this document's entities, if it has one.
    onResult: (document, result, { userInitiated }) => {
      const view = { uri: document.uri.toString(), version: document.version, fileName: document.fileName, result };
      if (userInitiated) ResultsPanel.createOrShow(context.extensionUri).showEntities(view);
      else ResultsPanel.current?.refreshEntities(view);
    },
  });

  // Personal data: the command opens the results panel's tab; a refresh while typing updates it if open.
  const personalData = new PiiDetector({
    client,
    config,
    log,
    languageOf,
    onResult: (document, result, { userInitiated }) => {
      const view = { uri: document.uri.toString(), version: document.version, fileName: document.fileName, result };
      if (userInitiated) ResultsPanel.createOrShow(context.extensionUri).showPersonalData(view);
      else ResultsPanel.current?.showContent({ view: 'pii', pii: view }, false);
    },
  });

  // The last sentiment of each open document, for the editor's marks, the document status item and export.
  const sentimentResults = new DocumentSentiments();
  // Analysis on open or save, and the on/off switch that entity auto-highlighting also obeys.
  const automatic = new AutomaticAnalysis(context, config, log);
  const asker = new QuestionAsker(client, config, log, languageOf);
  const hubToken = new HubToken(context.secrets);
  const models = new ModelCommands(client, config, log, () => hubToken.get());
  const taskArg = (value: unknown) => (DEFAULT_MODEL_TASKS.includes(value as DefaultModelTask) ? (value as DefaultModelTask) : undefined);
  const questions = new QuestionsView(context, asker, log);

  context.subscriptions.push(
    log,
    hubToken,
    { dispose: () => client.dispose() },
    statusBar,
    documentLanguages,
    languageStatus,
    vscode.commands.registerCommand('textAnalytics.detectLanguage', (uri?: unknown) => languageStatus.detectCommand(uri)),
    vscode.commands.registerCommand('textAnalytics.setDocumentLanguage', (uri?: unknown) => languageStatus.chooseCommand(uri)),
    sentiment,
    topics,
    classifiers,
    folders,
    vscode.commands.registerCommand('textAnalytics.analyzeFolder', (uri?: unknown) => folders.run(uri)),
    entities,
    new EntityCommands(entities, config, log, automatic, context.workspaceState),
    personalData,
    new PersonalDataCommands(personalData, config, log, context.secrets, automatic),
    automatic,
    sentimentResults,
    new SentimentMarks(sentimentResults),
    new DocumentStatus(sentimentResults, entities, config),
    new EntityNavigation(entities, config),
    // Find Mentions in Workspace: the workspace entity index, in the workspace's storage, on this same worker.
    new FindMentions({ client, config, log, languageOf, highlighter: entities, storageUri: context.storageUri, version: String(context.extension.packageJSON.version) }),
    sentiment.onDidAnalyse((view) => sentimentResults.add(view)),
    vscode.commands.registerCommand('textAnalytics.exportSentiment', (args?: unknown) => exportSentiment(sentimentResults, args)),
    client.onStatus((status) => statusBar.update(status)),
    registerResultsPanelSerializer(context, log),
    asker,
    questions,
    vscode.window.registerWebviewViewProvider(QuestionsView.viewType, questions),
    vscode.commands.registerCommand('textAnalytics.askQuestion', (question?: unknown) =>
      questions.askCommand(typeof question === 'string' ? question : undefined),
    ),
    vscode.commands.registerCommand('textAnalytics.analyzeSentiment', (args?: unknown) => sentiment.run(args)),
    vscode.commands.registerCommand('textAnalytics.classifyTopics', (args?: unknown) => topics.run(args)),
    vscode.commands.registerCommand('textAnalytics.classifyWith', (id?: unknown, uri?: unknown) => classifiers.run(id, uri)),
    vscode.commands.registerCommand('textAnalytics.showEngineActions', async () =>
      showEngineActions(client.status, await currentWorkerInfo(client.status, () => client.request('info', {}), client.info)),
    ),
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
    ...registerModelsView(models, config),
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
  return { client, entities, personalData, panelState: () => ResultsPanel.current?.shown };
}

/** The Models view and its actions: on the whole view, or on one task's row (the row is the argument). */
function registerModelsView(models: ModelCommands, config: () => Config): vscode.Disposable[] {
  const view = new ModelsView(models, config);
  const onTask = (run: (task: DefaultModelTask) => unknown) => (node?: unknown) => {
    const task = ModelsView.taskOf(node);
    return task ? run(task) : undefined;
  };
  return [
    models,
    view,
    vscode.window.registerTreeDataProvider(ModelsView.viewType, view),
    vscode.commands.registerCommand('textAnalytics.downloadAllModels', () => models.downloadModels()),
    vscode.commands.registerCommand('textAnalytics.useModelFolderForAll', () => models.useLocalFolder('all')),
    vscode.commands.registerCommand('textAnalytics.refreshModels', () => view.refresh()),
    vscode.commands.registerCommand('textAnalytics.downloadModel', onTask((task) => models.downloadModels(task))),
    vscode.commands.registerCommand('textAnalytics.useModelFolder', onTask((task) => models.useLocalFolder(task))),
    vscode.commands.registerCommand('textAnalytics.revealModel', onTask((task) => models.revealModel(task))),
    vscode.commands.registerCommand('textAnalytics.removeModel', onTask((task) => models.removeModel(task))),
  ];
}

export function deactivate(): void {
  // Everything, the worker included, is disposed through context.subscriptions.
}
