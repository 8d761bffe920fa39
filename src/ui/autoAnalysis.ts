import * as vscode from 'vscode';
import type { Config } from '../config';
import { CONTRACTS } from '../tasks/registry';
import type { AnalyzeOn } from '../tasks/contract';
import { isBlank } from '../unicode';

/** The `workspaceState` key of the documents whose automatic analysis the user turned off. */
const OFF_DOCUMENTS_KEY = 'textAnalytics.automaticAnalysisOff';
/** Context keys the palette's Turn On/Off commands are shown by (package.json `menus.commandPalette`). */
const OFF_FOR_DOCUMENT_CONTEXT = 'textAnalytics.automaticOffForDocument';
const OFF_FOR_WORKSPACE_CONTEXT = 'textAnalytics.automaticOffForWorkspace';
/** Schemes analysed by themselves: documents on disk or being written, not output channels, diffs or settings. */
const AUTOMATIC_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
/** How much of a document is checked for NUL characters (binary data) before it is analysed unasked. */
const BINARY_PROBE_CHARS = 65_536;

/**
 * What a task's command is given when it runs by itself (`executeCommand(command, args)`): the
 * document, and that nobody asked — so it asks nothing and shows no pop-up; a failure, such as a
 * model not on this machine yet, is a status-bar line and a log line.
 */
export interface AutomaticRunArgs {
  uri: vscode.Uri;
  automatic: true;
}

/** Reads {@link AutomaticRunArgs} off a command's argument (it may come from anywhere). */
export function isAutomaticRun(value: unknown): value is AutomaticRunArgs {
  return typeof value === 'object' && value !== null && (value as { automatic?: unknown }).automatic === true && (value as { uri?: unknown }).uri instanceof vscode.Uri;
}

/** Tasks that can run by themselves: those whose contract has a `<task>.analyzeOn` setting (src/tasks/contract.ts). */
const AUTOMATIC_TASKS = CONTRACTS.filter((contract) => `${contract.id}.analyzeOn` in contract.settings);

/**
 * Automatic analysis, and the switch that turns it off. Runs each task whose
 * `textAnalytics.<task>.analyzeOn` is `open` when a document first becomes the active editor, and
 * those set to `save` when a visible document is saved, through the task's own command (quietly,
 * see {@link AutomaticRunArgs}). Only documents of `textAnalytics.languages` within
 * `textAnalytics.maxDocumentSize`: anything that would make the command ask is left alone.
 *
 * The switch: `textAnalytics.enabled` (resource-scoped, so per workspace or folder) and a
 * per-document list kept in `workspaceState`. Off, nothing is analysed unasked — here, and entity
 * auto-highlighting (which asks {@link allows}) — while commands the user runs still run. A status
 * bar item says so for the active document, and turns it back on when clicked.
 */
