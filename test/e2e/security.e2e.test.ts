/**
 * Hostile text in the webviews and the hover: nothing leaks, nothing runs.
 *
 * Two halves, both in a real Chromium:
 *
 * 1. The bundled webview scripts (`dist/webview/panel.js`, `questions.js`) in the very shell VS
 *    Code gets (`src/views/shell.ts`, same CSP), fed results whose every string field — file
 *    names, sentences, entity texts and types, model ids, fallback reasons, topic labels and
 *    headings, questions, answers, errors — is markup or script. The planted models cannot make
 *    all of these (their entities are fixed names), so this half is where every field is tried.
 *    Malformed host messages are sent too, and what the scripts post back is checked with the
 *    host's own validators.
 * 2. A real VS Code (code-server) with the planted fixture models: a document whose sentences,
 *    headings and answers carry the payloads, a file name that is one, an entities model whose
 *    type name is one (its config.json doctored), topic labels edited to hostile strings in the
 *    panel, a hostile question. Every webview (sentiment, entities, topics views, the Questions
 *    view) and the entity hover are inspected; then malformed messages are posted from inside the
 *    webviews, which the hosts must drop.
 *
 * Every payload would leave evidence if it ran (a dialog, a changed title, a global, a marker
 * attribute), and if it were inserted as markup even without running (an element, a CSP
 * violation: `default-src 'none'` refuses `<img src=x>` and says so on the console). Each check
 * of "none" is preceded by a check that the same watch does see the thing when it is there.
 * Screenshots land in .test-runs/security-*.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type ConsoleMessage, type FrameLocator, type Page } from 'playwright-core';
import { readWebviewToHost, type PanelState } from '../../src/views/messages';
import { readQuestionsToHost, type QuestionsState } from '../../src/views/questionsMessages';
import { webviewShellHtml } from '../../src/views/shell';
import { chromiumPath, e2eSkipReason, FIXTURE_MODELS, launchVSCode, REPO_ROOT, RUNS_DIR, type VSCode } from './vscode';

// ---- The payloads ----------------------------------------------------------------------------

/** Each would leave evidence if it ran or became markup; none contains `.`, `!` or `?` before its end, so each stays one sentence. */
const PAYLOAD = {
  script: `<script>document.title='PWNED script'</script>`,
  img: `<img src=x onerror=alert('PWNED img')>`,
  markdownLink: `[click](javascript:alert('PWNED md'))`,
  anchor: `<a href="javascript:alert('PWNED a')">click</a>`,
  style: `</style><style>body{display:none}</style>`,
  template: `{{constructor.constructor('alert(1)')()}}`,
  svg: `<svg onload="document.body.dataset.pwned='svg'"></svg>`,
  iframe: `<iframe srcdoc="<script>parent.pwned=1</script>"></iframe>`,
  entity: `&lt;b&gt;bold&lt;/b&gt; &amp;`,
  command: `[quit](command:workbench.action.quit)`,
} as const;
const PAYLOADS: readonly string[] = Object.values(PAYLOAD);

/** What a webview frame holds that document text should never have made. */
interface Evidence {
  /** Elements that load, frame or navigate: there are none in our views. */
  dangerous: string[];
  /** `on*` attributes, and `javascript:` anywhere an URL goes. */
  handlers: string[];
  /** Scripts other than our bundle and VS Code's own API shim. */
  scripts: string[];
  /** `<style>` or `<link>` in the body. */
  bodyStyles: string[];
  /** Traces the payloads leave when they run. */
  ran: string[];
  /** The page still shows: body displayed, the app mounted. */
  bodyDisplay: string;
  appChildren: number;
  /** Recorded by our `securitypolicyviolation` listener, if it was installed in time. */
  violations: string[];
  csp: string;
  /** Our script carries the nonce the CSP names. */
  scriptNonceMatches: boolean;
}

/**
 * Runs inside a webview's frame and returns its {@link Evidence}. A string rather than a function:
 * tsx compiles this file with `keepNames`, whose `__name(…)` helper calls in nested functions do
 * not exist in the browser (and this file's tsconfig has no DOM types).
 */
