/**
 * *Find Mentions in Workspace*: every file and line of the workspace that mentions an entity, in
 * the editor's references peek (`editor.action.showReferences`) — from the link in an entity's
 * hover, a row of the results panel, or the palette (the highlighted entity under the cursor).
 *
 * The entities of each file come from the workspace entity index (./entityIndex.ts), kept in the
 * workspace's storage: files not indexed yet for the text they have now and the model in use are
 * analysed first, on the extension's worker, under a cancellable progress notification; a saved
 * file that is in the index is analysed again in the background. Which files: the workspace
 * folders' Markdown and plain-text files, walked as `text-analytics batch` walks a folder
 * (`readInputs`: `.gitignore` respected) and without what `files.exclude` hides, up to
 * {@link MAX_FILES}, each within `textAnalytics.maxDocumentSize`.
 *
 * The references peek rather than the References view (the `references-view` extension, which
 * code-server also ships): the peek is the workbench's own, needs no other extension's API, is
 * what *Find All Occurrences* already shows for one document, and lists the files with each
 * mention's line; F4 and Shift+F4 step through them.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as vscode from 'vscode';
import { readInputs, type BatchDocument, type InputOptions } from '../batch/inputs';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import type { Config } from '../config';
import type { EntitiesResult } from '../protocol';
import type { LanguageOf } from './documentLanguages';
import { EntityIndex, EntityIndexStore, entityModelKey, mentionsIn, type IndexedFile, type Mention } from './entityIndex';
import type { EntityHighlighter } from './entityHighlighter';
import { ENTITY_LINK_COMMANDS, oneLine, readFindOccurrencesArgs, type FindOccurrencesArgs } from './entityHover';
import { ENTITY_KIND_INFO, entityKind } from './entityKinds';
import { reportFailure } from './failures';
import { inertMessageText, inertStatusText } from './inertText';

export const FIND_MENTIONS_COMMAND = ENTITY_LINK_COMMANDS.findMentions;

/**
 * Bytes of index entries kept on disk; the least recently used go first. An entry is about 200
 * bytes and 14 more per entity: some 50,000 files of 60 entities each.
 */
const MAX_INDEX_BYTES = 32 * 1024 * 1024;
/** Files searched at most: the first ones in the folders' name order. */
const MAX_FILES = 2_000;
/** The files of the workspace searched: Markdown and plain text, the languages the extension analyses by default. */
const FILE_GLOBS = ['**/*.md', '**/*.markdown', '**/*.txt'];
/** After a save, this pause before the file is analysed again, so that "save all" and autosave run it once. */
const SAVE_DELAY_MS = 500;
/** The index's folder in the workspace's storage. */
const INDEX_FOLDER = 'entity-index';
/** Characters of an entity's text quoted in a notification. */
const QUOTED = 80;

export interface FindMentionsOptions {
  client: Pick<WorkerClient, 'request'>;
  config: (scope?: vscode.ConfigurationScope) => Config;
  log: vscode.LogOutputChannel;
  languageOf: LanguageOf;
  /** For the palette: the highlighted entity under the cursor. */
  highlighter: Pick<EntityHighlighter, 'entitiesFor'>;
  /** The workspace's storage (`context.storageUri`); undefined without a workspace. */
  storageUri: vscode.Uri | undefined;
  /** The extension's version: a new engine may find other entities, so it is part of the index's key. */
  version: string;
}

export class FindMentions implements vscode.Disposable {
  private store?: Promise<EntityIndexStore>;
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(private readonly options: FindMentionsOptions) {
    this.disposables.push(
      vscode.commands.registerCommand(FIND_MENTIONS_COMMAND, (args?: unknown) => this.run(args)),
      vscode.workspace.onDidSaveTextDocument((document) => this.onSave(document)),
    );
  }