export class AutomaticAnalysis implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the switch changes for any document (the setting or the per-document list). */
  readonly onDidChange = this.changed.event;
  private readonly statusItem = vscode.window.createStatusBarItem('textAnalytics.automaticAnalysis', vscode.StatusBarAlignment.Right, 99);
  /** Documents already analysed on open this session (until closed): switching back to a tab is not opening it. */
  private readonly opened = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: Pick<vscode.ExtensionContext, 'workspaceState'>,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem.name = 'Text Analytics: Automatic Analysis';
    this.disposables.push(
      this.changed,
      this.statusItem,
      vscode.commands.registerCommand('textAnalytics.turnOffForDocument', () => this.setForDocument(false)),
      vscode.commands.registerCommand('textAnalytics.turnOnForDocument', () => this.setForDocument(true)),
      vscode.commands.registerCommand('textAnalytics.turnOffForWorkspace', () => this.setForWorkspace(false)),
      vscode.commands.registerCommand('textAnalytics.turnOnForWorkspace', () => this.setForWorkspace(true)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        this.updateStatus();
        if (editor) this.onOpen(editor.document);
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.onSave(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.opened.delete(document.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics.enabled')) {
          this.updateStatus();
          this.changed.fire();
        }
      }),
      // Trust changes which settings apply (package.json's restrictedConfigurations), not whether this runs.
    );
    this.updateStatus();
    // After activation has registered the commands this runs.
    queueMicrotask(() => {
      const active = vscode.window.activeTextEditor;
      if (active) this.onOpen(active.document);
    });
  }

  /** Whether `document` may be analysed unasked: the setting where it is, and its own switch. */
  allows(document: vscode.TextDocument): boolean {
    return this.config(document.uri).automaticAnalysis && !this.offDocuments().includes(document.uri.toString());
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private onOpen(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (this.opened.has(key)) return;
    this.opened.add(key);
    void this.runTasks(document, 'open');
  }

  private onSave(document: vscode.TextDocument): void {
    // Saved by "Save All" without being shown: the results would be for a document out of sight.
    if (!vscode.window.visibleTextEditors.some((editor) => editor.document === document)) return;
    void this.runTasks(document, 'save');
  }

  private async runTasks(document: vscode.TextDocument, trigger: Exclude<AnalyzeOn, 'off'>): Promise<void> {
    const config = this.config(document.uri);
    const tasks = AUTOMATIC_TASKS.filter((contract) => config.analyzeOn(contract.id) === trigger);
    if (tasks.length === 0 || !AUTOMATIC_SCHEMES.has(document.uri.scheme)) return;
    const name = vscode.workspace.asRelativePath(document.uri);
    if (!this.allows(document)) {
      // Said where the user looks after saving, as the reason nothing happened.
      if (trigger === 'save') void vscode.window.setStatusBarMessage(`Text Analytics: not analysed on save (automatic analysis is off for ${this.offWhere(document)}).`, 5000);
      return;
    }
    const skipped = skipReason(document, config);
    if (skipped) {
      this.log.info(`${name} was not analysed on ${trigger}: ${skipped}.`);
      return;
    }
    for (const contract of tasks) {
      this.log.info(`${contract.title} of ${name}, on ${trigger} (textAnalytics.${contract.id}.analyzeOn).`);
      const args: AutomaticRunArgs = { uri: document.uri, automatic: true };
      try {
        // One after another: each command shows its result in the results panel, and a second run
        // of the same command would cancel the first.
        await vscode.commands.executeCommand(contract.command, args);
      } catch (error) {
        this.log.error(`${contract.title} of ${name} on ${trigger} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private offDocuments(): string[] {
    const stored = this.context.workspaceState.get<unknown>(OFF_DOCUMENTS_KEY);
    return Array.isArray(stored) ? stored.filter((uri): uri is string => typeof uri === 'string') : [];
  }

  /** Turns automatic analysis of the active document off or on (remembered in this workspace). */
  private async setForDocument(on: boolean): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showInformationMessage('Open a document to turn its automatic analysis on or off.');
      return;
    }
    const key = document.uri.toString();
    const others = this.offDocuments().filter((uri) => uri !== key);
    await this.context.workspaceState.update(OFF_DOCUMENTS_KEY, on ? others : [...others, key]);
    this.updateStatus();
    this.changed.fire();
    if (on && !this.config(document.uri).automaticAnalysis) {
      void vscode.window.showInformationMessage('Automatic analysis is still off for this workspace (textAnalytics.enabled).', 'Turn On for Workspace').then((choice) => choice && this.setForWorkspace(true));
      return;
    }
    void vscode.window.setStatusBarMessage(`Text Analytics: automatic analysis ${on ? 'on' : 'off'} for this document.`, 3000);
  }

  /**
   * Writes `textAnalytics.enabled` in the workspace's settings. Turning it on removes the
   * workspace's (and the active document's folder's) `false` rather than writing `true`, so that
   * the user's own setting counts again; `true` is written only when the user's setting is off.
   */
  private async setForWorkspace(on: boolean): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showInformationMessage('No folder is open: turn automatic analysis off for this document, or set textAnalytics.enabled in your settings.');
      return;
    }
    const document = vscode.window.activeTextEditor?.document;
    const settings = vscode.workspace.getConfiguration('textAnalytics', document?.uri);
    try {
      if (on) {
        if (document && settings.inspect<boolean>('enabled')?.workspaceFolderValue === false) await settings.update('enabled', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
        await settings.update('enabled', undefined, vscode.ConfigurationTarget.Workspace);
        if (!vscode.workspace.getConfiguration('textAnalytics', document?.uri).get<boolean>('enabled', true)) await settings.update('enabled', true, vscode.ConfigurationTarget.Workspace);
      } else {
        await settings.update('enabled', false, vscode.ConfigurationTarget.Workspace);
      }
    } catch (error) {
      void vscode.window.showErrorMessage(`The workspace setting textAnalytics.enabled could not be written: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    void vscode.window.setStatusBarMessage(`Text Analytics: automatic analysis ${on ? 'on' : 'off'} for this workspace.`, 3000);
  }

  private offWhere(document: vscode.TextDocument): string {
    return this.offDocuments().includes(document.uri.toString()) ? 'this document' : 'this workspace';
  }

  /** The status item and the palette's context keys follow the active document. */
  private updateStatus(): void {
    const document = vscode.window.activeTextEditor?.document;
    const offForDocument = document !== undefined && this.offDocuments().includes(document.uri.toString());
    const offForWorkspace = !this.config(document?.uri).automaticAnalysis;
    void vscode.commands.executeCommand('setContext', OFF_FOR_DOCUMENT_CONTEXT, offForDocument);
    void vscode.commands.executeCommand('setContext', OFF_FOR_WORKSPACE_CONTEXT, offForWorkspace);
    if (!document || !(offForDocument || offForWorkspace)) {
      this.statusItem.hide();
      return;
    }
    const where = offForDocument ? 'this document' : 'this workspace';
    this.statusItem.text = '$(circle-slash) Text Analytics off';
    this.statusItem.tooltip = `Automatic analysis is off for ${where}: nothing is analysed until you run a command. Click to turn it on.`;
    this.statusItem.accessibilityInformation = { label: `Text Analytics automatic analysis is off for ${where}` };
    this.statusItem.command = offForDocument ? 'textAnalytics.turnOnForDocument' : 'textAnalytics.turnOnForWorkspace';
    this.statusItem.show();
  }
}

/**
 * Why a document is not analysed unasked, or undefined when it can be: whatever would make the
 * command ask the user first (a language not enabled, a document over the size limit), and text
 * there is nothing to say about (blank, binary).
 */
function skipReason(document: vscode.TextDocument, config: Config): string | undefined {
  if (!config.languages.includes(document.languageId)) return `its language (${document.languageId}) is not in textAnalytics.languages`;
  const text = document.getText();
  if (text.length > config.maxDocumentSize) return `it has ${text.length.toLocaleString()} characters, more than textAnalytics.maxDocumentSize`;
  if (isBlank(text)) return 'it has no text';
  if (text.slice(0, BINARY_PROBE_CHARS).includes('\u0000')) return 'it looks like binary data';
  return undefined;
}
