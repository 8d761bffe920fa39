import * as vscode from 'vscode';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import type { Config } from '../config';
import { isBlank } from '../unicode';
import type { EntitiesResult, Entity } from '../protocol';
import { codeRanges, isCodeLanguage } from './codeRanges';
import { EntityDecorations } from './entityDecorations';
import { reportFailure } from './failures';
import { entityHover } from './entityHover';
import { entityKind, type EntityKind } from './entityKinds';
import { EntityDocumentState, type AnalysisPass, type EntityScope } from './entityState';
import {
  clipRanges,
  intersectRanges,
  paragraphRegions,
  rangesLength,
  requestSlices,
  subtractRanges,
  type LineIndex,
  type OffsetRange,
  type RequestSlice,
} from './offsetRanges';
import type { LanguageOf } from './documentLanguages';

export type { EntityScope } from './entityState';

/** Pause in typing after which the highlights are brought up to date. */
const TYPING_DELAY_MS = 400;
/** Pause in scrolling after which newly visible paragraphs are analysed. */
const SCROLL_DELAY_MS = 250;
/** Characters per request: a long analysis arrives (and survives a cancellation) a piece at a time. */
const REQUEST_CHARS = 16_000;
/** Background refreshes at least this long show a spinner in the status bar. */
const BACKGROUND_PROGRESS_CHARS = 50_000;
/** Paragraphs this many lines beyond the viewport count as visible, so that a short scroll finds them done. */
const VISIBLE_MARGIN_LINES = 20;
/** Screens of lines decorated beyond the viewport either way; scrolling past them draws again. */
const DRAW_MARGIN_SCREENS = 2;
/** While a long analysis arrives piece by piece, the editor is redrawn at most this often. */
const REDRAW_INTERVAL_MS = 250;

/** A document's highlighted entities, as {@link EntityHighlighter.entitiesFor} gives them. */
export interface DocumentEntities {
  uri: vscode.Uri;
  /** The document version the offsets refer to. */
  version: number;
  /** A copy, sorted by start; all kinds, hidden ones included. */
  entities: readonly Entity[];
  /** Whether everything in scope is analysed (false while a refresh is due or under way). */
  complete: boolean;
  /** Paragraphs the latest refresh sent to the model, and those the worker's cache answered. */
  lastRefresh?: { paragraphsAnalysed: number; paragraphsCached: number };
}

export interface EntitiesChange {
  uri: vscode.Uri;
  version: number;
  /**
   * `edit`: the user typed and the entities moved (or some were dropped) — fired on every
   * keystroke, so listeners must be cheap; `analysis`: new results arrived; `cleared`: the
   * document is no longer highlighted.
   */
  reason: 'edit' | 'analysis' | 'cleared';
}

export type HighlightOutcome = 'done' | 'cancelled' | 'superseded';

export interface HighlightOptions {
  /** Where the run reports how far it is (a notification for the command); none: status bar spinner for long runs. */
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  /** Cancelling it stops the run (`cancelled`); typing stops it too, but as `superseded`. */
  token?: vscode.CancellationToken;
  /** The user asked for this run (a command), so its results may be revealed; see `onResult`. */
  userInitiated?: boolean;
}

/** How a result came about, for {@link EntityHighlighterOptions.onResult}. */
export interface EntitiesResultContext {
  /** From a command the user ran, rather than a refresh while typing, scrolling or after a setting. */
  userInitiated: boolean;
}

export interface EntityHighlighterOptions {
  client: Pick<WorkerClient, 'request'>;
  config: (scope?: vscode.ConfigurationScope) => Config;
  log: vscode.LogOutputChannel;
  /** The document's language for each request, so that a model that does not read it refuses (DocumentLanguages). */
  languageOf: LanguageOf;
  /**
   * The single call site through which analysis results leave the editor: the extension feeds
   * the results panel's Entities view from here. Called after each analysis pass (the visible
   * paragraphs, then the rest) with a copy of every entity of `document` as it is now
   * (`document.version`), not only those of the last request; the counts and time add up the
   * requests of the refresh so far. Hidden types are included (hiding is a matter of display).
   */
  onResult?(document: vscode.TextDocument, result: EntitiesResult, context: EntitiesResultContext): void;
}

