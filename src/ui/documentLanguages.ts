import * as vscode from 'vscode';
import type { Config } from '../config';
import type { WorkerClient } from '../client/workerClient';
import type { LanguageResult } from '../tasks/language';
import { canonicalLanguage, languageByScript, UNDETERMINED } from '../tasks/languages';
import { formatOfLanguage } from '../tasks/textFormat';
import type { KnownLanguage } from './languagePresentation';

/** The language fields every task's request on a document carries (LANGUAGE_FIELDS, src/tasks/contract.ts). */
export interface RequestLanguage {
  language?: string;
  languageFrom?: string;
  modelLanguages: Record<string, string | string[]>;
}

/** A document's {@link RequestLanguage}: what each command spreads into its task's request. */
export type LanguageOf = (document: vscode.TextDocument) => RequestLanguage;

/** workspaceState's key: the language the user chose per file (uri → BCP-47 tag). */
const CHOSEN_KEY = 'textAnalytics.documentLanguages';
/** Lines read to tell a document's script. */
const SCRIPT_LINES = 200;

/**
 * Each document's language, from (first that says) the user's choice for the file (*Set Document
 * Language…*, kept in workspaceState), `textAnalytics.language` for the document's scope (per
 * workspace, folder or language mode: the setting is language-overridable), or detection: the
 * language task on the document with `textAnalytics.models.language`, or without a model the
 * document's script where only one language writes it (kana → ja, Hangul → ko…).
 */
export class DocumentLanguages implements vscode.Disposable {
  private readonly detected = new Map<string, { version: number; known: KnownLanguage }>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with a document whose language may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
    private readonly client: () => WorkerClient,
  ) {}

  /** The document's language as known now, without running anything. */
  known(document: vscode.TextDocument): KnownLanguage | undefined {
    const chosen = this.chosen()[document.uri.toString()];
    if (chosen) return { language: chosen, from: 'set for this file' };
    const setting = this.config(document).documentLanguage;
    if (setting) return { language: setting, from: 'textAnalytics.language' };
    const detected = this.detected.get(document.uri.toString());
    if (detected && detected.version === document.version) return detected.known;
    // The first lines tell a script: a 20 MB file is not read whole for the status bar.
    const byScript = languageByScript(document.getText(new vscode.Range(0, 0, Math.min(document.lineCount, SCRIPT_LINES), 0)) || document.lineAt(0).text);
    return byScript ? { language: byScript, from: 'by script' } : detected?.known;
  }

  /**
   * Detects the document's language with the language model and remembers it; without a model,
   * undefined (its script, if it tells, is already in {@link known}). Throws what the worker does.
   */
  async detect(document: vscode.TextDocument, options: { signal?: AbortSignal } = {}): Promise<LanguageResult | undefined> {
    const config = this.config(document);
    if (!config.languageModel) return undefined;
    const result = await this.client().request(
      'language',
      { text: document.getText(), model: config.languageModel, minScore: config.languageMinScore, format: formatOfLanguage(document.languageId) },
      options,
    );
    this.detected.set(document.uri.toString(), { version: document.version, known: { language: result.document.language, from: 'detected', result } });
    this.changed.fire(document.uri);
    return result;
  }

  /** Remembers the user's choice for a file; undefined forgets it (auto again). */
  async choose(uri: vscode.Uri, language: string | undefined): Promise<void> {
    const chosen = { ...this.chosen() };
    if (language === undefined) delete chosen[uri.toString()];
    else chosen[uri.toString()] = language;
    await this.state.update(CHOSEN_KEY, chosen);
    this.changed.fire(uri);
  }

  /**
   * The language fields of a task's request on `document`: the language as known (an undetermined
   * detection says nothing) and the user's table of model languages. The engine decides with them
   * whether the task's model reads the document (src/engine/languageCoverage.ts).
   */
  requestFields(document: vscode.TextDocument): RequestLanguage {
    const known = this.known(document);
    const modelLanguages = this.config(document).modelLanguages;
    if (!known || known.language === UNDETERMINED) return { modelLanguages };
    return { language: known.language, languageFrom: known.from, modelLanguages };
  }

  private chosen(): Record<string, string> {
    const value = this.state.get<Record<string, unknown>>(CHOSEN_KEY, {});
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && canonicalLanguage(entry[1]) !== undefined));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
