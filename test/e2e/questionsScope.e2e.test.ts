/**
 * The Questions view's scope and status in a real VS Code, as a user meets them: the view says
 * what the next question will read before it is asked and follows the editor's selection live; a
 * click in the sentiment panel (which selects a sentence) does not narrow the next question, so a
 * question about a year finds the document's one year; "Ask about the whole document" clears a
 * selection's scope; each outcome is said once; after a reload the view shows its last answers by
 * itself. Uses the planted fixture models (`npm run fixtures`: the question-answering one answers
 * with a year 1000–2999 found in the text) and never downloads. Screenshots land in
 * .test-runs/questions-scope-*.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { e2eSkipReason, launchVSCode, REPO_ROOT, type VSCode } from './vscode';

const REPORT = 'report.md';
/** One year in the whole document, on line 15; none near the top. */
const REPORT_TEXT = [
  '# Sports',
  '',
  'The football match on Sunday was great. Our team scored a wonderful goal in the final minute.',
  'The fans were happy and sang all the way home.',
  'Everyone agreed it was a good day.',
  '',
  '# Business',
  '',
  'The market had a terrible week. Stocks fell and the company reported awful revenue.',
  '',
  '# Science',
  '',
  'The research was excellent, and the laboratory ran a new experiment.',
  '',
  'The election was held in 1998 and it was a close vote.',
  '',
].join('\n');
const NOTES = 'notes.md';
const NOTES_TEXT = ['# Notes', '', 'Buy bread and milk on the way home.', ''].join('\n');
const YEAR_QUESTION = 'When was the election held?';

/** The Questions view's content (the sentiment panel, if open, is another webview). */
async function questionsView(vscode: VSCode, timeoutMs = 30_000): Promise<FrameLocator> {
  return vscode.webviewWith('#question', timeoutMs);
}

/** How often `text` occurs in what the view shows. */
async function occurrences(view: FrameLocator, text: string): Promise<number> {
  const shown = await view.locator('body').innerText();
  return shown.split(text).length - 1;
}