const INSPECT_FRAME = String.raw`(() => {
  const describe = (element) => element.outerHTML.slice(0, 120);
  const all = [...document.querySelectorAll('*')];
  const dangerous = [...document.querySelectorAll('img, svg, iframe, frame, object, embed, video, audio, a, area, form[action], base, meta[http-equiv="refresh" i]')].map(describe);
  const urlAttributes = /^(?:href|src|srcdoc|action|formaction|xlink:href|data|poster|background)$/i;
  const handlers = all.flatMap((element) =>
    [...element.attributes]
      .filter((attribute) => /^on/i.test(attribute.name) || (urlAttributes.test(attribute.name) && /^\s*javascript:/i.test(attribute.value)))
      .map((attribute) => element.tagName + ' ' + attribute.name + '=' + attribute.value.slice(0, 60)),
  );
  const ours = (script) => /\/dist\/webview\/(?:panel|questions)\.js$/.test(script.src);
  // VS Code's own shim that defines acquireVsCodeApi (and the test's stand-in for it) is inline.
  const shim = (script) => script.src === '' && (script.textContent || '').includes('acquireVsCodeApi');
  const scripts = [...document.scripts].filter((script) => !ours(script) && !shim(script)).map(describe);
  const bodyStyles = [...document.body.querySelectorAll('style, link')].map(describe);
  const ran = [];
  if (/PWNED/.test(document.title)) ran.push('title: ' + document.title);
  if (document.body.dataset.pwned) ran.push('body data-pwned=' + document.body.dataset.pwned);
  if (window.pwned !== undefined) ran.push('window.pwned');
  const script = [...document.scripts].find(ours);
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
  return {
    dangerous,
    handlers,
    scripts,
    bodyStyles,
    ran,
    bodyDisplay: getComputedStyle(document.body).display,
    appChildren: document.getElementById('app')?.childElementCount ?? 0,
    violations: window.__cspViolations ?? [],
    csp,
    scriptNonceMatches: !!script?.nonce && csp.includes("'nonce-" + script.nonce + "'"),
  };
})()`;

/** Installed in each webview frame: records what the CSP refused there. */
const WATCH_VIOLATIONS = String.raw`(() => {
  if (window.__cspViolations) return;
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
})()`;

/** Puts an `<img src=x>` into the page as markup, as a renderer using innerHTML would. */
const INSERT_PROBE = String.raw`(() => {
  const probe = document.createElement('div');
  probe.id = 'watch-probe';
  probe.innerHTML = '<img src="x-probe">';
  document.body.append(probe);
})()`;
const REMOVE_PROBE = `(() => { document.getElementById('watch-probe')?.remove(); window.__cspViolations.length = 0; })()`;
const POSTED = `window.__posted`;
const CLEAR_POSTED = `(() => { window.__posted.length = 0; })()`;

function assertClean(evidence: Evidence, where: string): void {
  assert.deepEqual(evidence.dangerous, [], `${where}: elements made from text`);
  assert.deepEqual(evidence.handlers, [], `${where}: event handlers or javascript: URLs`);
  assert.deepEqual(evidence.scripts, [], `${where}: scripts other than ours`);
  assert.deepEqual(evidence.bodyStyles, [], `${where}: styles in the body`);
  assert.deepEqual(evidence.ran, [], `${where}: a payload ran`);
  assert.deepEqual(evidence.violations, [], `${where}: CSP violations`);
  assert.notEqual(evidence.bodyDisplay, 'none', `${where}: the body is hidden`);
  assert.ok(evidence.appChildren > 0, `${where}: nothing rendered`);
  assert.match(evidence.csp, /^default-src 'none'; /, `${where}: CSP ${evidence.csp}`);
  assert.match(evidence.csp, /script-src 'nonce-[A-Za-z0-9+/=]{16,}';/, `${where}: CSP ${evidence.csp}`);
  assert.doesNotMatch(evidence.csp, /unsafe-inline|unsafe-eval|unsafe-hashes|(?:default|script)-src[^;]*\*/, `${where}: CSP ${evidence.csp}`);
  assert.ok(evidence.scriptNonceMatches, `${where}: our script carries the CSP's nonce`);
}

/** Console messages that say the CSP refused something, or that a script failed. */
function isAlarming(message: ConsoleMessage): boolean {
  return /Content Security Policy|Refused to|PWNED/i.test(message.text()) || (message.type() === 'error' && /Uncaught/.test(message.text()));
}

// ---- Half 1: the webview scripts in Chromium, every field hostile --------------------------------

const ORIGIN = 'http://webview.test';
const NONCE = 'c2VjdXJpdHktdGVzdC1ub25jZQ==';

/**
 * A stand-in for VS Code's `acquireVsCodeApi`: what the script posts is kept for the test, its
 * state in memory. Inline, with the nonce, as VS Code injects its own.
 */
const API_STUB = `
  window.__posted = [];
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
    setState: (next) => { state = next; },
    getState: () => state,
  });`;

function shellPage(script: 'panel' | 'questions'): string {
  const html = webviewShellHtml({
    cspSource: ORIGIN,
    nonce: NONCE,
    scriptUri: `${ORIGIN}/dist/webview/${script}.js`,
    styleUri: `${ORIGIN}/media/${script}.css`,
    title: 'Security test',
  });
  return html.replace(`<script nonce="${NONCE}"`, `<script nonce="${NONCE}">${API_STUB}</script>\n  <script nonce="${NONCE}"`);
}

const URI = 'file:///work/notes.md';
const FILE_NAME = `docs/${PAYLOAD.img}.md`;
const MODEL = { task: 'sentiment', id: PAYLOAD.script, source: 'setting', dir: '/m', file: 'onnx/model.onnx', precision: 'int8' } as const;
const DEVICE = { requested: 'gpu', used: 'cpu', fallbackReason: PAYLOAD.anchor } as const;

