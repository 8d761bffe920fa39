import * as vscode from 'vscode';
import type { PiiFinding } from '../protocol';
import { PII_COLOUR_GROUPS, piiColourId, piiTypeInfo, type PiiColourGroup } from './piiPresentation';

/**
 * One decoration type per colour group of personal data (people, contact details, financial
 * numbers, credentials…), created once. Colours are the contributed theme colours
 * (`textAnalytics.pii.<group>.background`), so themes and `workbench.colorCustomizations`
 * restyle them without a reload. The overview ruler shows where findings are in a long document.
 */
export class PiiDecorations implements vscode.Disposable {
  private readonly types = new Map<PiiColourGroup, vscode.TextEditorDecorationType>(
    PII_COLOUR_GROUPS.map((group) => [
      group,
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(piiColourId(group)),
        borderRadius: '3px',
        // Text typed at a finding's edge is not part of it (the detector drops or keeps the
        // finding itself), and the decoration must not grow over it meanwhile.
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        overviewRulerColor: new vscode.ThemeColor(piiColourId(group)),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      }),
    ]),
  );
  private disposed = false;

  /** Draws `findings` (offsets into `editor.document` as it is now); every group is set, so an emptied one is cleared. */
  draw(editor: vscode.TextEditor, findings: readonly PiiFinding[]): void {
    if (this.disposed) return;
    const byGroup = new Map<PiiColourGroup, vscode.Range[]>(PII_COLOUR_GROUPS.map((group) => [group, []]));
    const { document } = editor;
    for (const finding of findings) {
      byGroup.get(piiTypeInfo(finding.type).group)?.push(new vscode.Range(document.positionAt(finding.start), document.positionAt(finding.end)));
    }
    for (const [group, type] of this.types) editor.setDecorations(type, byGroup.get(group) ?? []);
  }

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
