import * as vscode from 'vscode';
import type { SentenceSentiment, SentimentResult } from '../protocol';
import type { SentimentView } from '../views/messages';
import { moveSpans } from './textEdits';

/** The last sentiment analysis of one open document, kept in step with its edits. */
export interface DocumentSentiment {
  /** As analysed: offsets of the document version `view.version`. */
  readonly view: SentimentView;
  /**
   * The sentences with offsets into the document as it is now: they move with edits, and those an
   * edit touched are gone (their score no longer describes their text).
   */
  readonly sentences: readonly Readonly<SentenceSentiment>[];
  /** The document changed since the analysis. */
  readonly edited: boolean;
}

export interface SentimentChange {
  uri: vscode.Uri;
  /** `analysis`: a new result; `edit`: the user typed (fired on every keystroke); `cleared`: the document closed. */
  reason: 'analysis' | 'edit' | 'cleared';
}

class Entry implements DocumentSentiment {
  sentences: SentenceSentiment[];
  edited: boolean;

  constructor(
    readonly view: SentimentView,
    current: boolean,
  ) {
    // Copies: moved in place on every keystroke, while the panel keeps the result as analysed.
    this.sentences = current ? view.result.sentences.map((sentence) => ({ ...sentence })) : [];
    this.edited = !current;
  }
}

/**
 * The last sentiment result of each open document, for the editor's marks, the status item and
 * *Export Sentiment…*. Fed by the Analyze Sentiment command; forgotten when the document closes.
 */
export class DocumentSentiments implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new vscode.EventEmitter<SentimentChange>();
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChange = this.changes.event;

  constructor() {
    this.disposables.push(
      this.changes,
      vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    );
  }

  /** Takes a finished analysis (the one the results panel shows). */
  add(view: SentimentView): void {
    const uri = vscode.Uri.parse(view.uri);
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === view.uri);
    // Typed into while the model ran: the offsets describe text that is gone.
    const current = document?.version === view.version;
    // Deleted first, so that the map's order is the order of analysis (see `latest`).
    this.entries.delete(view.uri);
    this.entries.set(view.uri, new Entry(view, current));
    this.changes.fire({ uri, reason: 'analysis' });
  }

  get(uri: vscode.Uri): DocumentSentiment | undefined {
    return this.entries.get(uri.toString());
  }

  /** The result as analysed, for export. */
  resultOf(uri: vscode.Uri): { view: SentimentView; result: SentimentResult } | undefined {
    const entry = this.entries.get(uri.toString());
    return entry && { view: entry.view, result: entry.view.result };
  }

  /** The most recent result of a document still open. */
  latest(): { view: SentimentView; result: SentimentResult } | undefined {
    const entry = [...this.entries.values()].pop();
    return entry && { view: entry.view, result: entry.view.result };
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.entries.clear();
  }

  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.entries.get(event.document.uri.toString());
    if (!entry || event.contentChanges.length === 0) return;
    entry.edited = true;
    moveSpans(
      entry.sentences,
      event.contentChanges.map((change) => ({ offset: change.rangeOffset, length: change.rangeLength, text: change.text })),
    );
    this.changes.fire({ uri: event.document.uri, reason: 'edit' });
  }

  private forget(uri: vscode.Uri): void {
    if (this.entries.delete(uri.toString())) this.changes.fire({ uri, reason: 'cleared' });
  }
}
