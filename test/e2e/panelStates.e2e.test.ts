/**
 * The results panel keeps every task's results, in a real VS Code: Sentiment, then Entities, then
 * Topics leave three tabs, each showing its own results when chosen; a reload of the window
 * brings back the tabs and the entity highlights; closing and reopening the file brings its
 * highlights back; hiding a kind from the hover unchecks its box in the panel. Uses the planted
 * fixture models (`npm run fixtures`) and never downloads. Screenshots land in
 * .test-runs/panel-states-*.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';

const FILE = 'notes.md';
const OTHER = 'other.txt';
/** Names the entities fixture finds (test/fixtures/planted.ts), two sections for topics, sentences for sentiment. */
const TEXT = [
  '# Match report',
  'Angela Merkel watched the football team win the match in Paris.',
  '',
  '# Markets',
  'Google reported record profit and its stocks rose on the market.',
  '',
].join('\n');

describe('Results panel: every task keeps its results', { skip: e2eSkipReason(), timeout: 600_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'panel-states',
      fixtureModels: ['sentiment', 'entities', 'topics'],
      files: { [FILE]: TEXT, [OTHER]: 'Nothing here.\n' },
      settings: {
        'textAnalytics.topics.labels': ['sports', 'business'],
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  /** The results panel's webview (the one with the tab strip). */
  const panel = () => vscode.webviewWith('.tab-strip');

  async function tabNames(frame: FrameLocator): Promise<string[]> {
    return (await frame.locator('[role="tab"]').allInnerTexts()).map((text) => text.trim());
  }

  async function showsAllThree(frame: FrameLocator): Promise<void> {
    await waitFor(async () => (await tabNames(frame)).length === 3, 'three tabs', 60_000);
    assert.deepEqual(await tabNames(frame), [`Sentiment · ${FILE}`, `Entities · ${FILE}`, `Topics · ${FILE}`]);
    // Each tab shows its own results when chosen (a click, then the keyboard).
    await frame.locator('[role="tab"]', { hasText: 'Sentiment' }).click();
    await frame.locator('.sentence-row').first().waitFor({ timeout: 10_000 });
    await frame.locator('[role="tab"][aria-selected="true"]').press('ArrowRight');
    await frame.locator('.entity-row[data-text]').first().waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('[role="tab"][aria-selected="true"]').innerText(), `Entities · ${FILE}`);
    await frame.locator('[role="tab"][aria-selected="true"]').press('ArrowRight');
    await frame.locator('.topic-section').first().waitFor({ timeout: 10_000 });
  }

  /** The entity highlights in the editor: Monaco draws each decoration as an element of a `ced-` class. */
  async function highlightCount(): Promise<number> {
    return vscode.page.locator('.part.editor .monaco-editor .view-overlays [class*="ced-"]').count();
  }

  test('sentiment, then entities, then topics: all three stay reachable, each with its results', { timeout: 240_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    await (await vscode.webviewWith('.sentence-row')).locator('.sentence-row').first().waitFor({ timeout: 60_000 });
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Highlight Entities');
    await (await vscode.webviewWith('.entity-row')).locator('.entity-row').first().waitFor({ timeout: 60_000 });
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Classify Topics');
    await (await vscode.webviewWith('.topic-section')).locator('.topic-section').first().waitFor({ timeout: 60_000 });
    await vscode.screenshot('three-tabs');
    await showsAllThree(await panel());
    assert.ok((await highlightCount()) > 0, 'the entities are highlighted in the editor');
  });

  test('after a reload the tabs and the highlights are still there', { timeout: 180_000 }, async () => {
    await vscode.runCommand('Developer: Reload Window');
    await vscode.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
    await vscode.page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).first().waitFor({ timeout: 60_000 });
    await vscode.screenshot('after-reload');
    await showsAllThree(await panel());
    await waitFor(async () => (await highlightCount()) > 0, 'the highlights after the reload', 60_000);
  });

  test('closing and reopening the file brings its highlights back', { timeout: 120_000 }, async () => {
    // The tabs were clicked last: Quick Open would open the file in the panel's group. Another
    // file stays open in the first group, so that closing this one does not close the group.
    await vscode.focusFirstEditorGroup();
    await vscode.openFile(OTHER);
    await vscode.openFile(FILE);
    await vscode.runCommand('View: Close Editor');
    await waitFor(async () => (await vscode.page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).count()) === 0, 'the file closed', 10_000);
    await vscode.openFile(FILE);
    await waitFor(async () => (await highlightCount()) > 0, 'the highlights after reopening', 60_000);
    await vscode.screenshot('reopened');
  });

  test('hiding a kind from the hover unchecks its box in the panel', { timeout: 120_000 }, async () => {
    const frame = await panel();
    await frame.locator('[role="tab"]', { hasText: 'Entities' }).click();
    const personBox = frame.locator('.type-toggle[data-type="PER"] input');
    await personBox.waitFor({ timeout: 10_000 });
    assert.equal(await personBox.isChecked(), true);

    const line = vscode.page.locator('.part.editor .monaco-editor .view-lines .view-line', { hasText: 'Angela Merkel' }).first();
    const box = await line.boundingBox();
    assert.ok(box, 'the line with "Angela Merkel" is in view');
    const hover = vscode.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'Confidence' });
    for (let attempt = 0; attempt < 5 && !(await hover.isVisible()); attempt++) {
      // Moving in from beside the text, as a mouse does: the hover follows mouse moves.
      await vscode.page.mouse.move(box.x + 20, box.y + 60);
      await vscode.page.mouse.move(box.x + 20, box.y + box.height / 2, { steps: 5 });
      await delay(1500);
    }
    await hover.waitFor({ state: 'visible', timeout: 5_000 });
    await hover.locator('a', { hasText: 'Hide People' }).click();
    await waitFor(async () => !(await personBox.isChecked()), 'the People box unchecked', 10_000);
    await vscode.screenshot('hidden-from-hover');
    // And back: checking it in the panel shows the kind in the editor again (the setting agrees).
    await personBox.check();
    await waitFor(async () => (await personBox.isChecked()) === true, 'the box checked again', 10_000);
  });
});

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
