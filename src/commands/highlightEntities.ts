import * as vscode from 'vscode';
import { updateHiddenEntityTypes, type Config } from '../config';
import { isCodeLanguage } from '../ui/codeRanges';
import { documentLength, type DocumentEntities, type EntityHighlighter, type EntityScope } from '../ui/entityHighlighter';
import { ENTITY_LINK_COMMANDS, oneLine, readCopyEntityArgs, readFindOccurrencesArgs, readHideEntityTypeArgs } from '../ui/entityHover';
import { inertMessageText, inertStatusText } from '../ui/inertText';
import { ENTITY_KIND_INFO } from '../ui/entityKinds';
import { reportFailure } from '../ui/failures';

export const ENTITY_COMMANDS = {
  highlight: 'textAnalytics.highlightEntities',
  toggle: 'textAnalytics.toggleEntityHighlights',
  clear: 'textAnalytics.clearEntityHighlights',
  ...ENTITY_LINK_COMMANDS,
} as const;

/** Documents larger than this show their progress in a notification (with Cancel); smaller ones in the status bar. */
const NOTIFY_PROGRESS_CHARS = 50_000;
/** Schemes auto-highlighting applies to: real documents, not output channels, diffs of git objects or settings. */
const AUTO_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
/** Characters of an entity's text quoted in a notification or the status bar. */
const QUOTED_IN_MESSAGES = 80;
/** How much of a document is checked for NUL characters (binary data). */
const BINARY_PROBE_CHARS = 65_536;
/** Where the documents the user highlighted are remembered (`workspaceState`), by URI. */
const HIGHLIGHTED_KEY = 'textAnalytics.entities.highlightedDocuments';
/** Most documents remembered; the ones highlighted longest ago are forgotten first. */
const MAX_REMEMBERED = 200;

/**
 * The entity commands and the policy around the {@link EntityHighlighter}: which documents to
 * highlight (the command, the toggle, `textAnalytics.entities.autoHighlight`), what to ask the user
 * first (documents above `textAnalytics.maxDocumentSize`, languages not enabled), and the hover's
 * links (find all occurrences, copy, hide a kind).
 */
