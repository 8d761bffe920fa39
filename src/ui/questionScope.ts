/**
 * Which editor selections narrow the Questions view's next question. The scope is what the user
 * sees: the selection they made in the editor, or the whole document when there is none. A
 * selection that something else made — a click in a results panel that selects a sentence, an
 * answer revealed, Find — is not one the user chose to ask about, so it does not narrow the
 * question; neither does a selection the user set aside with the view's "Whole document" control.
 * Pure: the view maps VS Code's `TextEditorSelectionChangeKind` to `byUser` (Keyboard and Mouse are
 * the user; Command and undefined are programmatic), so this is testable without an editor.
 *
 * @example
 * const scopes = new SelectionScopes();
 * scopes.changed('file:///a.md', { start: 10, end: 40 }, false); // a panel selected a sentence
 * scopes.counts('file:///a.md', { start: 10, end: 40 });          // → false: whole document
 * scopes.changed('file:///a.md', { start: 0, end: 5 }, true);    // the user selected with the mouse
 * scopes.counts('file:///a.md', { start: 0, end: 5 });            // → true: about the selection
 */

/** A selection as document offsets; `start === end` when nothing is selected. */
export interface OffsetSelection {
  start: number;
  end: number;
}

export class SelectionScopes {
  /** Per document, the selection that does not count, while it is still the one in the editor. */
  private readonly setAside = new Map<string, OffsetSelection>();
  /**
   * Per document, the selection the user made last: an editor restoring it (switching back to its
   * tab) is not a new, programmatic selection.
   */
  private readonly chosen = new Map<string, OffsetSelection>();

  /** The selection in the document `uri` changed to `selection`, by the user or not. */
  changed(uri: string, selection: OffsetSelection, byUser: boolean): void {
    const empty = selection.start === selection.end;
    if (byUser) {
      this.setAside.delete(uri);
      if (empty) this.chosen.delete(uri);
      else this.chosen.set(uri, { start: selection.start, end: selection.end });
      return;
    }
    if (sameSelection(this.chosen.get(uri), selection)) return;
    this.chosen.delete(uri);
    if (empty) this.setAside.delete(uri);
    else this.setAside.set(uri, { start: selection.start, end: selection.end });
  }

  /** The user asked about the whole document while `selection` is in the editor: it stops counting. */
  setAsideSelection(uri: string, selection: OffsetSelection): void {
    this.chosen.delete(uri);
    if (selection.start !== selection.end) this.setAside.set(uri, { start: selection.start, end: selection.end });
  }

  /**
   * Whether `selection`, the one now in the document `uri`'s editor, narrows the next question. A
   * selection made before this view was watching (the Ask command activating the extension) counts:
   * it is the one the user sees.
   */
  counts(uri: string, selection: OffsetSelection): boolean {
    return selection.start !== selection.end && !sameSelection(this.setAside.get(uri), selection);
  }

  /** The document was closed: nothing of it is remembered. */
  forget(uri: string): void {
    this.setAside.delete(uri);
    this.chosen.delete(uri);
  }
}

function sameSelection(a: OffsetSelection | undefined, b: OffsetSelection): boolean {
  return a !== undefined && a.start === b.start && a.end === b.end;
}
