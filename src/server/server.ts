/**
 * The language server's wiring: one connection, the open documents (incremental sync, positions
 * in the negotiated encoding), the settings, one inference worker, and the providers — diagnostics
 * (src/server/analyses.ts), hover, code actions, semantic tokens and commands
 * (src/server/commands.ts). Each concern's logic lives in its own module; this file only connects
 * them to the protocol.
 *
 * Models: a missing model is told once per trouble (`window/showMessage`, naming the folder and
 * the setting), never by a prompt that blocks; the server asks (`window/showMessageRequest`) only
 * when downloads are allowed. Personal data then goes on with the recognizers alone.
 */
import { randomBytes } from 'node:crypto';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  LSPErrorCodes,
  MarkupKind,
  MessageType,
  ResponseError,
  SemanticTokensBuilder,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type Position,
  type Range,
  type SemanticTokens,
  type TextEdit,
  type WorkDoneProgressReporter,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { WorkerRequestError } from '../client/workerClient';
import { EXTENSION_VERSION } from '../engine/version';
import type { PiiFinding, Task } from '../protocol';
import { addToAllowListFile, readAllowListFile } from '../redaction/allowListFile';
import { Pseudonyms, replacement, type RedactOptions } from '../redaction/operators';
import { REGISTRY } from '../tasks/registry';
import { oneLine } from '../ui/entityHover';
import { findingAt, piiActionTitles, sameValue, withAllowedValue } from '../ui/piiPresentation';
import type { OffsetEdit } from '../ui/textEdits';
import { isBlank } from '../unicode';
import { DocumentAnalyses, type DocumentFindings } from './analyses';
import { ALLOW_VALUE_COMMAND, allowValueArgs, commandArgs, invalid, REDACT_COMMAND, runTaskCommand, SERVER_COMMANDS, TASK_COMMANDS, withProgress } from './commands';
import { chooseEncoding, offsetAt, positionAt, rangeOf, type PositionEncoding } from './positions';
import {
  DIAGNOSTIC_SOURCE,
  entityDiagnostics,
  entityHover,
  negativeDiagnostics,
  piiDiagnostics,
  piiHover,
  SEMANTIC_TOKEN_TYPES,
  tokenTypeOf,
  type HoverFormat,
  type PiiDiagnosticData,
} from './presentation';
import { readSettings, type ServerSettings } from './settings';
import { ServerWorker, type LogLevel } from './worker';

const SECTION = 'textAnalytics';

export interface ServerOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
}

export class TextAnalyticsServer {
  private encoding: PositionEncoding = 'utf-16';
  /** Markdown unless the client prefers plain text (eglot without markdown-mode, for one). */
  private hoverFormat: HoverFormat = 'markdown';
  private settings: ServerSettings = readSettings(undefined);
  private readonly worker: ServerWorker;
  private readonly documents: TextDocuments<TextDocument>;
  private readonly analyses: DocumentAnalyses;
  /** The edits of the last change of each document, in UTF-16 offsets (for moving findings). */
  private readonly lastEdits = new Map<string, OffsetEdit[]>();
  private client = { configuration: false, configurationRegistration: false, documentChanges: false, semanticTokensRefresh: false };
  private initializationSettings: unknown;
  private settingsLoaded: Promise<void>;
  /** Counts settings reads, so that only the latest is applied. */
  private settingsLoads = 0;
  private markSettingsLoaded!: () => void;
  /** Messages told already (one per trouble), until the settings change. */
  private readonly told = new Set<string>();
  /** Tasks whose download was offered this session (the user is asked once). */
  private readonly offered = new Set<Task>();
  /**
   * Values "Never Report This Value" added this session that the allow-list file does not hold
   * (it could not be written, or the value spans lines), on top of `textAnalytics.pii.allowList`.
   */
  private sessionAllowList: string[] = [];
  /** The hash operator's salt: one per server run, so the same value hashes alike within it. */
  private readonly salt = randomBytes(16).toString('hex');
  private readonly pseudonyms = new Map<string, Pseudonyms>();

  constructor(
    private readonly connection: Connection,
    options: ServerOptions,
  ) {
    this.settingsLoaded = new Promise((resolve) => (this.markSettingsLoaded = resolve));
    this.worker = new ServerWorker(options.workerPath, this.settings.engine, (level, message) => this.log(level, message));
    this.documents = new TextDocuments({ create: TextDocument.create, update: (document, changes, version) => this.update(document, changes, version) });
    this.analyses = new DocumentAnalyses({
      worker: this.worker,
      settings: () => this.settings,
      document: (uri) => this.documents.get(uri),
      publish: (uri, findings) => this.publish(uri, findings),
      failed: (task, error) => this.failed(task, error),
      tooLong: (uri, length, limit) =>
        this.tellOnce(MessageType.Warning, `${uri} has ${length.toLocaleString('en')} characters, more than textAnalytics.maxDocumentSize (${limit.toLocaleString('en')}), so it is not analysed; raise the setting to analyse it.`),
    });
    this.listen();
  }

