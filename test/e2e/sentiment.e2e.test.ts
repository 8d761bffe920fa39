/**
 * Analyze Sentiment in a real VS Code, as a user meets it: palette → results panel → click a
 * sentence → edit the document. Uses the planted fixture model (`npm run fixtures`) and never
 * downloads. Screenshots land in .test-runs/sentiment-*.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SAMPLE_DOCUMENT_LABEL, SAMPLE_SENTENCES, SAMPLE_TEXT } from '../integration/sample';
import { e2eSkipReason, launchVSCode, shownSentences, type VSCode } from './vscode';

const FILE = 'notes.md';
/** A Markdown file whose markup must not be scored: front matter, a heading, code, a table, a link. */
const MARKDOWN_FILE = 'structured.md';
const MARKDOWN_TEXT = [
  '---',
  'title: A great day',
  '---',
  '# Sports',
  '',
  'The match was great and the crowd was happy. Read [the good report](https://example.com/bad-awful-terrible) later.',
  '',
  '```js',
  'const result = "bad awful terrible";',
  '```',
  '',
  '| team | score |',
  '| ---- | ----- |',
  '| good | 3 |',
  '',
].join('\n');
/** The paragraph's sentences, as the document's own slices (the link's text and target stay in its sentence); the table's cells follow them, read without their pipes. */
const MARKDOWN_SENTENCES = ['The match was great and the crowd was happy.', 'Read [the good report](https://example.com/bad-awful-terrible) later.'];

/** 1-based line and column of a UTF-16 offset in `text`, as VS Code's status bar counts them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

describe('Analyze Sentiment in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'sentiment',
      fixtureModels: ['sentiment'],
      files: { [FILE]: SAMPLE_TEXT, [MARKDOWN_FILE]: MARKDOWN_TEXT }
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('the palette command shows every sentence with its label in the results panel', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = vscode.webview();
    const rows = panel.locator('.sentence-row');
    try {
      await rows.nth(SAMPLE_SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-results');
      const toasts = await vscode.notifications();
      throw new Error(`no sentence rows in the results panel (notifications: ${JSON.stringify(toasts)})`, { cause: error });
    }
    await vscode.screenshot('results');

    const shown = await shownSentences(panel);
    assert.deepEqual(
      shown.map(({ text, label }) => [text, label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
    for (const row of shown) {
      assert.equal(SAMPLE_TEXT.slice(row.start, row.end).trim(), row.text, `data-start/data-end of "${row.text}"`);
    }
    assert.equal((await panel.locator('.document-summary .label').innerText()).trim(), SAMPLE_DOCUMENT_LABEL);
    assert.equal(await panel.locator('.stale-banner').isVisible(), false, 'fresh results are not stale');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('the status bar shows the engine ready on the CPU', { timeout: 30_000 }, async () => {
    const engineItem = vscode.page
      .locator('#workbench\\.parts\\.statusbar [id^="local-text-analytics.local-text-analytics."]')
      .filter({ hasText: 'Text Analytics' });
    await engineItem.filter({ hasText: 'CPU' }).waitFor({ timeout: 20_000 });
  });

  test('clicking a sentence selects it in the editor', { timeout: 60_000 }, async () => {
    const index = SAMPLE_SENTENCES.findIndex(([text]) => text.startsWith('I love'));
    const row = vscode.webview().locator('.sentence-row').nth(index);
    const start = Number(await row.getAttribute('data-start'));
    const end = Number(await row.getAttribute('data-end'));
    await row.click();
    // The click selects it in the editor, which it makes active (the selection in the active colour).
    const selection = await vscode.selectionOfLength(end - start);
    await vscode.screenshot('sentence-selected', { readme: 'sentiment' });

    const from = lineAndColumn(SAMPLE_TEXT, start);
    const to = lineAndColumn(SAMPLE_TEXT, end);
    assert.equal(selection.selected, end - start, selection.text);
    assert.equal(selection.line, from.line, selection.text);
    // The cursor is at whichever end of the selection the extension made active.
    assert.ok([from.column, to.column].includes(selection.column), `${selection.text}: expected column ${from.column} or ${to.column}`);
  });

  test('editing the document marks the results stale', { timeout: 60_000 }, async () => {
    const banner = vscode.webview().locator('.stale-banner');
    assert.equal(await banner.isVisible(), false);
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Control+End');
    await vscode.page.keyboard.type('A new sentence that nobody has analysed yet.');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    await vscode.screenshot('stale');
  });

  test('in Markdown only the prose is scored: no heading, front matter, code or table row is a sentence', { timeout: 90_000 }, async () => {
    await vscode.openFile(MARKDOWN_FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = vscode.webview();
    await panel.locator('.tab[aria-selected="true"]', { hasText: MARKDOWN_FILE }).or(panel.locator('.file-name', { hasText: MARKDOWN_FILE })).first().waitFor({ timeout: 60_000 });
    await panel.locator('.sentence-row').nth(MARKDOWN_SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    await vscode.screenshot('markdown');
    const shown = await shownSentences(panel);
    assert.deepEqual(shown.map((row) => row.text).slice(0, MARKDOWN_SENTENCES.length), MARKDOWN_SENTENCES);
    for (const row of shown) {
      assert.doesNotMatch(row.text ?? '', /^#|^---|title:|const result|-{4}/, `markup scored as a sentence: ${row.text}`);
    }
    for (const row of shown) assert.equal(MARKDOWN_TEXT.slice(row.start, row.end), row.text, 'a sentence is the document\'s slice');
    // The link's target is not read as words: its "bad", "awful" and "terrible" would outweigh the
    // link text's "good" (the planted model counts words).
    assert.equal(shown[1]?.label, 'POSITIVE');
    assert.match(await panel.locator('.document-summary').innerText(), /Markdown blocks? \(headings, code, front matter, tables\)/);
  });
});
