/**
 * The editor's conventions in a real VS Code: analysis on save where the user turns it on, the
 * workspace's on/off switch, the Settings UI's sections, and an untrusted workspace that cannot
 * pick the model. Uses the planted fixture model (`npm run fixtures`) and never downloads.
 * Screenshots land in .test-runs/conventions-*.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { SAMPLE_TEXT } from '../integration/sample';
import { e2eSkipReason, launchVSCode, REPO_ROOT, shownSentences, type VSCode } from './vscode';

const FILE = 'notes.md';

/** Waits until the results panel's sentence rows include (or, with `present` false, still lack) `text`. */
async function sentenceShown(vscode: VSCode, text: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await shownSentences(vscode.webview()).catch(() => []);
    if (rows.some((row) => row.text === text)) return true;
    await delay(250);
  }
  return false;
}

/** Types a new paragraph at the end of the active editor and saves it. */
async function appendAndSave(vscode: VSCode, sentence: string): Promise<void> {
  // The document is in the first group (the results panel opens beside it).
  await vscode.page.locator('.editor-group-container').first().locator('.monaco-editor .view-lines').click({ timeout: 30_000 });
  await vscode.page.keyboard.press('Control+End');
  await vscode.page.keyboard.press('Enter');
  await vscode.page.keyboard.type(sentence);
  await vscode.page.keyboard.press('Control+S');
  await vscode.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 30_000 });
}

describe('Analysis on save and the on/off switch in VS Code', { skip: e2eSkipReason(), timeout: 400_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'conventions',
      fixtureModels: ['sentiment'],
      files: { [FILE]: SAMPLE_TEXT },
      settings: {
        'textAnalytics.sentiment.analyzeOn': 'save',
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test("the Settings UI shows the extension's settings in titled sections", { timeout: 60_000 }, async () => {
    // First, while the settings editor has the window's width to itself (a narrow one hides its contents).
    await vscode.runCommand('Text Analytics: Open Settings');
    const page = vscode.page;
    // The settings list's group headings; the table of contents beside it lists the same titles.
    const headings = page.locator('.settings-editor .settings-group-title-label');
    const contents = page.locator('.settings-editor .settings-toc-container .monaco-list-row');
    await headings.or(contents).first().waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      await vscode.screenshot('no-settings-editor');
      throw error;
    });
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: Array<{ title: string }> } };
    const titles = manifest.contributes.configuration.map((section) => section.title);
    const seen = new Set<string>();
    // The list is virtual: scroll it to meet every heading.
    for (let i = 0; i < 40 && titles.some((title) => !seen.has(title)); i++) {
      for (const text of await headings.allInnerTexts()) seen.add(text.trim());
      await page.locator('.settings-editor .settings-tree-container').hover();
      await page.mouse.wheel(0, 600);
      await delay(150);
    }
    const toc = (await page.locator('.settings-editor .settings-toc-container .monaco-list-row').allInnerTexts()).map((text) => text.trim());
    await vscode.screenshot('settings-sections');
    for (const title of ['General', 'Models', 'Sentiment', 'Entities', 'Questions', 'Topics']) {
      assert.ok(seen.has(title) || toc.some((entry) => entry.startsWith(title)), `the Settings UI shows a "${title}" section (headings: ${[...seen].join(', ')}; contents: ${toc.join(', ')})`);
    }
    await vscode.runCommand('View: Close Editor');
  });

  test('with sentiment.analyzeOn "save", saving a Markdown file shows its sentiment without a command', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await appendAndSave(vscode, 'It was a wonderful day.');
    const shown = await sentenceShown(vscode, 'It was a wonderful day.');
    await vscode.screenshot('analysed-on-save');
    assert.ok(shown, `the results panel shows the saved sentence (notifications: ${JSON.stringify(await vscode.notifications())})`);
    const ours = (await vscode.notifications()).filter((message) => /analy[sz]|model|download|Text Analytics/i.test(message));
    assert.deepEqual(ours, [], 'nothing popped up');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('turned off for the workspace, saving analyses nothing and the status bar says so; turned on, it does again', { timeout: 150_000 }, async () => {
    await vscode.runCommand('Text Analytics: Turn Off Automatic Analysis for This Workspace');
    await vscode.statusBarItems(/Text Analytics off/).first().waitFor({ timeout: 20_000 });
    const settings = JSON.parse(readFileSync(join(vscode.workspace, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['textAnalytics.enabled'], false, 'the switch is the workspace setting textAnalytics.enabled');

    await appendAndSave(vscode, 'Nothing else happened.');
    // The save handler says why nothing runs: once it has, the panel must still lack the sentence.
    await vscode.statusBarItems(/not analysed on save/).first().waitFor({ timeout: 20_000 });
    assert.equal(await sentenceShown(vscode, 'Nothing else happened.', 3000), false, 'no analysis after a save while off');
    await vscode.screenshot('off-for-workspace');

    // Explicit commands still run while automatic analysis is off.
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    assert.ok(await sentenceShown(vscode, 'Nothing else happened.'), 'Analyze Sentiment still runs when asked');

    await vscode.runCommand('Text Analytics: Turn On Automatic Analysis for This Workspace');
    await vscode.statusBarItems(/Text Analytics off/).first().waitFor({ state: 'detached', timeout: 20_000 });
    await appendAndSave(vscode, 'The sun came out again.');
    assert.ok(await sentenceShown(vscode, 'The sun came out again.'), 'saving analyses again once turned back on');
  });

});

describe('An untrusted workspace in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'conventions-untrusted',
      fixtureModels: ['sentiment'],
      workspaceTrust: true,
      files: {
        [FILE]: SAMPLE_TEXT,
        // What a hostile repository could ship: its own model for the extension to load.
        '.vscode/settings.json': JSON.stringify({ 'textAnalytics.models.sentiment': join(REPO_ROOT, 'no-such-folder', 'planted-model') }),
      },
      settings: {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'always',
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test("the workspace's model setting is ignored in Restricted Mode: the user's model analyses the document", { timeout: 150_000 }, async () => {
    await vscode.page.getByText(/Restricted Mode/).first().waitFor({ timeout: 30_000 });
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = await vscode.webviewWith('.sentence-row', 90_000);
    await vscode.screenshot('untrusted-analysed');
    assert.ok((await shownSentences(panel)).length > 0, 'sentences are shown');
    assert.deepEqual(await vscode.errorNotifications(), [], "no error: the workspace's folder was not used");
  });
});
