/**
 * The language server's watched run for the system-call test (test/worker/systemCalls.test.ts),
 * started by test/support/watchedRuns.ts inside its empty network namespace: the real
 * dist/server.js --stdio under `strace -f` (which follows it into the inference worker it forks),
 * spoken to over stdio with vscode-jsonrpc's client side, as an editor does. One session:
 * initialize (settings from workspace/configuration, the fixture models through
 * `textAnalytics.server.modelsDir`), open a document with an e-mail address and a name, wait for
 * the personal-data diagnostics, run `textAnalytics.sentiment`; then the same again on an edited
 * document every second until told to stop, so that a late upload would show; then shutdown and
 * exit, as an editor closing.
 *
 * Kept apart from watchedRuns.ts, which runs its main on import; this module only exports. It
 * imports no node:test and no assert: a failure is written into the run's `stderr` for the test.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { REPO } from '../helpers';
import { controlWatch, straceArgs } from './systemCalls';
import type { RunPlace } from './watchedRuns';

const SERVER = join(REPO, 'dist', 'server.js');
const URI = 'file:///watched/notes.md';
/** The longest wait for one answer of the server: a model's first load under strace on a busy machine. */
const ANSWER_LIMIT_MS = 60_000;
const EXIT_GRACE_MS = 5_000;

export interface ServerRun extends RunPlace {
  /** What the first round answered, in words the test can compare. */
  answers: ServerAnswers;
  /** From the server's start: when its first diagnostics came (its worker's first inference), and when it was told to exit. */
  firstInferenceMs?: number;
  watchedMs: number;
  /** Rounds of diagnostics and sentiment answered while it was watched. */
  rounds: number;
  /** The control's: when its first attempt to reach an outside address showed in the trace. */
  firstAttemptMs?: number;
  /** The exit status of the server (strace passes it on); whether it and its worker were gone within a few seconds of `exit`. */
  status: number | null;
  exitedByItself: boolean;
  stderr: string;
}

export interface ServerAnswers {
  /** `CODE text` for each personal-data diagnostic, in document order. */
  diagnostics: string[];
  /** `LABEL text` for each sentence of `textAnalytics.sentiment`'s answer. */
  sentiment: string[];
}

export interface WatchServerOptions {
  /** The traced process's environment (its HOME, TMPDIR, hostile telemetry setting, a control's preload). */
  env: NodeJS.ProcessEnv;
  /** The folder of models given as `textAnalytics.server.modelsDir`. */
  models: string;
  /** The control: stop once the trace shows a DNS query, or after `controlLimitMs`. */
  control?: { limitMs: number };
  /** The others: how long to watch after the first inference (resolved once the worker's control knows). */
  watchAfterFirstInference?: Promise<number>;
  minWatchMs: number;
}

/** The document of round `round`: a new number each round, so no cache answers for the model. */
export function serverDocument(round: number): string {
  return `A wonderful day. An awful night ${round}.\n\nWrite to anna.smith@example.com about round ${round}. Angela Merkel met the press.\n`;
}

export async function watchServer(run: RunPlace, options: WatchServerOptions): Promise<ServerRun> {
  const started = Date.now();
  // Its own process group, so that a server or worker that hangs on exit is killed with strace.
  const child = spawn('strace', [...straceArgs(run.trace), process.execPath, SERVER, '--stdio'], { env: options.env, stdio: 'pipe', detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // A server that dies mid-session fails the wait at once, not after its limit.
  const gone = closed.then((code): never => {
    throw new Error(`the server exited (status ${code}) during the session`);
  });
  gone.catch(() => undefined);
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const published: PublishDiagnosticsParams[] = [];
  const waiters = new Set<() => void>();
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    published.push(params);
    waiters.forEach((check) => check());
  });
  connection.onNotification(() => undefined);
  const settings = { server: { modelsDir: options.models } };
  connection.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) => params.items.map((item) => (item.section === 'textAnalytics' ? settings : null)));
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();

  const bounded = <T>(what: string, promise: Promise<T>) =>
    Promise.race([promise, gone, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ANSWER_LIMIT_MS} ms waiting for ${what}`)), ANSWER_LIMIT_MS).unref())]);
  const diagnosticsOf = (version: number) =>
    bounded(`the diagnostics of version ${version} of ${URI}`, new Promise<Diagnostic[]>((resolve) => {
      const check = () => {
        // The model's, with the planted name: the recognizers' e-mail address may be published first.
        const found = published.find((params) => params.uri === URI && params.version === version && params.diagnostics.some((d) => d.code === 'PERSON'));
        if (!found) return;
        waiters.delete(check);
        resolve(found.diagnostics);
      };
      waiters.add(check);
      check();
    }));

  let stopAt = started + (options.control ? options.control.limitMs : Number.POSITIVE_INFINITY);
  let firstInferenceMs: number | undefined;
  let firstAttemptMs: number | undefined;
  let answers: ServerAnswers | undefined;
  let rounds = 0;
  try {
    await bounded('the answer to initialize', connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } } }));
    await connection.sendNotification('initialized', {});
    for (let round = 0; Date.now() < stopAt; round++) {
      const text = serverDocument(round);
      const version = round + 1;
      if (round === 0) await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'markdown', version, text } });
      else await connection.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version }, contentChanges: [{ text }] });
      const diagnostics = await diagnosticsOf(version);
      if (firstInferenceMs === undefined) {
        firstInferenceMs = Date.now() - started;
        if (!options.control) void options.watchAfterFirstInference?.then((watch) => (stopAt = started + Math.max(options.minWatchMs, firstInferenceMs! + watch)));
      }
      const sentiment = await bounded('textAnalytics.sentiment', connection.sendRequest<{ sentences: Array<{ text: string; label: string }> }>('workspace/executeCommand', { command: 'textAnalytics.sentiment', arguments: [URI, {}] }));
      answers ??= {
        diagnostics: diagnostics.map((d) => `${String(d.code)} ${textAt(text, d)}`),
        sentiment: sentiment.sentences.map((s) => `${s.label} ${s.text}`),
      };
      rounds++;
      if (options.control) {
        const watch = controlWatch(run.trace, started, firstAttemptMs);
        firstAttemptMs = watch.firstAttemptMs;
        if (watch.reachedDns) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (error) {
    stderr += `\n[watchedServer] ${error instanceof Error ? error.message : String(error)}`;
  }
  const watchedMs = Date.now() - started;
  try {
    await bounded('the answer to shutdown', connection.sendRequest('shutdown'));
    await connection.sendNotification('exit');
  } catch (error) {
    stderr += `\n[watchedServer] ${error instanceof Error ? error.message : String(error)}`;
  }
  // strace exits when the last process it follows does: the server and the worker it started.
  const exitedByItself = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), EXIT_GRACE_MS))]);
  if (!exitedByItself && child.pid) process.kill(-child.pid, 'SIGKILL');
  const status = await closed;
  connection.dispose();
  return {
    ...run,
    answers: answers ?? { diagnostics: [], sentiment: [] },
    firstInferenceMs,
    watchedMs,
    rounds,
    firstAttemptMs,
    status,
    exitedByItself,
    stderr,
  };
}

/** The text a diagnostic covers (ASCII text, single-line ranges: UTF-16 columns are string indices). */
function textAt(text: string, diagnostic: Diagnostic): string {
  const { start, end } = diagnostic.range;
  return text.split('\n')[start.line].slice(start.character, start.line === end.line ? end.character : undefined);
}