/** Sentences, entities, sections and labels: one per payload, at made-up offsets. */
function spans(): { start: number; end: number; text: string }[] {
  let at = 0;
  return PAYLOADS.map((text) => {
    const span = { start: at, end: at + text.length, text };
    at += text.length + 1;
    return span;
  });
}

function sentimentState(): PanelState {
  const score = { label: 'NEGATIVE', score: 0.9, positive: 0.1 } as const;
  return {
    content: {
      view: 'sentiment',
      sentiment: {
        uri: URI,
        version: 1,
        fileName: FILE_NAME,
        result: {
          document: score,
          paragraphs: [{ ...spans()[0], ...score }],
          sentences: spans().map((span) => ({ ...span, ...score, paragraph: 0 })),
          model: MODEL,
          device: DEVICE,
          cachedSentences: 0,
          elapsedMs: 12,
        },
      },
    },
    stale: true,
    notice: { kind: 'error', message: PAYLOAD.svg },
  };
}

function entitiesState(): PanelState {
  return {
    content: {
      view: 'entities',
      entities: {
        uri: URI,
        version: 1,
        fileName: FILE_NAME,
        result: {
          // The hostile texts as people, and each hostile text once more as a type of its own.
          entities: spans().flatMap((span, i) => [
            { ...span, type: 'PER', score: 0.9 },
            { ...span, type: PAYLOADS[(i + 1) % PAYLOADS.length], score: 0.8 },
          ]),
          model: { ...MODEL, task: 'entities' },
          device: DEVICE,
          paragraphsAnalysed: 1,
          paragraphsCached: 0,
          elapsedMs: 9,
        },
      },
    },
    stale: false,
  };
}

function topicsState(): PanelState {
  const labels = PAYLOADS.map((label) => label.trim());
  return {
    content: {
      view: 'topics',
      topics: {
        uri: URI,
        version: 1,
        fileName: FILE_NAME,
        labels,
        multiLabel: true,
        sectionLines: PAYLOADS.map((_, i) => i + 1),
        result: {
          document: labels.map((label, i) => ({ label, score: 1 / (i + 2) })),
          sections: spans().map((span, i) => ({ ...span, heading: i % 2 === 0 ? span.text : undefined, labels: [{ label: labels[i], score: 0.7 }] })),
          model: { ...MODEL, task: 'topics' },
          device: DEVICE,
          pairs: 20,
          elapsedMs: 30,
        },
      },
    },
    stale: false,
    notice: { kind: 'running', fileName: FILE_NAME },
  };
}

function questionsState(): QuestionsState {
  const scope = { uri: URI, fileName: FILE_NAME };
  const answers = spans().map((span, i) => ({
    start: span.start + 100,
    end: span.end + 100,
    text: span.text,
    score: 0.9 - i / 100,
    line: i + 1,
    sentence: { start: span.start + 90, end: span.end + 110, text: `${PAYLOAD.style} ${span.text} ${PAYLOAD.iframe}` },
  }));
  return {
    scope: { ...scope, selection: { start: 0, end: 50, startLine: 1, endLine: 3 } },
    history: [...PAYLOADS],
    run: { id: 1, question: PAYLOAD.script, scope, status: 'done', answers, minScore: 0.1, stale: true, elapsedMs: 40, windows: 3 },
  };
}

