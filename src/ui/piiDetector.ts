import * as vscode from 'vscode';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import type { Config, PiiSeverity } from '../config';
import type { PiiFinding, PiiResult } from '../protocol';
import { isBlank } from '../unicode';
import { documentLength } from './entityHighlighter';
import { reportFailure } from './failures';
import { inertMessageText } from './inertText';
import { PiiDecorations } from './piiDecorations';
import {
  PII_ACTION_COMMANDS,
  PII_DIAGNOSTIC_SOURCE,
  piiActionTitles,
  piiDiagnosticMessage,
  findingAt,
  piiHover,
  sameValue,
  type PiiFindingArgs,
} from './piiPresentation';
import { moveSpans } from './textEdits';
import type { LanguageOf } from './documentLanguages';

/** Pause in typing after which the findings are brought up to date. */
const TYPING_DELAY_MS = 400;
/** Background refreshes of documents at least this long show a spinner in the status bar. */
const BACKGROUND_PROGRESS_CHARS = 50_000;
/** Settings outside `pii.*` that change what the worker answers: the borrowed model and where it runs. */
const MODEL_SETTINGS = ['models.entities', 'precision', 'device'];

/** A document's findings, as {@link PiiDetector.findingsFor} gives them. */
export interface DocumentPii {
  uri: vscode.Uri;
  /** The document version the offsets refer to. */
  version: number;
  /** A copy, sorted by start, never overlapping. */
  findings: readonly PiiFinding[];
  /** Whether the findings are those of the text as it is (false while a refresh is due or under way). */
  complete: boolean;
}

/** How a detection ended: done, cancelled by the user, or overtaken by an edit. */
export type DetectOutcome = 'done' | 'cancelled' | 'superseded';

export interface DetectOptions {
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  /** Cancelling it stops the run (`cancelled`); typing stops it too, but as `superseded`. */
  token?: vscode.CancellationToken;
  /** The user asked for this run (a command), so its results may open the results panel. */
  userInitiated?: boolean;
}

export interface PiiDetectorOptions {
  client: Pick<WorkerClient, 'request'>;
  config: (scope?: vscode.ConfigurationScope) => Config;
  log: vscode.LogOutputChannel;
  /** The document's language for each request, so that a model that does not read it refuses (DocumentLanguages). */
  languageOf: LanguageOf;
  /** Where results leave the editor (the results panel), after every completed detection. */
  onResult?(document: vscode.TextDocument, result: PiiResult, context: { userInitiated: boolean }): void;
}

/** One analysis of a whole document, as {@link PiiDetector.analyse} returns it. */
export interface PiiAnalysis {
  result: PiiResult;
  /** The document version `result`'s offsets refer to. */
  version: number;
}

/** One document whose personal data is shown. */
class Tracked {
  /** Moved through every edit at once (see textEdits.ts), replaced by each analysis. */
  findings: PiiFinding[] = [];
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  /** A background failure was shown; more are only logged until a refresh succeeds. */
  failureShown = false;

  constructor(readonly document: vscode.TextDocument) {}

  stop(reason: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort(reason);
    this.controller = undefined;
  }
}

/**
 * Shows the personal data of documents: a decoration per colour group, a Problems-panel diagnostic
 * per finding (source "Text Analytics", the type as its code), a hover, and quick fixes — and
 * keeps them up to date while the user types. Edits move the findings at once (those an edit
 * touches are dropped); after a pause the document goes to the worker again, the request under
 * way being cancelled. The worker's recognizers run over the whole text in milliseconds, and the
 * model answers unchanged paragraphs from its cache, so a refresh costs what the edit changed.
 *
 * Policy (which documents, what to ask the user) belongs to the commands (src/commands/personalData.ts).
 */
