/**
 * End-to-end harness: a real VS Code (code-server 4.100.3 = VS Code 1.100.3) with this extension
 * loaded from the repo, driven by headless Chromium through playwright-core. Everything runs on
 * loopback with fresh temporary profile folders, so a test sees a first start and leaves nothing
 * behind.
 *
 * ```ts
 * const vscode = await launchVSCode({ name: 'sentiment', files: { 'a.md': 'Hello.' } });
 * try {
 *   await vscode.openFile('a.md');
 *   await vscode.runCommand('Text Analytics: Analyze Sentiment');
 *   await vscode.webview().locator('.sentence-row').first().waitFor();
 * } finally {
 *   await vscode.close();
 * }
 * ```
 *
 * code-server is installed by `bash scripts/setup-code-server.sh` into a cache folder outside the
 * repo (`npm run test:e2e` runs it first when it is missing, through scripts/e2e-prerequisites.sh);
 * {@link e2eSkipReason} decides whether a test file can run here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Screenshots and logs of every run, git-ignored. */
export const RUNS_DIR = join(REPO_ROOT, '.test-runs');
/** Set by `npm run screenshots` (scripts/screenshots.mjs): README pictures are copied into media/screenshots/. */
export const README_SHOTS_ENV = 'TEXT_ANALYTICS_README_SCREENSHOTS';

/** The same convention as scripts/setup-code-server.sh. */
export function codeServerDir(): string {
  const cacheRoot = process.env.TEXT_ANALYTICS_CACHE ?? join(homedir(), '.cache', 'local-text-analytics');
  return process.env.CODE_SERVER_DIR ?? join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
}

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

const INSTALL_HINT =
  'Install them with `apt-get install -y chromium ripgrep libkrb5-dev build-essential python3` and `npm run test:e2e`, ' +
  'which installs code-server (scripts/setup-code-server.sh) into ~/.cache/local-text-analytics; CODE_SERVER_DIR and CHROMIUM_PATH override the paths.';

/** What is missing to run the end-to-end tests here, or undefined when nothing is. */
export function missingPrerequisites(): string | undefined {
  const missing: string[] = [];
  const server = codeServerDir();
  if (!existsSync(join(server, '.installed')) || !existsSync(join(server, 'package', 'out', 'node', 'entry.js'))) {
    missing.push(`code-server ${CODE_SERVER_VERSION} (not installed in ${server})`);
  }
  if (!existsSync(chromiumPath())) missing.push(`Chromium (no ${chromiumPath()})`);
  return missing.length ? `missing ${missing.join(' and ')}. ${INSTALL_HINT}` : undefined;
}

/**
 * For `test(name, { skip: e2eSkipReason() }, ...)`. Outside CI a missing code-server or Chromium
 * skips the end-to-end tests, loudly; under CI=true it does not skip, so that {@link launchVSCode}
 * fails the test with the same message — CI must never pass by skipping.
 */