describe('The webview scripts render hostile results as text (Chromium)', { skip: e2eSkipReason(), timeout: 180_000 }, () => {
  let browser: Browser;
  let page: Page;
  const alarms: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'webview', 'panel.js')), 'no dist/webview/panel.js: run `npm run build`');
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    // Everything from one made-up origin, answered here: nothing leaves the machine.
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      const page = /^\/(panel|questions)\.html$/.exec(url.pathname);
      if (page) return route.fulfill({ contentType: 'text/html', body: shellPage(page[1] as 'panel' | 'questions') });
      const file = join(REPO_ROOT, url.pathname);
      if (!/^\/(?:dist\/webview|media)\/[\w.-]+$/.test(url.pathname) || !existsSync(file)) return route.fulfill({ status: 404 });
      return route.fulfill({ path: file, contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript' });
    });
    await page.addInitScript(WATCH_VIOLATIONS);
    page.on('console', (message) => {
      if (isAlarming(message)) alarms.push(`[${message.type()}] ${message.text()}`);
    });
    page.on('pageerror', (error) => alarms.push(`[pageerror] ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
  });

  /** As the host does: a message event on the webview's window. */
  async function show(message: unknown): Promise<void> {
    await page.evaluate((data) => (globalThis as unknown as { postMessage(data: unknown, origin: string): void }).postMessage(data, '*'), message);
  }

  async function inspect(): Promise<Evidence> {
    return (await page.evaluate(INSPECT_FRAME)) as Evidence;
  }

  async function posted(): Promise<unknown[]> {
    return (await page.evaluate(POSTED)) as unknown[];
  }

  /** The watch sees markup when it is there: the same checks fail on a page with an `<img src=x>`. */
  async function checkTheWatch(): Promise<void> {
    const before = alarms.length;
    await page.evaluate(INSERT_PROBE);
    await waitFor(async () => alarms.length > before && (await inspect()).violations.length > 0, 'the probe image refused by the CSP', 5_000);
    const evidence = await inspect();
    assert.equal(evidence.dangerous.length, 1, 'the probe image is seen');
    assert.throws(() => assertClean(evidence, 'probe'));
    await page.evaluate(REMOVE_PROBE);
    alarms.length = before;
  }

  test('the results panel: sentiment, entities and topics views and the notices', { timeout: 60_000 }, async () => {
    await page.goto(`${ORIGIN}/panel.html`);
    await page.locator('.empty-state').waitFor();
    await checkTheWatch();

    await show({ type: 'show', state: sentimentState() });
    await page.locator('.sentence-row').nth(PAYLOADS.length - 1).waitFor();
    for (const payload of PAYLOADS) {
      assert.equal(await page.locator('.sentence-row .text').getByText(payload, { exact: true }).count(), 1, `sentence ${payload}`);
    }
    assert.equal(await page.locator('.notice-error').getByText(PAYLOAD.svg, { exact: true }).count(), 1, 'the error notice');
    assert.equal(await page.locator('.file-path').getByText(FILE_NAME, { exact: true }).count(), 1, 'the file name');
    assert.ok(await page.getByText(PAYLOAD.script, { exact: false }).count(), 'the model id');
    assert.equal(await page.locator('.fallback').getByText(PAYLOAD.anchor, { exact: true }).count(), 1, 'the fallback reason');
    // The filter matches hostile text as text.
    await page.locator('input.filter').fill('<img');
    await page.locator('.match-count', { hasText: '1 of' }).waitFor();
    await page.locator('input.filter').fill('');
    assertClean(await inspect(), 'sentiment view');
    await page.screenshot({ path: join(RUNS_DIR, 'security-chromium-sentiment.png') });

    await show({ type: 'show', state: entitiesState() });
    await page.locator('.entity-row').nth(PAYLOADS.length - 1).waitFor();
    for (const payload of PAYLOADS) {
      assert.ok(await page.locator('.entity-text').getByText(payload, { exact: true }).count(), `entity ${payload}`);
      assert.ok(await page.locator('.type-toggle').getByText(payload, { exact: true }).count(), `type ${payload}`);
      const types = await page.locator('.entity-group').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-type')));
      assert.ok(types.includes(payload), `a group of type ${payload}`);
    }
    assertClean(await inspect(), 'entities view');

    await show({ type: 'show', state: topicsState() });
    await page.locator('.topic-section').nth(PAYLOADS.length - 1).waitFor();
    for (const payload of PAYLOADS) {
      assert.ok(await page.locator('.topic-bar .topic-name').getByText(payload, { exact: true }).count(), `label ${payload}`);
      assert.ok(await page.locator('.topic-label-chip').getByText(payload, { exact: true }).count(), `label chip ${payload}`);
    }
    assertClean(await inspect(), 'topics view');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(alarms, []);
  });

  test('what the panel posts back, hostile labels included, passes the host’s checks', { timeout: 60_000 }, async () => {
    await page.evaluate(CLEAR_POSTED);
    await page.locator('.topic-section').first().click();
    const input = page.locator('.topic-label-input');
    for (const label of [PAYLOAD.iframe, PAYLOAD.template]) {
      await input.fill(`${label}-new`);
      await input.press('Enter');
    }
    await page.locator('.topic-classify').click();
    await page.locator('.topic-save-labels').click();
    await page.locator('.topic-export-csv-file').click();
    const sent = await posted();
    assert.deepEqual(
      sent.map((message) => (message as { type: string }).type),
      ['reveal', 'classifyTopics', 'saveTopicLabels', 'exportTopics'],
    );
    for (const message of sent) assert.deepEqual(readWebviewToHost(message), message, JSON.stringify(message));
    assert.ok((sent[1] as { labels: string[] }).labels.includes(`${PAYLOAD.iframe}-new`), 'the hostile label is sent as typed');
    assertClean(await inspect(), 'topics view after editing');
  });

  test('malformed host messages are dropped with a warning; the panel keeps what it shows', { timeout: 30_000 }, async () => {
    const warnings: string[] = [];
    const listener = (message: ConsoleMessage): void => {
      if (message.type() === 'warning' && /dropped a malformed message/.test(message.text())) warnings.push(message.text());
    };
    page.on('console', listener);
    const good = sentimentState();
    const sentiment = good.content.view === 'sentiment' ? good.content.sentiment : undefined;
    assert.ok(sentiment);
    const malformed = [
      { type: 'show', state: { content: { view: 'html', html: PAYLOAD.img }, stale: false } },
      { type: 'show', state: { ...good, content: { view: 'sentiment', sentiment: { ...sentiment, result: { ...sentiment.result, sentences: [{ ...sentiment.result.sentences[0], label: `x" onmouseover="alert(1)` }] } } } } },
      { type: 'show', state: { ...good, content: { view: 'sentiment', sentiment: { ...sentiment, result: { ...sentiment.result, sentences: [{ text: 5 }] } } } } },
      { type: 'notice', notice: { kind: 'html', message: PAYLOAD.img } },
      { type: 'stale', stale: 'yes' },
      'show',
      null,
    ];
    for (const message of malformed) await show(message);
    await waitFor(async () => warnings.length === malformed.length, `${malformed.length} warnings (got ${warnings.length})`, 5_000);
    // Still the topics view of the test before, whole.
    assert.equal(await page.locator('.topic-section').count(), PAYLOADS.length);
    assert.equal(await page.locator('.sentence-row').count(), 0);
    assertClean(await inspect(), 'after malformed messages');
    page.off('console', listener);
    assert.deepEqual(alarms, []);
  });

  test('the Questions view: scope, history, question, answers and errors', { timeout: 60_000 }, async () => {
    await page.goto(`${ORIGIN}/questions.html`);
    await page.locator('#question').waitFor();
    await checkTheWatch();
    await show({ type: 'show', state: questionsState() });
    await page.locator('.answer').nth(PAYLOADS.length - 1).waitFor();
    assert.equal(await page.locator('.asked').getByText(PAYLOAD.script, { exact: true }).count(), 1, 'the question');
    for (const payload of PAYLOADS) {
      assert.equal(await page.locator('.answer-text').getByText(payload, { exact: true }).count(), 1, `answer ${payload}`);
    }
    assert.equal(
      await page.locator('.answer .sentence').first().textContent(),
      `${PAYLOAD.style} ${PAYLOADS[0]} ${PAYLOAD.iframe}`,
      'the sentence around the answer, as text',
    );
    assertClean(await inspect(), 'Questions view');

    // Up recalls a hostile question into the box, as text; asking it posts it as typed.
    await page.evaluate(CLEAR_POSTED);
    await page.locator('#question').focus();
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.locator('#question').inputValue(), PAYLOADS[PAYLOADS.length - 1]);
    await page.keyboard.press('Enter');
    await page.locator('.answer').first().click();
    const sent = await posted();
    assert.deepEqual(sent.map((message) => (message as { type: string }).type), ['ask', 'reveal']);
    for (const message of sent) assert.deepEqual(readQuestionsToHost(message), message, JSON.stringify(message));

    const failed = questionsState();
    await show({ type: 'show', state: { ...failed, run: { ...failed.run, status: 'failed', answers: [], error: PAYLOAD.img } } });
    await page.locator('.status.error .status-sentence', { hasText: PAYLOAD.img }).waitFor();
    await page.screenshot({ path: join(RUNS_DIR, 'security-chromium-questions.png') });
    assertClean(await inspect(), 'Questions view with an error');

    await show({ type: 'show', state: { history: 'all', run: PAYLOAD.img } });
    await show({ type: 'focus', question: { toString: PAYLOAD.img } });
    await page.locator('.status.error .status-sentence', { hasText: PAYLOAD.img }).waitFor();
    assert.deepEqual(dialogs, []);
    assert.deepEqual(alarms, []);
  });
});

// ---- Half 2: a real VS Code with the fixture models ---------------------------------------------

/** The entities model's folder name is its id in the panel; its config names a hostile type. */
const HOSTILE_MODEL_FOLDER = `ner ${PAYLOAD.img}`;
/** A misc type name (German, French, Olympics) taken over by a payload, as a model's config.json could. */
const HOSTILE_TYPE = `<img src=x onerror=alert('PWNED type')>](command:workbench.action.quit)`;
/** A file name is document-derived text too. */
const FILE = `notes <img src=x onerror=alert('PWNED file')>.md`;
const OTHER = 'other.md';

/**
 * Headings (topic sections), sentences with planted sentiment, entity and topic words, and a year
 * for the QA model, each line one sentence carrying a payload.
 */
const LINES = {
  heading1: `# Match ${PAYLOAD.script} report`,
  s1: `The team played a great match ${PAYLOAD.script} today`,
  s2: `Angela Merkel loved the football goal ${PAYLOAD.img} in Paris`,
  s3: `The German team won a wonderful tennis match ${PAYLOAD.markdownLink} in Berlin`,
  s4: `The happy team saw the goal ${PAYLOAD.anchor} with Barack Obama`,
  heading2: `# Markets ${PAYLOAD.style}`,
  s5: `The terrible company lost profit on the market ${PAYLOAD.style} at Google`,
  s6: `The awful stocks fell ${PAYLOAD.template} at Siemens`,
  s7: `The bridge opened in 1932 ${PAYLOAD.img} after the vote`,
  s8: `Revenue was bad ${PAYLOAD.command} for the business`,
};
const TEXT = [LINES.heading1, '', LINES.s1, LINES.s2, LINES.s3, LINES.s4, '', LINES.heading2, '', LINES.s5, LINES.s6, LINES.s7, LINES.s8, ''].join('\n');
const SENTENCES = [LINES.s1, LINES.s2, LINES.s3, LINES.s4, LINES.s5, LINES.s6, LINES.s7, LINES.s8];
const QUESTION = `When did the bridge ${PAYLOAD.script} open?`;
/** Labels typed into the panel's editor; each holds a topic name, so the planted NLI model scores it. */
const HOSTILE_LABELS = [`sports ${PAYLOAD.img}`, `business ${PAYLOAD.style}`, `science ${PAYLOAD.template}`];

