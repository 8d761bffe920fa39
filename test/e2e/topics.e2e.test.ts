/**
 * Classify Topics in a real VS Code, as a user meets it: palette → Topics view with the
 * document's bars and each section's top labels → click a section → edit the labels and classify
 * again from the panel. Uses the planted fixture NLI model (`npm run fixtures`), which reads
 * sports words as sports and money words as business, and never downloads. Screenshots land in
 * .test-runs/topics-*.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { e2eSkipReason, launchVSCode, shownTopicBars, type VSCode } from './vscode';

const FILE = 'report.md';
const SPORTS = '# Match report\nThe football team scored a late goal to win the match.\n';
const BUSINESS = '# Markets\nThe company reported record profit and its stocks rose on the market.\n';
const TEXT = `${SPORTS}\n${BUSINESS}`;
const LABELS = ['sports', 'business', 'science', 'politics'];

describe('Classify Topics in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'topics',
      fixtureModels: ['topics'],
      files: { [FILE]: TEXT },
      settings: {
        'textAnalytics.topics.labels': LABELS,
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  async function sectionsShown(): Promise<Array<{ start: number; end: number; title: string; labels: string[] }>> {
    return vscode
      .webview()
      .locator('.topic-section')
      .evaluateAll((elements) =>
        elements.map((section) => ({
          start: Number(section.getAttribute('data-start')),
          end: Number(section.getAttribute('data-end')),
          title: section.querySelector('.topic-section-title')?.textContent?.trim() ?? '',
          labels: [...section.querySelectorAll('.topic-section-label')].map((label) => label.getAttribute('data-label') ?? ''),
        })),
      );
  }

  test('the palette command shows the document bars and each section with its top labels', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Classify Topics');
    const panel = vscode.webview();
    try {
      await panel.locator('.topic-section').nth(1).waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-results');
      const toasts = await vscode.notifications();
      throw new Error(`no topic sections in the results panel (notifications: ${JSON.stringify(toasts)})`, { cause: error });
    }
    await vscode.screenshot('results');

    const bars = await shownTopicBars(panel);
    assert.deepEqual(bars.map((bar) => bar.label).sort(), [...LABELS].sort());
    for (const bar of bars) {
      assert.match(bar.score, /^\d{1,3}%$/, `score of ${bar.label}`);
      assert.equal(`${bar.valueNow}%`, bar.score, `aria-valuenow of ${bar.label}`);
    }
    // Single-label: the shown (rounded-down) percentages add up to at most 100, and not far below.
    const total = bars.reduce((sum, bar) => sum + Number.parseInt(bar.score, 10), 0);
    assert.ok(total <= 100 && total >= 100 - LABELS.length, `percentages sum to ${total}`);

    const sections = await sectionsShown();
    assert.equal(sections.length, 2, JSON.stringify(sections));
    assert.deepEqual(
      sections.map((s) => [s.title, s.labels[0], s.labels.length]),
      [
        ['Match report', 'sports', 3],
        ['Markets', 'business', 3],
      ],
    );
    assert.ok(TEXT.slice(sections[0]!.start, sections[0]!.end).startsWith('# Match report'), 'first section offsets');
    assert.ok(TEXT.slice(sections[1]!.start, sections[1]!.end).startsWith('# Markets'), 'second section offsets');
    assert.equal(await panel.locator('.stale-banner').isVisible(), false, 'fresh results are not stale');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('clicking a section selects it in the editor', { timeout: 60_000 }, async () => {
    const section = vscode.webview().locator('.topic-section').nth(1);
    const start = Number(await section.getAttribute('data-start'));
    const end = Number(await section.getAttribute('data-end'));
    await section.click();
    // The click selects it in the editor, which it makes active (the selection in the active colour).
    const selection = await vscode.selectionOfLength(end - start);
    await vscode.screenshot('section-selected', { readme: 'topics' });
    assert.equal(selection.selected, end - start, selection.text);
    // The cursor is at whichever end of the selection the extension made active.
    const lineOf = (offset: number): number => TEXT.slice(0, offset).split('\n').length;
    assert.ok([lineOf(start), lineOf(end)].includes(selection.line), `${selection.text}: expected line ${lineOf(start)} or ${lineOf(end)}`);
  });

  test('labels edited in the panel are used when classifying again', { timeout: 120_000 }, async () => {
    const panel = vscode.webview();
    await panel.locator('.topic-label-chip[data-label="politics"] .chip-remove').click();
    await panel.locator('.topic-label-chip[data-label="science"] .chip-remove').click();
    const input = panel.locator('.topic-label-input');
    await input.fill('Wirtschaft, Märkte');
    await input.press('Enter');
    await panel.locator('.topic-classify').click();
    await panel.locator('.topic-bar[data-label="Wirtschaft, Märkte"]').waitFor({ timeout: 60_000 });
    await vscode.screenshot('relabelled');
    const labels = await panel.locator('.topic-bar').evaluateAll((elements) => elements.map((bar) => bar.getAttribute('data-label')));
    assert.deepEqual(labels.sort(), ['Wirtschaft, Märkte', 'business', 'sports'].sort());
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
