/**
 * The real-user model path in a real VS Code: nothing is on the machine, and the models come from
 * a Hub the user agrees to download from, or from a folder the user picks. A loopback Hub
 * (test/support/hubServer.ts) serves the fixture models (`npm run fixtures`) under Hub ids the
 * shipped manifest does not know (`lta-test/<task>`, fetched unpinned from `main`), and the
 * download cache starts as an empty temporary folder. One session walks through it in order:
 *
 * 1. the first request asks before downloading, and Cancel fetches nothing;
 * 2. Download shows a progress notification, fills the cache, and the request then runs by itself;
 * 3. "Download Default Models" lists the other tasks' models in a modal and fetches them;
 * 4. with the Hub gone, topics and entities work from the cache, offline;
 * 5. "Use a Local Model Folder…" refuses a half-copied folder, saying what it lacks, then takes the
 *    fixture folder into the user settings, and questions are answered from it.
 *
 * Screenshots land in .test-runs/models-*.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { HUB_URL_ENV } from '../../src/engine/download';
import { SAMPLE_SENTENCES } from '../integration/sample';
import { BRIDGE_FILE, BRIDGE_QUESTION, ENTITIES_FILE, ENTITY_NAMES, SENTIMENT_FILE, TOPICS_FILE, TOPIC_LABELS, WORKSPACE_FILES } from './documents';
import { folderFiles, startLoopbackHub, type LoopbackHub } from '../support/hubServer';
import { chooseFolderInFileDialog, escape, exactly, waitFor } from './dialogs';
import { askQuestion, e2eSkipReason, FIXTURE_MODELS, launchVSCode, shownSentences, shownTopicBars, type VSCode } from './vscode';

const TASKS = ['sentiment', 'topics', 'entities', 'qa'] as const;
type Task = (typeof TASKS)[number];
/** Hub ids the shipped manifest does not pin, so the fixture files are accepted unverified. */
const REPO_OF: Record<Task, string> = {
  sentiment: 'lta-test/sentiment',
  topics: 'lta-test/topics',
  entities: 'lta-test/entities',
  qa: 'lta-test/qa',
};

/** A model folder copied only in part: config.json but no tokenizer and no weights. */
const HALF_COPIED = 'half-copied-model';


/** Files under `dir`, relative, with `/`; empty when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}

/** The weights the Hub's CDN answered for `repo` with their bytes (not a fault that sent none). */
function weightsServed(hub: LoopbackHub, repo: string): string[] {
  return hub.requests.filter((r) => r.cdn && r.repo === repo && r.file.endsWith('.onnx') && !r.fault?.status).map((r) => r.file);
}

/** The modal dialog now showing (VS Code's own, in code-server). */
function modalDialog(vscode: VSCode) {
  return vscode.page.locator('.monaco-dialog-box');
}

async function clickDialogButton(vscode: VSCode, label: string): Promise<void> {
  await modalDialog(vscode).locator('.dialog-buttons .monaco-button', { hasText: exactly(label) }).click();
  await modalDialog(vscode).waitFor({ state: 'hidden' });
}

/** Picks the row `label` of the quick pick now showing. */
async function pickQuickInputItem(vscode: VSCode, label: string): Promise<void> {
  const page = vscode.page;
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly(label) }) })
    .first()
    .click();
}

/**
 * The progress toast of a running analysis. VS Code shows it for at least 800 ms, and shows at most
 * three new toasts within 800 ms (more go to the notification center only, its spam protection):
 * once this toast is gone, the next notification gets a toast of its own, however fast the test
 * clicks.
 */
function analysisProgressToast(vscode: VSCode): Locator {
  return vscode.page.locator('.notifications-toasts .notification-list-item-message', { hasText: /^Analyzing sentiment/ });
}


