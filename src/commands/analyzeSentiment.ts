import * as vscode from 'vscode';
import type { Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import type { SentimentResult } from '../protocol';
import { formatOfLanguage } from '../tasks/textFormat';
import type { SentimentView } from '../views/messages';
import { isAutomaticRun } from '../ui/autoAnalysis';
import { analysedPart, analysisTarget } from './common';
import { PanelRun } from './panelRun';
import type { LanguageOf } from '../ui/documentLanguages';

/**
 * Text Analytics: Analyze Sentiment. Analyses the selection, or the whole document, in the
 * worker with cancellable progress, and shows the result in the results panel. Running it again
 * while it runs cancels the stale run. Returns the result (for tests and other extensions).
 */
export class AnalyzeSentimentCommand implements vscode.Disposable {
  private readonly panelRun: PanelRun;
  private readonly analysed = new vscode.EventEmitter<SentimentView>();

  /** Fires with each result the panel is given (the newest run's): the editor's marks and status item read it. */
  readonly onDidAnalyse = this.analysed.event;

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly languageOf: LanguageOf,
  ) {
    this.panelRun = new PanelRun(extensionUri, log);
  }

  /** `args`: from automatic analysis on open or save, the document to analyse whole, asking nothing (src/ui/autoAnalysis.ts). */
  async run(args?: unknown): Promise<SentimentResult | undefined> {
    const automatic = isAutomaticRun(args);
    const editor = automatic ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === args.uri.toString()) : vscode.window.activeTextEditor;
    if (!editor) {
      if (!automatic) void vscode.window.showInformationMessage('Open a document to analyse its sentiment.');
      return undefined;
    }
    const { document } = editor;
    const config = this.config();
    const target = await analysisTarget(editor, config, automatic);
    if (!target) return undefined;
    const { text, offset, version } = target;
    const result = await this.panelRun.run(
      'Analyzing sentiment',
      document.fileName,
      (options) => this.client.request('sentiment', { text, neutralBand: config.neutralBand, offset, format: formatOfLanguage(document.languageId), ...this.languageOf(document) }, options),
      (panel, result) => {
        const view: SentimentView = {
          uri: document.uri.toString(),
          version,
          fileName: document.fileName,
          result,
          selection: analysedPart(document, target),
        };
        panel.showSentiment(view);
        this.analysed.fire(view);
      },
      { automatic },
    );
    if (result) {
      this.log.info(
        `Sentiment of ${document.fileName}: ${result.sentences.length} sentences in ${result.elapsedMs} ms (${result.cachedSentences} cached) on ${result.device.used}.`,
      );
    }
    return result;
  }

  dispose(): void {
    this.panelRun.dispose();
    this.analysed.dispose();
  }
}