  private listen(): void {
    const { connection } = this;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onDidChangeConfiguration((params) => void this.loadSettings(this.client.configuration ? undefined : (params.settings as Record<string, unknown> | null)?.[SECTION]));
    connection.onShutdown(() => this.dispose());
    this.documents.onDidOpen(({ document }) => void this.settingsLoaded.then(() => this.analyses.open(document.uri)));
    this.documents.onDidChangeContent(({ document }) => {
      const edits = this.lastEdits.get(document.uri);
      this.lastEdits.delete(document.uri);
      if (edits) this.analyses.edited(document.uri, edits);
    });
    this.documents.onDidClose(({ document }) => {
      this.analyses.close(document.uri);
      this.pseudonyms.delete(document.uri);
      void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    });
    connection.onHover(({ textDocument, position }) => this.hover(textDocument.uri, position));
    connection.onCodeAction(({ textDocument, range, context }) => this.codeActions(textDocument.uri, range, context.diagnostics));
    connection.languages.semanticTokens.on(({ textDocument }) => this.semanticTokens(textDocument.uri));
    connection.onExecuteCommand((params, token, progress) => this.executeCommand(params.command, params.arguments, token, progress));
    this.documents.listen(connection);
  }

  private initialize(params: InitializeParams): InitializeResult {
    this.encoding = chooseEncoding(params.capabilities.general?.positionEncodings);
    // The client's formats in its order of preference; one that lists none reads Markdown.
    const formats = params.capabilities.textDocument?.hover?.contentFormat ?? [MarkupKind.Markdown];
    this.hoverFormat = formats.find((format) => format === MarkupKind.Markdown || format === MarkupKind.PlainText) ?? 'markdown';
    this.client = {
      configuration: params.capabilities.workspace?.configuration === true,
      configurationRegistration: params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true,
      documentChanges: params.capabilities.workspace?.workspaceEdit?.documentChanges === true,
      semanticTokensRefresh: params.capabilities.workspace?.semanticTokens?.refreshSupport === true,
    };
    // Editors without workspace/configuration (or before it answers) may pass the section here.
    const given = params.initializationOptions as Record<string, unknown> | undefined;
    this.initializationSettings = given && SECTION in given ? given[SECTION] : given;
    return {
      capabilities: {
        positionEncoding: this.encoding,
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: [...SERVER_COMMANDS] },
        semanticTokensProvider: { legend: { tokenTypes: [...SEMANTIC_TOKEN_TYPES], tokenModifiers: [] }, full: true },
      },
      serverInfo: { name: 'text-analytics-ls', version: EXTENSION_VERSION },
    };
  }

  private async initialized(): Promise<void> {
    if (this.client.configurationRegistration) void this.connection.client.register(DidChangeConfigurationNotification.type, { section: SECTION });
    await this.loadSettings(this.client.configuration ? undefined : this.initializationSettings);
  }

  /** Reads the settings (pulled from the client when it can answer, else `pushed`), and applies them. */
  private async loadSettings(pushed?: unknown): Promise<void> {
    const load = ++this.settingsLoads;
    let section = pushed ?? this.initializationSettings;
    if (this.client.configuration) {
      try {
        [section] = (await this.connection.workspace.getConfiguration([{ section: SECTION }])) as unknown[];
      } catch (error) {
        this.log('warn', `The client did not answer workspace/configuration (${error instanceof Error ? error.message : String(error)}); using the initialization options.`);
      }
      section ??= this.initializationSettings;
    }
    // A later change overtook this one while the client answered: it applies, not this.
    if (load !== this.settingsLoads) return;
    const settings = readSettings(section);
    let saved: string[] = [];
    try {
      saved = readAllowListFile(settings.allowListFile);
    } catch (error) {
      settings.problems.push(`The allow-list file ${settings.allowListFile} cannot be read (${(error as Error).message}), so its values are reported; fix it or set textAnalytics.server.allowListFile.`);
    }
    settings.pii.allowList = [...new Set([...settings.pii.allowList, ...saved, ...this.sessionAllowList])];
    const previous = this.settings;
    this.settings = settings;
    this.told.clear();
    for (const problem of settings.problems) this.tellOnce(MessageType.Warning, problem);
    this.worker.configure(settings.engine);
    this.markSettingsLoaded();
    // Anything may have changed what is reported: analyse again (unchanged paragraphs come from the worker's cache).
    if (JSON.stringify(previous) !== JSON.stringify(settings)) this.analyses.refreshAll();
  }

  // -------------------------------------------------------------------------------------------
  // Documents

  /**
   * Applies a change event's edits one after another, each range read in the negotiated encoding
   * against the text the previous edit left, and records them in UTF-16 offsets.
   */
  private update(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[], version: number): TextDocument {
    const edits: OffsetEdit[] = [];
    for (const change of changes) {
      if ('range' in change) {
        const start = offsetAt(document, change.range.start, this.encoding);
        const end = Math.max(start, offsetAt(document, change.range.end, this.encoding));
        edits.push({ offset: start, length: end - start, text: change.text });
        document = TextDocument.update(document, [{ range: { start: document.positionAt(start), end: document.positionAt(end) }, text: change.text }], version);
      } else {
        edits.push({ offset: 0, length: document.getText().length, text: change.text });
        document = TextDocument.update(document, [{ text: change.text }], version);
      }
    }
    this.lastEdits.set(document.uri, [...(this.lastEdits.get(document.uri) ?? []), ...edits]);
    return document;
  }

  private publish(uri: string, findings: DocumentFindings): void {
    const document = this.documents.get(uri);
    if (!document) return;
    const range = (span: { start: number; end: number }) => rangeOf(document, span, this.encoding);
    const { diagnostics: on, piiSeverity } = this.settings;
    const diagnostics: Diagnostic[] = [
      ...(on.pii ? piiDiagnostics(findings.pii, piiSeverity, range) : []),
      ...(on.entities ? entityDiagnostics(findings.entities, range) : []),
      ...(on.sentiment ? negativeDiagnostics(findings.sentences, range) : []),
    ];
    void this.connection.sendDiagnostics({ uri, version: document.version, diagnostics });
    // Clients that can be told re-ask for the tokens; the others ask again after each edit anyway.
    if (this.client.semanticTokensRefresh && this.settings.semanticTokens) void this.connection.languages.semanticTokens.refresh();
  }

  // -------------------------------------------------------------------------------------------
  // Hover, code actions, semantic tokens

  private hover(uri: string, position: Position): Hover | null {
    const document = this.documents.get(uri);
    const findings = this.analyses.findings(uri);
    if (!document || !findings) return null;
    const offset = offsetAt(document, position, this.encoding);
    const finding = findingAt(findings.pii, offset);
    const kind = this.hoverFormat === 'markdown' ? MarkupKind.Markdown : MarkupKind.PlainText;
    if (finding) return { contents: { kind, value: piiHover(finding, findings.pii, this.hoverFormat) }, range: rangeOf(document, finding, this.encoding) };
    const entity = findingAt(findings.entities, offset);
    if (entity) return { contents: { kind, value: entityHover(entity, findings.entities, this.hoverFormat) }, range: rangeOf(document, entity, this.encoding) };
    return null;
  }

  /**
   * The quick fixes of the personal-data diagnostics in the request: *Redact This* (preferred) and
   * *Redact All …* of its type as edits, and *Never Report This Value* as a command.
   */
  private codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): CodeAction[] {
    const document = this.documents.get(uri);
    const findings = this.analyses.findings(uri)?.pii;
    if (!document || !findings) return [];
    const ours = diagnostics.filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && (diagnostic.data as PiiDiagnosticData | undefined)?.kind === 'pii');
    const start = offsetAt(document, range.start, this.encoding);
    const end = offsetAt(document, range.end, this.encoding);
    const picked = ours.length
      ? ours.flatMap((diagnostic) => {
          const { start: at } = diagnostic.data as PiiDiagnosticData;
          return findings.filter((finding) => finding.start === at && finding.type === diagnostic.code).map((finding) => ({ finding, diagnostic }));
        })
      : findings.filter((finding) => finding.start <= end && finding.end >= start).map((finding) => ({ finding, diagnostic: undefined }));
    const redact = this.redactOptions();
    const pseudonyms = this.pseudonymsOf(uri);
    return picked.slice(0, 3).flatMap(({ finding, diagnostic }) => {
      const titles = piiActionTitles(finding.type);
      const same = findings.filter((other) => other.type === finding.type);
      const make = (title: string, action: Partial<CodeAction>): CodeAction => ({ title, kind: CodeActionKind.QuickFix, ...(diagnostic ? { diagnostics: [diagnostic] } : {}), ...action });
      return [
        make(titles.redactOne, { isPreferred: true, edit: this.redactionEdit(document, [finding], redact, pseudonyms) }),
        make(titles.redactType, { edit: this.redactionEdit(document, same, redact, pseudonyms) }),
        make(titles.allowValue, { command: { title: titles.allowValue, command: ALLOW_VALUE_COMMAND, arguments: [uri, { type: finding.type, text: finding.text }] } }),
      ];
    });
  }

  private semanticTokens(uri: string): SemanticTokens {
    const builder = new SemanticTokensBuilder();
    const document = this.documents.get(uri);
    const entities = this.analyses.findings(uri)?.entities;
    if (!document || !entities) return builder.build();
    for (const entity of entities) {
      const start = positionAt(document, entity.start, this.encoding);
      const end = positionAt(document, entity.end, this.encoding);
      // A token lies on one line; an entity across a line break (rare) is left out.
      if (start.line === end.line) builder.push(start.line, start.character, end.character - start.character, tokenTypeOf(entity.type), 0);
    }
    return builder.build();
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  private async executeCommand(command: string, args: unknown[] | undefined, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<unknown> {
    await this.settingsLoaded;
    try {
      if (command in TASK_COMMANDS) {
        const parsed = commandArgs(command, args, (uri) => this.documents.get(uri));
        return await runTaskCommand(command as keyof typeof TASK_COMMANDS, parsed, this.settings, (task, params, options) => this.worker.request(REGISTRY[task].method, params as never, options), token, progress);
      }
      if (command === REDACT_COMMAND) return await this.redactCommand(args, token, progress);
      if (command === ALLOW_VALUE_COMMAND) return this.allowValue(args);
      throw invalid(`Unknown command ${command}: the server runs ${SERVER_COMMANDS.join(', ')}.`);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      const task = error instanceof WorkerRequestError ? error.task : undefined;
      if (error instanceof WorkerRequestError && error.code === 'download-needed' && task) void this.offerDownload(task, error.message);
      throw new ResponseError(LSPErrorCodes.RequestFailed, error instanceof Error ? error.message : String(error));
    }
  }

  /** `textAnalytics.redact`: every finding of the document replaced, as one WorkspaceEdit, applied. */
  private async redactCommand(args: unknown[] | undefined, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<WorkspaceEdit> {
    const { document, options } = commandArgs(REDACT_COMMAND, args, (uri) => this.documents.get(uri));
    const { version } = document;
    const text = document.getText();
    const redact = this.redactOptions();
    const operator = options.operator ?? redact.operator;
    if (!['tag', 'pseudonym', 'mask', 'hash'].includes(operator as string)) throw invalid(`${REDACT_COMMAND}: "operator" must be tag, pseudonym, mask or hash.`);
    const types = options.types;
    if (types !== undefined && !(Array.isArray(types) && types.every((type) => typeof type === 'string'))) throw invalid(`${REDACT_COMMAND}: "types" must be a list of types, such as ["EMAIL_ADDRESS"].`);
    const params = { ...this.settings.pii, ...(types ? { types: types as string[] } : {}) };
    const findings = isBlank(text)
      ? []
      : await withProgress(REDACT_COMMAND, token, progress, async (signal, onProgress) => {
          try {
            return (await this.worker.request('pii', { ...params, text }, { signal, onProgress })).entities;
          } catch (error) {
            // A missing model is told once; the recognizers alone still redact what they find.
            if (!(error instanceof WorkerRequestError) || !this.failed('pii', error) || !params.useModel) throw error;
            return (await this.worker.request('pii', { ...params, useModel: false, text }, { signal, onProgress })).entities;
          }
        });
    if (document.version !== version) throw new ResponseError(LSPErrorCodes.ContentModified, 'The document changed while it was analysed; run textAnalytics.redact again.');
    const edit = this.redactionEdit(document, findings, { ...redact, operator: operator as RedactOptions['operator'] }, new Pseudonyms());
    const applied = await this.connection.workspace.applyEdit({ label: 'Redact personal data', edit });
    if (!applied.applied) this.tellOnce(MessageType.Error, `The editor did not apply the redaction${applied.failureReason ? `: ${applied.failureReason}` : ''}; the edit is in the command's result.`);
    return edit;
  }

  /**
   * "Never Report This Value": added to the allow-list file (`textAnalytics.server.allowListFile`),
   * so that it stays unreported after a restart, and the documents analysed again. Where the
   * file cannot be written, the value is kept for this session and the user is told why.
   */
  private allowValue(args: unknown[] | undefined): null {
    const [uri, options] = args ?? [];
    const finding = allowValueArgs(typeof uri === 'string' && options && typeof options === 'object' ? (options as Record<string, unknown>) : {});
    const file = this.settings.allowListFile;
    const quoted = `"${oneLine(finding.text, 80)}"`;
    try {
      addToAllowListFile(file, finding.text);
      this.tell(MessageType.Info, `${quoted} is no longer reported: it is saved in ${file} (one value a line; text-analytics pii --allow reads it too).`);
    } catch (error) {
      this.sessionAllowList = withAllowedValue(this.sessionAllowList, finding.text);
      this.tell(MessageType.Warning, `${quoted} is not reported until the server restarts: ${file} could not take it (${(error as Error).message}); add it to textAnalytics.pii.allowList to keep it so.`);
    }
    this.settings.pii.allowList = withAllowedValue(this.settings.pii.allowList, finding.text);
    // Gone at once from every document, as in VS Code; the analysis that follows agrees.
    for (const document of this.documents.all()) {
      const findings = this.analyses.findings(document.uri);
      if (!findings) continue;
      const same = new Set(sameValue(findings.pii, finding));
      findings.pii = findings.pii.filter((other) => !same.has(other) && other.text !== finding.text);
      this.publish(document.uri, findings);
    }
    this.analyses.refreshAll();
    return null;
  }

  private redactOptions(): RedactOptions {
    return { ...this.settings.redact, salt: this.salt };
  }

  /** One pseudonym table per document, so the quick fixes name the same value alike. */
  private pseudonymsOf(uri: string): Pseudonyms {
    let pseudonyms = this.pseudonyms.get(uri);
    if (!pseudonyms) this.pseudonyms.set(uri, (pseudonyms = new Pseudonyms()));
    return pseudonyms;
  }

  private redactionEdit(document: TextDocument, findings: readonly PiiFinding[], options: RedactOptions, pseudonyms: Pseudonyms): WorkspaceEdit {
    const edits: TextEdit[] = findings.map((finding) => ({ range: rangeOf(document, finding, this.encoding), newText: replacement(finding, options, pseudonyms) }));
    return this.client.documentChanges
      ? { documentChanges: [{ textDocument: { uri: document.uri, version: document.version }, edits }] }
      : { changes: { [document.uri]: edits } };
  }

  // -------------------------------------------------------------------------------------------
  // Models and messages

  /**
   * A request failed. A missing or broken model is told once (the engine's message names the
   * folder and the setting); true when personal data should go on with the recognizers alone.
   */
  private failed(task: 'pii' | 'entities' | 'sentiment', error: unknown): boolean {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof WorkerRequestError && error.code === 'download-needed') {
      void this.offerDownload(error.task ?? (task === 'pii' ? 'entities' : task), message);
      return task === 'pii';
    }
    if (error instanceof WorkerRequestError && (error.code === 'model-missing' || error.code === 'model-corrupt')) {
      const meanwhile = task === 'pii' ? ' Until then personal data is found by the recognizers alone (e-mail, phone and card numbers…).' : '';
      this.tellOnce(MessageType.Error, `${message}${meanwhile}`);
      return task === 'pii';
    }
    this.tellOnce(MessageType.Error, `${REGISTRY[task].title} failed: ${message}`);
    return false;
  }

  /** Asks once per task whether to download its model (only when downloads are allowed: the worker says download-needed then). */
  private async offerDownload(task: Task, message: string): Promise<void> {
    if (this.offered.has(task)) return;
    this.offered.add(task);
    const choice = await this.connection.window.showInformationMessage(`${message} Download it now?`, { title: 'Download' }, { title: 'Not Now' });
    if (choice?.title !== 'Download') return;
    try {
      await this.worker.request('download', { task });
      this.tellOnce(MessageType.Info, `The ${REGISTRY[task].modelName} model is downloaded.`);
      this.analyses.refreshAll();
    } catch (error) {
      this.tellOnce(MessageType.Error, `Downloading the ${REGISTRY[task].modelName} model failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private tellOnce(type: MessageType, message: string): void {
    if (this.told.has(message)) return;
    this.told.add(message);
    this.tell(type, message);
  }

  /** `window/showMessage`, and the same line in the log. */
  private tell(type: MessageType, message: string): void {
    this.log(type === MessageType.Error ? 'error' : type === MessageType.Warning ? 'warn' : 'info', message);
    void this.connection.sendNotification(ShowMessageNotification.type, { type, message });
  }

  private log(level: LogLevel, message: string): void {
    const console = this.connection.console;
    if (level === 'error') console.error(message);
    else if (level === 'warn') console.warn(message);
    else console.info(message);
  }

  dispose(): void {
    this.analyses.dispose();
    this.worker.dispose();
  }
}
