import * as vscode from 'vscode';
import type { EntityStyle } from '../config';
import type { Entity } from '../protocol';
import { ENTITY_KIND_INFO, ENTITY_KINDS, entityKind, type EntityKind } from './entityKinds';

/**
 * One decoration type per entity kind, created once and recreated only when the style setting
 * changes. Colours are the contributed theme colours (`textAnalytics.entity.<kind>.background`
 * and `.border`), so themes and `workbench.colorCustomizations` restyle them without a reload.
 */
export class EntityDecorations implements vscode.Disposable {
  private types: Map<EntityKind, vscode.TextEditorDecorationType>;
  private currentStyle: EntityStyle;
  private disposed = false;

  constructor(style: EntityStyle) {
    this.currentStyle = style;
    this.types = createTypes(style);
  }

  get style(): EntityStyle {
    return this.currentStyle;
  }

  /**
   * Switches the style. Disposing the old types removes their decorations from every editor, so
   * the caller draws again afterwards. Returns whether anything changed.
   */
  setStyle(style: EntityStyle): boolean {
    if (this.disposed || style === this.currentStyle) return false;
    for (const type of this.types.values()) type.dispose();
    this.currentStyle = style;
    this.types = createTypes(style);
    return true;
  }

  /**
   * Draws `entities` (offsets into `editor.document` as it is now) in `editor`, leaving out the
   * `hidden` kinds. Every kind is set, so one that has no entities any more is cleared.
   */
  draw(editor: vscode.TextEditor, entities: readonly Entity[], hidden: ReadonlySet<EntityKind>): void {
    if (this.disposed) return;
    const byKind = new Map<EntityKind, vscode.Range[]>(ENTITY_KINDS.map((kind) => [kind, []]));
    const document = editor.document;
    for (const entity of entities) {
      const kind = entityKind(entity.type);
      if (hidden.has(kind)) continue;
      byKind.get(kind)?.push(new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end)));
    }
    for (const [kind, type] of this.types) editor.setDecorations(type, byKind.get(kind) ?? []);
  }

  /** Removes every entity decoration from `editor`. */
  clear(editor: vscode.TextEditor): void {
    if (this.disposed) return;
    for (const type of this.types.values()) editor.setDecorations(type, []);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const type of this.types.values()) type.dispose();
    this.types.clear();
  }
}

/** The id of a contributed colour, e.g. `textAnalytics.entity.person.border`. */
export function entityColorId(kind: EntityKind, part: 'background' | 'border'): string {
  return `textAnalytics.entity.${ENTITY_KIND_INFO[kind].colour}.${part}`;
}

function createTypes(style: EntityStyle): Map<EntityKind, vscode.TextEditorDecorationType> {
  return new Map(ENTITY_KINDS.map((kind) => [kind, vscode.window.createTextEditorDecorationType(decorationOptions(kind, style))]));
}

function decorationOptions(kind: EntityKind, style: EntityStyle): vscode.DecorationRenderOptions {
  const background = new vscode.ThemeColor(entityColorId(kind, 'background'));
  const border = new vscode.ThemeColor(entityColorId(kind, 'border'));
  // Text typed at an entity's edge is not part of it: the highlighter drops or keeps the entity
  // itself (see textEdits.ts), and the decoration must not grow over the new text meanwhile.
  const common: vscode.DecorationRenderOptions = { rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed };
  switch (style) {
    case 'background':
      return { ...common, backgroundColor: background, borderRadius: '3px' };
    case 'underline':
      // A bottom border rather than `textDecoration`, which takes no theme colour.
      return { ...common, borderColor: border, borderStyle: 'none none solid none', borderWidth: '0 0 2px 0' };
    case 'border':
      return { ...common, borderColor: border, borderStyle: 'solid', borderWidth: '1px', borderRadius: '3px' };
  }
}
