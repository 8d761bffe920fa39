/**
 * Analyze Folder… in a real VS Code, as a user meets it: the palette asks for the task and the
 * folder (VS Code's own folder dialog, opening on the workspace), a progress notification
 * counts the files, and the report opens in a webview — its charts drawn in the editor's theme,
 * the sentiment of each file and the number of documents in its tables — with an Open Results
 * button that opens the results file, one line per file. Uses the planted sentiment fixture
 * (`npm run fixtures`) and never downloads. Screenshots land in .test-runs/analyze-folder-*.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseFolderInFileDialog, exactly } from './dialogs';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';

const POSITIVE = ['The interview was great. I love the team.', 'A great day: we love the new office.', 'What a wonderful day.'];
const NEGATIVE = ['Terrible service and a rude driver.', 'An awful meeting: rude, slow and useless.'];
/** Five transcripts in interviews/ (one in a subfolder), and a file elsewhere that is not read. */
const FILES: Record<string, string> = {
  'interviews/01.md': `# First\n\n${POSITIVE[0]}\n`,
  'interviews/02.txt': POSITIVE[1],
  'interviews/03.txt': NEGATIVE[0],
  'interviews/later/04.txt': POSITIVE[2],
  'interviews/later/05.md': NEGATIVE[1],
  'elsewhere.txt': NEGATIVE[0],
};
const RESULTS = join('.text-analytics', 'interviews-sentiment.jsonl');

describe('Analyze Folder in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'analyze-folder',
      fixtureModels: ['sentiment'],
      files: FILES
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('palette → Sentiment → folder → progress → the report in the webview, and the results file has one line per file', { timeout: 240_000 }, async () => {
    const page = vscode.page;
    await vscode.runCommand('Text Analytics: Analyze Folder…');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exactly('Sentiment') }) })
      .first()
      .click();
    await chooseFolderInFileDialog(vscode, join(vscode.workspace, 'interviews'), 'Analyze');

    // The first file waits for the worker and its model: long enough to see the count.
    const progress = await vscode.waitForNotification(/of 5 files: interviews\//, 60_000);
    await vscode.screenshot('progress');
    assert.match(progress, /\d of 5 files: interviews\/\S+/);

    const report = await vscode.webviewWith('#task-sentiment', 120_000);
    await report.locator('html[data-charts-drawn="1"]').waitFor({ timeout: 30_000 });
    await vscode.screenshot('report', {});
    const text = await report.locator('body').innerText();
    assert.match(text, /5 documents: 5 results, 0 errors/);
    // The sentiment distribution, in the table beside its chart: three positive files, two negative.
    const rows = await report.locator('table:has(caption:text-is("Document sentiment")) tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent?.trim())));
    assert.deepEqual(rows, [['POSITIVE', '3'], ['NEGATIVE', '2']]);
    // In the editor's theme: the page's background is the editor's, whatever the system's scheme.
    const colours = await report.locator('body').evaluate((body) => {
      const view = body.ownerDocument.defaultView;
      return {
        theme: [...body.classList].find((name) => name.startsWith('vscode-')),
        page: view?.getComputedStyle(body).backgroundColor,
        editor: view?.getComputedStyle(body.ownerDocument.documentElement).getPropertyValue('--vscode-editor-background').trim() ?? '',
      };
    });
    assert.ok(colours.theme, 'the webview says the theme kind');
    assert.equal(colours.page, hexToRgb(colours.editor), JSON.stringify(colours));

    const lines = readFileSync(join(vscode.workspace, RESULTS), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { source: string; result?: { document: { label: string } } });
    assert.deepEqual(
      lines.map((line) => [line.source, line.result?.document.label]),
      [
        ['interviews/01.md', 'POSITIVE'],
        ['interviews/02.txt', 'POSITIVE'],
        ['interviews/03.txt', 'NEGATIVE'],
        ['interviews/later/04.txt', 'POSITIVE'],
        ['interviews/later/05.md', 'NEGATIVE'],
      ],
    );
    assert.ok(existsSync(join(vscode.workspace, '.text-analytics', '.gitignore')), 'the results folder ignores itself');

    await report.getByRole('button', { name: 'Open Results' }).click();
    await page.locator('.tabs-container .tab[data-resource-name="interviews-sentiment.jsonl"]').waitFor({ timeout: 30_000 });
    await vscode.screenshot('results-opened');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test("the explorer's context menu on a folder analyses that folder without asking for it", { timeout: 120_000 }, async () => {
    const page = vscode.page;
    // The extension's menu items are there once VS Code has read it (its status item shows then).
    await vscode.statusBarItems(/Text Analytics/).first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly('later') }) });
    if ((await row.count()) === 0) {
      // interviews/ is still collapsed: open it to show later/.
      await page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly('interviews') }) }).click();
    }
    await row.click({ button: 'right' });
    await vscode.screenshot('explorer-menu');
    await page.locator('.context-view .monaco-menu .action-label', { hasText: exactly('Analyze Folder…') }).click();
    await vscode.screenshot('explorer-task');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exactly('Sentiment') }) })
      .first()
      .click();
    const report = await vscode.webviewWith('caption:text-is("Document sentiment")', 60_000);
    await report.locator('h1', { hasText: 'interviews-later-sentiment.jsonl' }).waitFor({ timeout: 60_000 });
    assert.match(await report.locator('body').innerText(), /2 documents: 2 results, 0 errors/);
    const lines = readFileSync(join(vscode.workspace, '.text-analytics', 'interviews-later-sentiment.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { source: string }).source),
      ['interviews/later/04.txt', 'interviews/later/05.md'],
    );
    await vscode.screenshot('explorer-report');
  });
});

/** "#1f1f1f" (or with alpha) as getComputedStyle writes a colour: "rgb(31, 31, 31)". */
function hexToRgb(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return match ? `rgb(${match.slice(1).map((part) => Number.parseInt(part, 16)).join(', ')})` : hex;
}
