/**
 * Languages in a real VS Code: a German and a Japanese document analysed with the multilingual
 * fixtures (`npm run fixtures`). The status bar shows each document's language — German detected
 * by the planted language-ID model, Japanese by its script —; the multilingual named-entity
 * fixture finds Angela Merkel, München and Zürich, and 東京; the Japanese text's sentences end at
 * 。; and the English sentiment fixture refuses the German document, saying it reads English, not
 * German. Screenshots land in .test-runs/languages-*.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { e2eSkipReason, FIXTURE_MODELS, launchVSCode, shownSentences, type VSCode } from './vscode';

const LANGUAGE_ITEM = 'local-text-analytics.local-text-analytics.textAnalytics.language';
const GERMAN = 'german.md';
const JAPANESE = 'japanese.md';
const FILES = {
  [GERMAN]: 'Angela Merkel besuchte München und Zürich.\n\nDas ist nicht schlecht, und der Tag ist schön.\n',
  [JAPANESE]: '東京は晴れです。大阪は雨です。\n\n東京で会いました。\n',
};

describe('German and Japanese documents in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'languages',
      fixtureModels: { language: 'language', entities: 'entities-multilingual', sentiment: 'sentiment' },
      files: FILES,
      settings: {
        // The user says what their models read: the multilingual NER fixture any language; the
        // English sentiment fixture is said to read Japanese too, so that its sentences show.
        'textAnalytics.modelLanguages': { [join(FIXTURE_MODELS, 'entities-multilingual')]: '*', [join(FIXTURE_MODELS, 'sentiment')]: ['en', 'ja'] },
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  async function entitiesShown(): Promise<Array<[string, string]>> {
    const panel = await vscode.webviewWith('.entity-row');
    // The text as shown (`data-text` is the lower-cased key that groups mentions).
    return panel.locator('.entity-row').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-type') ?? '', row.querySelector('.entity-text')?.textContent?.trim() ?? ''] as [string, string]));
  }

  test('the German document: detected German in the status bar, its names found by the multilingual model', { timeout: 120_000 }, async () => {
    await vscode.openFile(GERMAN);
    const status = vscode.statusBarItem(LANGUAGE_ITEM);
    await status.filter({ hasText: /\bde\b/ }).waitFor({ timeout: 60_000 });
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const shown = await entitiesShown();
    await vscode.screenshot('german-entities');
    assert.deepEqual(shown.sort(), [['LOC', 'München'], ['LOC', 'Zürich'], ['PER', 'Angela Merkel']]);
  });

  test('the English sentiment model says it does not read German instead of answering', { timeout: 120_000 }, async () => {
    await vscode.openFile(GERMAN);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const message = await vscode.waitForNotification(/reads English and Japanese, not German/, 60_000);
    await vscode.screenshot('german-sentiment-refused');
    assert.match(message, /The sentiment model \(sentiment\) reads English and Japanese, not German, the document's language \(detected\)/);
    assert.match(message, /textAnalytics\.models\.sentiment/);
  });

  test('Detect Language lists each paragraph with its language in the panel', { timeout: 120_000 }, async () => {
    await vscode.openFile(GERMAN);
    await vscode.runCommand('Text Analytics: Detect Language');
    const panel = await vscode.webviewWith('.language-paragraph');
    await vscode.screenshot('german-languages');
    const rows = await panel.locator('.language-paragraph').evaluateAll((elements) => elements.map((row) => [row.getAttribute('data-language'), row.getAttribute('data-source')]));
    assert.deepEqual(rows, [['de', 'model'], ['de', 'model']]);
    assert.equal(await panel.locator('.language-document').getAttribute('data-language'), 'de');
  });

  test('the Japanese document: Japanese by its script, 東京 found, sentences ending at 。', { timeout: 120_000 }, async () => {
    await vscode.openFile(JAPANESE);
    const status = vscode.statusBarItem(LANGUAGE_ITEM);
    await status.filter({ hasText: /\bja\b/ }).waitFor({ timeout: 60_000 });
    await vscode.runCommand('Text Analytics: Highlight Entities');
    await vscode.webviewWith('.entity-row[data-text="東京"]');
    assert.deepEqual([...new Set((await entitiesShown()).map(([type, text]) => `${type} ${text}`))], ['LOC 東京']);

    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = await vscode.webviewWith('.sentence-row');
    await panel.locator('.sentence-row').nth(2).waitFor({ timeout: 60_000 });
    const sentences = await shownSentences(panel);
    await vscode.screenshot('japanese-sentences');
    const text = FILES[JAPANESE];
    assert.deepEqual(sentences.map((s) => text.slice(s.start, s.end)), ['東京は晴れです。', '大阪は雨です。', '東京で会いました。']);
  });
});
