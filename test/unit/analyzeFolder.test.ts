/**
 * *Analyze Folder…*'s run outside VS Code (src/batch/folderRun.ts), on the real worker
 * (dist/worker.js) with the fixture models: one line per file of the folder in the order batch
 * walks it, each result what `text-analytics sentiment --json` prints, ignored files left out and
 * binary files recorded; the results folder ignores itself and is never read back as documents; a
 * cancelled run keeps exactly the lines it wrote; a missing model stops the run with the worker's
 * code kept (the extension offers the download). And the report page as the webview shows it
 * (src/batch/reportHtml.ts with `webview`), in headless Chromium: drawn under its CSP, recoloured
 * when the editor's theme changes, its Open Results button posting its action.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import { CLI_TASKS, JSON_SCHEMA_VERSION, type CliTask } from '../../src/cliTasks';
import { progressMessage, resultsFile, runFolder, RESULTS_FOLDER, type FolderProgress, type FolderRunOptions } from '../../src/batch/folderRun';
import { summarize } from '../../src/batch/report';
import { reportHtml } from '../../src/batch/reportHtml';
import { BatchError } from '../../src/batch/run';
import { formatOfPath } from '../../src/tasks/textFormat';
import type { Task } from '../../src/tasks/registry';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';
import { finished, resultLines, run } from './cliRun';

const REVIEWS = ['A great product, I love it.', 'Terrible service and a rude driver.', 'The hotel was wonderful and the staff were kind.'];

/** The worker the extension starts, on the fixture models, with the CLI's defaults (device, precision); disposed after the file's tests. */
const client = new WorkerClient({ workerPath: join(REPO, 'dist', 'worker.js'), engineOptions: fixtureOptions({ precision: 'auto', device: 'auto' }) });
after(() => client.dispose());

/** A run as the command makes it for sentiment (the settings' defaults), with `overrides`. */
function sentimentRun(folder: string, out: string, overrides: Partial<FolderRunOptions> = {}): Promise<Awaited<ReturnType<typeof runFolder>>> {
  const printer = CLI_TASKS.sentiment as CliTask<Task>;
  return runFolder({
    folder,
    out,
    task: 'sentiment',
    params: (document) => ({ neutralBand: 0.1, format: formatOfPath(document.source) }),
    json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }),
    client,
    input: { maxChars: 2_000_000 },
    signal: new AbortController().signal,
    ...overrides,
  });
}

/**
 * A workspace with notes/: two reviews, one in a subfolder, files that the workspace's and the
 * folder's .gitignore leave out, a binary file; and a folder beside it.
 */
function workspace(dir: string): { root: string; notes: string } {
  const root = join(dir, 'project');
  const notes = join(root, 'notes');
  mkdirSync(join(notes, 'b'), { recursive: true });
  mkdirSync(join(root, 'other'));
  writeFileSync(join(root, 'other', 'x.txt'), REVIEWS[2]);
  writeFileSync(join(root, '.gitignore'), 'drafts/\n');
  writeFileSync(join(notes, 'a.txt'), REVIEWS[0]);
  writeFileSync(join(notes, 'b', 'c.md'), `# Notes\n\n${REVIEWS[1]}\n`);
  mkdirSync(join(notes, 'drafts'));
  writeFileSync(join(notes, 'drafts', 'd.txt'), REVIEWS[2]);
  writeFileSync(join(notes, '.gitignore'), 'skipped.txt\n');
  writeFileSync(join(notes, 'skipped.txt'), REVIEWS[2]);
  writeFileSync(join(notes, 'z.bin'), Buffer.from([0, 1, 2, 0, 255, 0, 3]));
  return { root, notes };
}

