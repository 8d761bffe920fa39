/**
 * Highlight Entities in a real VS Code, as a user meets it: open a document, run the command,
 * see the decorations on the planted names, hover one and read the hover, type, and see the
 * decorations follow. Uses the planted fixture model (`npm run fixtures`) and never downloads.
 * Screenshots land in .test-runs/entities-*.
 *
 * How decorations are seen: the extension's decoration types set a background colour, which
 * Monaco draws as absolutely positioned `div.cdr.ced-…` elements in the editor's `.view-overlays`
 * layer, beside (not around) the text in `.view-lines`. The page script below finds those
 * elements, tells their kind by their computed background colour (the contributed
 * `textAnalytics.entity.*.background` defaults of the pinned light theme), and reads the text under
 * each from the geometry of the characters in the view line at the same height; the line number
 * comes from the gutter. A decoration counts only when its edges meet character edges exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { e2eSkipReason, launchVSCode, REPO_ROOT, type VSCode } from './vscode';

const FILE = 'meeting.md';
/** Pinned, so that the contributed light defaults are the colours on screen. */
const THEME = 'Default Light Modern';

/** Between keystrokes, at an unhurried pace. */
const TYPING_MS = 150;
/**
 * Between keystrokes of a fast typist: just over the 60 ms the highlighter waits before it redraws
 * after an edit that drops an entity, so that its redraw crosses the next keystroke on the way.
 */
const FAST_TYPING_MS = 65;

type Kind = 'person' | 'organization' | 'location' | 'misc';
const KINDS: readonly Kind[] = ['person', 'organization', 'location', 'misc'];

/** The names the fixture model finds (test/fixtures/planted.ts), whole words only, by kind. */
const NAMES: Readonly<Record<string, Kind>> = {
  'Angela Merkel': 'person',
  'Barack Obama': 'person',
  'Marie Curie': 'person',
  'Buenos Aires': 'location',
  Paris: 'location',
  Berlin: 'location',
  Tokyo: 'location',
  Google: 'organization',
  Mozilla: 'organization',
  UNESCO: 'organization',
  Siemens: 'organization',
  French: 'misc',
  German: 'misc',
  Olympics: 'misc',
};

/**
 * Short lines (the results panel opens beside the editor), paragraphs over two lines, one
 * paragraph without names, and "Angela Merkel" twice for the hover's occurrence count.
 */
const TEXT = [
  '# Meeting notes',
  '',
  'Angela Merkel met Barack Obama',
  'in Buenos Aires.',
  '',
  'Nothing to see in this paragraph.',
  '',
  'Google and Mozilla opened offices',
  'in Paris and Berlin.',
  '',
  'Angela Merkel spoke at UNESCO',
  'with French engineers.',
  '',
].join('\n');

interface Decoration {
  /** The kind its background colour says, or `unknown <colour>`. */
  kind: string;
  /** The text under it. */
  text: string;
  /** 1-based, from the gutter. */
  line: number;
  /** 1-based, of its first character. */
  column: number;
  /** Its left and right edges are those of its first and last character. */
  exact: boolean;
  className: string;
  rect: { x: number; y: number; width: number; height: number };
}

interface EditorView {
  /** The text of each line in view, by line number (index 0: line 1). */
  lines: string[];
  decorations: Decoration[];
}

interface RawView {
  lines: { number: number; text: string }[];
  decorations: (Omit<Decoration, 'kind'> & { background: string })[];
}

/**
 * Runs in the page. A string rather than a function: tsx compiles this file with `keepNames`,
 * whose `__name(…)` helper calls in nested functions do not exist in the browser.
 */
