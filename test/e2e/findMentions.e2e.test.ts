/**
 * Find Mentions in Workspace in a real VS Code: a workspace of three Markdown files, two of them
 * mentioning Angela Merkel. From the hover of the highlighted name, and from the results panel's
 * row, the references peek lists both files with their lines; after the one file is edited and
 * saved without the name, the index follows the save and the next search lists only the other.
 * Uses the planted fixture model (`npm run fixtures`) and never downloads. Screenshots land in
 * .test-runs/find-mentions-*.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';


const FILES: Record<string, string> = {
  'notes.md': ['# Notes', '', 'Angela Merkel met Barack Obama', 'in Buenos Aires.', ''].join('\n'),
  'talks/summary.md': ['# Summary', '', 'Google opened an office in Paris.', '', 'The talk by Angela Merkel was long.', ''].join('\n'),
  'other.md': ['# Other', '', 'Marie Curie worked in Paris.', ''].join('\n'),
};

/**
 * Runs in the page: the screen rectangle of `word` on the first editor line containing `line`.
 * A string rather than a function: tsx compiles this file with `keepNames`, whose helper calls do
 * not exist in the browser.
 */
const WORD_RECT = String.raw`(([line, word]) => {
  const editor = document.querySelector('.part.editor .editor-group-container.active .monaco-editor') || document.querySelector('.part.editor .monaco-editor');
  for (const view of editor ? editor.querySelectorAll('.view-lines > .view-line') : []) {
    const text = view.textContent.replace(/\u00a0/g, ' ');
    if (!text.includes(line)) continue;
    const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.replace(/\u00a0/g, ' ').indexOf(word);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + word.length);
      const r = range.getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };
    }
  }
  return null;
})`;

/** What the references peek lists: its files (with their counts) and the lines shown. */
interface Peek {
  title: string;
  files: string[];
  lines: string[];
}

