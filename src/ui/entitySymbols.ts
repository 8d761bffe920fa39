import * as vscode from 'vscode';
import type { Config } from '../config';
import type { Entity } from '../protocol';
import type { EntityHighlighter } from './entityHighlighter';
import { ENTITY_KIND_INFO, entityKind, type EntityKind } from './entityKinds';
import { groupEntities, stepEntity, type EntityDirection } from './entityOutline';
import { formatPercent } from './documentSummary';

/** Set while the active editor's document has highlighted entities to move between. */
export const HAS_ENTITIES_CONTEXT = 'textAnalytics.hasEntities';
/** New results settle for this long before the Outline is asked to read them again. */
const REFRESH_DELAY_MS = 300;

/**
 * One symbol kind per entity kind, so that *Go to Symbol in Editor* grouped by kind (`@:`) groups
 * them as the highlighter does, each with an icon that reads as a thing rather than code.
 */
const SYMBOL_KINDS: Readonly<Record<EntityKind, vscode.SymbolKind>> = {
  PER: vscode.SymbolKind.Object,
  ORG: vscode.SymbolKind.Class,
  LOC: vscode.SymbolKind.Module,
  MISC: vscode.SymbolKind.Constant,
};

/**
 * The highlighted entities of a document as its symbols (Outline, breadcrumbs, *Go to Symbol in
 * Editor*), grouped by kind, and the *Next Entity* / *Previous Entity* commands. Both serve what
 * the highlighter already has: opening the Outline never runs a model.
 */
export class EntityNavigation implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private registration?: vscode.Disposable;
  private refreshTimer?: NodeJS.Timeout;
  private hasEntities?: boolean;
  private disposed = false;

  constructor(
    private readonly highlighter: EntityHighlighter,
    private readonly config: (scope?: vscode.ConfigurationScope) => Config,
  ) {
    this.register();
    this.disposables.push(
      highlighter.onDidChangeEntities(({ reason }) => {
        // An edit makes VS Code ask again by itself; new results or cleared highlights do not.
        if (reason !== 'edit') this.refreshLater();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics.entities.hiddenTypes')) this.refreshLater();
      }),
      vscode.commands.registerTextEditorCommand('textAnalytics.nextEntity', (editor) => this.step(editor, 'next')),
      vscode.commands.registerTextEditorCommand('textAnalytics.previousEntity', (editor) => this.step(editor, 'previous')),
    );
    this.updateContext();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.refreshTimer);
    this.registration?.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /** The document's symbols: one per shown kind, its entities as children; undefined when it is not highlighted. */
  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] | undefined {
    const highlighted = this.highlighter.entitiesFor(document.uri);
    if (!highlighted || highlighted.version !== document.version) return undefined;
    const locale = vscode.env.language;
    return groupEntities(highlighted.entities, this.hidden(document)).map((group) => {
      const children = group.entities.map((entity) => {
        const range = rangeOf(document, entity);
        return new vscode.DocumentSymbol(entity.text, `${ENTITY_KIND_INFO[group.kind].label} · ${formatPercent(entity.score, locale)}`, SYMBOL_KINDS[group.kind], range, range);
      });
      // A group spans its entities, so the breadcrumbs show it around each of them.
      const span = new vscode.Range(children[0].range.start, children[children.length - 1].range.end);
      const parent = new vscode.DocumentSymbol(group.name, String(children.length), vscode.SymbolKind.Namespace, span, children[0].range);
      parent.children = children;
      return parent;
    });
  }

  private step(editor: vscode.TextEditor, direction: EntityDirection): void {
    const { document } = editor;
    const highlighted = this.highlighter.entitiesFor(document.uri);
    const hidden = this.hidden(document);
    const shown = highlighted?.entities.filter((entity) => !hidden.has(entityKind(entity.type))) ?? [];
    // From the selection's start: after Next Entity selected one, Previous goes to the one before it.
    const found = stepEntity(shown, document.offsetAt(editor.selection.start), direction);
    if (!found) {
      void vscode.window.setStatusBarMessage(
        highlighted ? 'Text Analytics: no entities are highlighted in this document.' : 'Text Analytics: highlight the entities of this document first (Highlight Entities).',
        4000,
      );
      return;
    }
    const range = rangeOf(document, found.entity);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    const where = `${found.index + 1} of ${shown.length}`;
    const wrapped = found.wrapped ? (direction === 'next' ? ', back at the first' : ', back at the last') : '';
    void vscode.window.setStatusBarMessage(`Text Analytics: entity ${where}${wrapped} — ${ENTITY_KIND_INFO[entityKind(found.entity.type)].label}.`, 4000);
  }

  private hidden(document: vscode.TextDocument): ReadonlySet<EntityKind> {
    return this.config(document).hiddenEntityKinds;
  }

  /**
   * The symbol provider API has no change event: registering the provider again is what makes
   * the Outline and breadcrumbs ask for the symbols again.
   */
  private register(): void {
    this.registration?.dispose();
    this.registration = vscode.languages.registerDocumentSymbolProvider('*', this, { label: 'Entities' });
  }

  private refreshLater(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      if (this.disposed) return;
      this.register();
      this.updateContext();
    }, REFRESH_DELAY_MS);
  }

  private updateContext(): void {
    const document = vscode.window.activeTextEditor?.document;
    const entities = document ? this.highlighter.entitiesFor(document.uri)?.entities : undefined;
    const hidden = document ? this.hidden(document) : new Set<EntityKind>();
    const has = entities?.some((entity) => !hidden.has(entityKind(entity.type))) ?? false;
    if (has === this.hasEntities) return;
    this.hasEntities = has;
    void vscode.commands.executeCommand('setContext', HAS_ENTITIES_CONTEXT, has);
  }
}

function rangeOf(document: vscode.TextDocument, entity: Entity): vscode.Range {
  return new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end));
}
