import * as vscode from 'vscode';
import type { Config } from '../config';
import { WorkerRequestError } from '../client/workerClient';
import { canonicalLanguage, languageName } from '../tasks/languages';
import type { DocumentLanguages } from './documentLanguages';
import { reportFailure } from './failures';
import { presentLanguage } from './languagePresentation';
import { ResultsPanel } from './resultsPanel';

/** How long the active editor must stay before its language is detected (switching through tabs detects nothing). */
const DETECT_DELAY_MS = 400;

/**
 * The active document's language in the status bar (`$(globe) de`, a tooltip with the paragraphs
 * per language; a click runs *Detect Language* and shows each paragraph's in the results panel),
 * detected when an editor becomes active and again after a save, where `textAnalytics.language`
 * is "auto", the file has no language chosen, and a language model is set. Also the commands
 * *Detect Language* and *Set Document Language…*, which extension.ts registers.
 */
export class LanguageStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('textAnalytics.language', vscode.StatusBarAlignment.Right, 99);
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly languages: DocumentLanguages,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Text Analytics: Document Language';
    this.item.command = 'textAnalytics.detectLanguage';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleDetection()),
      vscode.workspace.onDidSaveTextDocument((document) => document === vscode.window.activeTextEditor?.document && this.scheduleDetection()),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('textAnalytics') && this.scheduleDetection()),
      languages.onDidChange(() => this.render()),
    );
    this.scheduleDetection();
  }

  private render(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !this.config(document).languages.includes(document.languageId)) {
      this.item.hide();
      return;
    }
    const presentation = presentLanguage(this.languages.known(document), this.config(document).languageModel !== '');
    this.item.text = presentation.text;
    this.item.tooltip = presentation.tooltip;
    this.item.show();
  }

  private scheduleDetection(): void {
    this.render();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.detectQuietly(), DETECT_DELAY_MS);
  }

  /** Detection nobody asked for: failures go to the log, never to a pop-up. */
  private async detectQuietly(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !this.config(document).languages.includes(document.languageId)) return;
    // A language chosen for the file or set, or detected on this version already, stands.
    const known = this.languages.known(document);
    if (known && known.from !== 'by script') return;
    try {
      await this.languages.detect(document);
    } catch (error) {
      this.log.info(`Detecting the language of ${document.fileName} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private documentFor(uri: unknown): vscode.TextDocument | undefined {
    if (uri instanceof vscode.Uri) return vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
    return vscode.window.activeTextEditor?.document;
  }

  /** *Detect Language* (`textAnalytics.detectLanguage`), on a document's Uri or the active editor's. */
  async detectCommand(uri: unknown): Promise<void> {
    const document = this.documentFor(uri);
    if (!document) {
      void vscode.window.showInformationMessage('Open a document to detect its language.');
      return;
    }
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Detecting the language…' }, () => this.languages.detect(document));
      if (result) {
        ResultsPanel.createOrShow(this.extensionUri).showLanguages({ uri: document.uri.toString(), version: document.version, fileName: vscode.workspace.asRelativePath(document.uri), result });
        return;
      }
      const known = this.languages.known(document);
      const said = known ? `The document is ${languageName(known.language)} (${known.from}). ` : '';
      const choice = await vscode.window.showInformationMessage(
        `${said}No language-identification model is set: set textAnalytics.models.language to one (README, "Languages") to detect each paragraph's language.`,
        'Open Settings',
      );
      if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.models.language');
    } catch (error) {
      if (error instanceof WorkerRequestError && error.code === 'cancelled') return;
      reportFailure(error, this.log);
    }
  }

  /** *Set Document Language…* (`textAnalytics.setDocumentLanguage`): the user's choice for the file, or auto again. */
  async chooseCommand(uri: unknown): Promise<void> {
    const document = this.documentFor(uri);
    if (!document) return;
    const common = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'ru', 'uk', 'tr', 'ar', 'hi', 'ja', 'zh', 'ko'];
    const picks: Array<vscode.QuickPickItem & { tag?: string }> = [
      { label: 'Auto', description: 'textAnalytics.language, or detected', tag: undefined },
      ...common.map((tag) => ({ label: languageName(tag), description: tag, tag })),
      { label: 'Other…', description: 'a BCP-47 tag such as pt-BR', tag: '?' },
    ];
    const picked = await vscode.window.showQuickPick(picks, { title: 'The language of this file', placeHolder: 'Sentences are split by its rules; a model that does not read it says so' });
    if (!picked) return;
    let tag = picked.tag;
    if (tag === '?') {
      const typed = await vscode.window.showInputBox({ prompt: 'A BCP-47 language tag', validateInput: (value) => (canonicalLanguage(value) ? undefined : 'Not a language tag: write one such as de, ja or pt-BR.') });
      if (!typed) return;
      tag = canonicalLanguage(typed);
    }
    await this.languages.choose(document.uri, tag);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