const READ_EDITOR = String.raw`(() => {
  const editor = document.querySelector('.part.editor .monaco-editor');
  if (!editor) return { lines: [], decorations: [] };
  const gutter = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({ rect: el.getBoundingClientRect(), number: Number(el.textContent.trim()) }));
  const lines = [...editor.querySelectorAll('.view-lines > .view-line')].map((el) => {
    const rect = el.getBoundingClientRect();
    const middle = rect.top + rect.height / 2;
    const numbered = gutter.find((g) => g.rect.top <= middle && middle <= g.rect.bottom);
    const chars = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        chars.push({ ch: node.data[i] === '\u00a0' ? ' ' : node.data[i], left: r.left, right: r.right });
      }
    }
    return { rect, number: numbered ? numbered.number : -1, chars };
  });
  const decorations = [];
  const elements = editor.querySelectorAll('.view-overlays [class*="ced-"], .view-lines [class*="ced-"]');
  for (const el of elements) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const middle = r.top + r.height / 2;
    const line = lines.find((l) => l.rect.top <= middle && middle <= l.rect.bottom);
    const covered = line ? line.chars.filter((c) => (c.left + c.right) / 2 > r.left && (c.left + c.right) / 2 < r.right) : [];
    const first = covered[0];
    const last = covered[covered.length - 1];
    decorations.push({
      text: covered.map((c) => c.ch).join(''),
      line: line ? line.number : -1,
      column: first ? line.chars.indexOf(first) + 1 : -1,
      exact: !!first && Math.abs(first.left - r.left) < 1.5 && Math.abs(last.right - r.right) < 1.5,
      className: [...el.classList].find((c) => c.startsWith('ced-')) || '',
      background: getComputedStyle(el).backgroundColor,
      rect: { x: r.left, y: r.top, width: r.width, height: r.height },
    });
  }
  return { lines: lines.map((l) => ({ number: l.number, text: l.chars.map((c) => c.ch).join('') })), decorations };
})()`;

/** The contributed light-theme background of each kind, as [r, g, b, alpha 0–1]. */
function contributedBackgrounds(): Record<Kind, number[]> {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { colors: { id: string; defaults: Record<string, string> }[] };
  };
  const result = {} as Record<Kind, number[]>;
  for (const kind of KINDS) {
    const id = `textAnalytics.entity.${kind}.background`;
    const hex = manifest.contributes.colors.find((colour) => colour.id === id)?.defaults.light;
    assert.ok(hex && /^#[0-9a-f]{8}$/i.test(hex), `package.json contributes ${id} with a light default #rrggbbaa`);
    result[kind] = [1, 3, 5, 7].map((at, i) => parseInt(hex.slice(at, at + 2), 16) / (i === 3 ? 255 : 1));
  }
  return result;
}

function kindOf(background: string, backgrounds: Record<Kind, number[]>): string {
  const match = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(background);
  if (match) {
    const [r, g, b] = [1, 2, 3].map((i) => Number(match[i]));
    const alpha = match[4] === undefined ? 1 : Number(match[4]);
    for (const kind of KINDS) {
      const [er, eg, eb, ea] = backgrounds[kind];
      if (r === er && g === eg && b === eb && Math.abs(alpha - ea) < 0.01) return kind;
    }
  }
  return `unknown ${background}`;
}

