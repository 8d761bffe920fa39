import * as vscode from 'vscode';
import { basename } from 'node:path';
import { summarize, type ReportData } from '../batch/report';
import { reportHtml } from '../batch/reportHtml';

/**
 * The report of a results file (the lines *Analyze Folder…* or `text-analytics batch` wrote) in a
 * webview beside the editor: the very page `text-analytics report --html` writes
 * (src/batch/reportHtml.ts — charts drawn by the inlined Chart.js, every script and style allowed
 * by its hash and nothing else, no resource loaded), in the editor's theme, with an *Open Results*
 * button. One panel at a time: a new report replaces the one shown.
 *
 * @example
 * await ReportPanel.show(vscode.Uri.file('/work/.text-analytics/notes-sentiment.jsonl'));
 */
export class ReportPanel implements vscode.Disposable {
  static readonly viewType = 'textAnalytics.report';
  /** The panel, while one is open. */
  static current: ReportPanel | undefined;

  /** The results file shown, which Open Results opens. */
  private results: vscode.Uri | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  /** Reads `results` (streamed, in bounded memory) and shows its report, reusing the open panel. */
  static async show(results: vscode.Uri): Promise<ReportPanel> {
    const data = await summarize([results.fsPath]);
    const current = ReportPanel.current;
    if (current) {
      current.render(results, data);
      current.panel.reveal(vscode.ViewColumn.Beside, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(ReportPanel.viewType, reportTitle(results), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      enableFindWidget: true,
      // The page is whole in its HTML: it loads nothing from the extension or the disk.
      localResourceRoots: [],
    });
    const shown = new ReportPanel(panel);
    shown.render(results, data);
    return shown;
  }

  private constructor(private readonly panel: vscode.WebviewPanel) {
    ReportPanel.current = this;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
    );
  }

  private render(results: vscode.Uri, data: ReportData): void {
    this.results = results;
    this.panel.title = reportTitle(results);
    this.panel.webview.html = reportHtml(data, {
      title: `Report: ${basename(results.fsPath)}`,
      generated: new Date(),
      webview: { actions: [{ id: OPEN_RESULTS, label: 'Open Results' }] },
    });
  }

  /** The page's buttons: only the actions it was given, whatever else a message says. */
  private onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const { type, action } = message as Record<string, unknown>;
    if (type === 'action' && action === OPEN_RESULTS && this.results) {
      void vscode.window.showTextDocument(this.results, { viewColumn: vscode.ViewColumn.One, preview: false });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ReportPanel.current === this) ReportPanel.current = undefined;
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

const OPEN_RESULTS = 'open-results';

function reportTitle(results: vscode.Uri): string {
  return `Report: ${basename(results.fsPath)}`;
}
