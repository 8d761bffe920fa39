import * as vscode from 'vscode';
import type { SentenceSentiment, SentimentLabel } from '../protocol';
import type { DocumentSentiments } from './documentSentiments';
import { formatPercent } from './documentSummary';

/** `textAnalytics.sentiment.editorMarks`: whether sentences are marked in the editor after a sentiment run. */
export const EDITOR_MARKS_SETTING = 'sentiment.editorMarks';
/** Pause in typing after which the marks are drawn again from the moved sentences. */
const TYPING_DELAY_MS = 400;

/** Marked polarities; a neutral sentence gets no mark, so the marks point at what stands out. */
type MarkedLabel = Exclude<SentimentLabel, 'NEUTRAL'>;
const MARKED: Readonly<Record<MarkedLabel, { colour: string; word: string }>> = {
  POSITIVE: { colour: 'textAnalytics.sentiment.positive', word: 'positive' },
  NEGATIVE: { colour: 'textAnalytics.sentiment.negative', word: 'negative' },
};

/**
 * Subtle marks for the sentences of the last sentiment run of a document: a dotted underline and
 * a mark in the overview ruler, in the contributed theme colours, for positive and negative
 * sentences. They follow the text as the user types; a sentence an edit touched loses its mark
 * (its score no longer describes it) until the next run.
 */
export class SentimentMarks implements vscode.Disposable {
  private readonly types: Record<MarkedLabel, vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly sentiments: DocumentSentiments) {
    this.types = { POSITIVE: createType('POSITIVE'), NEGATIVE: createType('NEGATIVE') };
    this.disposables.push(
      this.types.POSITIVE,
      this.types.NEGATIVE,
      sentiments.onDidChange(({ uri, reason }) => (reason === 'edit' ? this.drawLater(uri) : this.drawDocument(uri))),
      // A document shown again gets a new editor, which has none of the old one's decorations.
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => this.draw(editor))),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`textAnalytics.${EDITOR_MARKS_SETTING}`)) vscode.window.visibleTextEditors.forEach((editor) => this.draw(editor));
      }),
    );
    vscode.window.visibleTextEditors.forEach((editor) => this.draw(editor));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private drawLater(uri: vscode.Uri): void {
    // VS Code moves the decorations with the text by itself; redrawing on every keystroke would
    // land them misplaced when typing outpaces the renderer (microsoft/vscode#74094).
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.drawDocument(uri);
      }, TYPING_DELAY_MS),
    );
  }

  private drawDocument(uri: vscode.Uri): void {
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === uri.toString()) this.draw(editor);
  }

  private draw(editor: vscode.TextEditor): void {
    if (this.disposed) return;
    const enabled = vscode.workspace.getConfiguration('textAnalytics', editor.document).get<boolean>(EDITOR_MARKS_SETTING, true);
    const sentences = enabled ? (this.sentiments.get(editor.document.uri)?.sentences ?? []) : [];
    const locale = vscode.env.language;
    for (const label of Object.keys(MARKED) as MarkedLabel[]) {
      const marks = sentences.filter((sentence) => sentence.label === label).map((sentence) => mark(editor.document, sentence, locale));
      editor.setDecorations(this.types[label], marks);
    }
  }
}

function createType(label: MarkedLabel): vscode.TextEditorDecorationType {
  const colour = new vscode.ThemeColor(MARKED[label].colour);
  return vscode.window.createTextEditorDecorationType({
    // Dotted and thin: a hint beside the entity highlights and spelling squiggles, not a rival.
    borderColor: colour,
    borderStyle: 'none none dotted none',
    borderWidth: '0 0 1px 0',
    overviewRulerColor: colour,
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    // Text typed at a sentence's edge is not part of what was scored.
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
}

function mark(document: vscode.TextDocument, sentence: Readonly<SentenceSentiment>, locale: string): vscode.DecorationOptions {
  const range = new vscode.Range(document.positionAt(sentence.start), document.positionAt(sentence.end));
  const word = MARKED[sentence.label as MarkedLabel].word;
  const hoverMessage = new vscode.MarkdownString();
  // The model's own label may come from a model's config: plain text, never markdown.
  hoverMessage.appendText(`Sentiment: ${word} (${formatPercent(sentence.score, locale)})${sentence.modelLabel ? ` — ${sentence.modelLabel}` : ''}`);
  return { range, hoverMessage };
}
