import * as vscode from 'vscode';
import { inertStatusText } from './inertText';

/** What an export writes and where: a task's result as CSV or JSON, to the clipboard or a file. */
export interface ExportedText {
  /** What was exported, for messages: "sentiment", "topics". */
  what: string;
  format: 'csv' | 'json';
  destination: 'clipboard' | 'file';
  text: string;
  /** The analysed document (its folder and name suggest the file's). */
  uri: string;
  fileName: string;
}

/**
 * Copies `text`, or saves it where the user picks (suggested: beside the document, named
 * `<name>.<what>.<format>`), and says so in the status bar. Shared by every view's export.
 */
export async function exportText({ what, format, destination, text, uri, fileName }: ExportedText): Promise<void> {
  if (destination === 'clipboard') {
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Text Analytics: ${what} copied as ${format.toUpperCase()}.`, 3000);
    return;
  }
  const source = vscode.Uri.parse(uri);
  const name = `${baseName(fileName).replace(/\.[^.]*$/, '') || 'document'}.${what}.${format}`;
  const folder = source.scheme === 'file' ? vscode.Uri.joinPath(source, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    title: `Export ${what} as ${format.toUpperCase()}`,
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.setStatusBarMessage(`Text Analytics: ${what} exported to ${inertStatusText(baseName(target.path))}.`, 3000);
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