test('a folder of the workspace: one line per file in the batch order, every .gitignore from the workspace down applied, each result what sentiment --json prints', { timeout: 120_000 }, async (t) => {
  const { root, notes } = workspace(tempDir(t));
  const out = resultsFile(root, notes, 'sentiment');
  assert.equal(out, join(root, RESULTS_FOLDER, 'notes-sentiment.jsonl'));
  const progress: FolderProgress[] = [];
  const summary = await sentimentRun(notes, out, { workspace: root, onProgress: (now) => progress.push(now) });
  const lines = resultLines(out);
  // Named from the workspace folder; notes/.gitignore is a file of the folder too, read as batch
  // reads it; drafts/ (the workspace's .gitignore), skipped.txt (the folder's) and other/ are not.
  assert.deepEqual(
    lines.map((line) => line.source),
    ['notes/.gitignore', 'notes/a.txt', 'notes/b/c.md', 'notes/z.bin'],
  );
  assert.deepEqual(summary, { written: 4, results: 3, errors: 1, total: 4, cancelled: false });
  for (const line of lines) {
    assert.equal(line.id, line.source);
    assert.equal(line.task, 'sentiment');
  }
  assert.match(lines[3].error ?? '', /binary/);
  for (const [i, name] of [[1, 'a.txt'], [2, join('b', 'c.md')]] as const) {
    const single = run('sentiment', join(notes, name), '--models', fixtureModels(), '--json');
    finished(single, 0);
    assert.deepEqual(lines[i].result, JSON.parse(single.stdout), `${name}: the folder's result differs from sentiment --json`);
  }
  assert.equal(lines[1].result?.document && (lines[1].result.document as { label: string }).label, 'POSITIVE');
  assert.equal(lines[2].result?.document && (lines[2].result.document as { label: string }).label, 'NEGATIVE');
  // Told before each file which one it is (and again, with the count, once the files are counted).
  assert.deepEqual(
    [...new Map(progress.map((p) => [p.done, p.next]))],
    [[0, 'notes/.gitignore'], [1, 'notes/a.txt'], [2, 'notes/b/c.md'], [3, 'notes/z.bin']],
  );
  assert.ok(progress.some((p) => p.total === 4), JSON.stringify(progress));
  assert.equal(progressMessage({ done: 3, total: 4, next: 'notes/z.bin', unit: 'files' }), '4 of 4 files: notes/z.bin');
  assert.equal(progressMessage({ done: 0, next: 'notes/.gitignore', unit: 'files' }), '1: notes/.gitignore');
  assert.equal(progressMessage({ done: 1, total: 1200, next: 'x.md', unit: 'files' }), '2 of 1,200 files: x.md');
  // The report reads the file as `text-analytics report` does.
  const report = await summarize([out]);
  assert.deepEqual(
    report.tasks.map((task) => [task.task, task.documents, task.results, task.errors]),
    [['sentiment', 4, 3, 1]],
  );
});

test('a folder outside the workspace is walked by itself, named from itself, as batch walks it', { timeout: 120_000 }, async (t) => {
  const { root, notes } = workspace(tempDir(t));
  const out = resultsFile(join(root, 'other'), notes, 'sentiment');
  const summary = await sentimentRun(notes, out);
  assert.deepEqual(
    resultLines(out).map((line) => line.source),
    ['.gitignore', 'a.txt', 'b/c.md', 'drafts/d.txt', 'z.bin'],
  );
  assert.equal(summary.written, 5);
});