describe('Getting the models in VS Code: download with consent, offline, a local folder', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;
  let hub: LoopbackHub;
  let cacheDir = '';
  /** Lets the held weights of the first download go (see step 2). */
  let releaseWeights: () => void = () => undefined;

  before(async () => {
    for (const task of TASKS) {
      assert.ok(existsSync(join(FIXTURE_MODELS, task, 'config.json')), `no fixture model ${task}: run \`npm run fixtures\``);
    }
    hub = await startLoopbackHub(Object.fromEntries(TASKS.map((task) => [REPO_OF[task], folderFiles(join(FIXTURE_MODELS, task))])));
    cacheDir = await mkdtemp(join(tmpdir(), 'lta-e2e-model-cache-'));
    vscode = await launchVSCode({
      name: 'models',
      files: {
        ...WORKSPACE_FILES,
        [`${HALF_COPIED}/config.json`]: readFileSync(join(FIXTURE_MODELS, 'qa', 'config.json'), 'utf8'),
      },
      settings: {
        ...Object.fromEntries(TASKS.map((task) => [`textAnalytics.models.${task}`, REPO_OF[task]])),
        'textAnalytics.allowDownloads': true,
        'textAnalytics.modelCacheDir': cacheDir,
        'textAnalytics.topics.labels': TOPIC_LABELS,
      },
      env: { [HUB_URL_ENV]: hub.url },
    });
  });

  after(async () => {
    releaseWeights();
    await vscode?.close();
    await hub?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  const downloadQuestion = /lta-test\/sentiment.*Download it now\?/;
  const questionToast = () => vscode.page.locator('.notifications-toasts .notification-list-item-message', { hasText: downloadQuestion });

  test('the first request asks before downloading; Cancel fetches nothing', { timeout: 120_000 }, async () => {
    await vscode.openFile(SENTIMENT_FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const question = await vscode.waitForNotification(downloadQuestion, 60_000);
    await vscode.screenshot('download-question', { readme: 'download' });
    assert.match(question, /needs the sentiment model lta-test\/sentiment \(size unknown\) from the Hugging Face Hub/);
    assert.equal(hub.connections, 0, 'nothing reached the Hub before the user answered');

    await vscode.clickNotificationButton(downloadQuestion, 'Cancel');
    await questionToast().waitFor({ state: 'hidden' });
    await analysisProgressToast(vscode).waitFor({ state: 'hidden' });
    // Asked again, the model is still missing: no download ran (one would hold the question back
    // while it runs, and leave the model in the cache afterwards).
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    await vscode.waitForNotification(downloadQuestion, 60_000);
    assert.equal(hub.connections, 0, 'Cancel reached no Hub');
    assert.deepEqual(filesUnder(cacheDir), [], 'Cancel left nothing in the model cache');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Download shows its progress, fills the cache, and the command then works', { timeout: 150_000 }, async () => {
    // The weights wait until the progress notification has been seen, so it cannot have closed yet.
    hub.inject(/\.onnx$/, { holdUntil: new Promise<void>((resolve) => (releaseWeights = resolve)) });
    await vscode.clickNotificationButton(downloadQuestion, 'Download');

    const progress = vscode.page.locator('.notifications-toasts .notification-list-item-message', { hasText: /Text Analytics: downloading/ });
    await progress.first().waitFor({ timeout: 60_000 });
    await waitFor(async () => hub.requests.some((r) => r.cdn && r.fault?.holdUntil !== undefined), 'the weights to be asked for', 60_000);
    // The text files have come; the size of an unpinned model's weights is not known beforehand.
    await progress.filter({ hasText: /of an unknown size/ }).first().waitFor({ timeout: 30_000 });
    await vscode.screenshot('downloading');
    assert.match(await progress.first().innerText(), /Text Analytics: downloading: sentiment model: [\d.]+ [KM]B of an unknown size/);
    assert.deepEqual(filesUnder(join(cacheDir, 'lta-test', 'sentiment')), [], 'no model in the cache before its weights arrive');
    await analysisProgressToast(vscode).waitFor({ state: 'hidden' });
    releaseWeights();

    const done = await vscode.waitForNotification(/Text Analytics downloaded/, 60_000);
    await progress.first().waitFor({ state: 'hidden' });
    await vscode.screenshot('downloaded');
    assert.match(done, /downloaded the sentiment \(lta-test\/sentiment\) model; it works offline from now on\.$/);
    const model = join(cacheDir, 'lta-test', 'sentiment', 'main');
    const cached = filesUnder(model);
    assert.ok(cached.includes('config.json') && cached.includes('tokenizer.json'), `cached: ${cached.join(', ')}`);
    const weights = cached.filter((file) => file.endsWith('.onnx'));
    assert.equal(weights.length, 1, `one set of weights: ${cached.join(', ')}`);
    assert.deepEqual(readFileSync(join(model, weights[0]!)), readFileSync(join(FIXTURE_MODELS, 'sentiment', weights[0]!)), 'the weights the Hub served');
    assert.deepEqual(weightsServed(hub, REPO_OF.sentiment), weights);

    // The command the user asked for runs by itself once the model is there: no second command.
    const panel = await vscode.webviewWith('.sentence-row');
    await panel.locator('.sentence-row').nth(SAMPLE_SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('sentiment-results');
    const shown = await shownSentences(panel);
    assert.deepEqual(
      shown.map(({ text, label }) => [text, label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Download Default Models lists the missing models in a modal and fetches them', { timeout: 150_000 }, async (t) => {
    await vscode.runCommand('Text Analytics: Download Default Models');
    const dialog = modalDialog(vscode);
    await dialog.waitFor({ timeout: 60_000 });
    await vscode.screenshot('download-default-models');
    const message = await dialog.innerText();
    assert.match(message, /Download 3 models \(size unknown\)/);
    // Tasks in words, never by their ids.
    for (const [task, title] of [['topics', 'Topics (zero-shot classification)'], ['entities', 'Named entities'], ['qa', 'Question answering']] as const) {
      assert.match(message, new RegExp(`${escape(title)}: ${escape(REPO_OF[task])}`));
    }
    assert.doesNotMatch(message, /lta-test\/sentiment/, 'the sentiment model is already here');
    assert.ok(message.includes(cacheDir), `the modal says where they go: ${message}`);

    await clickDialogButton(vscode, 'Download');
    const done = await vscode.waitForNotification(/Text Analytics downloaded the topic/, 120_000);
    await vscode.screenshot('downloaded-defaults');
    assert.match(done, /downloaded the topic \(zero-shot\) \(lta-test\/topics\), named-entity \(lta-test\/entities\), question-answering \(lta-test\/qa\) models; they work offline from now on\./);
    for (const task of TASKS) {
      // Each file once (the sentiment model not again), and only the files the cache keeps: one set of weights.
      const fetched = hub.requests.filter((r) => r.repo === REPO_OF[task]).map((r) => r.file);
      const cached = filesUnder(join(cacheDir, 'lta-test', task, 'main'));
      assert.deepEqual(fetched.sort(), cached, `${task}: fetched from the Hub vs kept in the cache`);
      assert.equal(weightsServed(hub, REPO_OF[task]).length, 1, `the Hub served the ${task} weights`);
    }
    assert.deepEqual(await vscode.errorNotifications(), []);
    t.diagnostic(`the Hub answered ${hub.requests.length} requests (${hub.bytesSent} bytes) over ${hub.connections} connections`);
  });

  test('with the Hub gone, topics and entities work from the cache', { timeout: 150_000 }, async () => {
    await hub.close();

    await vscode.openFile(TOPICS_FILE);
    await vscode.runCommand('Text Analytics: Classify Topics');
    const topics = await vscode.webviewWith('.topic-bar');
    await vscode.screenshot('offline-topics');
    const bars = await shownTopicBars(topics);
    assert.deepEqual(bars.map((bar) => bar.label).sort(), [...TOPIC_LABELS].sort());
    const top = bars.reduce((best, bar) => (Number.parseInt(bar.score, 10) > Number.parseInt(best.score, 10) ? bar : best));
    assert.equal(top.label, 'sports', JSON.stringify(bars));

    await vscode.openFile(ENTITIES_FILE);
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const entities = await vscode.webviewWith('.entity-row');
    const names = entities.locator('.entity-row .entity-text');
    await names.nth(ENTITY_NAMES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('offline-entities');
    assert.deepEqual((await names.allInnerTexts()).map((name) => name.trim()).sort(), [...ENTITY_NAMES].sort());

    assert.deepEqual(await vscode.errorNotifications(), []);
    assert.deepEqual((await vscode.notifications()).filter((n) => /Download it now/.test(n)), [], 'no download question');
  });

  test('Use a Local Model Folder… says what a folder lacks, then takes the model folder', { timeout: 150_000 }, async () => {
    // The downloaded question-answering model goes away, so that only the picked folder can answer.
    await rm(join(cacheDir, 'lta-test', 'qa'), { recursive: true, force: true });
    const halfCopied = join(vscode.workspace, HALF_COPIED);
    const folder = join(FIXTURE_MODELS, 'qa');

    await vscode.runCommand('Text Analytics: Use a Local Model Folder…');
    await pickQuickInputItem(vscode, 'Question answering');
    await chooseFolderInFileDialog(vscode, halfCopied, 'Use This Model Folder');
    const refusal = await vscode.waitForNotification(/cannot be used as the question-answering model/);
    await vscode.screenshot('folder-refused');
    assert.match(refusal, new RegExp(`${escape(halfCopied)} cannot be used as the question-answering model: it lacks tokenizer\\.json, onnx/model`));
    assert.doesNotMatch(refusal, /config\.json/, 'the folder has its config.json');

    await vscode.clickNotificationButton(/cannot be used as the question-answering model/, 'Choose Another Folder');
    await chooseFolderInFileDialog(vscode, folder, 'Use This Model Folder');
    const taken = await vscode.waitForNotification(/model now comes from/);
    await vscode.screenshot('folder-taken');
    assert.equal(taken.trim(), `The question-answering model now comes from ${folder} (textAnalytics.models.qa).`);
    const userSettings = JSON.parse(readFileSync(join(vscode.root, 'user-data', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(userSettings['textAnalytics.models.qa'], folder);

    assert.equal(await askQuestion(vscode, BRIDGE_FILE, BRIDGE_QUESTION), '1932');
    await vscode.screenshot('answer-from-folder');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
