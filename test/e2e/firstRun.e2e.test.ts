/**
 * The first run in a real VS Code, as a new user meets it: no model on the machine.
 *
 * (a) Analyze Sentiment asks to download its model; after Download the results panel shows the
 *     sentences with no second command (the loopback Hub of test/support/hubServer.ts serves the
 *     fixture model under an id the manifest does not pin; the cache starts empty).
 * (b) The Models view's *Use a Folder for All Models…* takes one parent folder (the fixture layout,
 *     test/fixtures/models: sentiment/, topics/, entities/, qa/), every task's row then says its
 *     model is present from the user's folder, and entities are highlighted and a question answered.
 *
 * Screenshots land in .test-runs/first-run-*.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HUB_URL_ENV } from '../../src/engine/download';
import { REGISTRY } from '../../src/tasks/registry';
import { SAMPLE_SENTENCES } from '../integration/sample';
import { folderFiles, startLoopbackHub, type LoopbackHub } from '../support/hubServer';
import { chooseFolderInFileDialog, waitFor } from './dialogs';
import { BRIDGE_FILE, BRIDGE_QUESTION, ENTITIES_FILE, ENTITY_NAMES, SENTIMENT_FILE, WORKSPACE_FILES } from './documents';
import { askQuestion, e2eSkipReason, FIXTURE_MODELS, launchVSCode, shownSentences, type VSCode } from './vscode';

const TASKS = ['sentiment', 'topics', 'entities', 'qa'] as const;

describe('The first run: the command resumes after the model arrives; one folder sets up every task', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;
  let hub: LoopbackHub;
  let cacheDir = '';

  before(async () => {
    for (const task of TASKS) assert.ok(existsSync(join(FIXTURE_MODELS, task, 'config.json')), `no fixture model ${task}: run \`npm run fixtures\``);
    hub = await startLoopbackHub({ 'lta-test/sentiment': folderFiles(join(FIXTURE_MODELS, 'sentiment')) });
    cacheDir = await mkdtemp(join(tmpdir(), 'lta-e2e-first-run-cache-'));
    vscode = await launchVSCode({
      name: 'first-run',
      files: WORKSPACE_FILES,
      settings: {
        // Only sentiment names a Hub id (the loopback one); the other tasks have no model at all.
        'textAnalytics.models.sentiment': 'lta-test/sentiment',
        'textAnalytics.allowDownloads': true,
        'textAnalytics.modelCacheDir': cacheDir,
      },
      env: { [HUB_URL_ENV]: hub.url },
    });
  });

  after(async () => {
    await vscode?.close();
    await hub?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  test('(a) Analyze Sentiment with no model → Download → the panel shows the sentences, no second command', { timeout: 150_000 }, async () => {
    await vscode.openFile(SENTIMENT_FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const question = /needs the sentiment model lta-test\/sentiment .*Download it now\?/;
    await vscode.waitForNotification(question, 60_000);
    await vscode.clickNotificationButton(question, 'Download');

    const panel = await vscode.webviewWith('.sentence-row', 90_000);
    await panel.locator('.sentence-row').nth(SAMPLE_SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('sentiment-after-download');
    const shown = await shownSentences(panel);
    assert.deepEqual(
      shown.map(({ text, label }) => [text, label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
    assert.ok(!(await vscode.notifications()).some((n) => /Run the command again/.test(n)), 'no "Run the command again"');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('(b) the Models view sets up all four tasks from one parent folder; entities and answers follow', { timeout: 150_000 }, async () => {
    const page = vscode.page;
    await vscode.runCommand('Text Analytics: Focus on Models View');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Models/ }) });
    const rows = pane.locator('.monaco-list-row');
    const rowOf = (title: string) => rows.filter({ hasText: title }).first();
    await rows.first().waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      await vscode.screenshot('models-view-empty');
      throw error;
    });
    // Before: sentiment was downloaded in (a); the other tasks have nothing yet.
    await rowOf(REGISTRY.qa.title).filter({ hasText: /missing|cannot be used/ }).waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      await vscode.screenshot('models-view-qa');
      throw new Error(`the rows: ${JSON.stringify(await rows.allInnerTexts())}`, { cause: error });
    });
    await rowOf(REGISTRY.sentiment.title).filter({ hasText: /present/ }).waitFor({ timeout: 30_000 });
    await vscode.screenshot('models-view-before');

    await pane.locator('.pane-header').hover();
    await pane.locator('.pane-header .action-label[aria-label="Use a Folder for All Models…"]').click();
    await chooseFolderInFileDialog(vscode, FIXTURE_MODELS, 'Use This Folder');
    await vscode.waitForNotification(/models now come from/, 30_000);

    for (const task of TASKS) {
      await rowOf(REGISTRY[task].title).filter({ hasText: /present .*your folder/ }).waitFor({ timeout: 30_000 });
    }
    await waitFor(async () => (await rows.allInnerTexts()).some((text) => /download cache uses/.test(text)), 'the disk-use line', 10_000);
    await vscode.screenshot('models-view-after-folder');

    await vscode.openFile(ENTITIES_FILE);
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const entities = await vscode.webviewWith('.entity-row');
    const names = entities.locator('.entity-row .entity-text');
    await names.nth(ENTITY_NAMES.length - 1).waitFor({ timeout: 60_000 });
    assert.deepEqual((await names.allInnerTexts()).map((name) => name.trim()).sort(), [...ENTITY_NAMES].sort());

    assert.equal(await askQuestion(vscode, BRIDGE_FILE, BRIDGE_QUESTION), '1932');
    await vscode.screenshot('answered-from-folder');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
