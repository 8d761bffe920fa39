/**
 * The Questions view in a real VS Code, as a user meets it: the Ask command opens the view with
 * the keyboard in the question box, Enter asks, the answer is shown marked inside its sentence,
 * clicking it selects it in the editor; the view follows the active editor, a selection narrows the
 * question, a document without an answer says so, Up recalls earlier questions, and the history
 * survives a reload. Uses the planted fixture model (`npm run fixtures`: it answers with a year
 * 1000–2999 found in the document) and never downloads. Screenshots land in .test-runs/questions-*,
 * in a dark, a light and a high-contrast theme.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { e2eSkipReason, launchVSCode, REPO_ROOT, type VSCode } from './vscode';

const BRIDGE = 'bridge.md';
const RECIPE = 'recipe.md';
const BRIDGE_TEXT = ['# The old bridge', '', 'The bridge opened in 1932 after four years of work.', 'It was painted red in 1987 by the city.', ''].join('\n');
const RECIPE_TEXT = ['# Bread', '', 'Mix the flour with water and salt.', 'Bake it until the crust is brown.', ''].join('\n');
const QUESTION = 'When did the bridge open?';
const LONG = 'archive.md';
/** Thousands of passages for the model to read, with the one answer near the top. */
const LONG_TEXT = [
  '# The archive',
  '',
  'The archive was founded in 1871 by the town.',
  ...Array.from({ length: 60_000 }, () => 'This sentence talks about nothing in particular, as filler text does.'),
  '',
].join('\n');