describe('Hostile text in a real VS Code: webviews and hovers', { skip: e2eSkipReason(), timeout: 600_000 }, () => {
  let vscode: VSCode;
  let modelRoot: string;
  const alarms: string[] = [];
  const dialogs: string[] = [];
  const extensionWarnings: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(FIXTURE_MODELS, 'entities', 'config.json')), `no fixture model in ${join(FIXTURE_MODELS, 'entities')}: run \`npm run fixtures\``);
    modelRoot = await mkdtemp(join(tmpdir(), 'lta-hostile-model-'));
    const entities = join(modelRoot, HOSTILE_MODEL_FOLDER);
    cpSync(join(FIXTURE_MODELS, 'entities'), entities, { recursive: true });
    const config = JSON.parse(readFileSync(join(entities, 'config.json'), 'utf8')) as { id2label: Record<string, string>; label2id: Record<string, number> };
    for (const [id, label] of Object.entries(config.id2label)) config.id2label[id] = label.replace(/MISC$/, HOSTILE_TYPE);
    config.label2id = Object.fromEntries(Object.entries(config.id2label).map(([id, label]) => [label, Number(id)]));
    writeFileSync(join(entities, 'config.json'), JSON.stringify(config, null, 2));

    vscode = await launchVSCode({
      name: 'security',
      fixtureModels: ['sentiment', 'topics', 'qa'],
      files: { [FILE]: TEXT, [OTHER]: 'Another document, never opened by the tests.\n' },
      settings: {
        'textAnalytics.models.entities': entities,
        'textAnalytics.topics.labels': ['sports', 'business', 'politics'],
        'workbench.colorTheme': 'Default Dark Modern',
      },
    });
    const page = vscode.page;
    await page.context().addInitScript(WATCH_VIOLATIONS);
    page.on('console', (message) => {
      // The workbench's own console is not ours to judge; the webviews' is.
      const fromWebview = /\/webview\/browser\/pre\//.test(message.location().url);
      if (fromWebview && isAlarming(message)) alarms.push(`[${message.type()}] ${message.text()}`);
      if (/dropped a|ignored malformed/.test(message.text())) extensionWarnings.push(message.text());
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await vscode?.close();
    if (modelRoot) await rm(modelRoot, { recursive: true, force: true });
  });

  /** The webview (by DOM order) whose content has `selector`. */
  async function webviewIndex(selector: string, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await vscode.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < count; i++) {
        if ((await vscode.webview(i).locator(selector).count().catch(() => 0)) > 0) return i;
      }
      if (Date.now() > deadline) throw new Error(`no webview with ${selector}`);
      await delay(200);
    }
  }

  async function inspectWebview(frame: FrameLocator): Promise<Evidence> {
    await frame.locator('body').evaluate(WATCH_VIOLATIONS);
    return (await frame.locator('body').evaluate(INSPECT_FRAME)) as Evidence;
  }

  /** Posts `message` as the webview's script would: through VS Code's channel in the frame around it. */
  async function postFromWebview(index: number, message: unknown): Promise<void> {
    const outer = vscode.page.locator('iframe.webview.ready').nth(index).contentFrame();
    // As JSON, parsed in the page: an own `__proto__` key survives the trip only so.
    await outer.locator('body').evaluate(`window.__vscode_post_message__('onmessage', { message: JSON.parse(${JSON.stringify(JSON.stringify(message))}), transfer: [] })`);
  }

  async function openTabs(): Promise<string[]> {
    return vscode.page.locator('.tabs-container .tab .label-name').allInnerTexts();
  }

  test('Analyze Sentiment: every sentence shows its payload as text, and nothing runs', { timeout: 150_000 }, async () => {
    await vscode.openFile(FILE);
    await vscode.runCommand('Text Analytics: Analyze Sentiment');
    const panel = vscode.webview(await webviewIndex('.content-slot', 60_000));
    try {
      await panel.locator('.sentence-row').nth(SENTENCES.length - 1).waitFor({ timeout: 60_000 });
    } catch (error) {
      await vscode.screenshot('no-sentiment');
      throw new Error(`no sentence rows (notifications: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
    }
    for (const sentence of SENTENCES) {
      assert.equal(await panel.locator('.sentence-row .text').getByText(sentence, { exact: true }).count(), 1, sentence);
    }
    const rows = await panel.locator('.sentence-row').evaluateAll((elements) =>
      elements.map((row) => ({ start: Number(row.getAttribute('data-start')), end: Number(row.getAttribute('data-end')), text: row.querySelector('.text')?.textContent })),
    );
    for (const row of rows) assert.equal(TEXT.slice(row.start, row.end), row.text, 'offsets of the text shown');
    assert.equal(await panel.locator('h1.file-name').getByText(FILE, { exact: true }).count(), 1, 'the file name, as text');
    assertClean(await inspectWebview(panel), 'sentiment view');
    await vscode.screenshot('sentiment');
  });

  test('Highlight Entities: a hostile type from the model config shows as text, in the panel and the hover', { timeout: 150_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Highlight Entities');
    const panel = vscode.webview(await webviewIndex('.content-slot'));
    await panel.locator('.entity-group').nth(2).waitFor({ timeout: 60_000 });
    const group = panel.locator('.entity-group').filter({ has: panel.locator('.entity-chip').getByText(HOSTILE_TYPE, { exact: true }) });
    assert.equal(await group.count(), 1, 'a group named by the hostile type');
    assert.equal(await group.getAttribute('data-type'), HOSTILE_TYPE);
    assert.equal(await group.locator('.entity-text').getByText('German', { exact: true }).count(), 1);
    assert.ok(await panel.getByText(HOSTILE_MODEL_FOLDER, { exact: false }).count(), 'the model id, as text');
    assertClean(await inspectWebview(panel), 'entities view');
    await vscode.screenshot('entities');

    // The hover over "German": the type quoted in the headline, and exactly our three links.
    await vscode.focusFirstEditorGroup();
    const line = TEXT.split('\n').indexOf(LINES.s3) + 1;
    await vscode.page.keyboard.press('Control+G');
    await vscode.page.keyboard.type(`${line}:${LINES.s3.indexOf('German') + 3}`);
    await vscode.page.keyboard.press('Enter');
    const hover = vscode.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'Confidence' });
    for (let attempt = 0; ; attempt++) {
      await vscode.page.keyboard.press('Control+K');
      await vscode.page.keyboard.press('Control+I');
      try {
        await hover.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt === 3) {
          await vscode.screenshot('no-hover');
          throw new Error('no entity hover over "German"', { cause: error });
        }
      }
    }
    // The entity's part of the hover (a sentiment mark on the same sentence adds a part of its own).
    const markdown = hover.locator('.rendered-markdown', { hasText: 'Confidence' });
    const shown = (await markdown.innerText()).replace(/\s+/g, ' ');
    assert.ok(shown.includes(`model type ${HOSTILE_TYPE}): “German”`), shown);
    const links = await markdown.locator('a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('data-href') ?? anchor.getAttribute('href') ?? ''));
    assert.deepEqual(
      links.map((href) => href.split('?')[0]),
      ['command:textAnalytics.findEntityOccurrences', 'command:textAnalytics.findMentionsInWorkspace', 'command:textAnalytics.copyEntity', 'command:textAnalytics.hideEntityType'],
    );
    assert.equal(await markdown.locator('img, script, iframe').count(), 0, 'no markup from the type');
    await vscode.screenshot('hover');
    await vscode.page.keyboard.press('Escape');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Classify Topics: hostile headings and hostile labels edited in the panel show as text', { timeout: 180_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Classify Topics');
    const panel = vscode.webview(await webviewIndex('.content-slot'));
    await panel.locator('.topic-section').nth(1).waitFor({ timeout: 60_000 });
    const titles = await panel.locator('.topic-section-title').allTextContents();
    assert.deepEqual(titles, [LINES.heading1.slice(2), LINES.heading2.slice(2)], 'headings, as text');

    for (const label of ['sports', 'business', 'politics']) await panel.locator(`.topic-label-chip[data-label="${label}"] .chip-remove`).click();
    const input = panel.locator('.topic-label-input');
    for (const label of HOSTILE_LABELS) {
      await input.fill(label);
      await input.press('Enter');
    }
    await panel.locator('.topic-classify').click();
    await panel.locator('.topic-bar').filter({ has: panel.locator('.topic-name').getByText(HOSTILE_LABELS[0], { exact: true }) }).waitFor({ timeout: 60_000 });
    const bars = await panel.locator('.topic-bar').evaluateAll((elements) => elements.map((bar) => bar.getAttribute('data-label')));
    assert.deepEqual([...bars].sort(), [...HOSTILE_LABELS].sort());
    for (const label of HOSTILE_LABELS) assert.ok(await panel.locator('.topic-name').getByText(label, { exact: true }).count(), label);
    assertClean(await inspectWebview(panel), 'topics view');
    await vscode.screenshot('topics');
    assert.deepEqual(await vscode.errorNotifications(), []);
  });

  test('Ask a question: the hostile question and the answer’s sentence show as text', { timeout: 150_000 }, async () => {
    await vscode.focusFirstEditorGroup();
    await vscode.runCommand('Text Analytics: Ask a Question About This Document');
    const view = vscode.webview(await webviewIndex('#question'));
    // The view asks about the document it is bound to: wait until its script has been told which.
    await view.locator('.answering-about', { hasText: FILE }).waitFor({ timeout: 30_000 });
    await view.locator('#question').fill(QUESTION);
    await view.locator('#question').press('Enter');
    await view.locator('.answer').first().waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('.asked').getByText(QUESTION, { exact: true }).count(), 1, 'the question, as text');
    assert.equal(await view.locator('.answer-text').getByText('1932', { exact: true }).count(), 1);
    assert.equal(await view.locator('.answer .sentence').first().textContent(), LINES.s7, 'the sentence, as text');
    assert.ok(await view.locator('.file-name').getByText(FILE, { exact: true }).count(), 'the file name, as text');
    assertClean(await inspectWebview(view), 'Questions view');
    await vscode.screenshot('questions');
    // The README's picture: the results panel and the Questions view, both full of payloads.
    await vscode.page.screenshot({ path: join(RUNS_DIR, 'security-readme.png') });
  });

  test('the hosts act on well-formed messages only, and only about the documents they show', { timeout: 120_000 }, async () => {
    const panelIndex = await webviewIndex('.content-slot');
    const start = TEXT.indexOf('1932');
    // The control: a well-formed reveal of the shown document, posted the same way, selects it.
    await postFromWebview(panelIndex, { type: 'reveal', uri: await shownUri(), start, end: start + 4, focusEditor: true });
    await waitFor(async () => (await vscode.editorSelection().catch(() => undefined))?.selected === 4, 'the control reveal to select 4 characters');

    const otherUri = (await shownUri()).replace(/[^/]+$/, OTHER);
    const before = extensionWarnings.length;
    const refused: unknown[] = [
      { type: 'reveal', uri: otherUri, start: 0, end: 7, focusEditor: true },
      { type: 'rerun', uri: otherUri },
      { type: 'reveal', uri: await shownUri(), start: -1, end: 4, focusEditor: true },
      { type: 'reveal', uri: await shownUri(), start: 0, end: 2 ** 40, focusEditor: true },
      { type: 'reveal', uri: { scheme: 'file', path: `/${OTHER}` }, start: 0, end: 1, focusEditor: true },
      { type: 'saveTopicLabels', labels: [PAYLOAD.img, 42] },
      { type: 'exportTopics', format: 'json', destination: 'file', path: '/tmp/x' },
      { type: 'runCommand', command: 'workbench.action.quit' },
      JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
    ];
    for (const message of refused) await postFromWebview(panelIndex, message);

    const questionsIndex = await webviewIndex('#question');
    const refusedByQuestions: unknown[] = [
      { type: 'reveal', uri: otherUri, start: 0, end: 7, focusEditor: true },
      { type: 'ask', question: { toString: 'x' } },
      { type: 'ask', question: 'x'.repeat(100_000) },
      { type: 'cancel', now: true },
    ];
    for (const message of refusedByQuestions) await postFromWebview(questionsIndex, message);

    const expected = refused.length + refusedByQuestions.length;
    const logged = await waitForWarnings(before, expected);
    assert.equal(logged.length, expected, logged.join('\n'));
    assert.ok(!(await openTabs()).some((tab) => tab.includes(OTHER)), `${OTHER} was not opened: ${(await openTabs()).join(', ')}`);
    const selection = await vscode.editorSelection();
    assert.equal(selection.selected, 4, 'the selection the control made stays');
    assert.deepEqual(await vscode.errorNotifications(), []);
    // The Questions view still answers: a well-formed question after the refused ones.
    const view = vscode.webview(questionsIndex);
    await view.locator('#question').fill('When did it open?');
    await view.locator('#question').press('Enter');
    await view.locator('.asked').getByText('When did it open?', { exact: true }).waitFor({ timeout: 60_000 });
  });

  test('in all of it: no dialog, no CSP violation, no script error in any webview', () => {
    assert.deepEqual(dialogs, []);
    assert.deepEqual(alarms, []);
  });

  /** The uri of the document under test as VS Code writes it (`Uri.file(path).toString()`). */
  async function shownUri(): Promise<string> {
    return fileUri(join(vscode.workspace, FILE));
  }

  /**
   * The hosts' warnings about dropped messages since `from`: on the page's console (the extension
   * host's console is forwarded there) or in the extension's log files.
   */
  async function waitForWarnings(from: number, count: number): Promise<string[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const onConsole = extensionWarnings.slice(from);
      const inLogs = logLines(join(vscode.root, 'user-data', 'logs')).filter((line) => /dropped a|ignored malformed/.test(line));
      const found = onConsole.length >= inLogs.length ? onConsole : inLogs;
      if (found.length >= count || Date.now() > deadline) return found;
      await delay(250);
    }
  }
});

/** `vscode.Uri.file(path).toString()`: every character but `A-Za-z0-9-._~` and `/` percent-encoded. */
function fileUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
  return `file://${encoded}`;
}

function logLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return logLines(path);
    return entry.endsWith('.log') ? readFileSync(path, 'utf8').split('\n') : [];
  });
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