export class EntityCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Documents the user cleared: auto-highlighting leaves them alone until the user asks again. */
  private readonly clearedByUser = new Set<string>();
  /** Documents highlighted because of their language, cleared when it leaves the setting. */
  private readonly autoHighlighted = new Set<string>();
  /** Documents too large to auto-highlight whose user has been told so. */
  private readonly toldTooLarge = new Set<string>();
  private disposed = false;

  constructor(
    private readonly highlighter: EntityHighlighter,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
    /** The on/off switch of automatic analysis (src/ui/autoAnalysis.ts): off, a document is highlighted only when asked. */
    private readonly automatic?: { allows(document: vscode.TextDocument): boolean; readonly onDidChange: vscode.Event<void> },
    /**
     * Where the documents the user highlighted are kept (the workspace's state): they are
     * highlighted again when shown after being closed, or after a reload, until cleared.
     */
    private readonly memory?: vscode.Memento,
  ) {
    this.disposables.push(
      ...(automatic ? [automatic.onDidChange(() => this.autoHighlight())] : []),
      vscode.commands.registerCommand(ENTITY_COMMANDS.highlight, () => this.highlight()),
      vscode.commands.registerCommand(ENTITY_COMMANDS.toggle, () => this.toggle()),
      vscode.commands.registerCommand(ENTITY_COMMANDS.clear, () => this.clear()),
      vscode.commands.registerCommand(ENTITY_COMMANDS.findOccurrences, (args: unknown) => this.findOccurrences(args)),
      vscode.commands.registerCommand(ENTITY_COMMANDS.copy, (args: unknown) => this.copy(args)),
      vscode.commands.registerCommand(ENTITY_COMMANDS.hideType, (args: unknown) => this.hideType(args)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.autoHighlight()),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics.entities.autoHighlight')) this.autoHighlight();
      }),
    );
    this.autoHighlight();
  }

  /**
   * Text Analytics: Highlight Entities. Highlights the active document (asking first when it is
   * above the size limit or in a language not enabled) and resolves with its entities when the run
   * ends (done, cancelled, or overtaken by typing) — for tests and other extensions; undefined
   * when nothing was done.
   */
  async highlight(): Promise<DocumentEntities | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Open a document to highlight its named entities.');
      return undefined;
    }
    const { document } = editor;
    const config = this.config(document);
    if (looksBinary(document)) {
      void vscode.window.showWarningMessage('The document looks like binary data (it contains NUL characters), so its entities were not highlighted.');
      return undefined;
    }
    const scope = await this.chooseScope(editor, config, true);
    if (!scope || !(await this.languageAccepted(document, config))) return undefined;
    this.clearedByUser.delete(document.uri.toString());
    this.remember(document.uri, true);
    const length = documentLength(document);
    const location = length >= NOTIFY_PROGRESS_CHARS ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    try {
      const outcome = await vscode.window.withProgress(
        { location, title: 'Highlighting entities', cancellable: location === vscode.ProgressLocation.Notification },
        (progress, token) => this.highlighter.highlight(document, scope, { progress, token, userInitiated: true }),
      );
      if (outcome === 'cancelled') {
        // Stopping a long run should stop the work, yet keep what was found and follow the text:
        // from now on only what is scrolled into view is analysed.
        this.highlighter.limitToVisible(document);
        void vscode.window.setStatusBarMessage('Entity highlighting stopped; only the part in view will be kept up to date.', 5000);
      }
      const found = this.highlighter.entitiesFor(document.uri);
      if (outcome === 'done') void vscode.window.setStatusBarMessage(`${(found?.entities.length ?? 0).toLocaleString(vscode.env.language)} entities highlighted.`, 3000);
      return found;
    } catch (error) {
      // Nothing could be analysed (no model, a crash): leave the document as it was.
      if (!this.highlighter.entitiesFor(document.uri)?.entities.length) {
        this.highlighter.clear(document);
        this.remember(document.uri, false);
      }
      // Once the user has the model (download or folder), the highlights come by themselves.
      reportFailure(error, this.log, async () => {
        this.remember(document.uri, true);
        await this.highlighter.highlight(document, scope, { userInitiated: true });
      });
      return undefined;
    }
  }

  /** Text Analytics: Toggle Entity Highlights (Ctrl+Alt+E). */
  async toggle(): Promise<DocumentEntities | undefined> {
    const document = vscode.window.activeTextEditor?.document;
    if (document && this.highlighter.isHighlighted(document)) {
      this.clear();
      return undefined;
    }
    return this.highlight();
  }

  /** Text Analytics: Clear Entity Highlights — of the active document. */
  clear(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) return;
    this.clearedByUser.add(document.uri.toString());
    this.autoHighlighted.delete(document.uri.toString());
    this.remember(document.uri, false);
    this.highlighter.clear(document);
  }

  /** Adds `uri` to (or takes it from) the documents highlighted again when shown. */
  private remember(uri: vscode.Uri, highlighted: boolean): void {
    // An untitled document's name ("Untitled-1") comes back for the next new, different document.
    if (!this.memory || uri.scheme === 'untitled') return;
    const key = uri.toString();
    const others = this.remembered().filter((known) => known !== key);
    const next = highlighted ? [...others, key].slice(-MAX_REMEMBERED) : others;
    void this.memory.update(HIGHLIGHTED_KEY, next);
  }

  private remembered(): string[] {
    const value = this.memory?.get<unknown>(HIGHLIGHTED_KEY);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // The hover's links

  /**
   * The hover's links run these with arguments decoded from the link, which anyone can write by
   * hand; so do other extensions. Malformed arguments are logged and ignored; well-formed ones
   * act only on what is highlighted (a URI of a document that is not, or a text with no
   * highlighted occurrence, finds nothing and says so).
   */
  private async findOccurrences(value: unknown): Promise<void> {
    const args = readFindOccurrencesArgs(value);
    if (!args) {
      this.log.warn(`${ENTITY_COMMANDS.findOccurrences}: ignored malformed arguments.`);
      return;
    }
    const uri = vscode.Uri.parse(args.uri);
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === args.uri);
    const occurrences = this.highlighter.occurrences(uri, args);
    if (!document || occurrences.length === 0) {
      // Notifications make `[x](command:…)` a link: the quoted text must not.
      const text = inertMessageText(oneLine(args.text, QUOTED_IN_MESSAGES));
      void vscode.window.showInformationMessage(`No highlighted occurrences of “${text}” are left; the document may have changed.`);
      return;
    }
    const locations = occurrences.map((entity) => new vscode.Location(uri, new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end))));
    // The references peek lists every occurrence with its line, and steps through them.
    await vscode.commands.executeCommand('editor.action.showReferences', uri, document.positionAt(Math.min(args.start, documentLength(document))), locations);
  }

  private async copy(value: unknown): Promise<void> {
    const args = readCopyEntityArgs(value);
    if (!args) {
      this.log.warn(`${ENTITY_COMMANDS.copy}: ignored malformed arguments.`);
      return;
    }
    await vscode.env.clipboard.writeText(args.text);
    void vscode.window.setStatusBarMessage(`Copied “${inertStatusText(oneLine(args.text, QUOTED_IN_MESSAGES))}”.`, 3000);
  }

  private async hideType(value: unknown): Promise<void> {
    const kind = readHideEntityTypeArgs(value)?.kind;
    if (!kind) {
      this.log.warn(`${ENTITY_COMMANDS.hideType}: ignored malformed arguments.`);
      return;
    }
    const previous = this.config().hiddenEntityTypes;
    if (previous.includes(kind)) return;
    await updateHiddenEntityTypes([...previous, kind]);
    const choice = await vscode.window.showInformationMessage(
      `${ENTITY_KIND_INFO[kind].plural} are no longer highlighted (textAnalytics.entities.hiddenTypes).`,
      'Undo',
      'Open Settings',
    );
    if (choice === 'Undo') await updateHiddenEntityTypes(this.config().hiddenEntityTypes.filter((type) => type !== kind));
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.entities.hiddenTypes');
  }

  // -------------------------------------------------------------------------------------------
  // Policy

  /** Highlights the visible documents whose language is in `textAnalytics.entities.autoHighlight`. */
  private autoHighlight(): void {
    if (this.disposed) return;
    // What the user asked for comes back whatever the automatic switch says.
    this.restoreRemembered();
    const languages = new Set(this.config().entityAutoHighlight);
    // A language taken out of the setting, or automatic analysis turned off, takes its automatic highlights with it.
    for (const document of vscode.workspace.textDocuments) {
      if (this.autoHighlighted.has(document.uri.toString()) && (!languages.has(document.languageId) || this.automatic?.allows(document) === false)) {
        this.autoHighlighted.delete(document.uri.toString());
        this.highlighter.clear(document);
      }
    }
    if (languages.size === 0) return;
    for (const editor of vscode.window.visibleTextEditors) {
      const { document } = editor;
      const key = document.uri.toString();
      if (!languages.has(document.languageId) || !AUTO_SCHEMES.has(document.uri.scheme) || this.automatic?.allows(document) === false) continue;
      if (this.clearedByUser.has(key) || this.highlighter.isHighlighted(document) || looksBinary(document)) continue;
      const config = this.config(document);
      if (documentLength(document) > config.maxDocumentSize) {
        if (this.toldTooLarge.has(key)) continue;
        this.toldTooLarge.add(key);
        void this.chooseScope(editor, config, false).then((scope) => scope && this.startAutomatic(document, scope));
        continue;
      }
      this.startAutomatic(document, { kind: 'document' });
    }
  }

  /**
   * Highlights the visible documents the user highlighted before (closed since, or before a
   * reload). The worker's cache answers a paragraph it analysed before at once; a fresh worker
   * analyses the document again.
   */
  private restoreRemembered(): void {
    const remembered = new Set(this.remembered());
    if (remembered.size === 0) return;
    for (const { document } of vscode.window.visibleTextEditors) {
      const key = document.uri.toString();
      if (!remembered.has(key) || this.clearedByUser.has(key) || this.highlighter.isHighlighted(document)) continue;
      // Above the size limit the user chose a part before; the part in view is the one that follows them.
      const scope: EntityScope = documentLength(document) > this.config(document).maxDocumentSize ? { kind: 'visible' } : { kind: 'document' };
      this.highlighter.highlight(document, scope).catch((error: unknown) => {
        // Told once; not tried again on every editor switch.
        this.highlighter.clear(document);
        this.remember(document.uri, false);
        reportFailure(error, this.log);
      });
    }
  }

  private startAutomatic(document: vscode.TextDocument, scope: EntityScope): void {
    this.autoHighlighted.add(document.uri.toString());
    this.highlighter.highlight(document, scope).catch((error: unknown) => {
      // Told once; the document stays unhighlighted until the user asks (or the window reloads).
      this.highlighter.clear(document);
      this.clearedByUser.add(document.uri.toString());
      // The user set the model up from this failure's question: they want the highlights after all.
      reportFailure(error, this.log, () => {
        this.clearedByUser.delete(document.uri.toString());
        this.startAutomatic(document, scope);
      });
    });
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.clearedByUser.delete(key);
    this.autoHighlighted.delete(key);
    this.toldTooLarge.delete(key);
  }

  /**
   * The whole document when it is within `textAnalytics.maxDocumentSize`; above it, tells the
   * user and offers the part in view (kept up to date while scrolling) or the selection.
   * `asked`: the user ran a command (a modal-free warning either way, but only then is a
   * refusal silent — an automatic one says what happened).
   */
  private async chooseScope(editor: vscode.TextEditor, config: Config, asked: boolean): Promise<EntityScope | undefined> {
    const { document, selection } = editor;
    const length = documentLength(document);
    if (length <= config.maxDocumentSize) return { kind: 'document' };
    const VISIBLE = 'Highlight Visible Part';
    const SELECTION = 'Highlight Selection';
    const SETTINGS = 'Open Settings';
    const choices = selection.isEmpty ? [VISIBLE, SETTINGS] : [VISIBLE, SELECTION, SETTINGS];
    // A file's name may hold `[x](command:…)`, which a notification would make a link.
    const name = document.isUntitled ? 'This document' : inertMessageText(vscode.workspace.asRelativePath(document.uri));
    const choice = await vscode.window.showWarningMessage(
      `${name} has ${length.toLocaleString(vscode.env.language)} characters, more than the limit of ${config.maxDocumentSize.toLocaleString(vscode.env.language)} (textAnalytics.maxDocumentSize)${asked ? '' : ', so its entities are not highlighted automatically'}. Highlight the part in view (it follows as you scroll)${selection.isEmpty ? '' : ' or the selection'}, or raise the limit.`,
      ...choices,
    );
    if (choice === VISIBLE) return { kind: 'visible' };
    if (choice === SELECTION) return { kind: 'range', range: [document.offsetAt(selection.start), document.offsetAt(selection.end)] };
    if (choice === SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.maxDocumentSize');
    return undefined;
  }

  /**
   * Markdown, plain text and the languages in `textAnalytics.languages` or `…entities.autoHighlight`
   * go ahead; others ask first, as Analyze Sentiment does.
   */
  private async languageAccepted(document: vscode.TextDocument, config: Config): Promise<boolean> {
    const languages = new Set([...config.languages, ...config.entityAutoHighlight]);
    if (languages.has(document.languageId)) return true;
    const ANYWAY = 'Highlight Anyway';
    const ADD = 'Add Language';
    const codeNote =
      isCodeLanguage(document.languageId) && config.entityCodeScope === 'commentsAndStrings' ? ' Only its comments and strings will be analysed (textAnalytics.entities.codeScope).' : '';
    const choice = await vscode.window.showWarningMessage(
      `Text Analytics is set to analyse ${[...languages].join(', ')} documents; this one is ${document.languageId}.${codeNote}`,
      ANYWAY,
      ADD,
    );
    if (choice === ADD) {
      await vscode.workspace.getConfiguration('textAnalytics').update('languages', [...config.languages, document.languageId], vscode.ConfigurationTarget.Global);
    }
    return choice === ANYWAY || choice === ADD;
  }
}

function looksBinary(document: vscode.TextDocument): boolean {
  const probe = document.getText(new vscode.Range(new vscode.Position(0, 0), document.positionAt(BINARY_PROBE_CHARS)));
  return probe.includes('\u0000');
}
