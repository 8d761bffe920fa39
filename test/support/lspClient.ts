/**
 * A language client for tests: starts the bundled server (dist/server.js --stdio) as a child
 * process and talks to it with vscode-jsonrpc's client side, as an editor would. It answers the
 * server's requests (workspace/configuration from `settings`, workspace/applyEdit, progress
 * tokens, registrations), records what the server sends, and offers bounded waits that say what
 * they waited for. The server and its worker are killed when the test ends.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ApplyWorkspaceEditParams, InitializeResult, PublishDiagnosticsParams, ShowMessageParams, ShowMessageRequestParams } from 'vscode-languageserver-protocol';
import { REPO } from '../helpers';

export const SERVER = join(REPO, 'dist', 'server.js');

export interface LspClientOptions {
  /** `general.positionEncodings` the client offers; absent: the capability is left out (UTF-16). */
  positionEncodings?: string[];
  /** What workspace/configuration answers for the section `textAnalytics`. */
  settings?: Record<string, unknown>;
  /** A client without workspace/configuration, which gives the settings here instead (`{"textAnalytics": {…}}`). */
  initializationOptions?: unknown;
  /** The answer to window/showMessageRequest (the title of an action, or null). */
  messageRequestAnswer?: string | null;
  /** The server's XDG_CONFIG_HOME (where its allow-list file is); absent: a new empty folder, removed after the test. */
  configHome?: string;
}

export interface LspClient {
  connection: MessageConnection;
  child: ChildProcessWithoutNullStreams;
  initializeResult: InitializeResult;
  settings: Record<string, unknown>;
  diagnostics: PublishDiagnosticsParams[];
  messages: ShowMessageParams[];
  messageRequests: ShowMessageRequestParams[];
  appliedEdits: ApplyWorkspaceEditParams[];
  progress: Array<{ token: string | number; value: { kind: string; percentage?: number; message?: string } }>;
  stderr(): string;
  /** Resolves with the first value `probe` gives that is not undefined, checked after every message; fails after `timeoutMs` naming `what`. */
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** The latest diagnostics of `uri` that `accept` accepts. */
  diagnosticsOf(uri: string, what: string, accept?: (params: PublishDiagnosticsParams) => boolean, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  /** The process exited: its exit code (or signal), within `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | string>;
  /** shutdown then exit, then wait for the process. */
  stop(): Promise<number | string>;
}

export async function startLspClient(t: { after(fn: () => unknown): void }, options: LspClientOptions = {}): Promise<LspClient> {
  assert.ok(existsSync(SERVER), `${SERVER} is missing: run \`npm run build\` first.`);
  const configHome = options.configHome ?? mkdtempSync(join(tmpdir(), 'ls-config-'));
  if (!options.configHome) t.after(() => rmSync(configHome, { recursive: true, force: true }));
  const child = spawn(process.execPath, [SERVER, '--stdio'], {
    stdio: 'pipe',
    // Downloads, if a test allows them, never reach the user's cache, nor "Never Report This Value"
    // the user's allow-list; telemetry asked on, which the server must override.
    env: { ...process.env, XDG_CACHE_HOME: join(REPO, '.cache', 'ls-test'), XDG_CONFIG_HOME: configHome, ORT_DISABLE_TELEMETRY: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  t.after(() => {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((check) => check());
  const client: Omit<LspClient, 'initializeResult'> & { initializeResult?: InitializeResult } = {
    connection,
    child,
    settings: options.settings ?? {},
    diagnostics: [],
    messages: [],
    messageRequests: [],
    appliedEdits: [],
    progress: [],
    stderr: () => stderr,
    waitFor: (what, probe, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const value = probe();
          if (value === undefined) return;
          finish();
          resolve(value);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Server stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    diagnosticsOf: (uri, what, accept = () => true, timeoutMs) =>
      client.waitFor(what, () => [...client.diagnostics].reverse().find((params) => params.uri === uri && accept(params)), timeoutMs),
    exited: (timeoutMs = 15_000) =>
      Promise.race([exit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`The server did not exit within ${timeoutMs} ms.`)), timeoutMs).unref())]),
    stop: async () => {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      return client.exited();
    },
  };
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    client.diagnostics.push(params);
    changed();
  });
  connection.onNotification('window/showMessage', (params: ShowMessageParams) => {
    client.messages.push(params);
    changed();
  });
  connection.onNotification('window/logMessage', () => undefined);
  connection.onNotification('$/progress', (params: LspClient['progress'][number]) => {
    client.progress.push(params);
    changed();
  });
  connection.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) => params.items.map((item) => (item.section === 'textAnalytics' ? client.settings : null)));
  connection.onRequest('window/showMessageRequest', (params: ShowMessageRequestParams) => {
    client.messageRequests.push(params);
    changed();
    const answer = options.messageRequestAnswer;
    return answer ? (params.actions?.find((action) => action.title === answer) ?? null) : null;
  });
  connection.onRequest('workspace/applyEdit', (params: ApplyWorkspaceEditParams) => {
    client.appliedEdits.push(params);
    changed();
    return { applied: true };
  });
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();

  client.initializeResult = await connection.sendRequest<InitializeResult>('initialize', {
    processId: process.pid,
    rootUri: null,
    ...(options.initializationOptions === undefined ? {} : { initializationOptions: options.initializationOptions }),
    capabilities: {
      general: options.positionEncodings ? { positionEncodings: options.positionEncodings } : {},
      workspace: {
        // A client that gives initializationOptions stands for one without workspace/configuration.
        configuration: options.initializationOptions === undefined,
        didChangeConfiguration: { dynamicRegistration: options.initializationOptions === undefined },
        workspaceEdit: { documentChanges: false },
        applyEdit: true,
      },
      window: { workDoneProgress: true, showMessage: {} },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: { versionSupport: true } },
    },
  });
  await connection.sendNotification('initialized', {});
  return client as LspClient;
}
