import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { addPiiAllowedValue, type Config, type PiiRedactDestination } from '../config';
import type { PiiFinding } from '../protocol';
import { Pseudonyms, redact, replacement, type RedactOptions } from '../redaction/operators';
import { documentLength } from '../ui/entityHighlighter';
import { oneLine } from '../ui/entityHover';
import { reportFailure } from '../ui/failures';
import { inertMessageText, inertStatusText } from '../ui/inertText';
import type { DocumentPii, PiiDetector } from '../ui/piiDetector';
import { PII_ACTION_COMMANDS, piiCountsByType, piiTypeInfo, readPiiFindingArgs, type PiiFindingArgs } from '../ui/piiPresentation';
import { isBlank } from '../unicode';

export const PII_COMMANDS = {
  detect: 'textAnalytics.detectPersonalData',
  clear: 'textAnalytics.clearPersonalData',
  redact: 'textAnalytics.redactPersonalData',
  ...PII_ACTION_COMMANDS,
} as const;

/** Documents larger than this show their progress in a notification (with Cancel); smaller ones in the status bar. */
const NOTIFY_PROGRESS_CHARS = 50_000;
/** Schemes checked automatically: real documents, not output channels, diffs of git objects or settings. */
const AUTO_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
/** How much of a document is checked for NUL characters (binary data). */
const BINARY_PROBE_CHARS = 65_536;
/** Characters of a finding quoted in the status bar. */
const QUOTED_IN_MESSAGES = 60;
/** The key of the hash operator's salt in VS Code's secret storage: one per user, so hashes agree across documents. */
const SALT_KEY = 'textAnalytics.pii.hashSalt';

/** What *Redact Personal Data* did, for tests and other extensions. */
export interface RedactOutcome {
  /** Where the redacted text is: the document itself, or the new untitled copy. */
  uri: vscode.Uri;
  destination: 'copy' | 'document';
  /** How many findings were replaced. */
  redacted: number;
}

/**
 * The personal-data commands and the policy around the {@link PiiDetector}: *Detect Personal
 * Data* (and `textAnalytics.pii.autoDetect`), *Clear Personal Data Findings*, *Redact Personal
 * Data…*, and the quick actions of a finding (redact it, redact its type, never report its value).
 *
 * No language check, unlike the entity commands: personal data and credentials turn up in logs,
 * JSON and source code as much as in prose, so every language is checked when asked.
 */