  /**
   * Shows every mention in the workspace of the entity `value` names (a hover link's or the
   * panel's arguments), or of the highlighted entity under the cursor; resolves with them (for
   * tests), undefined when nothing was searched.
   */
  async run(value?: unknown): Promise<Mention[] | undefined> {
    const target = value === undefined ? this.entityAtCursor() : readFindOccurrencesArgs(value);
    if (!target) {
      if (value !== undefined) this.options.log.warn(`${FIND_MENTIONS_COMMAND}: ignored malformed arguments.`);
      else void vscode.window.showInformationMessage('Put the cursor on a highlighted entity (Text Analytics: Highlight Entities) to find its mentions in the workspace.');
      return undefined;
    }
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
    if (folders.length === 0 || !this.options.storageUri) {
      void vscode.window.showInformationMessage('Open a folder to find mentions of an entity in its files.');
      return undefined;
    }
    const quoted = inertMessageText(oneLine(target.text, QUOTED));
    const kind = ENTITY_KIND_INFO[entityKind(target.type)].label.toLowerCase();
    try {
      const found = await this.search(folders, target);
      const { mentions, files, cancelled } = found;
      const partly = cancelled ? ` (indexing was cancelled: ${found.indexed.toLocaleString(vscode.env.language)} of ${files.toLocaleString(vscode.env.language)} files searched)` : '';
      if (mentions.length === 0) {
        void vscode.window.showInformationMessage(`No mentions of the ${kind} “${quoted}” in the workspace's Markdown and text files${partly}.`);
        return mentions;
      }
      if (partly) void vscode.window.setStatusBarMessage(inertStatusText(`Mentions of “${oneLine(target.text, QUOTED)}”${partly}.`), 8000);
      await this.show(target, mentions);
      return mentions;
    } catch (error) {
      // A missing model asks for it; once there, the search the user asked for runs.
      reportFailure(error, this.options.log, () => this.run(value));
      return undefined;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.saveTimers.values()) clearTimeout(timer);
    this.saveTimers.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /**
   * The mentions of `target` in the workspace's files: those indexed for their text now are read
   * from the index as the folders are walked (each text is let go at once, so memory holds one
   * file's text at a time); the others are then analysed and kept, under a cancellable
   * notification, and read again one at a time.
   */
  private async search(folders: readonly vscode.WorkspaceFolder[], target: FindOccurrencesArgs): Promise<{ mentions: Mention[]; files: number; indexed: number; cancelled: boolean }> {
    const mentions: Mention[] = [];
    const { index, files, missing } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Finding mentions' }, async () => {
      const index = await this.index();
      let files = 0;
      const missing: string[] = [];
      for await (const file of this.workspaceFiles(folders)) {
        files++;
        const entities = await index.lookup(file);
        if (entities) mentions.push(...mentionsIn(file, entities, target));
        else missing.push(file.uri);
      }
      return { index, files, missing };
    });
    let indexed = files - missing.length;
    let cancelled = false;
    if (missing.length > 0) {
      cancelled = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Indexing the entities of the workspace', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          const cancellation = token.onCancellationRequested(() => controller.abort());
          const count = (n: number) => n.toLocaleString(vscode.env.language);
          try {
            for (const [done, uri] of missing.entries()) {
              if (token.isCancellationRequested) return true;
              progress.report({ message: `${count(done)} of ${count(missing.length)} files`, increment: done === 0 ? 0 : 100 / missing.length });
              const file = await this.readFile(uri);
              if (!file) continue;
              try {
                mentions.push(...mentionsIn(file, await index.index(file, { signal: controller.signal }), target));
                indexed++;
              } catch (error) {
                if (token.isCancellationRequested) return true;
                // One file the model refuses (its language, say) does not stop the search; a
                // missing model or a dead worker does.
                if (!isFileProblem(error)) throw error;
                this.options.log.warn(`Find Mentions: ${uri} was not indexed: ${error instanceof Error ? error.message : String(error)}`);
              }
            }
            return false;
          } finally {
            cancellation.dispose();
            // What was indexed before a cancellation or a failure is kept.
            await index.store.flush();
          }
        },
      );
    }
    await index.store.flush();
    return { mentions, files, indexed, cancelled };
  }

  /** The references peek, at the entity the user started from (or the first mention), listing every mention. */
  private async show(target: FindOccurrencesArgs, mentions: readonly Mention[]): Promise<void> {
    const locations = mentions.map(
      (mention) => new vscode.Location(vscode.Uri.parse(mention.uri), new vscode.Range(mention.line, mention.character, mention.endLine, mention.endCharacter)),
    );
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === target.uri);
    const anchor = open
      ? { uri: open.uri, position: open.positionAt(target.start) }
      : { uri: locations[0].uri, position: locations[0].range.start };
    await vscode.commands.executeCommand('editor.action.showReferences', anchor.uri, anchor.position, locations);
  }

  /**
   * The Markdown and text files of the folders, one at a time, in the order `readInputs` walks
   * them (see {@link fileText} for which text). Files over the size limit, binary or unreadable
   * ones are left out.
   */
  private async *workspaceFiles(folders: readonly vscode.WorkspaceFolder[]): AsyncGenerator<IndexedFile> {
    let count = 0;
    for (const folder of folders) {
      const exclude = Object.entries(vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude') ?? {})
        .filter(([, excluded]) => excluded === true)
        .map(([glob]) => glob);
      for await (const document of readInputs([folder.uri.fsPath], this.inputOptions(FILE_GLOBS, exclude))) {
        if (count >= MAX_FILES) {
          this.options.log.info(`Find Mentions: searched the first ${MAX_FILES} Markdown and text files of the workspace.`);
          return;
        }
        const file = this.fileText(document);
        if (!file) continue;
        count++;
        yield file;
      }
    }
  }

  /** The file `uri` (as {@link workspaceFiles} gave it) read again, or undefined if it is gone or unreadable now. */
  private async readFile(uri: string): Promise<IndexedFile | undefined> {
    for await (const document of readInputs([vscode.Uri.parse(uri).fsPath], this.inputOptions([], []))) return this.fileText(document);
    return undefined;
  }

  /**
   * A document's text as the editor has it when it is open (unsaved changes included, so that the
   * peek's lines are right), else as on disk.
   */
  private fileText(document: BatchDocument): IndexedFile | undefined {
    const uri = vscode.Uri.file(document.source).toString();
    const open = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
    if (open) return { uri, text: open.getText() };
    if (document.text !== undefined) return { uri, text: document.text };
    if (document.error) this.options.log.info(`Find Mentions: skipped ${document.error}`);
    return undefined;
  }

  private inputOptions(include: string[], exclude: string[]): InputOptions {
    return { include, exclude, textField: 'text', column: 'text', maxChars: this.options.config().maxDocumentSize, skip: [], stdin: Readable.from([]) };
  }

  /**
   * The index for the model that answers entity requests now. The model's key is what the worker
   * says it would load (asked without loading it), its file's size and time, the settings that
   * change what it finds, and the extension's version.
   */
  private async index(): Promise<EntityIndex> {
    const { client } = this.options;
    const config = this.options.config();
    let plan = await client.request('download', { task: 'entities', plan: true });
    if (!plan.model) {
      // Not on the machine yet: a request says so the way every command does (and asks to download it).
      await client.request('entities', { text: 'Text Analytics', minScore: config.entityMinScore, modelLanguages: config.modelLanguages });
      plan = await client.request('download', { task: 'entities', plan: true });
    }
    const model = plan.model;
    if (!model) throw new Error('The named-entity model is not available: run “Text Analytics: Download Models”, then search again.');
    const weights = await stat(join(model.dir, model.file)).catch(() => undefined);
    const modelKey = entityModelKey({
      version: this.options.version,
      model: { id: model.id, source: model.source, dir: model.dir, file: model.file, precision: model.precision },
      weights: weights ? { size: weights.size, modified: weights.mtimeMs } : undefined,
      minScore: config.entityMinScore,
      device: config.device,
    });
    return new EntityIndex(await this.openStore(), modelKey, (file, signal) => this.analyse(file, signal));
  }

  /** The store in the workspace's storage, opened once (again after a failure). */
  private openStore(): Promise<EntityIndexStore> {
    if (!this.options.storageUri) return Promise.reject(new Error('Open a folder to find mentions of an entity in its files.'));
    this.store ??= EntityIndexStore.open(join(this.options.storageUri.fsPath, INDEX_FOLDER), { maxBytes: MAX_INDEX_BYTES }).catch((error: unknown) => {
      this.store = undefined;
      throw error;
    });
    return this.store;
  }

  /**
   * A request of a whole file's entities, with the file's language fields: its editor's when it is
   * open, else `textAnalytics.language` for its folder (a file nobody opened has no per-file choice
   * and is not detected; without a language the engine does not check the model reads it).
   */
  private analyse(file: IndexedFile, signal?: AbortSignal): Promise<EntitiesResult> {
    const uri = vscode.Uri.parse(file.uri);
    const config = this.options.config(uri);
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === file.uri);
    const language = open
      ? this.options.languageOf(open)
      : { modelLanguages: config.modelLanguages, ...(config.documentLanguage ? { language: config.documentLanguage, languageFrom: 'textAnalytics.language' } : {}) };
    // The minimum score of the index's key (the window's), not a folder's own.
    return this.options.client.request('entities', { text: file.text, minScore: this.options.config().entityMinScore, ...language }, { signal });
  }

  /** A saved file that is in the index is analysed again, in the background, so the next search finds it ready. */
  private onSave(document: vscode.TextDocument): void {
    const uri = document.uri.toString();
    clearTimeout(this.saveTimers.get(uri));
    this.saveTimers.set(
      uri,
      setTimeout(() => {
        this.saveTimers.delete(uri);
        void this.reindex(document);
      }, SAVE_DELAY_MS),
    );
  }

  private async reindex(document: vscode.TextDocument): Promise<void> {
    // Analysis without a command obeys the on/off switch (`textAnalytics.enabled`).
    if (this.disposed || !this.options.storageUri || !this.options.config(document.uri).automaticAnalysis) return;
    const uri = document.uri.toString();
    // A workspace never searched has no index: saving there creates none.
    if (!this.store && !existsSync(join(this.options.storageUri.fsPath, INDEX_FOLDER))) return;
    try {
      const store = await this.openStore();
      if (!store.hasFile(uri) || document.isClosed) return;
      const file = { uri, text: document.getText() };
      const index = await this.index();
      await index.entitiesOf(file);
      await store.flush();
    } catch (error) {
      this.options.log.warn(`Find Mentions: updating the index of ${document.fileName} after saving failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The palette's target: the highlighted entity under the cursor of the active editor. */
  private entityAtCursor(): FindOccurrencesArgs | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const offset = editor.document.offsetAt(editor.selection.active);
    const entity = this.options.highlighter.entitiesFor(editor.document.uri)?.entities.find((candidate) => candidate.start <= offset && offset < candidate.end);
    return entity ? { uri: editor.document.uri.toString(), start: entity.start, text: entity.text, type: entity.type } : undefined;
  }
}

/** A failure of one file (the model does not read its language, say), after which the search goes on. */
function isFileProblem(error: unknown): boolean {
  return error instanceof WorkerRequestError && error.code === 'bad-input';
}