test('the results folder ignores itself and is never read as documents, even when the workspace itself is analysed', { timeout: 120_000 }, async (t) => {
  const { root } = workspace(tempDir(t));
  const out = resultsFile(root, root, 'sentiment');
  assert.equal(out, join(root, RESULTS_FOLDER, 'project-sentiment.jsonl'));
  const first = await sentimentRun(root, out, { workspace: root });
  assert.equal(readFileSync(join(root, RESULTS_FOLDER, '.gitignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).join(), '*');
  // Another task's results lie there too now; a second run reads neither them nor its own.
  writeFileSync(join(root, RESULTS_FOLDER, 'project-entities.jsonl'), '{"id":"x","source":"x","task":"entities","result":{"entities":[]}}\n');
  const second = await sentimentRun(root, out, { workspace: root });
  assert.deepEqual(second, first);
  const sources = resultLines(out).map((line) => line.source);
  assert.deepEqual(sources, ['.gitignore', 'notes/.gitignore', 'notes/a.txt', 'notes/b/c.md', 'notes/z.bin', 'other/x.txt']);
});

test('results files are named by the folder inside the workspace, the workspace by its name, a classifier by its id', () => {
  const root = join('/work', 'my project');
  assert.equal(resultsFile(root, join(root, 'notes', '2024'), 'topics'), join(root, RESULTS_FOLDER, 'notes-2024-topics.jsonl'));
  assert.equal(resultsFile(root, root, 'pii'), join(root, RESULTS_FOLDER, 'my_project-pii.jsonl'));
  assert.equal(resultsFile(root, join('/elsewhere', 'mail'), 'sentiment'), join(root, RESULTS_FOLDER, 'mail-sentiment.jsonl'));
  assert.equal(resultsFile(root, join(root, '.hidden'), 'classify', 'emotion'), join(root, RESULTS_FOLDER, 'hidden-classify-emotion.jsonl'));
});

test('cancelled after the first file: that line is kept, whole, and nothing after it', { timeout: 120_000 }, async (t) => {
  const { root, notes } = workspace(tempDir(t));
  const out = resultsFile(root, notes, 'sentiment');
  const controller = new AbortController();
  const summary = await sentimentRun(notes, out, {
    workspace: root,
    signal: controller.signal,
    // Cancelled while the second file is being analysed, as the notification's Cancel does.
    onProgress: ({ done }) => done === 1 && setImmediate(() => controller.abort()),
  });
  assert.equal(summary.cancelled, true);
  assert.equal(summary.written, 1);
  assert.equal(readFileSync(out, 'utf8').endsWith('\n'), true);
  assert.deepEqual(
    resultLines(out).map((line) => line.source),
    ['notes/.gitignore'],
  );
});

test('a missing model stops the run, with the worker\'s code kept for the download question', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const { root, notes } = workspace(dir);
  const empty = join(dir, 'no-models');
  mkdirSync(empty);
  const bare = new WorkerClient({ workerPath: join(REPO, 'dist', 'worker.js'), engineOptions: fixtureOptions({ bundledModelsDir: empty }) });
  t.after(() => bare.dispose());
  const out = resultsFile(root, notes, 'sentiment');
  await assert.rejects(sentimentRun(notes, out, { client: bare }), (error: unknown) => {
    assert.ok(error instanceof BatchError, String(error));
    assert.ok(error.cause instanceof WorkerRequestError);
    assert.match(error.cause.code, /^(model-missing|download-needed)$/);
    return true;
  });
  assert.deepEqual(resultLines(out), []);
});

// ---- The report page in the webview ------------------------------------------------------------

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function browserSkipReason(): string | false {
  const ci = process.env.CI;
  if (existsSync(CHROMIUM) || (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false')) return false;
  process.stderr.write(`\n!! REPORT WEBVIEW BROWSER TEST SKIPPED: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.\n\n`);
  return `no Chromium at ${CHROMIUM}`;
}

/**
 * What VS Code's webview does around the page (src/vs/workbench/contrib/webview/browser/pre/index.html):
 * `acquireVsCodeApi` from a script of its own, outside the page's policy, and the theme as the
 * body's class and `--vscode-*` properties on the root. Strings: tsx adds helpers the page lacks.
 */
const WEBVIEW_HOST = String.raw`
window.__posted = [];
window.__violations = [];
window.acquireVsCodeApi = () => ({ postMessage: (message) => window.__posted.push(message) });
document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective));
document.addEventListener('DOMContentLoaded', () => {
  document.documentElement.style.setProperty('--vscode-editor-background', 'rgb(250, 250, 250)');
  document.documentElement.style.setProperty('--vscode-charts-green', 'rgb(0, 128, 0)');
  document.body.classList.add('vscode-light');
});`;
const POSITIVE_COLOUR = String.raw`(() => {
  const canvas = document.querySelector('canvas');
  const chart = Chart.getChart(canvas);
  const labels = chart.data.labels;
  return chart.data.datasets[0].backgroundColor[labels.indexOf('POSITIVE')];
})()`;

describe('the report in the webview', { skip: browserSkipReason() }, () => {
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
  });

  test("drawn under its CSP, in the editor's colours, again when the theme changes, and Open Results posts its action", { timeout: 120_000 }, async (t) => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (CI=true): install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    const dir = tempDir(t);
    const results = join(dir, 'results.jsonl');
    const line = (id: string, label: string) => JSON.stringify({ id, source: id, task: 'sentiment', result: { document: { label, score: 0.9 } } });
    writeFileSync(results, `${[line('a', 'POSITIVE'), line('b', 'POSITIVE'), line('c', 'NEGATIVE')].join('\n')}\n`);
    const html = reportHtml(await summarize([results]), { title: 'Report: results.jsonl', generated: new Date(), webview: { actions: [{ id: 'open-results', label: 'Open Results' }] } });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
    // Hashes only: three scripts (Chart.js, the page's, the buttons'), two styles; nothing inline by permission.
    assert.match(csp, /^default-src 'none'; script-src( 'sha256-[A-Za-z0-9+/]{43}='){3}; style-src( 'sha256-[A-Za-z0-9+/]{43}='){2}; img-src data:$/);
    // The file page has none of the webview's additions.
    const filePage = reportHtml(await summarize([results]), { title: 'x', generated: new Date() });
    assert.equal(filePage.match(/<script\b/g)?.length, 3);
    assert.ok(!filePage.includes('data-action'));

    const page = join(mkdtempSync(join(dir, 'page-')), 'report.html');
    writeFileSync(page, html);
    browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    // The system says dark; the editor's theme (light) wins.
    const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1200, height: 800 } });
    t.after(() => context.close());
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    tab.on('pageerror', (error) => problems.push(error.message));
    await tab.addInitScript(WEBVIEW_HOST);
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForFunction('document.documentElement.dataset.chartsDrawn === "1"', undefined, { timeout: 20_000 });
    assert.equal(await tab.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(250, 250, 250)');
    assert.equal(await tab.evaluate(POSITIVE_COLOUR), 'rgb(0, 128, 0)');
    assert.match(await tab.evaluate('document.body.innerText'), /3 documents: 3 results, 0 errors/);

    // The user picks another theme: VS Code changes the properties and the class.
    await tab.evaluate(`document.documentElement.style.setProperty('--vscode-charts-green', 'rgb(1, 200, 2)'); document.documentElement.style.setProperty('--vscode-editor-background', 'rgb(30, 30, 30)'); document.body.classList.replace('vscode-light', 'vscode-dark')`);
    await tab.waitForFunction(`${POSITIVE_COLOUR} === 'rgb(1, 200, 2)'`, undefined, { timeout: 5_000 });
    assert.equal(await tab.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(30, 30, 30)');

    await tab.getByRole('button', { name: 'Open Results' }).click();
    assert.deepEqual(await tab.evaluate('window.__posted'), [{ type: 'action', action: 'open-results' }]);
    assert.deepEqual(await tab.evaluate('window.__violations'), []);
    assert.deepEqual(problems, []);
  });
});
