import * as vscode from 'vscode';
import { webviewHtml } from './webviewHtml';
import type { Span } from '../protocol';
import { REGISTRY } from '../tasks/registry';
import { topicsToCsv, topicsToJson } from './topicsExport';
import { describeValue } from '../validate';
import { exportText } from './exportText';
import { inertMessageText } from './inertText';
import { hiddenEntityKindsSetting, updateHiddenEntityTypes } from '../config';
import { ENTITY_KINDS } from '../entityTypes';
import { ENTITY_LINK_COMMANDS, type FindOccurrencesArgs } from './entityHover';
import {
  closeTab,
  contentUri,
  markStaleTabs,
  panelTabs,
  selectTab,
  tabTitle,
  withResult,
  readPersistedState,
  type PanelSettings,
  type PanelTab,
  type ShownContent,
  readWebviewToHost,
  type ClassifyView,
  type EntitiesView,
  type PanelContent,
  type PanelView,
  type PanelViews,
  type PanelNotice,
  type PanelState,
  type PiiView,
  type LanguageView,
  type SentimentView,
  type ExportDestination,
  type ExportFormat,
  type TopicsView,
  type HostToWebview,
  type WebviewToHost,
} from '../views/messages';

/** Where a dropped webview message is reported: the extension's `LogOutputChannel` (or the console). */
export interface WarningLog {
  warn(message: string): void;
}

/** The views of the panel: one per task shown there (its contract's `view` is 'panel'). */
type ViewOf<V extends PanelView> = PanelViews[V];

/** What each view's reveals land on, for the checks that the document has not changed under it. */
const VIEW_SPANS: { [V in PanelView]: (view: ViewOf<V>) => readonly Span[] } = {
  sentiment: (view) => view.result.sentences,
  entities: (view) => view.result.entities,
  topics: (view) => view.result.sections,
  classify: (view) => view.result.items,
  pii: (view) => view.result.entities,
  language: (view) => view.result.paragraphs,
};

/** The view's own part of the panel's content: what every view has (the document, its version, its name). */
function viewOf(content: PanelContent): ViewOf<PanelView> | undefined {
  return content.view === 'empty' ? undefined : (content as unknown as PanelViews)[content.view];
}

/** How long after a reveal the panel's late focus is taken back (see revealInEditor). */
const LATE_FOCUS_MS = 2000;
/** When after a reveal the focus is looked at, for a panel that kept it without saying so again. */
const FOCUS_CHECKS_MS = [300, 1000];

/**
 * What the stale banner's button runs: the task's palette command (its contract's `command`) on the
 * analysed document's `Uri`; a classifier's run names the classifier too.
 */
function rerunArguments(content: PanelContent, uri: vscode.Uri): [string, ...unknown[]] {
  if (content.view === 'classify') return [REGISTRY.classify.command, content.classify.result.classifier.id, uri];
  return [REGISTRY[content.view === 'empty' ? 'sentiment' : content.view].command, uri];
}

/**
 * The results panel beside the editor: one at a time, revived after a reload by
 * {@link registerResultsPanelSerializer}. Each task's latest results per document stay in a tab
 * of their own (a classifier's per classifier), so running another task does not throw them away.
 * The host side owns the truth ({@link PanelState}); the webview (`src/webview/panel.ts`) renders
 * it and owns only the view choices.
 *
 * @example
 * const panel = ResultsPanel.createOrShow(context.extensionUri);
 * panel.showRunning(fileName);
 * panel.showSentiment({ uri: doc.uri.toString(), version, fileName, result });
 * // Entities: on the command, createOrShow(…).showEntities(view); on each refresh while typing
 * // (it updates a tab of that document's entities, if there is one, without showing it):
 * ResultsPanel.current?.refreshEntities(view);
 */
export class ResultsPanel implements vscode.Disposable {
  static readonly viewType = 'textAnalytics.results';
  /** The panel, while one is open. */
  static current: ResultsPanel | undefined;
  /** Set once by {@link registerResultsPanelSerializer}; every panel reports dropped messages here. */
  static log: WarningLog = console;

  private state: PanelState = { content: { view: 'empty' }, stale: false };
  /** Messages posted before the script listens, or while the webview is hidden, are dropped. */
  private webviewReady = false;
  /** The column the analysed document was shown in, to reopen it there if it was closed. */
  private sourceColumn: vscode.ViewColumn | undefined;
  /** The editor a reveal just showed, while the click's late focus of the panel may still come. */
  private lateFocus: { editor: vscode.TextEditor; until: number; retakes: number } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  /** Shows the panel beside the active editor (keeping focus there), creating it if needed. */
  static createOrShow(extensionUri: vscode.Uri): ResultsPanel {
    const existing = ResultsPanel.current;
    if (existing) {
      if (!existing.panel.visible) existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ResultsPanel.viewType,
      'Text Analytics',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(extensionUri),
    );
    return new ResultsPanel(panel, extensionUri);
  }

