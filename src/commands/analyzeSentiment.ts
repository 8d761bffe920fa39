import * as vscode from 'vscode';
import type { Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import type { SentimentResult } from '../protocol';
import { analysedPart, analysisTarget } from './common';
import { PanelRun } from './panelRun';

/**
 * Text Analytics: Analyze Sentiment. Analyses the selection, or the whole document, in the
 * worker with cancellable progress, and shows the result in the results panel. Running it again
 * while it runs cancels the stale run. Returns the result (for tests and other extensions).
 */
export class AnalyzeSentimentCommand implements vscode.Disposable {
  private readonly panelRun: PanelRun;

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.panelRun = new PanelRun(extensionUri, log);
  }

  async run(): Promise<SentimentResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Open a document to analyse its sentiment.');
      return undefined;
    }
    const { document } = editor;
    const config = this.config();
    const target = await analysisTarget(editor, config);
    if (!target) return undefined;
    const { text, offset, version } = target;
    const result = await this.panelRun.run(
      'Analyzing sentiment',
      document.fileName,
      (options) => this.client.request('sentiment', { text, neutralBand: config.neutralBand, offset }, options),
      (panel, result) =>
        panel.showSentiment({
          uri: document.uri.toString(),
          version,
          fileName: document.fileName,
          result,
          selection: analysedPart(document, target),
        }),
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
  }
}
