import * as vscode from 'vscode';
import { webviewHtml } from './webviewHtml';
import type { AskResult } from '../protocol';
import { isBlank } from '../unicode';
import { readHistories, rememberQuestion, type QuestionHistories } from '../views/questionHistory';
import {
  readQuestionsToHost,
  readStoredRuns,
  STORED_RUNS_LIMIT,
  type HostToQuestions,
  type QuestionRun,
  type QuestionScope,
  type QuestionsState,
  type QuestionsToHost,
  type StoredRuns,
} from '../views/questionsMessages';
import { describeValue } from '../validate';
import { selectionScope, type AskTarget, type QuestionAsking } from './askTarget';
import { inertMessageText } from './inertText';
import { SelectionScopes, type OffsetSelection } from './questionScope';
import type { WarningLog } from './resultsPanel';

/** The `workspaceState` key of every document's question history. */
const HISTORY_KEY = 'textAnalytics.questionHistory';
/**
 * The `workspaceState` key of the latest answers of the last few documents, so that a reload
 * shows them again. Local storage, like the history: the answers quote the document.
 */
const RUNS_KEY = 'textAnalytics.questionRuns';

/** Documents that are not the user's text: the Output panel, debug consoles and the like. */
const IGNORED_SCHEMES = new Set(['output', 'debug', 'comment', 'vscode-scm', 'vscode-terminal']);

/**
 * The Questions view in the Text Analytics side bar: a question box bound to the active editor's
 * document, and the answers under it. Its scope is what the user sees, shown before asking: it
 * follows the editor's selection live (a selection the user makes narrows the question; when it
 * goes, the whole document again), while a selection made by a panel or a command does not narrow
 * it ({@link SelectionScopes}). Each document keeps its last question's answers and its question
 * history across reloads (`workspaceState`). The host owns the truth ({@link QuestionsState}); the
 * webview (`src/webview/questions.ts`) renders it.
 *
 * @example
 * const view = new QuestionsView(context, asker);
 * context.subscriptions.push(view, vscode.window.registerWebviewViewProvider(QuestionsView.viewType, view));
 * await view.askCommand(); // focus the box, bound to the active editor (and its selection)
 */
