/**
 * Text contrast in a real VS Code, in the light, dark and both high-contrast default themes: runs
 * Analyze Sentiment and Highlight Entities on the planted fixture models, selects a row, and for
 * every piece of text the results panel shows (labels, type badges, confidences, sentences, facts)
 * reads its computed colour and the background it is drawn on, and holds their contrast to WCAG AA:
 * 4.5:1, or 3:1 for large text (24px, or 18.66px bold). In the editor, the entity highlights colour
 * the background behind the text, so the text's colour is held against that background laid over
 * the editor's. Screenshots land in .test-runs/contrast-*.
 *
 * The effective background of an element is every background from it up to the page, laid one
 * over the other (translucent entity highlights over the selection over the panel), from the first
 * opaque one; where none is opaque, the webview shows the editor's background, which VS Code
 * gives the webview as --vscode-editor-background.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { SAMPLE_TEXT } from '../integration/sample';
import { e2eSkipReason, launchVSCode, type VSCode } from './vscode';

const SENTIMENT_FILE = 'notes.md';
const ENTITIES_FILE = 'meeting.md';
const ENTITIES_TEXT = 'Angela Merkel met Barack Obama in Buenos Aires.\n\nGoogle opened an office in Paris for the Olympics.\n';

interface Theme {
  /** As the Color Theme picker lists it (the setting's value is "Default " + this). */
  label: string;
  /** The workbench element's class once the theme applies. */
  workbenchClass: string;
  /** The webview body's class once the theme reaches it. */
  webviewClass: string;
}

const THEMES: readonly Theme[] = [
  { label: 'Light Modern', workbenchClass: 'vs', webviewClass: 'vscode-light' },
  { label: 'Dark Modern', workbenchClass: 'vs-dark', webviewClass: 'vscode-dark' },
  { label: 'Dark High Contrast', workbenchClass: 'hc-black', webviewClass: 'vscode-high-contrast' },
  { label: 'Light High Contrast', workbenchClass: 'hc-light', webviewClass: 'vscode-high-contrast-light' },
];

/** One piece of text as drawn: its colours as [r, g, b, a] (0–255, alpha 0–1). */
interface DrawnText {
  text: string;
  /** The element's classes, to say which one fails. */
  where: string;
  color: number[];
  background: number[];
  large: boolean;
}

// ---- WCAG 2.x relative luminance and contrast ratio ------------------------------------------

/** Relative luminance of an sRGB colour (0–255 channels), as WCAG 2.x defines it. */
function relativeLuminance([r, g, b]: readonly number[]): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** (L1 + 0.05) / (L2 + 0.05), the lighter over the darker: 1 to 21. */
function contrastRatio(a: readonly number[], b: readonly number[]): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** `top` (alpha 0–1) laid over the opaque `bottom`. */
function over(top: readonly number[], bottom: readonly number[]): number[] {
  const alpha = top[3] ?? 1;
  return [0, 1, 2].map((i) => top[i] * alpha + bottom[i] * (1 - alpha)).concat(1);
}

/** The ratio text is drawn at: a translucent text colour is blended into its background first. */
function drawnRatio({ color, background }: DrawnText): number {
  return contrastRatio(over(color, background), background);
}

function describeFailure(item: DrawnText, ratio: number): string {
  const rgb = (c: number[]) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')}${c[3] !== undefined && c[3] < 1 ? `, ${c[3]}` : ''})`;
  return `"${item.text.slice(0, 40)}" (${item.where}): ${ratio.toFixed(2)}:1, ${rgb(item.color)} on ${rgb(item.background)}`;
}

/** Any CSS colour as [r, g, b, a], through the browser's own parsing (page code, a string's part). */
const RGBA = String.raw`(css) => {
  probe.style.color = '';
  probe.style.color = css;
  const computed = getComputedStyle(probe).color;
  const srgb = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.e-]+))?\)$/.exec(computed);
  if (srgb) return [Number(srgb[1]) * 255, Number(srgb[2]) * 255, Number(srgb[3]) * 255, srgb[4] === undefined ? 1 : Number(srgb[4])];
  const match = /^rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)$/.exec(computed);
  if (!match) throw new Error('cannot read the colour ' + css + ' (' + computed + ')');
  return [Number(match[1]), Number(match[2]), Number(match[3]), match[4] === undefined ? 1 : Number(match[4])];
}`;

