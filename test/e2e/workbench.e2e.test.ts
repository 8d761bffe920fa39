/**
 * The harness against VS Code alone (no extension): if this fails, the problem is the harness or
 * the machine, not the extension.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { e2eSkipReason, launchVSCode } from './vscode';

test('the harness drives a bare VS Code: open a file, run a command, read the selection', { skip: e2eSkipReason(), timeout: 240_000 }, async () => {
  const vscode = await launchVSCode({
    name: 'workbench',
    loadExtension: false,
    files: { 'notes.txt': 'first line\nsecond line\nthird line\n' },
  });
  try {
    await vscode.openFile('notes.txt');
    await vscode.screenshot('opened');
    assert.deepEqual(
      { line: (await vscode.editorSelection()).line, selected: (await vscode.editorSelection()).selected },
      { line: 1, selected: 0 },
    );
    await vscode.runCommand('Select All');
    const selection = await vscode.editorSelection();
    assert.equal(selection.selected, 'first line\nsecond line\nthird line\n'.length, selection.text);
    await vscode.screenshot('selected-all');
  } finally {
    await vscode.close();
  }
});