/** One highlighted document. */
class Tracked {
  readonly state: EntityDocumentState;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  /** The regions the request under way is analysing. */
  inFlight: OffsetRange[] = [];
  /** The model and device of the last answer, for the panel feed. */
  lastResult?: Pick<EntitiesResult, 'model' | 'device'>;
  lastRefresh?: DocumentEntities['lastRefresh'];
  /** A background failure was shown; more are only logged until a refresh succeeds. */
  failureShown = false;
  codeRanges?: { version: number; ranges: OffsetRange[] };

  constructor(
    readonly document: vscode.TextDocument,
    scope: EntityScope,
  ) {
    this.state = new EntityDocumentState(documentLength(document), scope);
  }

  /** Stops the analysis due or under way. */
  stop(reason: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort(reason);
    this.controller = undefined;
  }
}

/**
 * Highlights the named entities of documents: one decoration per kind in every editor showing
 * them, a hover with what is known of each, and highlights that follow the text while the user
 * types. Edits move the entities at once (those an edit touches are dropped); after a pause the
 * changed paragraphs — the visible ones first — go to the worker, whose engine answers unchanged
 * paragraphs from its cache. A newer edit cancels the request under way, and an answer for an
 * older version of the document is dropped.
 *
 * Policy (which documents, when to ask the user) belongs to the commands; this class is the
 * mechanism.
 */