export class PersonalDataCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Documents the user cleared: automatic detection leaves them alone until asked again. */
  private readonly clearedByUser = new Set<string>();
  /** Documents checked because of their language, cleared when it leaves the setting. */
  private readonly autoDetected = new Set<string>();
  /**
   * The pseudonyms of each document's quick fixes, numbered over its findings in order the first
   * time, so that `[PERSON_1]` stays the same person however many fixes follow.
   */
  private readonly pseudonyms = new WeakMap<vscode.TextDocument, Pseudonyms>();
  private disposed = false;

  constructor(
    private readonly detector: PiiDetector,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
    /** Where the hash operator's salt is kept. */
    private readonly secrets: vscode.SecretStorage,
    /** The on/off switch of automatic analysis (src/ui/autoAnalysis.ts): off, a document is checked only when asked. */
    private readonly automatic?: { allows(document: vscode.TextDocument): boolean; readonly onDidChange: vscode.Event<void> },
  ) {
    this.disposables.push(
      ...(automatic ? [automatic.onDidChange(() => this.autoDetect())] : []),
      vscode.commands.registerCommand(PII_COMMANDS.detect, () => this.detect()),
      vscode.commands.registerCommand(PII_COMMANDS.clear, () => this.clear()),
      vscode.commands.registerCommand(PII_COMMANDS.redact, () => this.redact()),
      vscode.commands.registerCommand(PII_COMMANDS.redactOne, (args: unknown) => this.redactFinding(args, false)),
      vscode.commands.registerCommand(PII_COMMANDS.redactType, (args: unknown) => this.redactFinding(args, true)),
      vscode.commands.registerCommand(PII_COMMANDS.allowValue, (args: unknown) => this.allowValue(args)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.autoDetect()),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.clearedByUser.delete(document.uri.toString());
        this.autoDetected.delete(document.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics.pii.autoDetect')) this.autoDetect();
      }),
    );
    this.autoDetect();
  }

  /**
   * Text Analytics: Detect Personal Data. Shows the personal data of the active document and
   * resolves with its findings when the run ends — for tests and other extensions; undefined
   * when nothing was done.
   */
  async detect(): Promise<DocumentPii | undefined> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showInformationMessage('Open a document to detect the personal data in it.');
      return undefined;
    }
    if (!this.checkable(document, this.config(document), 'checked')) return undefined;
    this.clearedByUser.delete(document.uri.toString());
    const location = documentLength(document) >= NOTIFY_PROGRESS_CHARS ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    try {
      const outcome = await vscode.window.withProgress(
        { location, title: 'Detecting personal data', cancellable: location === vscode.ProgressLocation.Notification },
        (progress, token) => this.detector.detect(document, { progress, token, userInitiated: true }),
      );
      const found = this.detector.findingsFor(document.uri);
      if (outcome === 'done' && found) void vscode.window.setStatusBarMessage(summary(found.findings), 5000);
      if (outcome === 'cancelled') this.detector.clear(document);
      return found;
    } catch (error) {
      // Nothing could be analysed (no model, a crash): leave the document as it was. Once the
      // user has the model, the findings come by themselves.
      this.detector.clear(document);
      reportFailure(error, this.log, () => this.detector.detect(document, { userInitiated: true }));
      return undefined;
    }
  }

  /** Text Analytics: Clear Personal Data Findings — of the active document. */
  clear(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) return;
    this.clearedByUser.add(document.uri.toString());
    this.autoDetected.delete(document.uri.toString());
    this.detector.clear(document);
  }

  /**
   * Text Analytics: Redact Personal Data…. Checks the whole document (apart from what is shown)
   * and writes the text with every finding replaced — the operator of
   * `textAnalytics.pii.redact.operator`, pseudonyms consistent across the document — into a new
   * untitled copy or into the document itself in one edit that Undo reverses
   * (`textAnalytics.pii.redact.destination`; asked by default, the copy first). Resolves with what
   * was done, or undefined when nothing was.
   */
  async redact(): Promise<RedactOutcome | undefined> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showInformationMessage('Open a document to redact the personal data in it.');
      return undefined;
    }
    const config = this.config(document);
    if (!this.checkable(document, config, 'redacted')) return undefined;
    const destination = await chooseDestination(config.piiRedactDestination);
    if (!destination) return undefined;
    const options = await this.redactOptions(config);
    let analysis: Awaited<ReturnType<PiiDetector['analyse']>> | undefined;
    try {
      analysis = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Finding the personal data to redact', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          const cancellation = token.onCancellationRequested(() => controller.abort('cancelled'));
          let reported = 0;
          try {
            return await this.detector.analyse(document, {
              signal: controller.signal,
              onProgress: (fraction) => {
                const percent = Math.floor(100 * Math.min(1, fraction));
                if (percent - reported < 1) return;
                progress.report({ increment: percent - reported, message: `${percent}%` });
                reported = percent;
              },
            });
          } finally {
            cancellation.dispose();
          }
        },
      );
    } catch (error) {
      reportFailure(error, this.log, () => this.redact());
      return undefined;
    }
    const { result, version } = analysis;
    const name = displayName(document);
    if (document.version !== version) {
      // The offsets are of a text that is gone: an edit with them would redact the wrong characters.
      void vscode.window.showWarningMessage(`${name} changed while its personal data was being found, so nothing was redacted. Run Redact Personal Data again.`);
      return undefined;
    }
    if (result.entities.length === 0) {
      void vscode.window.showInformationMessage(`No personal data was found in ${name}, so there was nothing to redact.`);
      return undefined;
    }
    const pseudonyms = new Pseudonyms();
    if (destination === 'copy') {
      const text = redact(document.getText(), result.entities, options, pseudonyms);
      const copy = await vscode.workspace.openTextDocument({ content: text, language: document.languageId });
      await vscode.window.showTextDocument(copy, { preview: false });
      void vscode.window.setStatusBarMessage(`${count(result.entities.length, 'finding')} redacted into a new copy; the original is unchanged.`, 5000);
      return { uri: copy.uri, destination, redacted: result.entities.length };
    }
    const edit = new vscode.WorkspaceEdit();
    for (const finding of result.entities) edit.replace(document.uri, rangeOf(document, finding), replacement(finding, options, pseudonyms));
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(`${name} could not be edited (it may be read-only), so nothing was redacted.`);
      return undefined;
    }
    void vscode.window.setStatusBarMessage(`${count(result.entities.length, 'finding')} redacted; Undo restores them.`, 5000);
    return { uri: document.uri, destination, redacted: result.entities.length };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // The quick actions (light bulb and hover links)

  /**
   * *Redact This* (or, with `allOfType`, *Redact All …* of its type): replaces the finding with
   * the operator's replacement, in one edit that Undo reverses. The arguments come from a link
   * anyone could write, so they act only on findings shown now whose text is still in place.
   * Pseudonyms are numbered over the document's findings in order, as a whole redaction would,
   * and kept for the document's later fixes.
   */
  private async redactFinding(value: unknown, allOfType: boolean): Promise<boolean> {
    const args = readPiiFindingArgs(value);
    if (!args) {
      this.log.warn(`${allOfType ? PII_COMMANDS.redactType : PII_COMMANDS.redactOne}: ignored malformed arguments.`);
      return false;
    }
    const document = openDocument(args.uri);
    const shown = document && this.detector.findingsFor(document.uri);
    const targets = shown ? (allOfType ? shown.findings.filter((finding) => finding.type === args.type) : shown.findings.filter((finding) => sameFinding(finding, args))) : [];
    const inPlace = document ? targets.filter((finding) => textAt(document, finding) === finding.text) : [];
    if (!document || !shown || inPlace.length === 0) {
      void vscode.window.showInformationMessage('That personal data is no longer where it was found; the document may have changed. Run Detect Personal Data again.');
      return false;
    }
    const options = await this.redactOptions(this.config(document));
    let pseudonyms = this.pseudonyms.get(document);
    if (!pseudonyms) {
      pseudonyms = new Pseudonyms();
      for (const finding of shown.findings) pseudonyms.name(finding.type, finding.text);
      this.pseudonyms.set(document, pseudonyms);
    }
    const edit = new vscode.WorkspaceEdit();
    for (const finding of inPlace) edit.replace(document.uri, rangeOf(document, finding), replacement(finding, options, pseudonyms));
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) void vscode.window.showWarningMessage(`${displayName(document)} could not be edited (it may be read-only).`);
    return applied;
  }

  /**
   * *Never Report This Value*: adds the finding's text to `textAnalytics.pii.allowList` (the
   * workspace's when a folder is open, else the user's); its findings go at once, and the setting
   * keeps them away from now on.
   */
  private async allowValue(value: unknown): Promise<void> {
    const args = readPiiFindingArgs(value);
    if (!args) {
      this.log.warn(`${PII_COMMANDS.allowValue}: ignored malformed arguments.`);
      return;
    }
    const target = await addPiiAllowedValue(args.text);
    this.detector.forgetValue(args);
    const where = target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user';
    void vscode.window.setStatusBarMessage(
      `“${inertStatusText(oneLine(args.text, QUOTED_IN_MESSAGES))}” is no longer reported (textAnalytics.pii.allowList, ${where} settings).`,
      5000,
    );
  }

  /** The redaction options of the settings; the hash operator's salt from secret storage, made on first use. */
  private async redactOptions(config: Config): Promise<RedactOptions> {
    const options: RedactOptions = config.piiRedactOptions;
    if (options.operator !== 'hash') return options;
    let salt = await this.secrets.get(SALT_KEY);
    if (!salt) {
      salt = randomBytes(32).toString('hex');
      await this.secrets.store(SALT_KEY, salt);
    }
    return { ...options, salt };
  }

  // -------------------------------------------------------------------------------------------
  // Policy

  /**
   * Whether `document` can be checked: not binary, not empty, within `textAnalytics.maxDocumentSize`.
   * Says why not when it cannot; `what` ends the message ("checked", "redacted").
   */
  private checkable(document: vscode.TextDocument, config: Config, what: 'checked' | 'redacted'): boolean {
    const name = displayName(document);
    if (looksBinary(document)) {
      void vscode.window.showWarningMessage(`${name} looks like binary data (it contains NUL characters), so it was not ${what}.`);
      return false;
    }
    const length = documentLength(document);
    if (length === 0 || isBlank(document.getText())) {
      void vscode.window.showInformationMessage(`${name} is empty: there is no personal data to find.`);
      return false;
    }
    if (length > config.maxDocumentSize) {
      const SETTINGS = 'Open Settings';
      void vscode.window
        .showWarningMessage(
          `${name} has ${length.toLocaleString(vscode.env.language)} characters, more than the limit of ${config.maxDocumentSize.toLocaleString(vscode.env.language)} (textAnalytics.maxDocumentSize), so it was not ${what}. Raise the limit, or use the command line (text-analytics redact FILE), which reads any size.`,
          SETTINGS,
        )
        .then((choice) => choice === SETTINGS && vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.maxDocumentSize'));
      return false;
    }
    return true;
  }

  /** Checks the visible documents whose language is in `textAnalytics.pii.autoDetect`. */
  private autoDetect(): void {
    if (this.disposed) return;
    const languages = new Set(this.config().piiAutoDetect);
    // A language taken out of the setting, or automatic analysis turned off, takes its findings with it.
    for (const document of vscode.workspace.textDocuments) {
      const key = document.uri.toString();
      if (this.autoDetected.has(key) && (!languages.has(document.languageId) || this.automatic?.allows(document) === false)) {
        this.autoDetected.delete(key);
        this.detector.clear(document);
      }
    }
    if (languages.size === 0) return;
    for (const { document } of vscode.window.visibleTextEditors) {
      const key = document.uri.toString();
      if (!languages.has(document.languageId) || !AUTO_SCHEMES.has(document.uri.scheme) || this.automatic?.allows(document) === false) continue;
      if (this.clearedByUser.has(key) || this.detector.isTracked(document) || looksBinary(document)) continue;
      // Quietly: a document above the limit is left alone (the command says why when asked).
      if (documentLength(document) > this.config(document).maxDocumentSize) continue;
      this.autoDetected.add(key);
      this.detector.detect(document).catch((error: unknown) => {
        // Told once; the document stays unchecked until the user asks (or the window reloads).
        this.detector.clear(document);
        this.clearedByUser.add(key);
        reportFailure(error, this.log, () => {
          this.clearedByUser.delete(key);
          this.autoDetect();
        });
      });
    }
  }
}