export function e2eSkipReason(): string | false {
  const missing = missingPrerequisites();
  if (!missing || isCI()) return false;
  process.stderr.write(`\n${'!'.repeat(100)}\n!! END-TO-END TESTS SKIPPED: ${missing}\n${'!'.repeat(100)}\n\n`);
  return `end-to-end prerequisites missing: run \`bash scripts/setup-code-server.sh\``;
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export interface LaunchOptions {
  /** Names this run's folder under .test-runs/ (screenshots, logs). */
  name: string;
  /** Files to create in the fresh workspace folder, by relative path. */
  files?: Record<string, string>;
  /** User settings added to (and overriding) the harness's quiet defaults. */
  settings?: Record<string, unknown>;
  /**
   * Tasks given fixture models (test/fixtures/models/<folder>) as `textAnalytics.models.<task>`:
   * a list of tasks, each its own folder, or each task's folder (`{ entities:
   * 'entities-multilingual' }`). Each must exist (`npm run fixtures`), and downloads are off
   * unless {@link settings} turns them on.
   */
  fixtureModels?: readonly string[] | Readonly<Record<string, string>>;
  /** Load this repo as the extension under development (default true). */
  loadExtension?: boolean;
  /**
   * A .vsix to install with `code-server --install-extension` into this session's extensions
   * folder before the server starts, as a user installs a release; pair it with
   * `loadExtension: false` so that the installed copy is the one that runs.
   */
  installVsix?: string;
  /** Called after {@link installVsix} installed it and before the server starts, with the extensions folder. */
  afterInstall?: (extensionsDir: string) => Promise<void>;
  /**
   * A compiled mocha entry (a .js file exporting `run()`) for the extension host to run as
   * `extensionTestsPath`; the window's exit code is then reported by {@link VSCode.waitForTestsExit}.
   */
  extensionTestsPath?: string;
  /** Extra environment for code-server and so for its extension host. */
  env?: Record<string, string>;
  /**
   * Keep Workspace Trust on: with `security.workspace.trust.enabled: true` and
   * `security.workspace.trust.startupPrompt: 'never'` in {@link settings}, the workspace opens
   * untrusted, in Restricted Mode.
   */
  workspaceTrust?: boolean;
  /** How long starting the server and the workbench may take, in ms (default 120 s). */
  startTimeoutMs?: number;
}

/** Quiet defaults: no Welcome page stealing focus, nothing that reaches the network. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.editor.enablePreview': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'npm.autoDetect': 'off',
  'typescript.disableAutomaticTypeAcquisition': true,
  'files.autoSave': 'off',
  'editor.minimap.enabled': false,
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every live session, so that an interrupted test run still kills what it started. */
const liveSessions = new Set<VSCode>();
process.once('exit', () => {
  for (const session of liveSessions) session.killNow();
});

/**
 * Starts code-server on a free loopback port with fresh profile folders and opens it in headless
 * Chromium; resolves once the workbench shows. Always {@link VSCode.close} it, also on failure.
 * Throws when code-server or Chromium is missing (see {@link e2eSkipReason}).
 */
export async function launchVSCode(options: LaunchOptions): Promise<VSCode> {
  const missing = missingPrerequisites();
  if (missing) throw new Error(`Cannot run the end-to-end tests: ${missing}`);
  if ((options.loadExtension ?? true) && !existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) throw new Error('no dist/extension.js: run `npm run build`');
  if (options.fixtureModels) options = { ...options, settings: { ...fixtureModelSettings(options.fixtureModels), ...options.settings } };

  const root = await mkdtemp(join(tmpdir(), 'lta-e2e-'));
  await pruneRuns(options.name);
  const artifacts = join(RUNS_DIR, `${options.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const session = new VSCode(root, artifacts, options);
  liveSessions.add(session);
  try {
    await session.start();
    return session;
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** The fixture models' folder. */
export const FIXTURE_MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');

/** The settings that give `tasks` their fixture models, downloads off; throws naming a missing one. */
function fixtureModelSettings(tasks: NonNullable<LaunchOptions['fixtureModels']>): Record<string, unknown> {
  const folders: Array<[string, string]> = Array.isArray(tasks) ? tasks.map((task: string) => [task, task]) : Object.entries(tasks);
  const settings: Record<string, unknown> = { 'textAnalytics.allowDownloads': false };
  for (const [task, folder] of folders) {
    const dir = join(FIXTURE_MODELS, folder);
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`no fixture model in ${dir}: run \`npm run fixtures\``);
    settings[`textAnalytics.models.${task}`] = dir;
  }
  return settings;
}

/** Run folders kept per test name under .test-runs/. */
const KEEP_RUNS = 5;

/** Removes all but the newest few run folders of this test (their names sort by time). */
async function pruneRuns(name: string): Promise<void> {
  const runs = (existsSync(RUNS_DIR) ? await readdir(RUNS_DIR) : [])
    .filter((entry) => entry.startsWith(`${name}-20`))
    .sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - (KEEP_RUNS - 1)))) {
    await rm(join(RUNS_DIR, old), { recursive: true, force: true });
  }
}