/** 1-based line and column of a UTF-16 offset in `text`, as VS Code's status bar counts them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** The Questions view's content; the results panel, if open, is another webview. */
async function questionsView(vscode: VSCode, timeoutMs = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await vscode.page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = vscode.webview(i);
      if ((await frame.locator('#question').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error('no Questions view with a #question box');
    await delay(200);
  }
}

interface ShownAnswer {
  start: number;
  end: number;
  text: string;
  sentence: string;
  score: string;
  line: string;
}

async function shownAnswers(view: FrameLocator): Promise<ShownAnswer[]> {
  return view.locator('.answer').evaluateAll((items) =>
    items.map((item) => ({
      start: Number(item.getAttribute('data-start')),
      end: Number(item.getAttribute('data-end')),
      text: item.querySelector('.answer-text')?.textContent ?? '',
      sentence: item.querySelector('.sentence')?.textContent ?? '',
      score: item.querySelector('.score')?.textContent ?? '',
      line: item.querySelector('.line')?.textContent ?? '',
    })),
  );
}

/**
 * Picks a colour theme through "Preferences: Color Theme", as a user does (the picker names them
 * "Light Modern", "Dark High Contrast"…), and waits until the workbench has applied it: its theme
 * type is a class of the workbench element.
 */
async function useColorTheme(vscode: VSCode, label: string, themeClass: string): Promise<void> {
  const page = vscode.page;
  // Its key chord rather than vscode.runCommand, which waits for the palette to close: this
  // command opens a picker in its place.
  await vscode.focusFirstEditorGroup();
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  const workbench = page.locator('.monaco-workbench').first();
  await waitFor(async () => ((await workbench.getAttribute('class')) ?? '').split(/\s+/).includes(themeClass), `the ${label} theme`, 20_000);
}

describe('The Questions view in VS Code', { skip: e2eSkipReason(), timeout: 400_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'webview', 'questions.js')), 'no dist/webview/questions.js: run `npm run build`');
    vscode = await launchVSCode({
      name: 'questions',
      fixtureModels: ['qa'],
      files: { [BRIDGE]: BRIDGE_TEXT, [RECIPE]: RECIPE_TEXT, [LONG]: LONG_TEXT },
      settings: {
        'textAnalytics.maxDocumentSize': 10_000_000,
        'workbench.colorTheme': 'Default Dark Modern',
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('the Ask command opens the view on the document with the keyboard in the box; Enter shows the answers', { timeout: 120_000 }, async () => {
    await vscode.openFile(BRIDGE);
    await vscode.runCommand('Text Analytics: Ask a Question About This Document');
    const view = await questionsView(vscode);
    await view.locator('.answering-about', { hasText: BRIDGE }).waitFor();
    const box = view.locator('#question');
    await box.waitFor();
    // The keyboard is in the box: typing on the page goes there.
    await waitFor(() => box.evaluate((element) => element.ownerDocument.hasFocus() && element.ownerDocument.activeElement === element), 'the keyboard in #question');
    await vscode.page.keyboard.type(QUESTION);
    await vscode.page.keyboard.press('Enter');

    try {
      await view.locator('.answer').first().waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-answer-shown');
      throw new Error(`no answers in the Questions view (notifications: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
    }
    await view.locator('.status', { hasText: /answer/ }).waitFor();
    await vscode.screenshot('answers-dark');

    const answers = await shownAnswers(view);
    assert.deepEqual(answers.map((a) => a.text).sort(), ['1932', '1987'], JSON.stringify(answers));
    for (const answer of answers) {
      assert.equal(BRIDGE_TEXT.slice(answer.start, answer.end), answer.text, 'data-start/data-end of the answer');
      assert.match(answer.score, /^\d{1,2}%$/);
      assert.equal(answer.line, `line ${lineAndColumn(BRIDGE_TEXT, answer.start).line}`);
    }
    const opened = answers.find((a) => a.text === '1932');
    assert.equal(opened?.sentence, 'The bridge opened in 1932 after four years of work.');
    assert.equal(opened?.line, 'line 3');
    assert.equal(await view.locator('.no-answer').count(), 0);
    assert.equal(await view.locator('.answer mark.answer-text').count(), answers.length, 'each answer marked in its sentence');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('clicking an answer selects it in the editor', { timeout: 60_000 }, async () => {
    const view = await questionsView(vscode);
    const answer = view.locator('.answer').filter({ has: view.locator('.answer-text', { hasText: '1932' }) });
    const start = Number(await answer.getAttribute('data-start'));
    await answer.click();
    await vscode.focusFirstEditorGroup();
    const selection = await vscode.editorSelection();
    await vscode.screenshot('answer-selected', { readme: 'questions' });
    const from = lineAndColumn(BRIDGE_TEXT, start);
    assert.equal(selection.selected, 4, selection.text);
    assert.equal(selection.line, from.line, selection.text);
    assert.ok([from.column, from.column + 4].includes(selection.column), `${selection.text}: expected column ${from.column} or ${from.column + 4}`);
  });

  test('with a selection, the question is about the selection', { timeout: 90_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    // Line 4, the one with 1987, selected from its start to its end.
    await vscode.page.keyboard.press('Control+Home');
    for (let i = 0; i < 3; i++) await vscode.page.keyboard.press('ArrowDown');
    await vscode.page.keyboard.press('Home');
    await vscode.page.keyboard.press('Shift+End');
    // Not vscode.runCommand: it presses Escape first, which would clear the selection.
    await vscode.runCommandKeepingSelection('Text Analytics: Ask a Question About This Document');
    const view = await questionsView(vscode);
    await view.locator('.selection-scope', { hasText: 'about the selection (line 4)' }).waitFor();
    await vscode.page.keyboard.type('When was it painted?');
    await vscode.page.keyboard.press('Enter');
    await view.locator('.asked', { hasText: 'When was it painted?' }).waitFor({ timeout: 30_000 });
    await view.locator('.status', { hasText: /1 answer\b/ }).waitFor({ timeout: 60_000 });
    const answers = await shownAnswers(view);
    assert.deepEqual(
      answers.map((a) => [a.text, a.line]),
      [['1987', 'line 4']],
    );
    assert.equal(BRIDGE_TEXT.slice(answers[0].start, answers[0].end), '1987', 'document offsets, not offsets into the selection');
    await vscode.screenshot('selection');
    // Back to the whole document for the tests that follow.
    await view.locator('button', { hasText: 'Ask about the whole document' }).click();
    await view.locator('.selection-scope').waitFor({ state: 'detached' });
  });

  test('the view follows the active editor, and says plainly when there is no confident answer', { timeout: 90_000 }, async () => {
    await vscode.openFile(RECIPE);
    const view = await questionsView(vscode);
    await view.locator('.answering-about', { hasText: RECIPE }).waitFor({ timeout: 20_000 });
    // No question asked about this document yet: no answers from the other one.
    assert.equal(await view.locator('.answer').count(), 0);
    const box = view.locator('#question');
    await box.fill('When was it written?');
    await box.press('Enter');
    await view.locator('.no-answer').waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('.answer').count(), 0);
    assert.match(await view.locator('.status').innerText(), /No confident answer in recipe\.md/);
    await vscode.screenshot('no-confident-answer');
  });

  test('Up and Down recall the questions asked about the shown document', { timeout: 60_000 }, async () => {
    const view = await questionsView(vscode);
    const box = view.locator('#question');
    await box.fill('draft');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'When was it written?');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'When was it written?', 'the oldest question of recipe.md: Up stops');
    await box.press('ArrowDown');
    assert.equal(await box.inputValue(), 'draft');

    await vscode.openFile(BRIDGE);
    await view.locator('.answering-about', { hasText: BRIDGE }).waitFor({ timeout: 20_000 });
    // The last question about bridge.md is shown again with its answers.
    await view.locator('.asked', { hasText: 'When was it painted?' }).waitFor();
    await box.fill('');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'When was it painted?');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), QUESTION);
  });

  test('on a long document the best answers so far show with progress, and Escape cancels', { timeout: 120_000 }, async () => {
    await vscode.openFile(LONG);
    const view = await questionsView(vscode);
    await view.locator('.answering-about', { hasText: LONG }).waitFor({ timeout: 20_000 });
    const box = view.locator('#question');
    await box.fill('When was the archive founded?');
    await box.press('Enter');
    const progress = view.locator('.progress');
    await progress.waitFor({ timeout: 60_000 });
    // The answer near the top shows while the rest is still being read.
    await view.locator('.answer .answer-text', { hasText: '1871' }).waitFor({ timeout: 60_000 });
    assert.equal(await progress.isVisible(), true, 'still reading when the first answer shows');
    // At once: on a loaded machine a screenshot here can outlast the rest of the reading (CI did).
    await box.press('Escape');
    await view.locator('.status', { hasText: /^Cancelled\./ }).waitFor({ timeout: 20_000 });
    await progress.waitFor({ state: 'detached' });
    const answers = await shownAnswers(view);
    assert.deepEqual(answers.map((a) => [a.text, a.line]), [['1871', 'line 3']], 'the answers so far stay after a cancel');
    await vscode.screenshot('cancelled');
  });

  test('the view reads well in light and high-contrast themes', { timeout: 120_000 }, async () => {
    await vscode.openFile(BRIDGE);
    const view = await questionsView(vscode);
    for (const [theme, themeClass, name] of [
      ['Light Modern', 'vs', 'light'],
      ['Dark High Contrast', 'hc-black', 'high-contrast'],
      ['Light High Contrast', 'hc-light', 'high-contrast-light'],
    ]) {
      try {
        await useColorTheme(vscode, theme, themeClass);
        // A focused answer, to see the focus outline too.
        await view.locator('.answer').first().focus();
      } finally {
        await delay(500); // the webview takes the new theme variables on its next frame
        await vscode.screenshot(`answers-${name}`);
      }
    }
    await useColorTheme(vscode, 'Dark Modern', 'vs-dark');
  });

  test('the question history survives a reload of the window', { timeout: 120_000 }, async () => {
    await vscode.runCommand('Developer: Reload Window');
    await vscode.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
    await vscode.page.locator('.tabs-container .tab.active', { hasText: BRIDGE }).waitFor({ timeout: 60_000 });
    await vscode.runCommand('Text Analytics: Ask a Question About This Document');
    const view = await questionsView(vscode, 60_000);
    await view.locator('.answering-about', { hasText: BRIDGE }).waitFor({ timeout: 30_000 });
    const box = view.locator('#question');
    await box.fill('');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'When was it painted?');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), QUESTION);
    await vscode.screenshot('after-reload');
  });
});

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