/** Where the planted names are in `text`, as decorations would describe them, in reading order. */
function expectedIn(text: string): string[] {
  const found: { line: number; column: number; label: string }[] = [];
  text.split('\n').forEach((line, index) => {
    for (const [name, kind] of Object.entries(NAMES)) {
      const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${name}(?![\\p{L}\\p{N}])`, 'gu');
      for (const match of line.matchAll(pattern)) {
        found.push({ line: index + 1, column: match.index + 1, label: `${kind} "${name}" at ${index + 1}:${match.index + 1}` });
      }
    }
  });
  return found.sort((a, b) => a.line - b.line || a.column - b.column).map((entry) => entry.label);
}

function labels(view: EditorView): string[] {
  return view.decorations.map((d) => `${d.kind} "${d.text}" at ${d.line}:${d.column}${d.exact ? '' : ' (not on character edges)'}`);
}

/** A decoration that is not exactly on a planted name of its kind. */
function misplaced(view: EditorView): string[] {
  return view.decorations
    .filter((d) => !d.exact || NAMES[d.text] !== d.kind)
    .map((d) => `${d.kind} "${d.text}" at ${d.line}:${d.column}${d.exact ? '' : ' (not on character edges)'}`);
}

describe('Highlight Entities in VS Code', { skip: e2eSkipReason(), timeout: 300_000 }, () => {
  let vscode: VSCode;
  let backgrounds: Record<Kind, number[]>;
  /** What the document should say now; every edit below updates it. */
  let text = TEXT;

  async function readEditor(): Promise<EditorView> {
    const raw = (await vscode.page.evaluate(READ_EDITOR)) as RawView;
    const lines: string[] = [];
    for (const line of raw.lines) if (line.number > 0) lines[line.number - 1] = line.text;
    const decorations = raw.decorations
      .map(({ background, ...rest }) => ({ ...rest, kind: kindOf(background, backgrounds) }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    return { lines: Array.from(lines, (line) => line ?? '<not rendered>'), decorations };
  }

  /**
   * Polls until the editor shows `text` with decorations exactly on its planted names; fails
   * with what it last saw.
   */
  async function waitForDecorations(what: string, timeoutMs: number): Promise<EditorView> {
    const expected = expectedIn(text);
    const deadline = Date.now() + timeoutMs;
    let view: EditorView;
    for (;;) {
      view = await readEditor();
      if (view.lines.join('\n') === text && JSON.stringify(labels(view)) === JSON.stringify(expected)) return view;
      if (Date.now() > deadline) break;
      await delay(50);
    }
    await vscode.screenshot(`failed-${what}`).catch(() => undefined);
    assert.equal(view.lines.join('\n'), text, `${what}: the document's text`);
    assert.deepEqual(labels(view), expected, `${what}: the decorations (notifications: ${JSON.stringify(await vscode.notifications())})`);
    return view;
  }

  /**
   * Types `keys` (`\n` presses Enter) while reading the editor all along, until the decorations
   * settle on the planted names of the new text. Every reading must show decorations only where a
   * planted name of their kind is: a highlight may vanish while a name is retyped, never land
   * beside one. Returns the readings.
   */
  async function typeAndWatch(what: string, keys: string, delayMs: number, settleMs: number): Promise<EditorView[]> {
    const samples: EditorView[] = [];
    let typing = true;
    const sampler = (async () => {
      let shot = false;
      while (typing) {
        const view = await readEditor();
        samples.push(view);
        if (!shot && misplaced(view).length > 0) {
          shot = true;
          await vscode.screenshot(`misplaced-${what}`).catch(() => undefined);
        }
        await delay(10);
      }
    })();
    try {
      for (const part of keys.split(/(\n)/)) {
        if (part === '\n') await vscode.page.keyboard.press('Enter');
        else if (part) await vscode.page.keyboard.type(part, { delay: delayMs });
      }
      samples.push(await waitForDecorations(what, settleMs));
    } finally {
      typing = false;
      await sampler;
    }
    const wrong = samples.flatMap((view, index) => misplaced(view).map((label) => `reading ${index + 1}/${samples.length}: ${label}`));
    assert.deepEqual(wrong, [], `${what}: decorations seen off the planted names while typing`);
    return samples;
  }

  /** Puts the cursor at a 1-based line and column with the keyboard, and checks it is there. */
  async function moveCursor(line: number, column: number): Promise<void> {
    await vscode.focusFirstEditorGroup();
    const keyboard = vscode.page.keyboard;
    await keyboard.press('Control+Home');
    for (let i = 1; i < line; i++) await keyboard.press('ArrowDown');
    await keyboard.press('Home');
    for (let i = 1; i < column; i++) await keyboard.press('ArrowRight');
    // The status bar follows the cursor a moment later.
    const deadline = Date.now() + 5_000;
    let selection = await vscode.editorSelection();
    while ([selection.line, selection.column, selection.selected].join() !== [line, column, 0].join() && Date.now() < deadline) {
      await delay(100);
      selection = await vscode.editorSelection();
    }
    assert.deepEqual([selection.line, selection.column, selection.selected], [line, column, 0], selection.text);
  }

  before(async () => {
    backgrounds = contributedBackgrounds();
    vscode = await launchVSCode({
      name: 'entities',
      fixtureModels: ['entities'],
      files: { [FILE]: TEXT },
      settings: {
        'workbench.colorTheme': THEME,
        // One view line per document line, however narrow the editor gets.
        '[markdown]': { 'editor.wordWrap': 'off' },
      },
    });
  });

  after(async () => {
    await vscode?.close();
  });

  test('the palette command decorates exactly the planted names, in their kinds’ colours', { timeout: 120_000 }, async () => {
    await vscode.openFile(FILE);
    // The tab shows before the editor has rendered its lines.
    const deadline = Date.now() + 20_000;
    let initial = await readEditor();
    while (initial.lines.join('\n') !== TEXT && Date.now() < deadline) {
      await delay(100);
      initial = await readEditor();
    }
    assert.equal(initial.lines.join('\n'), TEXT, 'the document as written');
    assert.deepEqual(labels(initial), [], 'no decorations before the command');

    await vscode.runCommand('Text Analytics: Highlight Entities');
    const view = await waitForDecorations('highlight', 60_000);
    await vscode.screenshot('highlighted');

    // Spelled out once, so that a mistake in expectedIn cannot hide one in the extension.
    assert.deepEqual(labels(view), [
      'person "Angela Merkel" at 3:1',
      'person "Barack Obama" at 3:19',
      'location "Buenos Aires" at 4:4',
      'organization "Google" at 8:1',
      'organization "Mozilla" at 8:12',
      'location "Paris" at 9:4',
      'location "Berlin" at 9:14',
      'person "Angela Merkel" at 11:1',
      'organization "UNESCO" at 11:24',
      'misc "French" at 12:6',
    ]);
    // One decoration type per kind.
    const classes = new Map<string, Set<string>>();
    for (const d of view.decorations) classes.set(d.kind, (classes.get(d.kind) ?? new Set()).add(d.className));
    for (const [kind, names] of classes) assert.equal(names.size, 1, `${kind}: ${[...names].join(', ')}`);
    assert.equal(new Set(view.decorations.map((d) => d.className)).size, 4, 'four kinds, four decoration types');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('hovering a name shows its kind, confidence, occurrences and actions', { timeout: 60_000 }, async () => {
    const view = await waitForDecorations('before hover', 10_000);
    const merkel = view.decorations.find((d) => d.text === 'Angela Merkel' && d.line === 3);
    assert.ok(merkel, 'Angela Merkel is decorated on line 3');
    // Over "Merkel", the second word of "Angela Merkel".
    const x = merkel.rect.x + merkel.rect.width * 0.8;
    const y = merkel.rect.y + merkel.rect.height / 2;
    const hover = vscode.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'Confidence' });
    for (let attempt = 0; ; attempt++) {
      // Moving in from beside the editor text, as a mouse does: the hover follows mouse moves.
      await vscode.page.mouse.move(x - 40, y + 60);
      await vscode.page.mouse.move(x, y, { steps: 5 });
      try {
        await hover.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt === 2) {
          await vscode.screenshot('no-hover');
          throw new Error('no entity hover over "Merkel"', { cause: error });
        }
      }
    }
    await delay(300); // the hover fades in
    await vscode.screenshot('hover', { readme: 'entities' });

    const markdown = hover.locator('.rendered-markdown');
    const shown = (await markdown.innerText()).replace(/\s+/g, ' ').trim();
    assert.match(shown, /Person \(PER\): “Angela Merkel”/, shown);
    const confidence = /Confidence (\d+(?:\.\d)?)%/.exec(shown);
    assert.ok(confidence, `a confidence in: ${shown}`);
    // The planted model scores its names about 98%; the setting's minimum is 50%.
    assert.ok(Number(confidence[1]) >= 50 && Number(confidence[1]) < 100, `confidence ${confidence[1]}%`);
    assert.match(shown, /occurs twice in this document/, shown);
    assert.ok(await markdown.locator('.codicon-person').count(), 'the person icon');

    const links = await markdown.locator('a').evaluateAll((anchors) =>
      anchors.map((anchor) => ({ text: anchor.textContent?.trim(), href: anchor.getAttribute('data-href') ?? '' })),
    );
    assert.deepEqual(
      links.map((link) => [link.text, link.href.split('?')[0]]),
      [
        ['Find All Occurrences', 'command:textAnalytics.findEntityOccurrences'],
        ['Find Mentions in Workspace', 'command:textAnalytics.findMentionsInWorkspace'],
        ['Copy', 'command:textAnalytics.copyEntity'],
        ['Hide People', 'command:textAnalytics.hideEntityType'],
      ],
    );
    const findArgs = JSON.parse(decodeURIComponent(links[0].href.split('?')[1])) as [{ text: string; type: string; start: number }];
    assert.deepEqual([findArgs[0].text, findArgs[0].type, findArgs[0].start], ['Angela Merkel', 'PER', TEXT.indexOf('Angela Merkel')]);

    // Away from the text (below the last line): the hover goes.
    await vscode.page.mouse.move(x, y + 400, { steps: 5 });
    await vscode.page.keyboard.press('Escape');
    await hover.waitFor({ state: 'hidden', timeout: 10_000 });
  });

  test('typing before a name on its line: the highlights follow, and the name is highlighted again', { timeout: 90_000 }, async () => {
    await moveCursor(3, 1);
    text = text.replace('Angela Merkel met', 'Dr. Angela Merkel met');
    await typeAndWatch('type "Dr. "', 'Dr. ', TYPING_MS, 30_000);
    await vscode.screenshot('typed-dr');
  });

  test('typing fast before a name: no highlight lands beside its name on the way', { timeout: 90_000 }, async () => {
    // "D" against "Angela" drops that entity; the redraw that removes it must not move "UNESCO".
    await moveCursor(11, 1);
    text = text.replace('Angela Merkel spoke', 'Dr. Angela Merkel spoke');
    await typeAndWatch('type "Dr. " fast', 'Dr. ', FAST_TYPING_MS, 30_000);
    await vscode.screenshot('typed-dr-fast');
  });

  test('a line inserted above: every highlight moves down with its text at once', { timeout: 90_000 }, async () => {
    await moveCursor(2, 1);
    const lines = text.split('\n');
    lines.splice(1, 0, '');
    text = lines.join('\n');
    const samples = await typeAndWatch('insert a line', '\n', TYPING_MS, 30_000);
    // Monaco moves decorations with the text; the first reading that shows the new line must
    // already show them moved, without waiting for any analysis.
    const firstNew = samples.find((view) => view.lines.join('\n') === text);
    assert.ok(firstNew, 'a reading of the new text');
    assert.deepEqual(labels(firstNew), expectedIn(text), 'the first reading with the new line');
    await vscode.screenshot('line-inserted');
  });

  test('a name typed in a new paragraph is highlighted after the pause', { timeout: 90_000 }, async () => {
    const lines = text.split('\n');
    // The document ends with a newline: the cursor goes to the empty last line.
    await moveCursor(lines.length, 1);
    const added = 'Marie Curie visited Paris.';
    text = `${text}\n${added}`;
    await typeAndWatch('new paragraph', `\n${added}`, TYPING_MS, 30_000);
    const view = await readEditor();
    const last = view.decorations.filter((d) => d.line === lines.length + 1).map((d) => `${d.kind} "${d.text}" at ${d.column}`);
    assert.deepEqual(last, ['person "Marie Curie" at 1', 'location "Paris" at 21']);
    await vscode.screenshot('new-paragraph');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });
});
