/**
 * The editor extras in a real VS Code, as a user meets them: after Highlight Entities, *Go to
 * Symbol in Editor* lists the entities by kind and *Next Entity* (palette and Ctrl+Alt+]) moves the
 * cursor to the next one; after Analyze Sentiment, the status bar sums the document up ("Positive
 * 97% · 5 entities") and the sentences are marked; *Export Sentiment…* writes a CSV and a JSON
 * file through the save dialog. Uses the planted fixture models (`npm run fixtures`); never
 * downloads. Screenshots land in .test-runs/editor-extras-*.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { parseCsv } from '../support/csv';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';

const FILE = 'notes.md';
/** Pinned, so that the contributed light defaults are the colours on screen. */
const THEME = 'Default Light Modern';
/** The document status item: the extension's id, then the item's own. */
const STATUS_ITEM = 'local-text-analytics.local-text-analytics.textAnalytics.document';

/** The planted models find these names (test/fixtures/planted.ts) and count these sentiment words. */
const TEXT = [
  '# Notes',
  '',
  'Angela Merkel met Barack Obama.',
  'The coffee was excellent and wonderful.',
  '',
  'Google opened offices in Berlin.',
  'The parking was terrible.',
  '',
].join('\n');
const NAMES = ['Angela Merkel', 'Barack Obama', 'Google', 'Berlin'];
/** The light defaults of textAnalytics.sentiment.positive / .negative, as computed styles give them. */
const MARK_COLOURS = { positive: 'rgb(15, 123, 108)', negative: 'rgb(181, 32, 13)' };

/** The colours of the dotted underlines Monaco draws for decorations (in `.view-overlays`, beside the text). */
const READ_DOTTED_MARKS = String.raw`[...document.querySelectorAll('.monaco-editor .view-overlays .cdr')]
  .map((element) => getComputedStyle(element))
  .filter((style) => style.borderBottomStyle === 'dotted')
  .map((style) => style.borderBottomColor)`;

/**
 * Where the status bar puts the cursor once the first occurrence of `text` is selected: its line,
 * the column just after it (the selection's active end), and how many characters are selected.
 */
function selectionOf(text: string): { line: number; column: number; selected: number } {
  const offset = TEXT.indexOf(text);
  const before = TEXT.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 + text.length, selected: text.length };
}

