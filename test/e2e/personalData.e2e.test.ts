/**
 * Personal data in a real VS Code, as a user meets it: open a note with an e-mail address, a card
 * number, a phone number and a name; run *Detect Personal Data*; the Problems panel lists them
 * (source "Text Analytics"); the light bulb's *Redact This* replaces the address with
 * `[EMAIL_ADDRESS]` and Undo brings it back; *Never Report This Value* makes its problem go and
 * writes the workspace's allow-list; *Redact Personal Data…* into a new untitled copy leaves the
 * original as it was. Uses the planted named-entity fixture model (`npm run fixtures`); never
 * downloads. Screenshots land in .test-runs/personal-data-*.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';

const FILE = 'contacts.md';
const EMAIL = 'ann.lee@example.com';
/** A Visa test number: passes the Luhn check. */
const CARD = '4111 1111 1111 1111';
const PHONE = '+1 650-253-0000';

/** Short lines (the results panel opens beside the editor); the planted model tags "Angela Merkel" as a person. */
const TEXT = ['# Contacts', '', `Write to ${EMAIL} today.`, `Card: ${CARD}`, `Call ${PHONE} after six.`, 'Angela Merkel approved it.', ''].join('\n');

/** Where `text` starts in {@link TEXT}, 1-based, as Go to Line takes it. */
function positionOf(text: string): { line: number; column: number } {
  const offset = TEXT.indexOf(text);
  const before = TEXT.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** The text of the active editor's lines in view, top to bottom. A string: see entities.e2e.test.ts on `keepNames`. */
const READ_LINES = String.raw`(() => {
  const editor = document.querySelector('.part.editor .editor-group-container.active .monaco-editor') || document.querySelector('.part.editor .monaco-editor');
  if (!editor) return [];
  return [...editor.querySelectorAll('.view-lines > .view-line')]
    .map((el) => ({ top: el.getBoundingClientRect().top, text: el.textContent.replace(/\u00a0/g, ' ') }))
    .sort((a, b) => a.top - b.top)
    .map((line) => line.text);
})()`;

describe('Personal data in VS Code', { skip: e2eSkipReason(), timeout: 420_000 }, () => {
  let vscode: VSCode;

  /** The active editor's text as shown (the lines in view: the documents here are short). */
  async function shownText(): Promise<string> {
    return ((await vscode.page.evaluate(READ_LINES)) as string[]).join('\n').replace(/\n+$/, '');
  }

  async function waitForText(what: string, wanted: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = await shownText();
    while (!wanted(text) && Date.now() < deadline) {
      await delay(100);
      text = await shownText();
    }
    if (!wanted(text)) await vscode.screenshot(`failed-${what}`).catch(() => undefined);
    assert.ok(wanted(text), `${what}: the editor shows ${JSON.stringify(text)}`);
    return text;
  }

  /** The Problems panel's rows about personal data ("Personal data: e-mail address (98.2%)" …), opening the panel if needed. */
  async function problems(): Promise<string[]> {
    const panel = vscode.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await vscode.runCommand('View: Focus Problems (Errors, Warnings, Infos)', 20_000).catch(() => vscode.page.keyboard.press('Control+Shift+M'));
      await panel.waitFor({ timeout: 10_000 });
    }
    const rows = await panel.locator('.monaco-list-row').allInnerTexts();
    return rows.map((row) => row.replace(/\s+/g, ' ').trim()).filter((row) => row.includes('Personal data:'));
  }

  /** Polls the Problems panel until `wanted` holds of its personal-data rows; fails with what it last saw. */
  async function waitForProblems(what: string, wanted: (rows: string[]) => boolean, timeoutMs = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let rows = await problems();
    while (!wanted(rows) && Date.now() < deadline) {
      await delay(250);
      rows = await problems();
    }
    if (!wanted(rows)) await vscode.screenshot(`failed-${what}`).catch(() => undefined);
    assert.ok(wanted(rows), `${what}: the Problems panel lists ${JSON.stringify(rows)} (notifications: ${JSON.stringify(await vscode.notifications())})`);
    return rows;
  }

  /** Puts the cursor at a 1-based line and column with the keyboard, and checks it is there. */
  async function moveCursor(line: number, column: number): Promise<void> {
    await vscode.focusFirstEditorGroup();
    const keyboard = vscode.page.keyboard;
    await keyboard.press('Control+Home');
    for (let i = 1; i < line; i++) await keyboard.press('ArrowDown');
    await keyboard.press('Home');
    for (let i = 1; i < column; i++) await keyboard.press('ArrowRight');
    // The status bar follows the cursor a moment later.
    const deadline = Date.now() + 5_000;
    let selection = await vscode.editorSelection();
    while ((selection.line !== line || selection.column !== column) && Date.now() < deadline) {
      await delay(100);
      selection = await vscode.editorSelection();
    }
    assert.deepEqual([selection.line, selection.column], [line, column], selection.text);
  }

  /** Opens the light bulb's menu at the cursor (Ctrl+.) and picks `title`, with the arrow keys and Enter. */
  async function quickFix(title: string): Promise<void> {
    const row = vscode.page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
    for (let attempt = 0; ; attempt++) {
      await vscode.page.keyboard.press('Control+Period');
      try {
        await row.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        await vscode.page.keyboard.press('Escape');
        if (attempt === 2) {
          await vscode.screenshot(`no-quick-fix-${title}`);
          throw new Error(`no quick fix "${title}"`, { cause: error });
        }
      }
    }
    await vscode.screenshot(`quick-fix-${title.replace(/\W+/g, '-').toLowerCase()}`);
    // With the keyboard, as the menu opens under a layer that takes the first clicks.
    const focused = vscode.page.locator('.action-widget .monaco-list-row.focused');
    for (let step = 0; (await focused.getAttribute('aria-label')) !== title; step++) {
      if (step === 10) throw new Error(`the quick fix menu never focused "${title}"`);
      await vscode.page.keyboard.press('ArrowDown');
      await delay(100);
    }
    await vscode.page.keyboard.press('Enter');
    await row.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  before(async () => {
    vscode = await launchVSCode({
      name: 'personal-data',
      fixtureModels: ['entities'],
      files: { [FILE]: TEXT },
      settings: {
        '[markdown]': { 'editor.wordWrap': 'off' },
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('Detect Personal Data lists every finding in the Problems panel', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await waitForText('opened', (text) => text === TEXT.trimEnd());
    await vscode.runCommand('Text Analytics: Detect Personal Data');
    const rows = await waitForProblems('detect', (found) => found.length >= 4);
    await vscode.screenshot('detected');
    for (const kind of ['e-mail address', 'card number', 'phone number', 'person']) {
      assert.ok(
        rows.some((row) => row.includes(`Personal data: ${kind} (`)),
        `a ${kind} in ${JSON.stringify(rows)}`,
      );
    }
    assert.equal(rows.length, 4, `exactly the four planted findings: ${JSON.stringify(rows)}`);
    assert.ok(rows.every((row) => row.includes('Text Analytics')), `the source in ${JSON.stringify(rows)}`);
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test("the results panel's Personal Data tab counts each type, and a click selects the finding in the editor", { timeout: 60_000 }, async () => {
    const panel = vscode.webview();
    await panel.locator('.pii-finding').nth(3).waitFor({ timeout: 20_000 });
    const counts = await panel
      .locator('.pii-type')
      .evaluateAll((buttons) => buttons.map((button) => [button.getAttribute('data-type'), button.querySelector('.pii-type-count')?.textContent?.trim()]));
    assert.deepEqual(
      counts.sort(),
      [
        ['CREDIT_CARD', '1'],
        ['EMAIL_ADDRESS', '1'],
        ['PERSON', '1'],
        ['PHONE_NUMBER', '1'],
      ],
    );
    const card = panel.locator('.pii-finding[data-type="CREDIT_CARD"]');
    const start = Number(await card.getAttribute('data-start'));
    const end = Number(await card.getAttribute('data-end'));
    assert.equal(TEXT.slice(start, end), CARD, "the row carries the card's document offsets");
    await card.click();
    const selection = await vscode.selectionOfLength(CARD.length);
    assert.equal(selection.selected, CARD.length, selection.text);
    assert.equal(selection.line, positionOf(CARD).line, selection.text);
    await vscode.screenshot('panel-selected');
  });

  test('the quick fix Redact This replaces the address with its tag, and Undo restores it', { timeout: 90_000 }, async () => {
    const at = positionOf(EMAIL);
    await moveCursor(at.line, at.column + 2);
    await quickFix('Redact This');
    await waitForText('redacted', (text) => text.includes('Write to [EMAIL_ADDRESS] today.') && !text.includes(EMAIL));
    // Every other character as it was.
    assert.equal(await shownText(), TEXT.replace(EMAIL, '[EMAIL_ADDRESS]').trimEnd());
    await vscode.screenshot('redacted-one');

    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Z');
    await waitForText('undone', (text) => text === TEXT.trimEnd());
    // The restored address is found again after the pause in typing.
    await waitForProblems('after undo', (rows) => rows.length === 4 && rows.some((row) => row.includes('e-mail address')));
  });

  test('Never Report This Value takes the address off the Problems panel and into the allow-list', { timeout: 90_000 }, async () => {
    const at = positionOf(EMAIL);
    await moveCursor(at.line, at.column + 2);
    await quickFix('Never Report This Value');
    const rows = await waitForProblems('allowed', (found) => found.length === 3 && !found.some((row) => row.includes('e-mail address')));
    assert.ok(rows.some((row) => row.includes('card number')), JSON.stringify(rows));
    // A folder is open: the workspace's settings get the value.
    const settingsFile = join(vscode.workspace, '.vscode', 'settings.json');
    const deadline = Date.now() + 10_000;
    while (!existsSync(settingsFile) && Date.now() < deadline) await delay(200);
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(settings['textAnalytics.pii.allowList'], [EMAIL]);
    // Still gone after the re-analysis the setting change starts.
    await delay(1_500);
    assert.ok(!(await problems()).some((row) => row.includes('e-mail address')), 'the address stays off the panel');
  });

  test('Redact Personal Data into a new copy leaves the original unchanged', { timeout: 120_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Redact Personal Data…');
    // The destination question: the new copy is the first choice.
    const copyRow = vscode.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'New Untitled Copy' }).first();
    await copyRow.waitFor({ timeout: 20_000 });
    await vscode.screenshot('destination');
    await copyRow.click();
    await vscode.page.locator('.tabs-container .tab.active', { hasText: /Untitled/ }).waitFor({ timeout: 60_000 });
    const copy = await waitForText('copy', (text) => text.includes('[CREDIT_CARD]'));
    await vscode.screenshot('redacted-copy');
    // The allow-listed address stays; everything else found is its tag; every other character as it was.
    assert.equal(copy, TEXT.replace(CARD, '[CREDIT_CARD]').replace(PHONE, '[PHONE_NUMBER]').replace('Angela Merkel', '[PERSON]').trimEnd());

    await vscode.openFile(FILE);
    await waitForText('original', (text) => text === TEXT.trimEnd());
    assert.equal(readFileSync(join(vscode.workspace, FILE), 'utf8'), TEXT, 'the file on disk is untouched');
    const dirty = await vscode.page.locator(`.tabs-container .tab.dirty[data-resource-name="${FILE}"]`).count();
    assert.equal(dirty, 0, 'the original has no unsaved changes');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
