/**
 * Answering VS Code's own pickers in code-server, as a user does: the simple file dialog (a quick
 * input holding a path) and small polling helpers the model tests share.
 */
import { readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { VSCode } from './vscode';

export async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** Matches `text` alone (surrounding blanks allowed), for buttons and rows. */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${escape(text)}\\s*$`);
}

export function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Answers VS Code's simple file dialog (what code-server shows to open a folder: a quick input
 * holding a path, with the subfolders of the folder it is in listed below) with `folder`, as a
 * user who types the path. Typed with a trailing `/`, the dialog goes into the folder; its OK
 * button (`okLabel`, the extension's `openLabel`) then chooses it. Right after it opens, the dialog
 * fills in its starting folder by itself, which can overwrite what was typed, so the path is typed
 * again until the dialog shows `folder`.
 */
export async function chooseFolderInFileDialog(vscode: VSCode, folder: string, okLabel: string): Promise<void> {
  const page = vscode.page;
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const rows = widget.locator('.quick-input-list .monaco-list-row');
  const typed = `${folder}/`;
  const entries = ['..', ...readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)];
  // The list renders only the rows in view (a folder of two dozen models overflows it): every row
  // shown must be one of the folder's, and as many as fit.
  const showsFolder = async () => {
    if ((await input.inputValue()) !== typed) return false;
    const shown = (await rows.allInnerTexts()).map((row) => row.trim());
    return shown.length >= Math.min(entries.length, 8) && shown.every((row) => entries.includes(row));
  };
  await input.waitFor({ state: 'visible' });
  for (let attempt = 1; ; attempt++) {
    await input.fill(typed);
    try {
      await waitFor(showsFolder, `the file dialog to show ${folder}`, 5_000);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await widget.locator('.monaco-button', { hasText: exactly(okLabel) }).first().click();
  await widget.waitFor({ state: 'hidden' });
}