/**
 * Runs in a webview's document: every visible element's own text, as {@link DrawnText}s. A string
 * rather than a function: tsx compiles this file with `keepNames`, whose `__name(…)` helper calls
 * in nested functions do not exist in the browser (and this file's tsconfig has no DOM types).
 */
const DRAWN_TEXTS = String.raw`(() => {
  const probe = document.createElement('div');
  document.body.append(probe);
  const rgba = ${RGBA};
  const editorBackground = getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim();
  const page = rgba(editorBackground || 'white');
  const blend = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const backgroundOf = (element) => {
    const layers = [];
    for (let at = element; at; at = at.parentElement) {
      const layer = rgba(getComputedStyle(at).backgroundColor);
      if (layer[3] === 0) continue;
      layers.push(layer);
      if (layer[3] === 1) break;
    }
    let colour = layers.length > 0 && layers[layers.length - 1][3] === 1 ? layers.pop() : page;
    while (layers.length > 0) colour = blend(layers.pop(), colour);
    return colour;
  };
  const texts = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element === probe || element.closest('option, script, style, [hidden], [aria-hidden="true"]')) continue;
    const own = [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent || '').join('').trim();
    if (!own) continue;
    const style = getComputedStyle(element);
    if (style.visibility !== 'visible' || element.getClientRects().length === 0) continue;
    // WCAG exempts inactive controls.
    if (element.disabled) continue;
    const size = parseFloat(style.fontSize);
    texts.push({
      text: own,
      where: element.tagName.toLowerCase() + '.' + [...element.classList].join('.'),
      color: rgba(style.color),
      background: backgroundOf(element),
      large: size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700),
    });
  }
  probe.remove();
  return texts;
})()`;

/**
 * Runs in the workbench page: the text under each entity highlight, with the highlight laid over
 * the editor's background. Monaco draws a decoration's background as a `div.cdr.ced-…` in the
 * `.view-overlays` layer beside the text, so the text is found by geometry in `.view-lines`.
 */
const HIGHLIGHTED_TEXTS = String.raw`(() => {
  const probe = document.createElement('div');
  document.body.append(probe);
  const rgba = ${RGBA};
  const texts = [];
  const editor = document.querySelector('.editor-group-container .monaco-editor');
  if (editor) {
    const editorBackground = rgba(getComputedStyle(editor.querySelector('.monaco-editor-background') || editor).backgroundColor);
    const spans = [...editor.querySelectorAll('.view-lines .view-line span span')];
    for (const decoration of editor.querySelectorAll('.view-overlays .cdr')) {
      if (![...decoration.classList].some((c) => c.startsWith('ced-'))) continue;
      const layer = rgba(getComputedStyle(decoration).backgroundColor);
      if (layer[3] === 0) continue;
      const box = decoration.getBoundingClientRect();
      const background = [0, 1, 2].map((i) => layer[i] * layer[3] + editorBackground[i] * (1 - layer[3])).concat(1);
      for (const span of spans) {
        const r = span.getBoundingClientRect();
        const middle = r.top + r.height / 2;
        if (middle < box.top || middle > box.bottom || r.right <= box.left + 1 || r.left >= box.right - 1) continue;
        texts.push({ text: span.textContent || '', where: 'editor highlight ' + decoration.className, color: rgba(getComputedStyle(span).color), background, large: false });
      }
    }
  }
  probe.remove();
  return texts;
})()`;

/**
 * Picks a colour theme through "Preferences: Color Theme", as a user does, and waits until the
 * workbench, and then the results panel, have applied it.
 */
async function useTheme(vscode: VSCode, panel: FrameLocator, theme: Theme): Promise<void> {
  const page = vscode.page;
  const workbench = page.locator('.monaco-workbench').first();
  if (!((await workbench.getAttribute('class')) ?? '').split(/\s+/).includes(theme.workbenchClass)) {
    // Its key chord: the command opens a picker in the palette's place.
    await vscode.focusFirstEditorGroup();
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(theme.label);
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: theme.label }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await waitFor(async () => ((await workbench.getAttribute('class')) ?? '').split(/\s+/).includes(theme.workbenchClass), `the workbench in ${theme.label}`);
  }
  await waitFor(() => panel.locator('body').evaluate((body, name) => body.classList.contains(name), theme.webviewClass), `the panel in ${theme.label}`);
  // The panel's variables change with its class; give it a frame to restyle.
  await delay(300);
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** Every drawn text below AA, one line each. */
function belowAA(texts: readonly DrawnText[]): string[] {
  return texts.flatMap((item) => {
    const ratio = drawnRatio(item);
    return ratio < (item.large ? 3 : 4.5) ? [describeFailure(item, ratio)] : [];
  });
}