/** Where the redacted text goes: the setting, or the user's choice, the new copy first (and default). */
async function chooseDestination(setting: PiiRedactDestination): Promise<'copy' | 'document' | undefined> {
  if (setting !== 'ask') return setting;
  const items: Array<vscode.QuickPickItem & { destination: 'copy' | 'document' }> = [
    { label: '$(new-file) New Untitled Copy', description: 'the original stays unchanged', destination: 'copy' },
    { label: '$(edit) This Document', description: 'one edit; Undo restores the original', destination: 'document' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Redact Personal Data',
    placeHolder: 'Where should the redacted text go? (textAnalytics.pii.redact.destination)',
  });
  return picked?.destination;
}

/** "3 personal data findings: e-mail address ×2, card number", or that there are none. */
function summary(findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return 'No personal data found.';
  const types = piiCountsByType(findings).map(([type, n]) => (n > 1 ? `${piiTypeInfo(type).label} ×${n}` : piiTypeInfo(type).label));
  return inertStatusText(`${count(findings.length, 'personal data finding')}: ${types.join(', ')}`);
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString(vscode.env.language)} ${noun}${n === 1 ? '' : 's'}`;
}

function sameFinding(finding: PiiFinding, args: PiiFindingArgs): boolean {
  return finding.start === args.start && finding.end === args.end && finding.type === args.type && finding.text === args.text;
}

function openDocument(uri: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
}

function rangeOf(document: vscode.TextDocument, finding: Pick<PiiFinding, 'start' | 'end'>): vscode.Range {
  return new vscode.Range(document.positionAt(finding.start), document.positionAt(finding.end));
}

function textAt(document: vscode.TextDocument, finding: Pick<PiiFinding, 'start' | 'end'>): string {
  return document.getText(rangeOf(document, finding));
}

/** The document's name for a message: its workspace-relative path (inert: a name may hold `[x](command:…)`). */
function displayName(document: vscode.TextDocument): string {
  return document.isUntitled ? 'This document' : inertMessageText(vscode.workspace.asRelativePath(document.uri));
}

function looksBinary(document: vscode.TextDocument): boolean {
  const probe = document.getText(new vscode.Range(new vscode.Position(0, 0), document.positionAt(BINARY_PROBE_CHARS)));
  return probe.includes('\u0000');
}