export class QuestionsView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'textAnalytics.questions';

  private view: vscode.WebviewView | undefined;
  /**
   * The script is listening. The state is posted whatever this says (the script answers a rebuilt
   * webview's `ready` with a fresh copy anyway); only the keyboard focus waits for it.
   */
  private webviewReady = false;
  /** What the box asks about, with the range to read for a selection. */
  private scope: { scope: QuestionScope; range?: vscode.Range } | undefined;
  /** Which editor selections may narrow the question: the user's, not a panel's. */
  private readonly selections = new SelectionScopes();
  /** The latest question about each document, least recent first; kept across reloads. */
  private readonly runs: Map<string, QuestionRun>;
  /** Documents whose answers, kept from before a reload, were checked against their text. */
  private readonly checkedRestored = new Set<string>();
  /** The editor column each document was last seen in, to select answers there. */
  private readonly columns = new Map<string, vscode.ViewColumn>();
  /** The Ask command wants the keyboard in the box once the webview is ready. */
  private pendingFocus: { question?: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private viewDisposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly context: Pick<vscode.ExtensionContext, 'extensionUri' | 'workspaceState'>,
    private readonly asker: QuestionAsking,
    /** Where dropped webview messages are reported: the extension's `LogOutputChannel`. */
    private readonly log: WarningLog = console,
  ) {
    this.runs = readStoredRuns(context.workspaceState.get(RUNS_KEY));
    this.followEditor(vscode.window.activeTextEditor);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => this.followEditor(editor)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.followSelection(event)),
      vscode.window.onDidChangeTextEditorViewColumn(({ textEditor, viewColumn }) => this.columns.set(textEditor.document.uri.toString(), viewColumn)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.markStale(event.document.uri.toString());
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.selections.forget(document.uri.toString())),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const disposable of this.viewDisposables.splice(0)) disposable.dispose();
    this.view = view;
    this.webviewReady = false;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'media'), vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')],
    };
    view.webview.html = webviewHtml(view.webview, this.context.extensionUri, { script: 'questions', style: 'questions', title: 'Questions' });
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      view.onDidChangeVisibility(() => {
        // A hidden webview view is torn down and its rebuilt script says `ready` again; but VS Code
        // may also hide and show it without a rebuild (a reload restoring the layout did), and then
        // only a fresh copy of the state keeps it from showing nothing until toggled.
        if (view.visible) this.render();
        else this.webviewReady = false;
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.webviewReady = false;
        }
      }),
    );
  }

  /**
   * Text Analytics: Ask a Question About This Document. Binds the box to the active editor (to its
   * selection, if the user made it), shows the view and puts the keyboard in the box. With `question` (for tests
   * and other extensions) it asks at once and resolves with the worker's result.
   */
  async askCommand(question?: string): Promise<AskResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (editor && isUserText(editor.document)) {
      // The selection only if the user made it: a sentence a panel selected is not a question's scope.
      this.bindTo(editor.document, this.userSelection(editor));
      if (editor.viewColumn) this.columns.set(editor.document.uri.toString(), editor.viewColumn);
    } else if (!this.scope) {
      void vscode.window.showInformationMessage('Open a document to ask a question about it.');
      return undefined;
    }
    this.pendingFocus = typeof question === 'string' ? undefined : {};
    await vscode.commands.executeCommand(`${QuestionsView.viewType}.focus`);
    this.render();
    if (typeof question === 'string') return this.ask(question);
    this.deliverFocus();
    return undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of [...this.viewDisposables.splice(0), ...this.disposables.splice(0)]) disposable.dispose();
  }

  private followEditor(editor: vscode.TextEditor | undefined): void {
    // Focus moving to a webview or the panel leaves no text editor: keep the document we had.
    if (!editor || !isUserText(editor.document)) return;
    const uri = editor.document.uri.toString();
    if (editor.viewColumn) this.columns.set(uri, editor.viewColumn);
    this.checkRestored(editor.document);
    if (this.bindTo(editor.document, this.userSelection(editor))) this.render();
  }

  /**
   * The scope follows the selection of the editor it is about, as it changes: live, so that the
   * view says what the next question will read before it is asked.
   */
  private followSelection({ textEditor, kind }: vscode.TextEditorSelectionChangeEvent): void {
    const { document } = textEditor;
    if (!isUserText(document)) return;
    const uri = document.uri.toString();
    // Keyboard and Mouse are the user; Command (a panel or an extension setting it) and undefined
    // (an edit moving it) are not, and must not narrow the next question.
    const byUser = kind === vscode.TextEditorSelectionChangeKind.Keyboard || kind === vscode.TextEditorSelectionChangeKind.Mouse;
    this.selections.changed(uri, offsetsOf(document, textEditor.selection), byUser);
    const active = vscode.window.activeTextEditor;
    // With the keyboard in a results panel there is no active text editor: the editor beside it,
    // on the document the view is about, still sets the scope.
    const follows = active ? active === textEditor : this.scope?.scope.uri === uri;
    if (follows && this.bindTo(document, this.userSelection(textEditor))) this.render();
  }

  /** The editor's selection, when it is one the user made and has not set aside. */
  private userSelection(editor: vscode.TextEditor): vscode.Selection | undefined {
    const { selection, document } = editor;
    return this.selections.counts(document.uri.toString(), offsetsOf(document, selection)) ? selection : undefined;
  }

  /** Binds the box to `document` (to `range` in it); says whether what the view shows changed. */
  private bindTo(document: vscode.TextDocument, range: vscode.Range | undefined): boolean {
    const scope: QuestionScope = { uri: document.uri.toString(), fileName: displayName(document) };
    if (range) scope.selection = selectionScope(document, range);
    const changed = JSON.stringify(scope) !== JSON.stringify(this.scope?.scope);
    this.scope = { scope, range };
    return changed;
  }

  /**
   * Answers kept from before a reload may no longer match their document (edited meanwhile, or
   * elsewhere): if any answer's text is not where it was, they are marked out of date.
   */
  private checkRestored(document: vscode.TextDocument): void {
    const uri = document.uri.toString();
    if (this.checkedRestored.has(uri)) return;
    this.checkedRestored.add(uri);
    const run = this.runs.get(uri);
    if (!run || run.id !== 0 || run.stale) return;
    const text = document.getText();
    if (run.answers.some((answer) => text.slice(answer.start, answer.end) !== answer.text)) this.runs.set(uri, { ...run, stale: true });
  }

  private async ask(question: string): Promise<AskResult | undefined> {
    const bound = this.scope;
    const trimmed = question.trim();
    if (!bound || isBlank(trimmed)) return undefined;
    const document = await openDocument(bound.scope.uri);
    if (!document) {
      // A file's name may hold `[x](command:…)`, which a notification would make a link.
      void vscode.window.showWarningMessage(`${inertMessageText(bound.scope.fileName)} is no longer open; open it again to ask about it.`);
      return undefined;
    }
    const range = bound.range ? document.validateRange(bound.range) : undefined;
    const target: AskTarget = { document, range, scope: bound.scope };
    await this.saveHistory(rememberQuestion(this.histories(), bound.scope.uri, trimmed));
    this.render();
    const outcome = await this.asker.ask(target, trimmed, (run) => this.update(run));
    return outcome?.result;
  }

  /** A question's run changed (started, answers so far, finished, failed, or asked again after a failure). */
  private update(run: QuestionRun): void {
    const { uri } = run.scope;
    const latest = this.runs.get(uri);
    // A newer question about the same document owns the view; this one only ends quietly.
    if (latest && latest.id > run.id) return;
    // Most recent last: the oldest documents' answers are the first not kept.
    this.runs.delete(uri);
    this.runs.set(uri, run);
    if (run.status === 'done') {
      // An answer means the model and the worker work now: other documents' errors (a model that
      // was missing, a worker that was down) are out of date, so they are not shown again.
      for (const [other, otherRun] of this.runs) if (otherRun.status === 'failed') this.runs.delete(other);
    }
    if (run.status !== 'running' && run.status !== 'waiting') this.saveRuns();
    if (this.scope?.scope.uri === uri) this.render();
  }

  private saveRuns(): void {
    const kept: StoredRuns = [...this.runs].filter(([, run]) => run.status !== 'failed').slice(-STORED_RUNS_LIMIT);
    this.context.workspaceState.update(RUNS_KEY, kept).then(undefined, (error: unknown) => this.log.warn(`Questions view: could not keep the answers for the next session (${String(error)}).`));
  }

  /**
   * The webview shows document text, so what it sends is checked like any untrusted input before
   * it is used: its shape ({@link readQuestionsToHost}), and that a document it wants selected is
   * one this view answered about. Anything else is logged and dropped.
   */
  private async onMessage(raw: unknown): Promise<void> {
    const message = readQuestionsToHost(raw);
    if (!message) {
      this.log.warn(`Questions view: dropped a malformed message from its webview (${describeValue(raw)}).`);
      return;
    }
    if (message.type === 'reveal' && !this.runs.has(message.uri)) {
      this.log.warn('Questions view: dropped a "reveal" message about a document it has no answers for.');
      return;
    }
    await this.handle(message);
  }

  private async handle(message: QuestionsToHost): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.webviewReady = true;
          this.render();
          this.deliverFocus();
          return;
        case 'ask':
          await this.ask(message.question);
          return;
        case 'cancel':
          this.asker.cancel();
          return;
        case 'reveal':
          await this.revealInEditor(message.uri, message.start, message.end, message.focusEditor);
          return;
        case 'wholeDocument': {
          const uri = this.scope?.scope.uri;
          const document = uri && (await openDocument(uri));
          if (!document) return;
          // The selection stays in the editor, but stops counting until the user selects again.
          for (const editor of vscode.window.visibleTextEditors) {
            if (editor.document === document) this.selections.setAsideSelection(uri, offsetsOf(document, editor.selection));
          }
          this.bindTo(document, undefined);
          this.render();
          return;
        }
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Text Analytics: ${inertMessageText(reason)}`);
    }
  }

  /** Selects [start, end) in the document's editor, opening it in its last column if it was closed. */
  private async revealInEditor(uri: string, start: number, end: number, focusEditor: boolean): Promise<void> {
    const visible = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri);
    const column = this.columns.get(uri);
    const shown = visible.find((e) => e.viewColumn === column) ?? visible[0];
    const document = shown?.document ?? (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)));
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: shown?.viewColumn ?? column ?? vscode.ViewColumn.Active,
      preserveFocus: !focusEditor,
    });
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    // Select it anyway, even if the text moved: the view then says the answers may be out of date.
    const answer = this.runs.get(uri)?.answers.find((a) => a.start === start && a.end === end);
    if (answer && document.getText(range) !== answer.text) this.markStale(uri);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The document changed: its answers' lines and spans may be off. (A running question's later updates say so too.) */
  private markStale(uri: string): void {
    const run = this.runs.get(uri);
    if (!run || run.stale) return;
    this.runs.set(uri, { ...run, stale: true });
    if (this.scope?.scope.uri === uri) this.render();
  }

  private histories(): QuestionHistories {
    return readHistories(this.context.workspaceState.get(HISTORY_KEY));
  }

  private async saveHistory(histories: QuestionHistories): Promise<void> {
    await this.context.workspaceState.update(HISTORY_KEY, histories);
  }

  private state(): QuestionsState {
    const scope = this.scope?.scope;
    const locale = vscode.env.language;
    if (!scope) return { history: [], locale };
    return { scope, history: this.histories()[scope.uri] ?? [], run: this.runs.get(scope.uri), locale };
  }

  private render(): void {
    this.post({ type: 'show', state: this.state() });
  }

  private deliverFocus(): void {
    if (!this.pendingFocus || !this.webviewReady) return;
    const focus = this.pendingFocus;
    this.pendingFocus = undefined;
    this.post({ type: 'focus', ...focus });
  }

  private post(message: HostToQuestions): void {
    // Before `ready` a message may be lost; the script's `ready` brings the whole state again.
    if (this.disposed || !this.view) return;
    void this.view.webview.postMessage(message);
  }
}

function offsetsOf(document: vscode.TextDocument, selection: vscode.Selection): OffsetSelection {
  return { start: document.offsetAt(selection.start), end: document.offsetAt(selection.end) };
}

function isUserText(document: vscode.TextDocument): boolean {
  return !IGNORED_SCHEMES.has(document.uri.scheme);
}

function displayName(document: vscode.TextDocument): string {
  return document.isUntitled ? document.uri.path : vscode.workspace.asRelativePath(document.uri, false);
}

async function openDocument(uri: string): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  if (open) return open;
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  } catch {
    return undefined;
  }
}