  /** Adopts a panel VS Code restored after a reload, with what its webview had persisted. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, persisted: unknown): ResultsPanel {
    // Restored panels keep no options: without these the script would not run or load.
    panel.webview.options = webviewOptions(extensionUri);
    const revived = new ResultsPanel(panel, extensionUri);
    const restored = readPersistedState(persisted);
    if (restored) {
      revived.state = restored.state;
      revived.updateTitle();
      void revived.recheckRestoredDocument();
    }
    return revived;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
  ) {
    ResultsPanel.current?.dispose();
    ResultsPanel.current = this;
    panel.webview.html = webviewHtml(panel.webview, extensionUri, { script: 'panel', style: 'panel', title: 'Text Analytics' });
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.onDidChangeViewState(
      () => {
        // Hidden webviews are torn down; the rebuilt one says `ready` again.
        if (!panel.visible) this.webviewReady = false;
        if (panel.active) this.takeBackLateFocus();
      },
      undefined,
      this.disposables,
    );
    panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message), undefined, this.disposables);
    vscode.workspace.onDidChangeConfiguration(
      (event) => {
        if (event.affectsConfiguration('textAnalytics.entities.hiddenTypes')) this.post({ type: 'settings', settings: panelSettings() });
      },
      undefined,
      this.disposables,
    );
  }

  /** What the panel shows now (for tests and other extensions, through the extension's exports). */
  get shown(): Readonly<PanelState> {
    return this.state;
  }

  /** Shows a finished analysis in its tab, keeping the other tabs; clears any notice. */
  showSentiment(view: SentimentView): void {
    this.showContent({ view: 'sentiment', sentiment: view });
  }

  /**
   * Shows entities found in a document in their tab, keeping the other tabs. When the panel
   * already shows entities of the same document, the webview updates them in place and keeps the
   * user's scroll position, filters, folded groups, focus and cycling positions. It never reveals
   * or focuses the panel (use {@link createOrShow} for that).
   */
  showEntities(view: EntitiesView): void {
    this.showContent({ view: 'entities', entities: view });
  }

  /**
   * A refresh of the highlights (typing, scrolling, a setting): updates the entities tab of that
   * document if the panel has one, shown or not, without switching tabs; otherwise does nothing.
   * Live refreshes never call {@link showRunning}: the notice would blink on every pause in typing.
   */
  refreshEntities(view: EntitiesView): void {
    this.showContent({ view: 'entities', entities: view }, false);
  }

  /** Shows a topic classification in its tab, keeping the other tabs; clears any notice. */
  showTopics(view: TopicsView): void {
    this.showContent({ view: 'topics', topics: view });
  }

  /** Shows a classifier's run in its tab (one per classifier and document); clears any notice. */
  showClassification(view: ClassifyView): void {
    this.showContent({ view: 'classify', classify: view });
  }

  /**
   * Shows the personal data found in a document in its tab, keeping the other tabs; clears any
   * notice. The list names each finding's line: when the view carries none, they are read from the
   * open document, as long as it is still the version that was analysed.
   */
  showPersonalData(view: PiiView): void {
    this.showContent({ view: 'pii', pii: withFindingLines(view) });
  }

  /** Shows the languages of a document's paragraphs in its tab, keeping the other tabs; clears any notice. */
  showLanguages(view: LanguageView): void {
    this.showContent({ view: 'language', language: view });
  }

  /**
   * Shows an analysis of any view in its tab (see `tabKey`); clears any notice. `select` false
   * only updates a tab the panel already has, and leaves the shown tab and the notice as they are.
   */
  showContent(content: ShownContent, select = true): void {
    const view = viewOf(content) as { uri: string; version: number };
    // The user may have typed while the worker was busy: then the offsets are already behind.
    const document = findOpenDocument(view.uri);
    const stale = document !== undefined && document.version !== view.version;
    const next = withResult(select ? { ...this.state, notice: undefined } : this.state, content, stale, select);
    if (next === this.state) return;
    if (select) this.sourceColumn = findEditor(view.uri, this.sourceColumn)?.viewColumn ?? this.sourceColumn;
    this.state = next;
    this.updateTitle();
    this.post({ type: 'show', state: this.state });
  }