describe('Editor extras in VS Code', { skip: e2eSkipReason(), timeout: 420_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'editor-extras',
      fixtureModels: ['entities', 'sentiment'],
      files: { [FILE]: TEXT },
      settings: {
        'workbench.colorTheme': THEME,
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('after Highlight Entities, Go to Symbol in Editor lists the entities by kind', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const status = vscode.statusBarItem(STATUS_ITEM);
    await status.filter({ hasText: `${NAMES.length} entities` }).waitFor({ timeout: 60_000 });

    await vscode.focusFirstEditorGroup();
    // `@` in the quick input is Go to Symbol in Editor (Ctrl+Shift+O).
    await openQuickInput(vscode, '@');
    const rows = vscode.page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name');
    await rows.filter({ hasText: 'Berlin' }).first().waitFor({ timeout: 20_000 });
    const listed = (await rows.allInnerTexts()).map((row) => row.trim());
    await vscode.screenshot('go-to-symbol');
    for (const name of [...NAMES, 'People', 'Organisations', 'Locations']) assert.ok(listed.includes(name), `"${name}" in ${JSON.stringify(listed)}`);
    await vscode.page.keyboard.press('Escape');
  });

  test('Next Entity moves the cursor to the next entity, from the palette and with Ctrl+Alt+]', { timeout: 90_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Home');
    await vscode.runCommand('Text Analytics: Next Entity');
    const first = selectionOf('Angela Merkel');
    assert.deepEqual(await selectionSettles(vscode, first.column), first);

    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Alt+BracketRight');
    const second = selectionOf('Barack Obama');
    assert.deepEqual(await selectionSettles(vscode, second.column), second);

    // Back past the first: wraps round to the last.
    await vscode.page.keyboard.press('Control+Alt+BracketLeft');
    await vscode.page.keyboard.press('Control+Alt+BracketLeft');
    const last = selectionOf('Berlin');
    assert.deepEqual(await selectionSettles(vscode, last.column), last);
  });

  test('after Analyze Sentiment the status bar sums the document up and the sentences are marked', { timeout: 120_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+Home'); // no selection: the whole document
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const status = vscode.statusBarItem(STATUS_ITEM);
    await status.filter({ hasText: /^(Positive|Negative|Neutral) \d+% · 4 entities$/ }).waitFor({ timeout: 60_000 });
    await vscode.screenshot('status-and-marks');

    const marks = (await vscode.page.evaluate(READ_DOTTED_MARKS)) as string[];
    assert.ok(marks.includes(MARK_COLOURS.positive), `a positive mark among ${JSON.stringify(marks)}`);
    assert.ok(marks.includes(MARK_COLOURS.negative), `a negative mark among ${JSON.stringify(marks)}`);
  });

  test('Export Sentiment… saves CSV and JSON files that hold every sentence', { timeout: 120_000 }, async () => {
    const csv = await exportThroughDialog(vscode, 'Save as CSV…', 'notes.sentiment.csv');
    const rows = parseCsv(csv);
    const text = rows[0].indexOf('text');
    const label = rows[0].indexOf('label');
    assert.equal(rows[1][0], 'document');
    const sentences = rows.slice(2);
    assert.ok(sentences.some((row) => row[text] === 'The coffee was excellent and wonderful.' && row[label] === 'POSITIVE'), JSON.stringify(sentences));
    assert.ok(sentences.some((row) => row[text] === 'The parking was terrible.' && row[label] === 'NEGATIVE'), JSON.stringify(sentences));

    const json = JSON.parse(await exportThroughDialog(vscode, 'Save as JSON…', 'notes.sentiment.json'));
    assert.equal(typeof json.schemaVersion, 'number');
    assert.deepEqual(
      json.sentences.map((sentence: { text: string }) => sentence.text),
      sentences.map((row) => row[text]),
    );
    for (const sentence of json.sentences) assert.equal(TEXT.slice(sentence.start, sentence.end), sentence.text);
  });
});

/** The selection once it stops changing (the command moves it after the palette closes). */
async function selectionSettles(vscode: VSCode, column: number): Promise<{ line: number; column: number; selected: number }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { line, column: at, selected } = await vscode.editorSelection();
    if (at === column && selected > 0) return { line, column: at, selected };
    if (Date.now() > deadline) return { line, column: at, selected };
    await delay(200);
  }
}

/** Runs Export Sentiment…, picks `choice`, accepts the save dialog's proposed file and returns what was written. */
async function exportThroughDialog(vscode: VSCode, choice: string, fileName: string): Promise<string> {
  const page = vscode.page;
  await vscode.focusFirstEditorGroup();
  // Not `vscode.runCommand`, which waits for the palette to close: the command opens a quick pick at once.
  await openQuickInput(vscode, '>Text Analytics: Export Sentiment…');
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-list .monaco-list-row .label-name', { hasText: 'Export Sentiment' }).first().click();
  await widget.locator('.quick-input-list .monaco-list-row', { hasText: choice }).first().click();
  // VS Code's simple save dialog: a quick input holding the proposed path, beside the document.
  const input = widget.locator('.quick-input-box input');
  const deadline = Date.now() + 20_000;
  while (!(await input.inputValue().catch(() => '')).endsWith(fileName)) {
    if (Date.now() > deadline) throw new Error(`the save dialog did not propose ${fileName} (it shows "${await input.inputValue()}")`);
    await delay(200);
  }
  await page.keyboard.press('Enter');
  const file = join(vscode.workspace, fileName);
  for (const until = Date.now() + 20_000; !existsSync(file); await delay(200)) {
    if (Date.now() > until) {
      await vscode.screenshot(`no-${fileName}`);
      throw new Error(`${fileName} was not written`);
    }
  }
  await delay(200); // the write may still be under way
  return readFileSync(file, 'utf8');
}

/** Opens the command palette and types `value` into it (`>` commands, `@` symbols of the editor). */
async function openQuickInput(vscode: VSCode, value: string): Promise<void> {
  const page = vscode.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  for (const until = Date.now() + 20_000; (await input.inputValue()) !== '>'; await delay(100)) {
    if (Date.now() > until) throw new Error('the command palette did not open');
  }
  await input.fill(value);
}