describe('text contrast in light, dark and high-contrast themes', { skip: e2eSkipReason(), timeout: 600_000 }, () => {
  let vscode: VSCode;

  before(async () => {
    vscode = await launchVSCode({
      name: 'contrast',
      fixtureModels: ['sentiment', 'entities'],
      files: { [SENTIMENT_FILE]: SAMPLE_TEXT, [ENTITIES_FILE]: ENTITIES_TEXT },
      settings: {
        // Where the light theme's POSITIVE was 2:1.
        'workbench.colorTheme': 'Default Light Modern',
        '[markdown]': { 'editor.wordWrap': 'off' },
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('every text of the sentiment view reaches 4.5:1 in each theme, a selected row included', { timeout: 240_000 }, async () => {
    await vscode.openFile(SENTIMENT_FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = await vscode.webviewWith('.sentence-row');
    // A selected row: its background is the list selection's, where secondary text is dimmest.
    await panel.locator('.sentence-row').first().click();
    await panel.locator('.sentence-row[aria-selected="true"]').first().waitFor({ timeout: 10_000 });
    const failures: string[] = [];
    for (const theme of THEMES) {
      await useTheme(vscode, panel, theme);
      await vscode.screenshot(`sentiment-${theme.workbenchClass}`);
      const texts = (await panel.locator('body').evaluate(DRAWN_TEXTS)) as DrawnText[];
      // The check sees the labels of all three kinds, the selected row among them.
      for (const kind of ['label-positive', 'label-negative', 'label-neutral']) {
        assert.ok(texts.some((t) => t.where.includes(kind)), `${theme.label}: no .${kind} text measured`);
      }
      assert.ok(texts.some((t) => t.where.includes('confidence')), `${theme.label}: no confidence text measured`);
      failures.push(...belowAA(texts).map((line) => `${theme.label}: ${line}`));
    }
    assert.deepEqual(failures, [], `text below WCAG AA:\n${failures.join('\n')}`);
  });

  test('every text of the entities view, and the highlighted names in the editor, reach 4.5:1 in each theme', { timeout: 240_000 }, async () => {
    await vscode.openFile(ENTITIES_FILE);
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const panel = await vscode.webviewWith('.entity-row');
    await panel.locator('.entity-row').first().click();
    await panel.locator('.entity-row[aria-selected="true"]').first().waitFor({ timeout: 10_000 });
    const failures: string[] = [];
    for (const theme of [...THEMES].reverse()) {
      await useTheme(vscode, panel, theme);
      await vscode.focusFirstEditorGroup();
      await vscode.screenshot(`entities-${theme.workbenchClass}`);
      const texts = (await panel.locator('body').evaluate(DRAWN_TEXTS)) as DrawnText[];
      assert.ok(texts.some((t) => t.where.includes('entity-chip')), `${theme.label}: no entity type badge measured`);
      assert.ok(texts.some((t) => t.where.includes('entity-text')), `${theme.label}: no highlighted entity text measured`);
      failures.push(...belowAA(texts).map((line) => `${theme.label}: ${line}`));

      const highlighted = (await vscode.page.evaluate(HIGHLIGHTED_TEXTS)) as DrawnText[];
      assert.ok(highlighted.some((t) => t.text.includes('Paris')), `${theme.label}: no highlighted name measured in the editor (${highlighted.length} found)`);
      failures.push(...belowAA(highlighted).map((line) => `${theme.label}: ${line}`));
    }
    assert.deepEqual(failures, [], `text below WCAG AA:\n${failures.join('\n')}`);
  });

  test('the contrast formula gives the published ratios', () => {
    // Black on white is 21:1 by definition; VS Code's old light POSITIVE (#73c991) on white ~2:1.
    assert.equal(contrastRatio([0, 0, 0], [255, 255, 255]).toFixed(1), '21.0');
    assert.equal(contrastRatio([0x73, 0xc9, 0x91], [255, 255, 255]).toFixed(1), '2.0');
    assert.equal(contrastRatio([0x76, 0x76, 0x76], [255, 255, 255]).toFixed(2), '4.54');
  });
});
