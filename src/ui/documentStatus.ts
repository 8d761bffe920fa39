import * as vscode from 'vscode';
import type { Config } from '../config';
import type { DocumentSentiments } from './documentSentiments';
import { documentSummary } from './documentSummary';
import type { EntityHighlighter } from './entityHighlighter';
import { entityKind } from './entityKinds';

/** `textAnalytics.statusBar.documentSummary`: whether the status bar sums up the current document. */
export const DOCUMENT_SUMMARY_SETTING = 'statusBar.documentSummary';
/** Pause in typing after which the entity count is read again (it copies every entity). */
const TYPING_DELAY_MS = 400;

/**
 * A status bar item for the document in the active editor: its last sentiment ("Positive 61%")
 * and how many entities are highlighted ("12 entities"), from results it already has — nothing
 * is analysed for it. Hidden when the document has neither, or when the setting is off.
 */
export class DocumentStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  private disposed = false;

  constructor(
    private readonly sentiments: DocumentSentiments,
    private readonly entities: EntityHighlighter,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
  ) {
    // Left of the engine's item (priority 100): the document's facts, then the engine's state.
    this.item = vscode.window.createStatusBarItem('textAnalytics.document', vscode.StatusBarAlignment.Right, 101);
    this.item.name = 'Text Analytics Document Summary';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      sentiments.onDidChange(({ uri, reason }) => this.onChange(uri, reason === 'edit')),
      entities.onDidChangeEntities(({ uri, reason }) => this.onChange(uri, reason === 'edit')),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics')) this.update();
      }),
    );
    this.update();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private onChange(uri: vscode.Uri, typing: boolean): void {
    if (uri.toString() !== vscode.window.activeTextEditor?.document.uri.toString()) return;
    clearTimeout(this.timer);
    if (typing) this.timer = setTimeout(() => this.update(), TYPING_DELAY_MS);
    else this.update();
  }

  private update(): void {
    if (this.disposed) return;
    const document = vscode.window.activeTextEditor?.document;
    const enabled = document && vscode.workspace.getConfiguration('textAnalytics', document).get<boolean>(DOCUMENT_SUMMARY_SETTING, true);
    const summary = enabled ? this.summaryOf(document) : undefined;
    if (!summary) {
      this.item.hide();
      return;
    }
    this.item.text = summary.text;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**Text Analytics**\n\n');
    for (const line of summary.details) {
      tooltip.appendText(line);
      tooltip.appendMarkdown('\n\n');
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `Text Analytics: ${summary.details.join(' ')}` };
    this.item.show();
  }

  private summaryOf(document: vscode.TextDocument): ReturnType<typeof documentSummary> {
    const sentiment = this.sentiments.get(document.uri);
    const highlighted = this.entities.entitiesFor(document.uri);
    const hidden = this.config(document).hiddenEntityKinds;
    return documentSummary(
      {
        sentiment: sentiment && { score: sentiment.view.result.document, part: sentiment.view.selection !== undefined, edited: sentiment.edited },
        entities: highlighted?.entities.filter((entity) => !hidden.has(entityKind(entity.type))).length,
      },
      vscode.env.language,
    );
  }
}
