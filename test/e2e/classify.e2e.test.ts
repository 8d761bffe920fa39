/**
 * A classifier the user adds to settings.json, in a real VS Code: palette → Classify With… →
 * pick it → the results panel's classifier view with the document's label bars and every item
 * with its labels → filter by a label → click an item to select it in the editor; then a
 * classifier whose model is a Hub id asks before downloading and works once the user agrees. Uses the planted fixture emotion classifier (`npm run fixtures`: joy
 * words → joy, anger words → anger, …), served for the Hub id by a loopback Hub. Screenshots land
 * in .test-runs/classify-*.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HUB_URL_ENV } from '../../src/engine/download';
import { folderFiles, startLoopbackHub, type LoopbackHub } from '../support/hubServer';
import { e2eSkipReason, launchVSCode, REPO_ROOT, type VSCode } from './vscode';

const EMOTION_MODEL = join(REPO_ROOT, 'test', 'fixtures', 'models', 'emotion');
const FILE = 'diary.md';
/** A Hub id the manifest does not know: fetched unpinned, its hashes recorded at the download. */
const HUB_MODEL = 'lta-test/emotion';
const TEXT = 'We were delighted and cheerful all morning.\n\nThen a furious, outraged neighbour came.\n\nWe felt joyful again by night.\n';

describe('a classifier from settings.json in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;
  let hub: LoopbackHub;
  let cacheDir = '';

  before(async () => {
    assert.ok(existsSync(join(EMOTION_MODEL, 'config.json')), `no fixture model in ${EMOTION_MODEL}: run \`npm run fixtures\``);
    hub = await startLoopbackHub({ [HUB_MODEL]: folderFiles(EMOTION_MODEL) });
    cacheDir = await mkdtemp(join(tmpdir(), 'lta-e2e-classify-cache-'));
    vscode = await launchVSCode({
      name: 'classify',
      files: { [FILE]: TEXT },
      settings: {
        'textAnalytics.allowDownloads': true,
        'textAnalytics.modelCacheDir': cacheDir,
        'textAnalytics.classifiers': [
          { id: 'emotion', title: 'Emotion', model: EMOTION_MODEL, level: 'paragraph' },
          { id: 'broken', title: 'Broken', model: EMOTION_MODEL, level: 'words' },
          { id: 'hub-emotion', title: 'Hub Emotion', model: HUB_MODEL, level: 'document' },
        ],
      },
      env: { [HUB_URL_ENV]: hub.url },
    });
  });

  after(async () => {
    await vscode?.close();
    await hub?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
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
    // The click selects it in the editor, which it makes active (the selection in the active colour).
    const { start, end } = items[0];
    const selection = await vscode.selectionOfLength(end - start);
    assert.equal(selection.selected, end - start, selection.text);
    const lineOf = (offset: number): number => TEXT.slice(0, offset).split('\n').length;
    assert.ok([lineOf(start), lineOf(end)].includes(selection.line), `${selection.text}: expected line ${lineOf(start)} or ${lineOf(end)}`);
  });

  test('a classifier whose model is a Hub id asks before downloading, then runs', { timeout: 150_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Classify With…');
    await vscode.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Hub Emotion' }).first().click();
    const question = /lta-test\/emotion.*Download it now\?/;
    const asked = await vscode.waitForNotification(question, 60_000);
    assert.match(asked, /needs the classifier model lta-test\/emotion \(size unknown\) from the Hugging Face Hub/);
    assert.equal(hub.connections, 0, 'nothing reached the Hub before the user answered');
    await vscode.clickNotificationButton(question, 'Download');
    await vscode.waitForNotification(/downloaded the classifier lta-test\/emotion model; it works offline from now on\.$/, 90_000);

    // The classification the user asked for runs by itself once the model is there.
    const panel = vscode.webview();
    await panel.locator('.classify-item').first().waitFor({ timeout: 60_000 });
    await panel.locator('.document-summary', { hasText: 'Hub Emotion' }).waitFor({ timeout: 30_000 });
    const items = await itemsShown();
    assert.equal(items.length, 1, 'the document as one item');
    assert.ok(existsSync(join(cacheDir, '.pins', 'lta-test', 'emotion', 'main.json')), 'the files were pinned at the download');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