/** A running code-server and the Chromium page showing it. */
export class VSCode {
  readonly workspace: string;
  private readonly dirs: Record<'config' | 'data' | 'cache' | 'tmp' | 'userData' | 'extensions' | 'browser', string>;
  private server: ChildProcess | undefined;
  private serverExited: Promise<void> | undefined;
  private context: BrowserContext | undefined;
  private pageOrUndefined: Page | undefined;
  private port = 0;
  private shots = 0;
  private closed = false;
  private testsExit: Promise<number> | undefined;
  private readonly browserLog: string[] = [];

  constructor(
    readonly root: string,
    /** This run's folder under .test-runs/. */
    readonly artifacts: string,
    private readonly options: LaunchOptions,
  ) {
    this.workspace = join(root, 'workspace');
    this.dirs = {
      config: join(root, 'xdg', 'config'),
      data: join(root, 'xdg', 'data'),
      cache: join(root, 'xdg', 'cache'),
      tmp: join(root, 'tmp'),
      userData: join(root, 'user-data'),
      extensions: join(root, 'extensions'),
      browser: join(root, 'browser'),
    };
  }

  get page(): Page {
    if (!this.pageOrUndefined) throw new Error('VS Code is not running');
    return this.pageOrUndefined;
  }

  /** Not for tests: see {@link launchVSCode}. */
  async start(): Promise<void> {
    const startTimeout = this.options.startTimeoutMs ?? 120_000;
    const deadline = Date.now() + startTimeout;
    await Promise.all([...Object.values(this.dirs), this.workspace, this.artifacts].map((d) => mkdir(d, { recursive: true })));
    for (const [relative, content] of Object.entries(this.options.files ?? {})) {
      const file = join(this.workspace, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    const settings = { ...DEFAULT_SETTINGS, ...this.options.settings };
    await mkdir(join(this.dirs.userData, 'User'), { recursive: true });
    await writeFile(join(this.dirs.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

    if (this.options.installVsix) {
      await this.installVsix(this.options.installVsix, deadline);
      await this.options.afterInstall?.(this.dirs.extensions);
    }
    this.port = await freePort();
    await this.startServer(deadline);
    await this.startBrowser(deadline);
  }

  /** The folder code-server installs extensions into (and loads them from) in this session. */
  get extensionsDir(): string {
    return this.dirs.extensions;
  }

  /** Runs code-server's own CLI with this session's profile folders; resolves with its output. */
  async codeServerCli(args: string[], timeoutMs: number): Promise<string> {
    const entry = join(codeServerDir(), 'package', 'out', 'node', 'entry.js');
    const cli = spawn(
      process.execPath,
      [entry, '--user-data-dir', this.dirs.userData, '--extensions-dir', this.dirs.extensions, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: this.serverEnv() },
    );
    let output = '';
    cli.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(cli, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const result = await settleWithin(exited, Math.max(1_000, timeoutMs), undefined);
    if (!result) {
      cli.kill('SIGKILL');
      throw new Error(`code-server ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${output}`);
    }
    const [code, signal] = result;
    if (code !== 0) throw new Error(`code-server ${args.join(' ')} failed (${code ?? signal}):\n${output}`);
    return output;
  }

  private async installVsix(vsix: string, deadline: number): Promise<void> {
    const output = await this.codeServerCli(['--install-extension', vsix], deadline - Date.now());
    await writeFile(join(this.artifacts, 'install-extension.log'), output);
  }

  private serverEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      XDG_CONFIG_HOME: this.dirs.config,
      XDG_DATA_HOME: this.dirs.data,
      XDG_CACHE_HOME: this.dirs.cache,
      TMPDIR: this.dirs.tmp,
      // Marketplace queries go to a closed loopback port instead of open-vsx.org, so a run is
      // the same with and without a network.
      EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
      ...this.options.env,
    };
  }

  private async startServer(deadline: number): Promise<void> {
    const entry = join(codeServerDir(), 'package', 'out', 'node', 'entry.js');
    const args = [
      entry,
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      // Workspace Trust is off unless a test asks for it (to open an untrusted workspace).
      ...(this.options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--user-data-dir', this.dirs.userData,
      '--extensions-dir', this.dirs.extensions,
      this.workspace,
    ];
    const log = createWriteStream(join(this.artifacts, 'code-server.log'));
    this.server = spawn(process.execPath, args, {
      // Its own process group, so that close() can end the server and everything it forked
      // (extension host, file watcher, our inference worker) at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.serverEnv(),
    });
    this.server.stdout?.pipe(log);
    this.server.stderr?.pipe(log);
    let exitCode: number | string | undefined;
    this.serverExited = new Promise((resolveExit) => {
      this.server?.once('exit', (code, signal) => {
        exitCode = code ?? signal ?? 'unknown';
        resolveExit();
      });
    });

    const url = `http://127.0.0.1:${this.port}/healthz`;
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(`code-server exited (${exitCode}) before it was ready; see ${join(this.artifacts, 'code-server.log')}`);
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer ${url} in time`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await delay(200);
    }
  }

  private async startBrowser(deadline: number): Promise<void> {
    this.context = await chromium.launchPersistentContext(this.dirs.browser, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
      // Chromium's own config and crash database stay in this session's folders too.
      env: { ...process.env, XDG_CONFIG_HOME: this.dirs.config, XDG_CACHE_HOME: this.dirs.cache },
      timeout: Math.max(1_000, deadline - Date.now()),
    });
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    this.pageOrUndefined = page;
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') this.browserLog.push(`[${message.type()}] ${message.text()}`);
    });
    page.on('pageerror', (error) => this.browserLog.push(`[pageerror] ${error.stack ?? error.message}`));

    if (this.options.extensionTestsPath) {
      // The web workbench reports the extension tests' exit code to the page, as @vscode/test-web
      // relies on (`codeAutomationExit`); the extension host's console comes with `codeAutomationLog`.
      this.testsExit = new Promise<number>((resolveExit) => {
        void page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
      });
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        this.browserLog.push(`[exthost ${type}] ${args.map(String).join(' ')}`);
      });
    }

    const payload: [string, string][] = [];
    const remote = (path: string): string => `vscode-remote://127.0.0.1:${this.port}${path}`;
    if (this.options.loadExtension ?? true) payload.push(['extensionDevelopmentPath', remote(REPO_ROOT)]);
    if (this.options.extensionTestsPath) payload.push(['extensionTestsPath', remote(this.options.extensionTestsPath)]);
    const query = new URLSearchParams({ folder: this.workspace });
    if (payload.length) query.set('payload', JSON.stringify(payload));
    await page.goto(`http://127.0.0.1:${this.port}/?${query.toString()}`, { timeout: Math.max(1_000, deadline - Date.now()) });
    await page.locator('.monaco-workbench').waitFor({ timeout: Math.max(1_000, deadline - Date.now()) });
    // The status bar appears once the workbench has restored its parts.
    await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: Math.max(1_000, deadline - Date.now()) });
  }

  /** Resolves with the exit code of the `extensionTestsPath` suite, or rejects after `timeoutMs`. */
  async waitForTestsExit(timeoutMs: number): Promise<number> {
    if (!this.testsExit) throw new Error('launched without extensionTestsPath');
    const code = await settleWithin(this.testsExit, timeoutMs, undefined);
    if (code === undefined) throw new Error(`the extension tests did not finish within ${timeoutMs} ms`);
    return code;
  }

  /**
   * Opens a workspace file through Quick Open and waits for its editor tab to be active.
   * `name` is the file's path relative to the workspace.
   */
  async openFile(name: string, timeoutMs = 60_000): Promise<void> {
    const page = this.page;
    const base = name.split('/').pop() ?? name;
    // By the resource's name: a results panel titled "Topics: notes.md" is not the file's tab.
    const activeTab = page.locator(`.tabs-container .tab.active[data-resource-name="${base}"]`);
    await retry(`open ${name}`, timeoutMs, async (attemptTimeout) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: attemptTimeout });
      await input.fill(name);
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: exactly(base) }) })
        .first();
      await row.click({ timeout: attemptTimeout });
      await activeTab.waitFor({ timeout: attemptTimeout });
    });
    // Quick Open leaves the keyboard focus in the editor it opened, with the cursor at 1:1.
  }

  /**
   * Gives the keyboard focus to the first editor group (where {@link openFile} opens files),
   * e.g. after a click in a webview beside it, without moving its cursor.
   */
  async focusFirstEditorGroup(): Promise<void> {
    await this.runCommand('View: Focus First Editor Group');
    await this.page.locator('.editor-group-container').first().locator('.monaco-editor.focused').waitFor({ timeout: 10_000 });
  }

  /**
   * Runs a command by its palette title ("Category: Title"). Retries, because the palette can
   * open before an extension has registered its commands.
   */
  async runCommand(title: string, timeoutMs = 60_000): Promise<void> {
    const page = this.page;
    await retry(`run command "${title}"`, timeoutMs, async (attemptTimeout) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: attemptTimeout });
      await waitUntil(async () => (await input.inputValue()) === '>', attemptTimeout, 'the command palette');
      await input.fill(`>${title}`);
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: exactly(title) }) })
        .first();
      await row.click({ timeout: attemptTimeout });
      // The palette closes — or gives way at once to the command's own quick pick, which is no
      // longer the palette's `>` input.
      const widget = page.locator('.quick-input-widget');
      await waitUntil(
        async () => !(await widget.isVisible()) || !(await input.inputValue()).startsWith('>'),
        attemptTimeout,
        'the command palette to close',
      );
    });
  }

  /**
   * Runs a command from the palette without pressing Escape first ({@link runCommand} does), so
   * that the editor keeps its selection.
   */
  async runCommandKeepingSelection(title: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /**
   * The content of a webview (panel or view): VS Code nests it in two iframes. With several
   * webviews open, `index` picks one in DOM order.
   */
  webview(index = 0): FrameLocator {
    return this.page.locator('iframe.webview.ready').nth(index).contentFrame().locator('#active-frame').contentFrame();
  }

  /** The webview (panel or view) whose content has `selector`, polling until one does. */
  async webviewWith(selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await this.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < count; i++) {
        const frame = this.webview(i);
        if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
      }
      if (Date.now() > deadline) {
        await this.screenshot(`no-${selector.replace(/\W+/g, '')}`).catch(() => undefined);
        throw new Error(`no webview shows ${selector} (notifications: ${JSON.stringify(await this.notifications())})`);
      }
      await delay(200);
    }
  }

  /** The messages of the notification toasts now showing. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  }

  /** The messages of the error toasts now showing. */
  async errorNotifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item')
      .filter({ has: this.page.locator('.codicon-error') })
      .locator('.notification-list-item-message')
      .allInnerTexts();
  }

  /** Waits for a notification toast whose message matches. */
  async waitForNotification(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: pattern }).first();
    await toast.waitFor({ timeout: timeoutMs });
    return toast.innerText();
  }

  /** Clicks the button `label` of the notification toast whose message matches. */
  async clickNotificationButton(pattern: RegExp, label: string, timeoutMs = 30_000): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-list-item').filter({
      has: this.page.locator('.notification-list-item-message', { hasText: pattern }),
    });
    await toast.first().locator('.monaco-button', { hasText: exactly(label) }).click({ timeout: timeoutMs });
  }

  /** A status bar item by its id, e.g. `status.editor.selection`. */
  statusBarItem(id: string): Locator {
    return this.page.locator(`#workbench\\.parts\\.statusbar [id="${id}"]`);
  }

  /** The status bar items whose text matches. */
  statusBarItems(pattern: RegExp): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: pattern });
  }

  /**
   * The editor's selection once it spans `length` characters (what a results panel's click selects),
   * polled from the status bar; after `timeoutMs`, the selection as it is then, for the assertion to
   * show. Presses nothing: Escape in the editor (as {@link runCommand} presses) would drop it. When no
   * text editor becomes active at all, the error says which tab was active and what VS Code said.
   */
  async selectionOfLength(length: number, timeoutMs = 20_000): Promise<{ line: number; column: number; selected: number; text: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let selection: { line: number; column: number; selected: number; text: string };
      try {
        selection = await this.editorSelection(Math.max(1, deadline - Date.now()));
      } catch (error) {
        // No text editor became active: say what was active instead, and what VS Code said.
        const shot = await this.screenshot('no-active-editor').catch(() => 'none');
        const active = await this.page
          .locator('.tabs-container .tab.active')
          .evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('aria-label') ?? tab.textContent ?? ''))
          .catch(() => []);
        const notifications = await this.notifications().catch(() => []);
        throw new Error(`no text editor is active (active tabs: ${JSON.stringify(active)}; notifications: ${JSON.stringify(notifications)}; screenshot: ${shot})`, { cause: error });
      }
      if (selection.selected === length || Date.now() > deadline) return selection;
      await delay(100);
    }
  }

  /**
   * The active editor's cursor and selection as its status bar item shows them ("Ln 3, Col 1 (48
   * selected)"). The item shows only while a text editor is active: after a click in a webview,
   * {@link focusFirstEditorGroup} first.
   */
  async editorSelection(timeoutMs = 10_000): Promise<{ line: number; column: number; selected: number; text: string }> {
    const item = this.statusBarItem('status.editor.selection');
    await item.waitFor({ timeout: timeoutMs });
    const text = (await item.innerText()).trim();
    const match = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(text);
    if (!match) throw new Error(`unexpected selection status "${text}"`);
    return { line: Number(match[1]), column: Number(match[2]), selected: Number(match[3] ?? 0), text };
  }

  /**
   * Saves a full-page PNG into this run's folder under .test-runs/ and returns its path. With
   * `readme`, the picture is one the README shows: under `npm run screenshots` it is also copied to
   * media/screenshots/<readme>.png.
   */
  async screenshot(name: string, options: { readme?: string } = {}): Promise<string> {
    this.shots += 1;
    const file = join(this.artifacts, `${String(this.shots).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file, timeout: 15_000 });
    if (options.readme && process.env[README_SHOTS_ENV]) {
      await mkdir(join(REPO_ROOT, 'media', 'screenshots'), { recursive: true });
      await cp(file, join(REPO_ROOT, 'media', 'screenshots', `${options.readme}.png`));
    }
    return file;
  }

  /**
   * Ends Chromium and code-server with everything it started, keeps the logs in this run's
   * folder, and removes the temporary folders. Safe to call more than once and after a failed
   * start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.context) {
      const context = this.context;
      await settleWithin(context.close().catch(() => undefined), 15_000);
    }
    await this.stopServer();
    // Whatever still runs on this session's folders (a Chromium whose close hung), by pid.
    killProcesses(processesUsing(this.root), 'SIGKILL');
    liveSessions.delete(this);
    await this.keepLogs().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    if (!server?.pid) return;
    const family = [server.pid, ...descendants(server.pid)];
    signalGroup(server.pid, 'SIGTERM');
    killProcesses(family, 'SIGTERM');
    const ended = await settleWithin((this.serverExited ?? Promise.resolve()).then(() => true), 5_000, false);
    if (!ended || family.some(isAlive)) {
      await delay(ended ? 1_000 : 0);
      signalGroup(server.pid, 'SIGKILL');
      killProcesses(family, 'SIGKILL');
    }
  }

  /**
   * Synchronous last resort when the test process exits (an interrupted run): SIGKILL everything
   * this session started and remove its temporary folders.
   */
  killNow(): void {
    if (this.server?.pid) {
      const family = [this.server.pid, ...descendants(this.server.pid)];
      signalGroup(this.server.pid, 'SIGKILL');
      killProcesses(family, 'SIGKILL');
    }
    killProcesses(processesUsing(this.root), 'SIGKILL');
    try {
      rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort: the process is exiting
    }
  }

  private async keepLogs(): Promise<void> {
    if (this.browserLog.length) await writeFile(join(this.artifacts, 'browser-console.log'), this.browserLog.join('\n') + '\n');
    const logs = join(this.dirs.userData, 'logs');
    if (existsSync(logs)) await cp(logs, join(this.artifacts, 'vscode-logs'), { recursive: true });
    if ((await readdir(this.artifacts)).length === 0) await rm(this.artifacts, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

/** `promise`'s value, or `fallback` once `ms` have passed; leaves no timer behind. */
async function settleWithin<T, F = undefined>(promise: Promise<T>, ms: number, fallback?: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(fallback as F), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `attempt` until it succeeds or `timeoutMs` has passed; each try gets a share of it. */
async function retry(what: string, timeoutMs: number, attempt: (attemptTimeoutMs: number) => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const attemptTimeout = Math.max(1_000, Math.min(10_000, deadline - Date.now()));
    try {
      await attempt(attemptTimeout);
      return;
    } catch (error) {
      lastError = error;
      await delay(300);
    }
  }
  throw new Error(`Could not ${what} within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** A sentence row of the results panel's sentiment view, as shown. */
export interface ShownSentence {
  start: number;
  end: number;
  label?: string;
  text?: string;
}

/** The sentiment view's sentence rows in `panel`: their offsets, label and text, in order. */
export async function shownSentences(panel: FrameLocator): Promise<ShownSentence[]> {
  return panel.locator('.sentence-row').evaluateAll((elements) =>
    elements.map((row) => ({
      start: Number(row.getAttribute('data-start')),
      end: Number(row.getAttribute('data-end')),
      label: row.querySelector('.label')?.textContent?.trim(),
      text: row.querySelector('.text')?.textContent?.trim(),
    })),
  );
}

/** One bar of the topics view: its label, the score it shows ("87%") and its meter's aria-valuenow. */
export interface ShownTopicBar {
  label: string;
  score: string;
  valueNow: string | null | undefined;
}

/** The topics view's label bars in `panel` (the document's, then each section's), in order. */
export async function shownTopicBars(panel: FrameLocator): Promise<ShownTopicBar[]> {
  return panel.locator('.topic-bar').evaluateAll((elements) =>
    elements.map((bar) => ({
      label: bar.getAttribute('data-label') ?? '',
      score: bar.querySelector('.score')?.textContent?.trim() ?? '',
      valueNow: bar.querySelector('[role="meter"]')?.getAttribute('aria-valuenow'),
    })),
  );
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Every process whose ancestry leads to `pid` (from /proc, so also those that left its group). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = safeRead(`/proc/${entry}/stat`);
    // pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

/** Processes whose command line mentions `path` (our unique temp folders). */
function processesUsing(path: string): number[] {
  const pids: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = safeRead(`/proc/${entry}/cmdline`);
    if (cmdline?.includes(path)) pids.push(Number(entry));
  }
  return pids;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

function killProcesses(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  const stat = safeRead(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Asks `question` about the open `fileName` in the Questions view (through *Ask a Question About
 * This Document*) and returns the best answer's text.
 */
export async function askQuestion(vscode: VSCode, fileName: string, question: string): Promise<string> {
  await vscode.openFile(fileName);
  await vscode.runCommand('Text Analytics: Ask a Question About This Document');
  const view = await vscode.webviewWith('#question');
  await view.locator('.answering-about', { hasText: fileName }).waitFor({ timeout: 30_000 });
  const box = view.locator('#question');
  await box.fill(question);
  await box.press('Enter');
  const answer = view.locator('.answer .answer-text').first();
  try {
    await answer.waitFor({ timeout: 60_000 });
  } catch (error) {
    await vscode.screenshot('no-answer');
    throw new Error(`no answer in the Questions view (notifications: ${JSON.stringify(await vscode.notifications())})`, { cause: error });
  }
  return (await answer.innerText()).trim();
}