describe('Find Mentions in Workspace in VS Code', { skip: e2eSkipReason(), timeout: 420_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'find-mentions',
      fixtureModels: ['entities'],
      files: FILES,
      settings: {
        '[markdown]': { 'editor.wordWrap': 'off' },
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  /** Hovers `word` on the editor line containing `line` until the entity hover shows; returns it. */
  async function hoverEntity(line: string, word: string): Promise<Locator> {
    const hover = vscode.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'Confidence' });
    for (let attempt = 0; ; attempt++) {
      const rect = (await vscode.page.evaluate(`${WORD_RECT}(${JSON.stringify([line, word])})`)) as { x: number; y: number; width: number; height: number } | null;
      if (rect) {
        const x = rect.x + rect.width / 2;
        const y = rect.y + rect.height / 2;
        // Moving in from beside the text, as a mouse does: the hover follows mouse moves.
        await vscode.page.mouse.move(x - 40, y + 60);
        await vscode.page.mouse.move(x, y, { steps: 5 });
        try {
          await hover.waitFor({ state: 'visible', timeout: 5_000 });
          await delay(300); // the hover fades in
          return hover;
        } catch {
          // Highlights may still be on their way: try again.
        }
      }
      if (attempt === 8) {
        await vscode.screenshot('no-hover');
        throw new Error(`no entity hover over "${word}" (notifications: ${JSON.stringify(await vscode.notifications())})`);
      }
      await delay(1_000);
    }
  }

  /** Waits for the references peek to list `expected` files (none: one file, whose lines it lists directly), then reads it. */
  async function readPeek(what: string, expectedFiles: number): Promise<Peek> {
    // Only the peek on screen: a closed one may stay in the page, hidden.
    const peek = vscode.page.locator('.peekview-widget').filter({ has: vscode.page.locator('.ref-tree:visible') }).first();
    await peek.waitFor({ state: 'visible', timeout: 120_000 }).catch(async (error: unknown) => {
      await vscode.screenshot(`no-peek-${what}`);
      throw new Error(`${what}: no references peek (notifications: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
    });
    const tree = peek.locator('.ref-tree');
    const deadline = Date.now() + 20_000;
    // Several files are listed as file rows, which may be collapsed: expand every one. One file's
    // mentions are listed directly.
    for (;;) {
      const files = tree.locator('.monaco-list-row[aria-expanded]');
      const count = await files.count();
      const ready = expectedFiles > 0 ? count === expectedFiles : (await tree.locator('.monaco-list-row').count()) > 0;
      if (ready) {
        for (let i = 0; i < count; i++) {
          const row = files.nth(i);
          if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
        }
        break;
      }
      if (Date.now() > deadline) break;
      await delay(200);
    }
    await delay(300);
    const title = (await peek.locator('.peekview-title').innerText()).replace(/\s+/g, ' ').trim();
    const files = (await tree.locator('.reference-file').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    // A mention's row is a leaf: it has no aria-expanded.
    const lines = (await tree.locator('.monaco-list-row:not([aria-expanded])').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    await vscode.screenshot(`peek-${what}`);
    return { title, files, lines };
  }

  async function closePeek(): Promise<void> {
    await vscode.focusFirstEditorGroup();
    await vscode.page.keyboard.press('Escape');
    await vscode.page.locator('.peekview-widget .ref-tree:visible').first().waitFor({ state: 'detached', timeout: 10_000 });
  }

  test('from the hover: the peek lists both files that mention the person, with their lines', { timeout: 240_000 }, async () => {
    await vscode.openFile('notes.md');
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const hover = await hoverEntity('Angela Merkel met', 'Merkel');
    const link = hover.locator('.rendered-markdown a', { hasText: 'Find Mentions in Workspace' });
    assert.equal(await link.count(), 1, 'the hover has the Find Mentions in Workspace link');
    await link.click();

    // The first search indexes the workspace under a cancellable notification.
    const peek = await readPeek('hover', 2);
    assertBothFiles(peek);
    assert.deepEqual(await vscode.errorNotifications(), []);
    await closePeek();
  });

  test('from the results panel: the selected row finds the same mentions', { timeout: 120_000 }, async () => {
    const panel = await vscode.webviewWith('.entity-row');
    const row = panel.locator('.entity-row[data-type="PER"][data-text="angela merkel"]');
    await row.click();
    await panel.locator('.entity-row[aria-selected="true"][data-text="angela merkel"]').waitFor({ timeout: 10_000 });
    const button = panel.locator('button.find-mentions');
    await button.click();
    const peek = await readPeek('panel', 2);
    assertBothFiles(peek);
    await closePeek();
  });

  test('saving a file without the name updates the index; the next search lists only the other file', { timeout: 180_000 }, async () => {
    await vscode.openFile('talks/summary.md');
    await vscode.focusFirstEditorGroup();
    // Line 5, "The talk by Angela Merkel was long.": replaced by a line without the name.
    const keyboard = vscode.page.keyboard;
    await keyboard.press('Control+Home');
    for (let i = 1; i < 5; i++) await keyboard.press('ArrowDown');
    await keyboard.press('Home');
    await keyboard.press('Shift+End');
    await keyboard.type('The talk was long.');
    await keyboard.press('Control+S');

    // The saved file was in the index: it is analysed again in the background, before any search.
    const saved = FILES['talks/summary.md'].replace('The talk by Angela Merkel was long.', 'The talk was long.');
    const uri = pathToFileURL(join(vscode.workspace, 'talks', 'summary.md')).href;
    const deadline = Date.now() + 60_000;
    let recorded: string | undefined;
    while (Date.now() < deadline) {
      recorded = indexedHash(vscode.root, uri);
      if (recorded === sha256(saved)) break;
      await delay(250);
    }
    assert.equal(recorded, sha256(saved), 'the index holds the saved text of talks/summary.md');

    await vscode.openFile('notes.md');
    const hover = await hoverEntity('Angela Merkel met', 'Merkel');
    await hover.locator('.rendered-markdown a', { hasText: 'Find Mentions in Workspace' }).click();
    const peek = await readPeek('after-save', 0);
    assert.deepEqual(peek.files, [], JSON.stringify(peek));
    assert.equal(peek.lines.length, 1, JSON.stringify(peek));
    assert.ok(peek.lines[0].includes('Angela Merkel met Barack Obama'), JSON.stringify(peek));
    assert.match(peek.title, /notes\.md/, peek.title);
    assert.deepEqual(await vscode.errorNotifications(), []);
    await closePeek();
  });
});

/**
 * The peek lists notes.md and talks/summary.md, one mention each, on the lines that have them
 * (the peek shows each line from a word or so before the mention).
 */
function assertBothFiles(peek: Peek): void {
  const detail = JSON.stringify(peek);
  assert.equal(peek.files.length, 2, detail);
  assert.ok(peek.files.some((file) => file.startsWith('notes.md')), detail);
  assert.ok(peek.files.some((file) => file.startsWith('summary.md')), detail);
  assert.equal(peek.lines.length, 2, detail);
  assert.ok(peek.lines.some((line) => line.includes('Angela Merkel met Barack Obama')), detail);
  assert.ok(peek.lines.some((line) => line.includes('Angela Merkel was long.')), detail);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The text hash the index recorded for `uri`, from its manifest in the workspace's storage of this session. */
function indexedHash(root: string, uri: string): string | undefined {
  const storage = join(root, 'user-data', 'User', 'workspaceStorage');
  for (const manifest of existsSync(storage) ? findFiles(storage, 'manifest.json') : []) {
    if (!manifest.includes('entity-index')) continue;
    try {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { files?: Record<string, { contentHash?: string }> };
      const hash = parsed.files?.[uri]?.contentHash;
      if (hash) return hash;
    } catch {
      // Being replaced right now: read it again on the next poll.
    }
  }
  return undefined;
}

function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}