describe('The Questions view’s scope and status in VS Code', { skip: e2eSkipReason(), timeout: 480_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'webview', 'questions.js')), 'no dist/webview/questions.js: run `npm run build`');
    vscode = await launchVSCode({
      name: 'questions-scope',
      fixtureModels: ['qa', 'sentiment'],
      files: { [REPORT]: REPORT_TEXT, [NOTES]: NOTES_TEXT },
      settings: {
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('the view says what it will ask about, and follows the selection as the user makes and drops it', { timeout: 120_000 }, async () => {
    await vscode.openFile(REPORT);
    await vscode.runCommand('Text Analytics: Ask a Question About This Document');
    const view = await questionsView(vscode);
    await view.locator('.answering-about', { hasText: REPORT }).waitFor({ timeout: 30_000 });
    await view.locator('.question-scope', { hasText: 'about the whole document' }).waitFor();

    // Lines 3–5 selected with the keyboard: the view says so at once, before anything is asked.
    await vscode.focusFirstEditorGroup();
    const keyboard = vscode.page.keyboard;
    await keyboard.press('Control+Home');
    await keyboard.press('ArrowDown');
    await keyboard.press('ArrowDown');
    await keyboard.press('Shift+ArrowDown');
    await keyboard.press('Shift+ArrowDown');
    await keyboard.press('Shift+End');
    await view.locator('.question-scope', { hasText: 'about the selection (lines 3–5)' }).waitFor({ timeout: 10_000 });
    await vscode.screenshot('selection-scope');

    // The selection goes: the whole document again.
    await keyboard.press('ArrowRight');
    await view.locator('.question-scope', { hasText: 'about the whole document' }).waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('.clear-scope').count(), 0, 'nothing to clear without a selection');
  });

  test('a click in the sentiment panel does not narrow the next question: the whole document’s year is found', { timeout: 150_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = await vscode.webviewWith('.sentence-row');
    // The first sentence of line 3: the panel selects it in the editor.
    const row = panel.locator('.sentence-row').filter({ hasText: 'The football match' }).first();
    const start = Number(await row.getAttribute('data-start'));
    const end = Number(await row.getAttribute('data-end'));
    await row.click();
    // No focusing command here: its Escape would drop the selection the click made.
    await waitFor(async () => (await vscode.editorSelection()).selected === end - start, 'the panel’s sentence selected in the editor');

    const view = await questionsView(vscode);
    // The Ask command from the editor, the selection still there: it must not become the scope.
    await vscode.runCommandKeepingSelection('Text Analytics: Ask a Question About This Document');
    await view.locator('.question-scope', { hasText: 'about the whole document' }).waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('.selection-scope').count(), 0, 'the panel’s selection is not the scope');
    await vscode.page.keyboard.type(YEAR_QUESTION);
    await vscode.page.keyboard.press('Enter');
    await view.locator('.asked', { hasText: YEAR_QUESTION }).waitFor({ timeout: 30_000 });
    try {
      await view.locator('.answer .answer-text', { hasText: '1998' }).waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-year-found');
      throw new Error(`the year was not found (status: ${await view.locator('.status').innerText().catch(() => '?')})`, { cause: error });
    }
    assert.equal(await view.locator('.asked-scope').count(), 0, 'answered about the whole document, not "about the selection"');
    assert.equal(await view.locator('.answer .line').first().innerText(), 'line 15');
    await vscode.screenshot('whole-document-after-panel-click');
    // The panel's tab names report.md too: closed, so that tabs are told apart from here on.
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('View: Close Editors in Other Groups');
    await vscode.page.locator('.tabs-container .tab', { hasText: 'Sentiment:' }).waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('"Ask about the whole document" clears a selection’s scope; the editor keeps the selection', { timeout: 60_000 }, async () => {
    const view = await questionsView(vscode);
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Home');
    await vscode.page.keyboard.press('Shift+ArrowDown');
    await view.locator('.selection-scope', { hasText: 'about the selection (line 1)' }).waitFor({ timeout: 10_000 });
    const clear = view.locator('button.clear-scope', { hasText: 'Ask about the whole document' });
    await clear.focus();
    await clear.press('Enter'); // a button, so the keyboard reaches it too
    await view.locator('.question-scope', { hasText: 'about the whole document' }).waitFor({ timeout: 10_000 });
    await vscode.focusFirstEditorGroup();
    assert.ok((await vscode.editorSelection()).selected > 0, 'the selection stays in the editor');
    await vscode.page.keyboard.press('ArrowRight');
  });

  test('each outcome is said once: no answer, with what to try', { timeout: 90_000 }, async () => {
    await vscode.openFile(NOTES);
    const view = await questionsView(vscode);
    await view.locator('.answering-about', { hasText: NOTES }).waitFor({ timeout: 20_000 });
    const box = view.locator('#question');
    await box.fill('When was it written?');
    await box.press('Enter');
    await view.locator('.status.no-answer').waitFor({ timeout: 60_000 });
    await vscode.screenshot('no-answer-once');
    assert.equal(await occurrences(view, 'No confident answer'), 1, await view.locator('body').innerText());
    assert.equal(await view.locator('.answer').count(), 0);
    assert.match(await view.locator('.status.no-answer .hint').innerText(), /or about a selection\.$/);

    // An answer, likewise: the status names the best one once, the list shows it once.
    await vscode.openFile(REPORT);
    await view.locator('.asked', { hasText: YEAR_QUESTION }).waitFor({ timeout: 20_000 });
    assert.equal(await occurrences(view, YEAR_QUESTION), 1);
    assert.equal(await view.locator('.status').count(), 1);
    assert.match(await view.locator('.status').innerText(), /^1 answer\. Best: “1998”/);
  });

  test('after a reload the view shows its last answers by itself', { timeout: 150_000 }, async () => {
    await vscode.runCommand('Developer: Reload Window');
    await vscode.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
    await vscode.page.locator('.tabs-container .tab.active', { hasText: REPORT }).waitFor({ timeout: 60_000 });
    // No command run, nothing toggled: the view was open and comes back with what it showed.
    const view = await questionsView(vscode, 60_000);
    try {
      await view.locator('.asked', { hasText: YEAR_QUESTION }).waitFor({ timeout: 30_000 });
      await view.locator('.answer .answer-text', { hasText: '1998' }).waitFor({ timeout: 10_000 });
    } finally {
      await vscode.screenshot('after-reload');
    }
    await view.locator('.answering-about', { hasText: REPORT }).waitFor({ timeout: 30_000 });
    // The host's state has arrived too (not only the webview's own copy): the scope follows the editor.
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Home');
    await vscode.page.keyboard.press('Shift+ArrowDown');
    await view.locator('.selection-scope', { hasText: 'about the selection (line 1)' }).waitFor({ timeout: 20_000 });
    await view.locator('.answer .answer-text', { hasText: '1998' }).waitFor();
  });
});

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
