/**
 * The path a user takes: the linux-x64 VSIX, built by scripts/package.mjs from dist/, installed
 * into a real VS Code with `code-server --install-extension`, runs all four capabilities. The repo
 * is not loaded as the extension under development; the fixture models (`npm run fixtures`) are
 * copied into the installed extension's own models/ folder, and with no model settings and no
 * downloads allowed, that folder is the only place the models can come from. Screenshots land in
 * .test-runs/vsix-*.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SAMPLE_SENTENCES } from '../integration/sample';
import { BRIDGE_FILE, BRIDGE_QUESTION, ENTITIES_FILE, ENTITY_NAMES, SENTIMENT_FILE, TOPICS_FILE, TOPIC_LABELS, WORKSPACE_FILES } from './documents';
import { askQuestion, e2eSkipReason, FIXTURE_MODELS, launchVSCode, REPO_ROOT, shownSentences, shownTopicBars, type VSCode } from './vscode';

const { name, version, publisher } = require(join(REPO_ROOT, 'package.json')) as { name: string; version: string; publisher: string };
const EXTENSION_ID = `${publisher}.${name}`;
const TASKS = ['sentiment', 'topics', 'entities', 'qa'] as const;
const VSCE = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');


/** The folder `--install-extension` made for the extension, e.g. `<publisher>.<name>-<version>-linux-x64`. */
function installedFolder(extensionsDir: string): string {
  const folders = readdirSync(extensionsDir).filter((entry) => entry.toLowerCase().startsWith(`${EXTENSION_ID}-${version}`.toLowerCase()));
  assert.equal(folders.length, 1, `one installed ${EXTENSION_ID} in ${extensionsDir}: ${readdirSync(extensionsDir).join(', ')}`);
  return join(extensionsDir, folders[0]!);
}


describe('The VSIX installed into VS Code', { skip: e2eSkipReason() || (existsSync(VSCE) ? false : '@vscode/vsce is not installed'), timeout: 300_000 }, () => {
  let vscode: VSCode;
  let out: string;
  let extensionDir = '';

  before(async () => {
    for (const task of TASKS) {
      assert.ok(existsSync(join(FIXTURE_MODELS, task, 'config.json')), `no fixture model ${task}: run \`npm run fixtures\``);
    }
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'no dist/extension.js: run `npm run build`');
    out = await mkdtemp(join(tmpdir(), 'lta-vsix-'));
    const packaged = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs'), '--target', 'linux-x64', '--no-build', '--out', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const vsix = join(out, `${name}-linux-x64-${version}.vsix`);
    assert.ok(existsSync(vsix), `no ${vsix}; the package script said:\n${packaged.stdout}\n${packaged.stderr}`);

    vscode = await launchVSCode({
      name: 'vsix',
      loadExtension: false,
      installVsix: vsix,
      afterInstall: async (extensionsDir) => {
        extensionDir = installedFolder(extensionsDir);
        // The bundled-models folder: where a release carries its models.
        for (const task of TASKS) await cp(join(FIXTURE_MODELS, task), join(extensionDir, 'models', task), { recursive: true });
      },
      files: WORKSPACE_FILES,
      // No textAnalytics.models.* settings: the models must come from the installed extension.
      settings: { 'textAnalytics.allowDownloads': false, 'textAnalytics.topics.labels': TOPIC_LABELS },
      startTimeoutMs: 150_000,
    });
  });

  after(async () => {
    await vscode?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  test('code-server lists the installed extension, from its extensions folder', { timeout: 60_000 }, async () => {
    assert.ok(extensionDir.startsWith(vscode.extensionsDir), extensionDir);
    assert.ok(existsSync(join(extensionDir, 'dist', 'worker.js')), 'the installed copy has its worker');
    const listed = await vscode.codeServerCli(['--list-extensions', '--show-versions'], 50_000);
    assert.ok(listed.split('\n').some((line) => line.trim() === `${EXTENSION_ID}@${version}`), listed);
  });

  test('Analyze Sentiment shows every sentence with its planted label, from the installed extension', { timeout: 120_000 }, async () => {
    await vscode.openFile(SENTIMENT_FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = await vscode.webviewWith('.sentence-row');
    await panel.locator('.sentence-row').nth(SAMPLE_SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('sentiment');
    const shown = await shownSentences(panel);
    assert.deepEqual(
      shown.map(({ text, label }) => [text, label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
    // The panel's script is served from the installed extension, not from the repo.
    const script = decodeURIComponent((await panel.locator('script[src]').first().getAttribute('src')) ?? '');
    assert.ok(script.includes(extensionDir), `the webview script ${script} is not from ${extensionDir}`);
    assert.ok(!script.includes(`${REPO_ROOT}/dist`), script);
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Highlight Entities lists the planted names', { timeout: 120_000 }, async () => {
    await vscode.openFile(ENTITIES_FILE);
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const panel = await vscode.webviewWith('.entity-row');
    const texts = panel.locator('.entity-row .entity-text');
    await texts.nth(ENTITY_NAMES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('entities');
    const shown = (await texts.allInnerTexts()).map((text) => text.trim());
    assert.deepEqual([...shown].sort(), [...ENTITY_NAMES].sort());
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Classify Topics shows a bar per label, sports first for a match report', { timeout: 120_000 }, async () => {
    await vscode.openFile(TOPICS_FILE);
    await vscode.runCommand('Text Analytics: Classify Topics');
    const panel = await vscode.webviewWith('.topic-bar');
    await vscode.screenshot('topics');
    const bars = await shownTopicBars(panel);
    assert.deepEqual(bars.map((bar) => bar.label).sort(), [...TOPIC_LABELS].sort());
    const top = bars.reduce((best, bar) => (Number.parseInt(bar.score, 10) > Number.parseInt(best.score, 10) ? bar : best));
    assert.equal(top.label, 'sports', JSON.stringify(bars));
    assert.ok(Number.parseInt(top.score, 10) >= 90, JSON.stringify(bars));
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('a question about the bridge is answered "1932"', { timeout: 120_000 }, async () => {
    assert.equal(await askQuestion(vscode, BRIDGE_FILE, BRIDGE_QUESTION), '1932');
    await vscode.screenshot('answer');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