export class PiiDetector implements vscode.Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly decorations = new PiiDecorations();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('textAnalytics.pii');
  private readonly changes = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Settings problems already told, so that typing does not repeat them. */
  private readonly toldProblems = new Set<string>();
  private disposed = false;

  /** Fires when a document's findings change (an analysis, an edit, cleared). */
  readonly onDidChangeFindings = this.changes.event;

  constructor(private readonly options: PiiDetectorOptions) {
    this.disposables.push(
      this.decorations,
      this.diagnostics,
      this.changes,
      vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.workspace.onDidChangeConfiguration((event) => this.onConfiguration(event)),
      vscode.languages.registerHoverProvider('*', { provideHover: (document, position) => this.hover(document, position) }),
      vscode.languages.registerCodeActionsProvider('*', { provideCodeActions: (document, range, context) => this.codeActions(document, range, context) }, {
        providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
      }),
    );
  }

  isTracked(document: vscode.TextDocument): boolean {
    return this.tracked.has(document.uri.toString());
  }

  /** A copy of the findings of a document now, or undefined when its personal data is not shown. */
  findingsFor(uri: vscode.Uri): DocumentPii | undefined {
    const entry = this.tracked.get(uri.toString());
    if (!entry) return undefined;
    return {
      uri: entry.document.uri,
      version: entry.document.version,
      findings: entry.findings.map((finding) => ({ ...finding })),
      complete: !entry.timer && !entry.controller,
    };
  }

  /**
   * Analyses the whole of `document` as it is now, without showing anything: for *Redact
   * Personal Data*, which must not leave marks on a document the user only wanted redacted.
   * Rejects when the worker fails or `signal` aborts.
   */
  async analyse(document: vscode.TextDocument, options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {}): Promise<PiiAnalysis> {
    const version = document.version;
    const text = document.getText();
    const { params, problems } = this.options.config(document).piiRequest;
    this.tellProblems(problems);
    if (isBlank(text)) return { version, result: { entities: [], models: [], model: null, device: null, elapsedMs: 0 } };
    const result = await this.options.client.request(
      'pii',
      { ...params, text, ...this.options.languageOf(document) },
      { signal: options.signal, onProgress: ({ done, total }) => options.onProgress?.(total > 0 ? done / total : 0) },
    );
    return { version, result };
  }

  /**
   * Shows the personal data of `document` and keeps it up to date while the user types. Resolves
   * when the analysis is done, cancelled or superseded by an edit; rejects when the worker fails
   * (the document stays tracked, so that a later edit tries again).
   */
  async detect(document: vscode.TextDocument, options: DetectOptions = {}): Promise<DetectOutcome> {
    if (this.disposed) return 'superseded';
    const key = document.uri.toString();
    let entry = this.tracked.get(key);
    if (!entry) {
      entry = new Tracked(document);
      this.tracked.set(key, entry);
      this.updateContext();
    }
    return this.refresh(entry, options);
  }

  /** Stops showing the personal data of `document`: decorations and diagnostics go. */
  clear(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const entry = this.tracked.get(key);
    // A closed document's diagnostics go even when it was never tracked here (nothing to do then).
    this.diagnostics.delete(document.uri);
    if (!entry) return;
    entry.stop('cleared');
    this.tracked.delete(key);
    for (const editor of editorsOf(document)) this.decorations.clear(editor);
    this.updateContext();
    this.changes.fire(document.uri);
  }

  /**
   * Stops reporting `value` at once in every tracked document (the allow-list now has it; the
   * refresh the setting change starts would take a moment longer).
   */
  forgetValue(like: Pick<PiiFinding, 'type' | 'text'>): void {
    for (const entry of this.tracked.values()) {
      const same = new Set(sameValue(entry.findings, like));
      // The allow-list compares exactly, so a value of another type goes too.
      const kept = entry.findings.filter((finding) => !same.has(finding) && finding.text !== like.text);
      if (kept.length === entry.findings.length) continue;
      entry.findings = kept;
      this.show(entry);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.tracked.values()) entry.stop('disposed');
    this.tracked.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    void vscode.commands.executeCommand('setContext', DETECTED_CONTEXT, false);
  }

  // -------------------------------------------------------------------------------------------
  // Following the editor

  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.tracked.get(event.document.uri.toString());
    if (!entry || event.contentChanges.length === 0) return;
    // The answer under way describes text that no longer exists.
    entry.controller?.abort('edited');
    moveSpans(
      entry.findings,
      event.contentChanges.map((change) => ({ offset: change.rangeOffset, length: change.rangeLength, text: change.text })),
    );
    // VS Code moves the decorations with the text by itself; the diagnostics it does not, and the
    // quick fixes act on them, so they are set again at once.
    this.setDiagnostics(entry);
    this.changes.fire(event.document.uri);
    this.schedule(entry, TYPING_DELAY_MS);
  }

  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    // A document shown again gets a new editor, which has none of the old one's decorations.
    for (const editor of editors) {
      const entry = this.tracked.get(editor.document.uri.toString());
      if (entry) this.decorations.draw(editor, entry.findings);
    }
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('textAnalytics')) return;
    if (event.affectsConfiguration('textAnalytics.pii.diagnosticSeverity')) for (const entry of this.tracked.values()) this.setDiagnostics(entry);
    // What the worker is asked, or which model answers, changed: the findings are analysed again.
    const reanalyse = [...PII_REQUEST_SETTINGS, ...MODEL_SETTINGS].some((key) => event.affectsConfiguration(`textAnalytics.${key}`));
    if (!reanalyse) return;
    this.toldProblems.clear();
    for (const entry of this.tracked.values()) {
      entry.stop('settings changed');
      this.schedule(entry, TYPING_DELAY_MS);
    }
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const entry = this.tracked.get(document.uri.toString());
    const finding = entry && findingAt(entry.findings, document.offsetAt(position));
    if (!entry || !finding) return undefined;
    const built = piiHover(finding, document.uri.toString(), sameValue(entry.findings, finding).length);
    const markdown = new vscode.MarkdownString(built.markdown, true);
    markdown.isTrusted = { enabledCommands: built.enabledCommands };
    return new vscode.Hover(markdown, rangeOf(document, finding));
  }

  /**
   * The quick fixes of the findings under the cursor or selection: *Redact This* (preferred),
   * *Redact All …* of its type, and *Never Report This Value*. Each runs a command with the
   * finding, which checks the text is still there before it edits anything.
   */
  private codeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const entry = this.tracked.get(document.uri.toString());
    if (!entry) return [];
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const ours = context.diagnostics.filter((diagnostic) => diagnostic.source === PII_DIAGNOSTIC_SOURCE);
    const start = document.offsetAt(range.start);
    const end = document.offsetAt(range.end);
    // By the diagnostics VS Code passes; else (a hint, filtered from the light bulb) by the range.
    const findings = ours.length
      ? ours.flatMap((diagnostic) => {
          const at = document.offsetAt(diagnostic.range.start);
          return entry.findings.filter((finding) => finding.start === at && finding.type === diagnostic.code);
        })
      : entry.findings.filter((finding) => finding.start <= end && finding.end >= start);
    const actions: vscode.CodeAction[] = [];
    for (const finding of findings.slice(0, 3)) {
      const args: PiiFindingArgs = { uri: document.uri.toString(), start: finding.start, end: finding.end, text: finding.text, type: finding.type };
      const diagnostic = ours.find((candidate) => document.offsetAt(candidate.range.start) === finding.start && candidate.code === finding.type);
      const titles = piiActionTitles(finding.type);
      const make = (title: string, command: string, preferred = false): vscode.CodeAction => {
        const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        action.command = { title, command, arguments: [args] };
        if (diagnostic) action.diagnostics = [diagnostic];
        action.isPreferred = preferred;
        return action;
      };
      actions.push(
        make(titles.redactOne, PII_ACTION_COMMANDS.redactOne, true),
        make(titles.redactType, PII_ACTION_COMMANDS.redactType),
        make(titles.allowValue, PII_ACTION_COMMANDS.allowValue),
      );
    }
    return actions;
  }

  private show(entry: Tracked): void {
    for (const editor of editorsOf(entry.document)) this.decorations.draw(editor, entry.findings);
    this.setDiagnostics(entry);
    this.changes.fire(entry.document.uri);
  }

  private setDiagnostics(entry: Tracked): void {
    const { document } = entry;
    const severity = SEVERITIES[this.options.config(document).piiDiagnosticSeverity];
    this.diagnostics.set(
      document.uri,
      entry.findings.map((finding) => {
        const diagnostic = new vscode.Diagnostic(rangeOf(document, finding), piiDiagnosticMessage(finding), severity);
        diagnostic.source = PII_DIAGNOSTIC_SOURCE;
        diagnostic.code = finding.type;
        return diagnostic;
      }),
    );
  }

  private updateContext(): void {
    const document = vscode.window.activeTextEditor?.document;
    void vscode.commands.executeCommand('setContext', DETECTED_CONTEXT, this.tracked.size > 0 && document !== undefined && this.isTracked(document));
  }

  /** Problems with the user's patterns or deny-list: told once (until the settings change), and logged. */
  private tellProblems(problems: readonly string[]): void {
    const fresh = problems.filter((problem) => !this.toldProblems.has(problem));
    if (fresh.length === 0) return;
    for (const problem of fresh) {
      this.toldProblems.add(problem);
      this.options.log.warn(problem);
    }
    void vscode.window.showWarningMessage(inertMessageText(fresh.join(' ')), 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.pii');
    });
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
      const outcome =
        documentLength(entry.document) >= BACKGROUND_PROGRESS_CHARS
          ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Detecting personal data' }, (progress) => this.refresh(entry, { progress }))
          : await this.refresh(entry);
      if (outcome === 'done') entry.failureShown = false;
    } catch (error) {
      if (entry.failureShown) {
        this.options.log.warn(`Personal data detection of ${entry.document.fileName} failed again: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        entry.failureShown = true;
        reportFailure(error, this.options.log, () => (this.tracked.get(entry.document.uri.toString()) === entry ? this.refreshInBackground(entry) : undefined));
      }
    }
  }

  private async refresh(entry: Tracked, { progress, token, userInitiated = false }: DetectOptions = {}): Promise<DetectOutcome> {
    entry.stop('superseded');
    const controller = new AbortController();
    entry.controller = controller;
    const cancellation = token?.onCancellationRequested(() => controller.abort('cancelled'));
    const { document } = entry;
    let reported = 0;
    if (progress) progress.report({ message: '0%' });
    try {
      const { result, version } = await this.analyse(document, {
        signal: controller.signal,
        onProgress: (fraction) => {
          const percent = Math.floor(100 * Math.min(1, fraction));
          if (!progress || percent - reported < 1) return;
          progress.report({ increment: percent - reported, message: `${percent}%` });
          reported = percent;
        },
      });
      // An edit aborts the request, but its answer may already be on its way.
      if (controller.signal.aborted || document.version !== version) throw new WorkerRequestError('cancelled', 'The document changed.');
      entry.findings = result.entities.map((finding) => ({ ...finding }));
      this.show(entry);
      this.options.log.info(`Personal data of ${document.fileName}: ${result.entities.length} findings in ${Math.round(result.elapsedMs)} ms.`);
      try {
        this.options.onResult?.(document, result, { userInitiated });
      } catch (error) {
        this.options.log.error(`Showing the personal data of ${document.fileName} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return 'done';
    } catch (error) {
      if (controller.signal.aborted || (error instanceof WorkerRequestError && error.code === 'cancelled')) {
        return controller.signal.reason === 'cancelled' ? 'cancelled' : 'superseded';
      }
      throw error;
    } finally {
      cancellation?.dispose();
      if (entry.controller === controller) entry.controller = undefined;
    }
  }
}

/** Set while the active editor's document shows personal data: the context menu offers Clear then. */
export const DETECTED_CONTEXT = 'textAnalytics.personalDataShown';

/** The `pii.*` settings that change what the worker is asked. */
const PII_REQUEST_SETTINGS = ['pii.types', 'pii.useModel', 'pii.model', 'pii.entitiesModel', 'pii.minScore', 'pii.phoneRegion', 'pii.patterns', 'pii.denyList', 'pii.allowList'];

const SEVERITIES: Record<PiiSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function rangeOf(document: vscode.TextDocument, finding: Pick<PiiFinding, 'start' | 'end'>): vscode.Range {
  return new vscode.Range(document.positionAt(finding.start), document.positionAt(finding.end));
}

function editorsOf(document: vscode.TextDocument): vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((editor) => editor.document === document);
}