  /** Whether the panel has a tab of the entities of `uri`, shown or not. */
  showsEntitiesOf(uri: string): boolean {
    return panelTabs(this.state).some(({ tab }) => tab.content.view === 'entities' && tab.content.entities.uri === uri);
  }

  /** Call when the document `uri` changes: every tab describing it says so. */
  markStale(uri: string): void {
    const next = markStaleTabs(this.state, uri);
    if (next === this.state) return;
    const onlyShown = JSON.stringify(next.kept) === JSON.stringify(this.state.kept);
    this.state = next;
    // The cheap message keeps the shown view's focus; kept tabs' marks come with the whole state.
    this.post(onlyShown ? { type: 'stale', stale: true } : { type: 'show', state: this.state });
  }

  /** Says an analysis of `fileName` is under way; the previous results stay visible below. */
  showRunning(fileName: string): void {
    this.setNotice({ kind: 'running', fileName });
  }

  /** Shows why the last analysis failed; the previous results stay visible below. */
  showError(message: string): void {
    this.setNotice({ kind: 'error', message });
  }

  /** Removes a running or error notice (for example after a cancelled analysis). */
  clearNotice(): void {
    this.setNotice(undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private setNotice(notice: PanelNotice | undefined): void {
    this.state = { ...this.state, notice };
    this.post({ type: 'notice', notice });
  }

  private post(message: HostToWebview): void {
    if (this.disposed || !this.webviewReady) return;
    void this.panel.webview.postMessage(message);
  }

  private updateTitle(): void {
    const { content } = this.state;
    const view = viewOf(content);
    const title = content.view === 'empty' || !view ? 'Text Analytics' : `${tabTitle(content)}: ${baseName(view.fileName)}`;
    // Assigning an unchanged title still updates the tab; entity refreshes come often.
    if (this.panel.title !== title) this.panel.title = title;
  }

  /**
   * The webview renders document text, so what it sends is checked like any untrusted input
   * before it is used: its shape ({@link readWebviewToHost}), and that a document it names is the
   * one the panel shows. Anything else is logged and dropped.
   */
  private async onMessage(raw: unknown): Promise<void> {
    const message = readWebviewToHost(raw);
    if (!message) {
      ResultsPanel.log.warn(`Results panel: dropped a malformed message from its webview (${describeValue(raw)}).`);
      return;
    }
    if ('uri' in message && message.uri !== contentUri(this.state.content)) {
      // Also what a click on results replaced a moment ago looks like: harmless, but not acted on.
      ResultsPanel.log.warn(`Results panel: dropped a "${message.type}" message about a document the panel does not show.`);
      return;
    }
    await this.handle(message);
  }

  private async handle(message: WebviewToHost): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.webviewReady = true;
          this.post({ type: 'settings', settings: panelSettings() });
          this.post({ type: 'show', state: this.state });
          return;
        case 'selectTab': {
          // The webview shows the tab already; the host follows, for the title, reruns and reveals.
          const next = selectTab(this.state, message.key);
          if (!next) {
            ResultsPanel.log.warn('Results panel: dropped a "selectTab" message for a tab the panel does not have.');
            return;
          }
          this.state = next;
          this.updateTitle();
          return;
        }
        case 'closeTab':
          this.state = closeTab(this.state, message.key);
          this.updateTitle();
          this.post({ type: 'show', state: this.state });
          return;
        case 'setHiddenEntityKinds':
          // The setting the editor's highlights and the hover's "Hide" use, so that all three agree.
          await updateHiddenEntityTypes(message.kinds);
          return;
        case 'reveal':
          // The message's focusEditor is not followed: see revealInEditor.
          await this.revealInEditor(message.uri, message.start, message.end);
          return;
        case 'rerun': {
          // Focus the document first: the command analyses the active editor when given no Uri.
          await this.showSourceEditor(vscode.Uri.parse(message.uri), false);
          await vscode.commands.executeCommand(...rerunArguments(this.state.content, vscode.Uri.parse(message.uri)));
          return;
        }
        case 'classifyTopics': {
          const { uri, labels, multiLabel } = message;
          await vscode.commands.executeCommand('textAnalytics.classifyTopics', { uri, labels, multiLabel });
          return;
        }
        case 'saveTopicLabels':
          await this.saveWorkspaceTopicLabels(message.labels);
          return;
        case 'exportTopics':
          await this.exportTopics(message.format, message.destination);
          return;
        case 'exportSentiment':
          await vscode.commands.executeCommand('textAnalytics.exportSentiment', { uri: message.uri, format: message.format, destination: message.destination });
          return;
        case 'findMentions':
          await this.findMentions(message.entity);
          return;
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // The reason may quote a document's name or URI: no link in it may become a command.
      void vscode.window.showErrorMessage(`Text Analytics: ${inertMessageText(reason)}`);
    }
  }