export class EntityHighlighter implements vscode.Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly decorations: EntityDecorations;
  private readonly changes = new vscode.EventEmitter<EntitiesChange>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The lines each editor has decorations for (see `drawEditor`). */
  private readonly drawnLines = new WeakMap<vscode.TextEditor, { first: number; last: number }>();
  private hidden: ReadonlySet<EntityKind>;
  private disposed = false;

  /** Fires when a document's entities change; see {@link EntitiesChange.reason}. */
  readonly onDidChangeEntities = this.changes.event;

  constructor(private readonly options: EntityHighlighterOptions) {
    const config = options.config();
    this.decorations = new EntityDecorations(config.entityStyle);
    this.hidden = config.hiddenEntityKinds;
    this.disposables.push(
      this.decorations,
      this.changes,
      vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => this.onScroll(event.textEditor)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.workspace.onDidChangeConfiguration((event) => this.onConfiguration(event)),
      vscode.languages.registerHoverProvider('*', { provideHover: (document, position) => this.hover(document, position) }),
    );
  }

  isHighlighted(document: vscode.TextDocument): boolean {
    return this.tracked.has(document.uri.toString());
  }

  /** A copy of the entities of a highlighted document now, or undefined when it is not highlighted. */
  entitiesFor(uri: vscode.Uri): DocumentEntities | undefined {
    const entry = this.tracked.get(uri.toString());
    if (!entry) return undefined;
    return {
      uri: entry.document.uri,
      version: entry.document.version,
      entities: entry.state.snapshot(),
      complete: !entry.timer && !entry.controller && entry.state.isComplete(documentLines(entry.document), visibleRanges(entry.document)),
      lastRefresh: entry.lastRefresh,
    };
  }

  /** The entities that are the same as `like` (kind and normalised text) in a highlighted document, now. */
  occurrences(uri: vscode.Uri, like: { text: string; type: string }): readonly Readonly<Entity>[] {
    return this.tracked.get(uri.toString())?.state.occurrences(like) ?? [];
  }

  /**
   * Highlights `document` within `scope` (keeping what is already shown until it is replaced)
   * and analyses it now. Resolves when everything in scope is done, or the run was cancelled or
   * superseded by an edit; rejects when the worker fails.
   */
  async highlight(document: vscode.TextDocument, scope: EntityScope, options: HighlightOptions = {}): Promise<HighlightOutcome> {
    if (this.disposed) return 'superseded';
    const key = document.uri.toString();
    let entry = this.tracked.get(key);
    if (entry) {
      entry.state.scope = scope;
      entry.state.invalidate(documentLength(document));
    } else {
      entry = new Tracked(document, scope);
      this.tracked.set(key, entry);
      this.updateContext();
    }
    return this.refresh(entry, options);
  }

  /** Stops highlighting `document` and removes its decorations. */
  clear(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const entry = this.tracked.get(key);
    if (!entry) return;
    entry.stop('cleared');
    this.tracked.delete(key);
    for (const editor of editorsOf(document)) this.decorations.clear(editor);
    this.updateContext();
    this.changes.fire({ uri: document.uri, version: document.version, reason: 'cleared' });
  }

  /** Limits a highlighted document to what is visible (after a cancelled run of a long document). */
  limitToVisible(document: vscode.TextDocument): void {
    const entry = this.tracked.get(document.uri.toString());
    if (entry) entry.state.scope = { kind: 'visible' };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.tracked.values()) entry.stop('disposed');
    this.tracked.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    void vscode.commands.executeCommand('setContext', HIGHLIGHTED_CONTEXT, false);
  }

  // -------------------------------------------------------------------------------------------
  // Following the editor

  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.tracked.get(event.document.uri.toString());
    if (!entry || event.contentChanges.length === 0) return;
    // The answer under way describes text that no longer exists.
    entry.controller?.abort('edited');
    entry.state.applyEdits(event.contentChanges.map((change) => ({ offset: change.rangeOffset, length: change.rangeLength, text: change.text })));
    // No redraw here: VS Code moves the decorations with the text by itself, while decorations
    // set from here carry no document version (microsoft/vscode#74094) and land misplaced when
    // the user types faster than they arrive. An entity the edit touched keeps its highlight until
    // the refresh after the pause redraws from the new analysis.
    this.changes.fire({ uri: event.document.uri, version: event.document.version, reason: 'edit' });
    this.schedule(entry, TYPING_DELAY_MS);
  }

  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    // A document shown again gets a new editor, which has none of the old one's decorations.
    const seen = new Set<Tracked>();
    for (const editor of editors) {
      const entry = this.tracked.get(editor.document.uri.toString());
      if (!entry || seen.has(entry)) continue;
      seen.add(entry);
      this.draw(entry);
      this.onScroll(editor);
    }
  }

  /**
   * Scrolling: outside the drawn lines, draw again at once; paragraphs in view that are not
   * analysed yet go first, after a short pause.
   */
  private onScroll(editor: vscode.TextEditor): void {
    const { document } = editor;
    const entry = this.tracked.get(document.uri.toString());
    if (!entry) return;
    const drawn = this.drawnLines.get(editor);
    const view = viewLines(editor);
    if (!drawn || view.first < drawn.first || view.last > drawn.last) this.drawEditor(editor, entry);
    if (entry.timer) return;
    const lines = documentLines(document);
    const visible = visibleRanges(document);
    const wanted = intersectRanges(entry.state.remaining(lines, visible), paragraphRegions(lines, visible));
    if (rangesLength(wanted) === 0) return;
    // The request under way is already on them: let it finish.
    if (entry.controller && rangesLength(subtractRanges(wanted, entry.inFlight)) === 0) return;
    this.schedule(entry, SCROLL_DELAY_MS);
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('textAnalytics')) return;
    const config = this.options.config();
    let redraw = false;
    if (event.affectsConfiguration('textAnalytics.entities.style')) redraw = this.decorations.setStyle(config.entityStyle) || redraw;
    if (event.affectsConfiguration('textAnalytics.entities.hiddenTypes')) {
      this.hidden = config.hiddenEntityKinds;
      redraw = true;
    }
    if (redraw) for (const entry of this.tracked.values()) this.draw(entry);
    // What the worker is asked, or which model answers, changed: everything is analysed again
    // (the entities stay shown until their paragraphs are answered).
    const reanalyse = ['entities.minScore', 'entities.codeScope', 'models.entities', 'precision', 'device'].some((key) =>
      event.affectsConfiguration(`textAnalytics.${key}`),
    );
    if (reanalyse) {
      for (const entry of this.tracked.values()) {
        entry.stop('settings changed');
        entry.codeRanges = undefined;
        entry.state.invalidate(documentLength(entry.document));
        this.schedule(entry, TYPING_DELAY_MS);
      }
    }
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const entry = this.tracked.get(document.uri.toString());
    const entity = entry?.state.entityAt(document.offsetAt(position));
    if (!entry || !entity || this.hidden.has(entityKind(entity.type))) return undefined;
    const built = entityHover({ entity, occurrences: entry.state.occurrences(entity).length, uri: document.uri.toString() });
    const markdown = new vscode.MarkdownString(built.markdown, true);
    markdown.isTrusted = { enabledCommands: built.enabledCommands };
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end)));
  }

  private draw(entry: Tracked): void {
    for (const editor of editorsOf(entry.document)) this.drawEditor(editor, entry);
  }

  /**
   * Draws the entities of the lines in view and {@link DRAW_MARGIN_SCREENS} screens either way,
   * not the whole document: a redraw (after a keystroke that drops an entity, or an answer) then
   * costs the same in a document of any length, in this process and in the editor's.
   */
  private drawEditor(editor: vscode.TextEditor, entry: Tracked): void {
    const { document } = editor;
    const view = viewLines(editor);
    const margin = DRAW_MARGIN_SCREENS * (view.last - view.first + 1);
    const lines = { first: Math.max(0, view.first - margin), last: Math.min(document.lineCount - 1, view.last + margin) };
    const start = document.offsetAt(new vscode.Position(lines.first, 0));
    const end = document.offsetAt(document.lineAt(lines.last).range.end);
    this.decorations.draw(editor, entry.state.entitiesIn(start, end), this.hidden);
    this.drawnLines.set(editor, lines);
  }

  private updateContext(): void {
    const document = vscode.window.activeTextEditor?.document;
    void vscode.commands.executeCommand('setContext', HIGHLIGHTED_CONTEXT, document !== undefined && this.isHighlighted(document));
  }

  // -------------------------------------------------------------------------------------------
  // Analysing

  private schedule(entry: Tracked, delayMs: number): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.tracked.get(entry.document.uri.toString()) === entry) void this.refreshInBackground(entry);
    }, delayMs);
  }

  /** A refresh nobody waits for: failures are shown once, then only logged, until one succeeds. */
  private async refreshInBackground(entry: Tracked): Promise<void> {
    try {
      const remaining = rangesLength(entry.state.remaining(documentLines(entry.document), visibleRanges(entry.document)));
      const outcome =
        remaining >= BACKGROUND_PROGRESS_CHARS
          ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Highlighting entities' }, (progress) =>
              this.refresh(entry, { progress }),
            )
          : await this.refresh(entry);
      if (outcome === 'done') entry.failureShown = false;
    } catch (error) {
      if (entry.failureShown) {
        this.options.log.warn(`Entity highlighting of ${entry.document.fileName} failed again: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        entry.failureShown = true;
        // Once the model is there, this document's highlights catch up by themselves.
        reportFailure(error, this.options.log, () => {
          return this.tracked.get(entry.document.uri.toString()) === entry ? this.refreshInBackground(entry) : undefined;
        });
      }
    }
  }

  /**
   * Brings the entities of `entry` up to date: pass after pass (the visible paragraphs, then the
   * rest in scope), each in requests of {@link REQUEST_CHARS}, until nothing in scope is left.
   */
  private async refresh(entry: Tracked, { progress, token, userInitiated = false }: HighlightOptions = {}): Promise<HighlightOutcome> {
    entry.stop('superseded');
    const controller = new AbortController();
    entry.controller = controller;
    const cancellation = token?.onCancellationRequested(() => controller.abort('cancelled'));
    const { document, state } = entry;
    const totals = { analysed: 0, cached: 0, elapsedMs: 0 };
    const work = new ProgressTracker(progress, rangesLength(state.remaining(documentLines(document), visibleRanges(document))));
    try {
      let previous = '';
      for (;;) {
        const pass = state.nextPass(documentLines(document), visibleRanges(document));
        if (!pass) break;
        // Each pass takes its regions out of what is left; asking for the same again would
        // loop forever on the cache, so that would be a bug to report, not to repeat.
        const regions = JSON.stringify(pass.regions);
        if (regions === previous) {
          this.options.log.error(`Entity highlighting of ${document.fileName} made no progress on ${regions}; stopped.`);
          break;
        }
        previous = regions;
        entry.inFlight = pass.regions;
        const passTotals = await this.runPass(entry, pass, controller.signal, work);
        totals.analysed += passTotals.analysed;
        totals.cached += passTotals.cached;
        totals.elapsedMs += passTotals.elapsedMs;
        entry.lastRefresh = { paragraphsAnalysed: totals.analysed, paragraphsCached: totals.cached };
        this.draw(entry);
        this.changes.fire({ uri: document.uri, version: document.version, reason: 'analysis' });
        this.feed(entry, totals, { userInitiated });
      }
      if (totals.analysed + totals.cached > 0) {
        this.options.log.info(
          `Entities of ${document.fileName}: ${state.entities.length} (${totals.analysed} paragraphs analysed, ${totals.cached} from the cache) in ${Math.round(totals.elapsedMs)} ms.`,
        );
      }
      return 'done';
    } catch (error) {
      if (controller.signal.aborted || (error instanceof WorkerRequestError && error.code === 'cancelled')) {
        return controller.signal.reason === 'cancelled' ? 'cancelled' : 'superseded';
      }
      throw error;
    } finally {
      cancellation?.dispose();
      if (entry.controller === controller) {
        entry.controller = undefined;
        entry.inFlight = [];
      }
    }
  }

  /** One pass: its regions in requests; each answer is taken at once (if the text is unchanged). */
  private async runPass(entry: Tracked, pass: AnalysisPass, signal: AbortSignal, work: ProgressTracker): Promise<{ analysed: number; cached: number; elapsedMs: number }> {
    const { document, state } = entry;
    const version = document.version;
    const config = this.options.config(document);
    const totals = { analysed: 0, cached: 0, elapsedMs: 0 };
    const slices = requestSlices(pass.regions, (start, end) => textOf(document, start, end), REQUEST_CHARS);
    let drawn = Date.now();
    for (const slice of slices) {
      throwIfAborted(signal);
      const text = textOf(document, slice.start, slice.end);
      const ranges = this.analysedRanges(entry, slice, text, config);
      const sliceLength = rangesLength(slice.ranges);
      if (ranges.length === 0 || isBlank(text)) {
        state.accept(slice.ranges, []);
        work.advance(sliceLength);
        continue;
      }
      const result = await this.options.client.request(
        'entities',
        {
          text,
          minScore: config.entityMinScore,
          offset: slice.start,
          ranges: ranges.map(([start, end]): OffsetRange => [start - slice.start, end - slice.start]),
          ...this.options.languageOf(document),
        },
        { signal, onProgress: ({ done, total }) => work.within(sliceLength, total > 0 ? done / total : 0) },
      );
      // An edit aborts the request, but its answer may already be on its way.
      throwIfAborted(signal);
      if (document.version !== version) throw new WorkerRequestError('cancelled', 'The document changed.');
      state.accept(slice.ranges, result.entities);
      entry.lastResult = { model: result.model, device: result.device };
      totals.analysed += result.paragraphsAnalysed;
      totals.cached += result.paragraphsCached;
      totals.elapsedMs += result.elapsedMs;
      work.advance(sliceLength);
      if (Date.now() - drawn >= REDRAW_INTERVAL_MS) {
        this.draw(entry);
        drawn = Date.now();
      }
    }
    return totals;
  }

  /**
   * The parts of a request's regions that are analysed: all of them, or in source code (unless
   * `textAnalytics.entities.codeScope` is `all`) only their comments and strings. A document
   * within the size limit is scanned whole, once per version, so that a comment that spans a
   * blank line is known from its start; a larger one is scanned a request at a time.
   */
  private analysedRanges(entry: Tracked, slice: RequestSlice, text: string, config: Config): OffsetRange[] {
    const { document } = entry;
    if (config.entityCodeScope === 'all' || !isCodeLanguage(document.languageId)) return slice.ranges;
    let code: OffsetRange[];
    if (documentLength(document) <= config.maxDocumentSize) {
      if (entry.codeRanges?.version !== document.version) {
        entry.codeRanges = { version: document.version, ranges: codeRanges(document.getText(), document.languageId) ?? [] };
      }
      code = clipRanges(entry.codeRanges.ranges, slice.start, slice.end);
    } else {
      code = (codeRanges(text, document.languageId) ?? []).map(([start, end]): OffsetRange => [start + slice.start, end + slice.start]);
    }
    return intersectRanges(slice.ranges, code);
  }

  /** Hands the whole document's entities to {@link EntityHighlighterOptions.onResult}. */
  private feed(entry: Tracked, totals: { analysed: number; cached: number; elapsedMs: number }, context: EntitiesResultContext): void {
    if (!this.options.onResult || !entry.lastResult) return;
    const result: EntitiesResult = {
      entities: entry.state.snapshot(),
      model: entry.lastResult.model,
      device: entry.lastResult.device,
      paragraphsAnalysed: totals.analysed,
      paragraphsCached: totals.cached,
      elapsedMs: totals.elapsedMs,
    };
    try {
      this.options.onResult(entry.document, result, context);
    } catch (error) {
      this.options.log.error(`Showing the entities of ${entry.document.fileName} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Set while the active editor's document is highlighted: the context menu offers Clear then. */
export const HIGHLIGHTED_CONTEXT = 'textAnalytics.entitiesHighlighted';

/** Turns a run's progress into the increments `vscode.Progress` wants, weighted by characters. */
class ProgressTracker {
  private done = 0;
  private reported = 0;
  private readonly percent = new Intl.NumberFormat(vscode.env.language, { style: 'percent', maximumFractionDigits: 0 });

  constructor(
    private readonly progress: HighlightOptions['progress'],
    private readonly total: number,
  ) {
    // At once, so that a long run says how far it is from the start rather than only its title.
    if (progress && total > 0) progress.report({ message: this.percent.format(0) });
  }

  /** Part of a piece of `length` characters is done. */
  within(length: number, fraction: number): void {
    this.report(this.done + length * fraction);
  }

  /** A piece of `length` characters is done. */
  advance(length: number): void {
    this.done += length;
    this.report(this.done);
  }

  private report(done: number): void {
    if (!this.progress || this.total <= 0) return;
    const percent = Math.min(100, (100 * done) / this.total);
    if (percent - this.reported < 1) return;
    this.progress.report({ increment: percent - this.reported, message: this.percent.format(Math.floor(percent) / 100) });
    this.reported = percent;
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new WorkerRequestError('cancelled', 'The request was cancelled.');
}

function editorsOf(document: vscode.TextDocument): vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((editor) => editor.document === document);
}

/** The document's length in characters, without copying its text. */
export function documentLength(document: vscode.TextDocument): number {
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}

function textOf(document: vscode.TextDocument, start: number, end: number): string {
  return document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
}

/** The document's lines for the paragraph logic, read where needed rather than copied. */
function documentLines(document: vscode.TextDocument): LineIndex {
  return {
    lineCount: document.lineCount,
    lineAt: (offset) => document.positionAt(offset).line,
    isBlank: (line) => document.lineAt(line).isEmptyOrWhitespace,
    lineStart: (line) => document.offsetAt(new vscode.Position(line, 0)),
    lineEnd: (line) => document.offsetAt(document.lineAt(line).range.end),
  };
}

/** The first and last line in view (folded regions make several visible ranges). */
function viewLines(editor: vscode.TextEditor): { first: number; last: number } {
  const ranges = editor.visibleRanges;
  if (ranges.length === 0) return { first: 0, last: Math.min(editor.document.lineCount - 1, 100) };
  return { first: Math.min(...ranges.map((range) => range.start.line)), last: Math.max(...ranges.map((range) => range.end.line)) };
}

/** What the editors showing `document` have in view, with a margin, as offsets. */
function visibleRanges(document: vscode.TextDocument): OffsetRange[] {
  const last = document.lineCount - 1;
  return editorsOf(document).flatMap((editor) =>
    editor.visibleRanges.map((range): OffsetRange => {
      const from = Math.max(0, range.start.line - VISIBLE_MARGIN_LINES);
      const to = Math.min(last, range.end.line + VISIBLE_MARGIN_LINES);
      return [document.offsetAt(new vscode.Position(from, 0)), document.offsetAt(document.lineAt(to).range.end)];
    }),
  );
}
