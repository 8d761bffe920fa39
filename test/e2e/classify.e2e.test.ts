/**
 * A classifier the user adds to settings.json, in a real VS Code: palette → Classify With… →
 * pick it → the results panel's classifier view with the document's label bars and every item
 * with its labels → filter by a label → click an item to select it in the editor. Uses the planted
 * fixture emotion classifier (`npm run fixtures`: joy words → joy, anger words → anger, …) and
 * never downloads. Screenshots land in .test-runs/classify-*.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { e2eSkipReason, launchVSCode, REPO_ROOT, type VSCode } from './vscode';

const EMOTION_MODEL = join(REPO_ROOT, 'test', 'fixtures', 'models', 'emotion');
const FILE = 'diary.md';
const TEXT = 'We were delighted and cheerful all morning.\n\nThen a furious, outraged neighbour came.\n\nWe felt joyful again by night.\n';

describe('a classifier from settings.json in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    assert.ok(existsSync(join(EMOTION_MODEL, 'config.json')), `no fixture model in ${EMOTION_MODEL}: run \`npm run fixtures\``);
    vscode = await launchVSCode({
      name: 'classify',
      files: { [FILE]: TEXT },
      settings: {
        'textAnalytics.allowDownloads': false,
        'textAnalytics.classifiers': [
          { id: 'emotion', title: 'Emotion', model: EMOTION_MODEL, level: 'paragraph' },
          { id: 'broken', title: 'Broken', model: EMOTION_MODEL, level: 'words' },
        ],
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  async function itemsShown(): Promise<Array<{ start: number; end: number; label: string }>> {
    return vscode
      .webview()
      .locator('.classify-item')
      .evaluateAll((rows) =>
        rows.map((row) => ({ start: Number(row.getAttribute('data-start')), end: Number(row.getAttribute('data-end')), label: row.getAttribute('data-label') ?? '' })),
      );
  }

  test('Classify With… lists the classifier, says what is wrong with the bad entry, and shows the view', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Classify With…');
    const page = vscode.page;
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Emotion' }).first();
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Broken' }).count(), 0, 'the bad entry is not offered');
    const warning = await vscode.waitForNotification(/textAnalytics\.classifiers\[1\] \("broken"\) has the level "words": write "sentence", "paragraph" or "document"/);
    assert.ok(warning);
    await row.click();

    const panel = vscode.webview();
    try {
      await panel.locator('.classify-item').nth(2).waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-results');
      throw new Error(`no classifier items in the results panel (notifications: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
    }
    await vscode.screenshot('results', { readme: 'classify' });

    const bars = await panel.locator('.classify-bar').evaluateAll((elements) => elements.map((bar) => bar.getAttribute('data-label')));
    assert.deepEqual([...bars].sort(), ['anger', 'fear', 'joy', 'love', 'sadness', 'surprise']);
    assert.equal(bars[0], 'joy', 'two joyful paragraphs of three: joy leads the document');
    const items = await itemsShown();
    assert.deepEqual(items.map((item) => item.label), ['joy', 'anger', 'joy']);
    assert.ok(TEXT.slice(items[1].start, items[1].end).startsWith('Then a furious'), 'offsets are the document slice');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('a label bar filters the items, and clicking an item selects it in the editor', { timeout: 60_000 }, async () => {
    const panel = vscode.webview();
    await panel.locator('.classify-bar[data-label="anger"]').click();
    await panel.locator('.classify-item').nth(1).waitFor({ state: 'detached', timeout: 10_000 });
    const items = await itemsShown();
    assert.deepEqual(items.map((item) => item.label), ['anger']);
    await panel.locator('.classify-item').first().click();
    await vscode.focusFirstEditorGroup();
    const selection = await vscode.editorSelection();
    const { start, end } = items[0];
    assert.equal(selection.selected, end - start, selection.text);
    const lineOf = (offset: number): number => TEXT.slice(0, offset).split('\n').length;
    assert.ok([lineOf(start), lineOf(end)].includes(selection.line), `${selection.text}: expected line ${lineOf(start)} or ${lineOf(end)}`);
  });
});