  /**
   * An entity row's *Find Mentions in Workspace*: in the editor of the panel's document, so that
   * the references peek opens there rather than over the panel.
   */
  private async findMentions(entity: FindOccurrencesArgs): Promise<void> {
    if (entity.uri !== contentUri(this.state.content)) {
      ResultsPanel.log.warn('Results panel: dropped a "findMentions" message about a document the panel does not show.');
      return;
    }
    try {
      await this.showSourceEditor(vscode.Uri.parse(entity.uri), false);
      await vscode.commands.executeCommand(ENTITY_LINK_COMMANDS.findMentions, entity);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Text Analytics: ${inertMessageText(reason)}`);
    }
  }

  /** Writes `textAnalytics.topics.labels` for the workspace (the folder of the shown document in a multi-root one). */
  private async saveWorkspaceTopicLabels(labels: string[]): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showWarningMessage('Open a folder or workspace to save workspace topic labels.');
      return;
    }
    const uri = contentUri(this.state.content);
    const scope = uri ? vscode.Uri.parse(uri) : undefined;
    await vscode.workspace
      .getConfiguration('textAnalytics', scope)
      .update('topics.labels', labels, vscode.ConfigurationTarget.Workspace);
    void vscode.window.setStatusBarMessage(`Text Analytics: saved ${labels.length.toLocaleString(vscode.env.language)} topic labels for this workspace.`, 3000);
  }

  /** Copy as JSON, Export JSON…, Export CSV… of the shown topics. */
  private async exportTopics(format: ExportFormat, destination: ExportDestination): Promise<void> {
    const { content } = this.state;
    if (content.view !== 'topics') return;
    const { topics } = content;
    const text = format === 'csv' ? topicsToCsv(topics) : topicsToJson(topics);
    await exportText({ what: 'topics', format, destination, text, uri: topics.uri, fileName: topics.fileName });
  }

  /**
   * Selects [start, end) in the document's editor, opening it in its old column if it was closed,
   * never in the panel's. The editor becomes the active one whatever the message's `focusEditor` says: an
   * inactive editor draws its selection in the dim inactive colour, which users missed.
   */
  private async revealInEditor(uri: string, start: number, end: number): Promise<void> {
    const editor = await this.showSourceEditor(vscode.Uri.parse(uri), false);
    const { document } = editor;
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    // Reveal anyway, even if the text moved: the banner tells the user why it may be off.
    if (!this.stillMatches(document, uri, range)) this.markStale(uri);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    // The click that asked for this also focuses the panel. On a busy machine that focus may land
    // after the editor was shown, leaving the selection in the inactive colour: then show it again.
    const late = { editor, until: Date.now() + LATE_FOCUS_MS, retakes: 0 };
    this.lateFocus = late;
    // The panel may also have been active all along (no change of state to hear): look.
    for (const ms of FOCUS_CHECKS_MS) {
      setTimeout(() => {
        if (this.lateFocus === late && this.panel.active && vscode.window.activeTextEditor?.document !== document) this.takeBackLateFocus();
      }, ms);
    }
  }

  /** When the panel becomes active (or kept the focus) just after a reveal: shows its editor again, at most twice. */
  private takeBackLateFocus(): void {
    const late = this.lateFocus;
    if (!late || Date.now() > late.until || late.editor.document.isClosed || late.retakes >= 2) {
      this.lateFocus = undefined;
      return;
    }
    late.retakes++;
    void vscode.window.showTextDocument(late.editor.document, { viewColumn: late.editor.viewColumn, preserveFocus: false }).then(undefined, () => undefined);
  }

  private async showSourceEditor(uri: vscode.Uri, preserveFocus: boolean): Promise<vscode.TextEditor> {
    const visible = findEditor(uri.toString(), this.sourceColumn);
    const document = visible?.document ?? (await vscode.workspace.openTextDocument(uri));
    // Never open it over the panel: closing the document's last editor closes its group, and the
    // panel's group may then have taken the old column number. Beside (the panel) is the fallback.
    const remembered = this.sourceColumn !== this.panel.viewColumn ? this.sourceColumn : undefined;
    const viewColumn = visible?.viewColumn ?? remembered ?? vscode.ViewColumn.Beside;
    const editor = await vscode.window.showTextDocument(document, { viewColumn, preserveFocus });
    this.sourceColumn = editor.viewColumn ?? this.sourceColumn;
    return editor;
  }

  /**
   * Whether the shown analysis still describes `document` around `range`. The version alone is
   * not enough: a document closed and reopened starts counting again.
   */
  private stillMatches(document: vscode.TextDocument, uri: string, range: vscode.Range): boolean {
    const shown = this.state.content.view === 'empty' ? undefined : shownSpans(this.state.content);
    if (!shown || shown.uri !== uri) return true;
    if (document.version !== shown.version) return false;
    const start = document.offsetAt(range.start);
    const span = shown.spans.find((s) => s.start === start);
    return span === undefined || document.getText(range) === span.text;
  }

  /**
   * After a reload the saved version numbers mean nothing (versions restart per session), so
   * compare the text instead, tab by tab: if every sentence or entity is still where it was, adopt
   * the current version; otherwise say the results are stale.
   */
  private async recheckRestoredDocument(): Promise<void> {
    for (const { tab } of panelTabs(this.state)) {
      const shown = shownSpans(tab.content);
      let document: vscode.TextDocument;
      try {
        document = await vscode.workspace.openTextDocument(vscode.Uri.parse(shown.uri));
      } catch {
        // Deleted or unreadable: the results describe text that is gone.
        this.markStale(shown.uri);
        continue;
      }
      const text = document.getText();
      if (!shown.spans.every((s) => text.slice(s.start, s.end) === s.text)) {
        this.markStale(shown.uri);
        continue;
      }
      // Only the tab read here takes the version: a new analysis may have replaced it meanwhile.
      const adopt = (candidate: PanelTab): PanelTab => (candidate.content === tab.content ? { ...candidate, content: withVersion(candidate.content, document.version) } : candidate);
      const { content, stale, kept } = this.state;
      const shownTab = content.view === 'empty' ? undefined : adopt({ content, stale });
      this.state = { ...this.state, ...(shownTab ? { content: shownTab.content } : {}), ...(kept ? { kept: kept.map(adopt) } : {}) };
    }
  }
}

/**
 * Restores the results panel after VS Code reloads. Call during activation with the extension's
 * log (where panels report the webview messages they drop); dispose on deactivation.
 */
export function registerResultsPanelSerializer(context: vscode.ExtensionContext, log?: WarningLog): vscode.Disposable {
  if (log) ResultsPanel.log = log;
  return vscode.window.registerWebviewPanelSerializer(ResultsPanel.viewType, {
    deserializeWebviewPanel: async (panel, state: unknown) => {
      ResultsPanel.revive(panel, context.extensionUri, state);
    },
  });
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'media'),
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
    ],
  };
}


/** The document a view describes, the version analysed, and the spans a reveal can land on. */
function shownSpans(content: ShownContent): { uri: string; version: number; spans: readonly Span[] } {
  const view = (content as unknown as PanelViews)[content.view];
  const spans = (VIEW_SPANS[content.view] as (view: ViewOf<PanelView>) => readonly Span[])(view);
  return { uri: view.uri, version: view.version, spans };
}

function withVersion(content: ShownContent, version: number): ShownContent {
  const view = (content as unknown as PanelViews)[content.view];
  return { view: content.view, [content.view]: { ...view, version } } as ShownContent;
}

/** What the webview formats numbers with, and which entity kinds its checkboxes show hidden. */
function panelSettings(): PanelSettings {
  const hidden = hiddenEntityKindsSetting();
  return { locale: vscode.env.language, hiddenEntityKinds: ENTITY_KINDS.filter((kind) => hidden.has(kind)) };
}

/** `view` with each finding's line, from its document when that is open and unchanged since. */
function withFindingLines(view: PiiView): PiiView {
  if (view.lines) return view;
  const document = findOpenDocument(view.uri);
  if (!document || document.version !== view.version) return view;
  return { ...view, lines: view.result.entities.map((finding) => document.positionAt(finding.start).line + 1) };
}

function findOpenDocument(uri: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
}

/** A visible editor showing `uri`, preferring the one in `column`. */
function findEditor(uri: string, column: vscode.ViewColumn | undefined): vscode.TextEditor | undefined {
  const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri);
  return editors.find((e) => e.viewColumn === column) ?? editors[0];
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() || fileName;
}
