/**
 * A 20 MB document in a real VS Code: over `textAnalytics.maxDocumentSize` (2,000,000 characters by
 * default), a command says so at once and offers the part in view, which it then analyses — the
 * editor never waits on 20 MB of inference. Uses the planted fixture models and never downloads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SAMPLE_SENTENCES, SAMPLE_TEXT } from '../integration/sample';
import { e2eSkipReason, launchVSCode, shownSentences, type VSCode } from './vscode';

// Plain text: VS Code's own Markdown extension would spend a while parsing 20 MB first.
const FILE = 'huge.txt';
/** The sample document, over and over: 20 MiB of text whose every sentence the fixture model knows. */
const HUGE_TEXT = SAMPLE_TEXT.repeat(Math.ceil((20 * 1024 * 1024) / SAMPLE_TEXT.length));
const TOO_LARGE = /more than the limit of 2,000,000/;

describe('a 20 MB document in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'large-document',
      fixtureModels: ['sentiment', 'topics'],
      files: { [FILE]: HUGE_TEXT },
      settings: {
        // In a browser VS Code asks before opening files over 10 MB; the desktop's limit is 1 GB.
        'workbench.editorLargeFileConfirmation': 1024,
      },
    });
    await vscode.openFile(FILE);
    // VS Code's own notice that it turned features off for this large file: the editor has loaded it.
    await vscode.waitForNotification(/turned off for this large file/, 60_000);
  });

  after(async () => {
    await vscode?.close();
  });

  test('Analyze Sentiment says the document is over the limit and analyses the part in view instead', { timeout: 120_000 }, async () => {
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const message = await vscode.waitForNotification(TOO_LARGE, 60_000).catch(async (error: unknown) => {
      await vscode.screenshot('no-notification');
      throw new Error(`no notification about the size (showing: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
    });
    assert.match(message, new RegExp(`has ${HUGE_TEXT.length.toLocaleString('en-US')} characters`));
    assert.match(message, /Analyze the part in view/);
    await vscode.screenshot('too-large');
    await vscode.clickNotificationButton(TOO_LARGE, 'Analyze Visible Part');

    const rows = vscode.webview().locator('.sentence-row');
    await rows.first().waitFor({ timeout: 60_000 });
    const shown = await shownSentences(vscode.webview());
    // The top of the file is in view: a few dozen lines, so a few dozen sentences, in file order.
    assert.ok(shown.length >= SAMPLE_SENTENCES.length && shown.length < 500, `${shown.length} sentences`);
    assert.ok(shown[shown.length - 1].end < 50_000, 'only the part in view was analysed');
    const scope = await vscode.webview().locator('.document-summary .scope').innerText();
    const [, partEnd] = /^Part in view, characters 0–(\d+)$/.exec(scope) ?? [];
    assert.ok(Number(partEnd) >= shown[shown.length - 1].end && Number(partEnd) < 50_000, scope);
    shown.forEach((row, i) => {
      assert.equal(HUGE_TEXT.slice(row.start, row.end).trim(), row.text, `offsets of "${row.text}"`);
      assert.deepEqual([row.text, row.label], SAMPLE_SENTENCES[i % SAMPLE_SENTENCES.length]);
    });
    await vscode.screenshot('visible-part');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Classify Topics offers the same and classifies the part in view', { timeout: 120_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Classify Topics');
    await vscode.clickNotificationButton(TOO_LARGE, 'Analyze Visible Part', 60_000);
    const panel = vscode.webview();
    await panel.locator('.topics-heading', { hasText: 'Part in view' }).waitFor({ timeout: 60_000 });
    assert.match(await panel.locator('.topics-summary .scope').innerText(), /part in view only/);
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
