/**
 * The language server as an editor meets it (issue 20): dist/server.js --stdio with the bench
 * models, driven by a bare JSON-RPC client (vscode-jsonrpc, as the protocol tests' client in
 * test/support/lspClient.ts, which pulls in node:test and so is not imported here). Two figures:
 * the round trip of a hover while a long document is being analysed, against the same hovers on
 * an idle server; and the time from didOpen of a one-page document to its first diagnostics, on
 * a fresh server (the worker spawned and the models loaded by that document) and on one whose
 * worker has already analysed another document.
 *
 * The hovers, and one set of first-diagnostics timings, run with everything the server reports:
 * personal data (the recognizers and the named-entity model, the default), and the entities' and
 * sentence sentiment's diagnostics, so a document costs the worker the entities model and the
 * sentiment model over all of its text. The first diagnostics are also timed with the server's
 * defaults (personal data alone), what a user who changes nothing waits for.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, Hover, InitializeResult, LogMessageParams, PublishDiagnosticsParams, ShowMessageParams } from 'vscode-languageserver-protocol';
import { generateDocument, type BenchDocument } from './documents';
import type { Settings } from './inProcess';
import { benchModelDir } from './models/make-bench-models';
import { compared, round, type Case } from './results';

const SERVER = join(__dirname, '..', 'dist', 'server.js');
/** How often the user's pointer asks for a hover while the long document is analysed. */
const HOVER_INTERVAL_MS = 20;
/** Hovers on the idle server, for the baseline. */
const IDLE_HOVERS = 150;
/** No single step of the section may take longer (a 20,000-word analysis takes tens of seconds on two cores). */
const STEP_TIMEOUT_MS = 180_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/**
 * People the bench documents name (bench/documents.ts), as a user's deny-list: the bench models
 * have random weights and find no entity above the default score, so these are the findings the
 * diagnostics show and the hovers visit. The models still run over every paragraph.
 */
const DENIED_PEOPLE = ['Angela Merkel', 'Marie Curie', 'Ada Lovelace', 'Grace Hopper', 'Nelson Mandela', 'Frida Kahlo'];

/**
 * The `textAnalytics` section the client answers workspace/configuration with: every diagnostic
 * on (`all`), or the server's defaults (personal data alone).
 */
function serverSettings(root: string, diagnostics: 'all' | 'default'): Record<string, unknown> {
  return {
    device: 'cpu',
    precision: 'int8',
    pii: { denyList: { PERSON: DENIED_PEOPLE } },
    server: {
      // One subfolder per task (sentiment, topics, qa, entities), as the models folder installed beside the server.
      modelsDir: join(benchModelDir(root, 'entities'), '..'),
      ...(diagnostics === 'all' ? { diagnostics: { pii: true, entities: true, sentiment: true } } : {}),
    },
  };
}

/** What each configuration costs the worker, for the notes. */
const WORKLOADS = {
  all: `personal data (recognizers, named-entity model, a deny-list of ${DENIED_PEOPLE.length} names), entity and negative-sentence diagnostics on: the entities (BERT-base) and sentiment models`,
  default: `the defaults: personal-data diagnostics alone (recognizers, named-entity model, a deny-list of ${DENIED_PEOPLE.length} names): the entities (BERT-base) model`,
} as const;

/**
 * How many times a document just opened is published under each configuration: as each analysis
 * ends, the recognizers' personal data first (no model needed), then the model's, then entities
 * and sentiment when they are on. The last is the complete diagnostics.
 */
const PUBLISHES = { all: 4, default: 2 } as const;

/** A started server, initialized, and what it has published. */
class BenchClient {
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  /** Every publish of each document, in order. */
  private readonly diagnostics = new Map<string, Array<{ at: number; params: PublishDiagnosticsParams }>>();
  /** What the server showed the user, and its log's errors and warnings: any of them fails the run. */
  readonly messages: ShowMessageParams[] = [];
  private version = 0;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
  ) {}

  static async start(settings: Record<string, unknown>): Promise<BenchClient> {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first.`);
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new BenchClient(child, connection);
    child.stderr.on('data', (chunk: Buffer) => (client.stderr = (client.stderr + chunk.toString()).slice(-4000)));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      client.diagnostics.set(params.uri, [...(client.diagnostics.get(params.uri) ?? []), { at: performance.now(), params }]);
      client.changed();
    });
    connection.onNotification('window/showMessage', (params: ShowMessageParams) => {
      client.messages.push(params);
      client.changed();
    });
    connection.onNotification('window/logMessage', (params: LogMessageParams) => {
      // The server logs through console (error, warn, info, log: types 1 to 4).
      if (params.type <= 2) client.messages.push(params);
      client.changed();
    });
    connection.onNotification('$/progress', () => undefined);
    connection.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) => params.items.map((item) => (item.section === 'textAnalytics' ? settings : null)));
    connection.onRequest('window/showMessageRequest', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    try {
      await client.bounded(
        'the answer to initialize',
        connection.sendRequest<InitializeResult>('initialize', {
          processId: process.pid,
          rootUri: null,
          capabilities: {
            workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
            window: { workDoneProgress: true },
            textDocument: { hover: { contentFormat: ['markdown'] }, publishDiagnostics: { versionSupport: true } },
          },
        }),
        30_000,
      );
      await connection.sendNotification('initialized', {});
    } catch (error) {
      client.kill();
      throw error;
    }
    return client;
  }

  /** Sends didOpen; the time it was sent. */
  async open(uri: string, text: string): Promise<number> {
    const sent = performance.now();
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version: ++this.version, text } });
    return sent;
  }

  /** The `count`th diagnostics of `uri` (1: the first) and when they came; a message the server showed or logged as a warning (a missing model, a failed request) fails the run. */
  diagnosticsNumber(uri: string, count: number, what: string): Promise<{ at: number; params: PublishDiagnosticsParams }> {
    return this.waitFor(what, () => {
      if (this.messages.length > 0) throw new Error(`The server said: ${this.messages.map((m) => m.message).join(' | ')}`);
      return this.diagnostics.get(uri)?.[count - 1];
    });
  }

  /** Whether `uri` has been published `count` times. */
  published(uri: string, count: number): boolean {
    return (this.diagnostics.get(uri)?.length ?? 0) >= count;
  }

  async hover(uri: string, position: Diagnostic['range']['start']): Promise<Hover | null> {
    return this.bounded('a hover', this.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position }), 10_000);
  }

  /** shutdown and exit; the server takes its worker with it. Killed if it does not go within 10 s. */
  async stop(): Promise<void> {
    try {
      await this.bounded('the answer to shutdown', this.connection.sendRequest('shutdown'), 10_000);
      await this.connection.sendNotification('exit');
      await this.bounded(
        'the server to exit',
        new Promise((resolve) => (this.child.exitCode !== null || this.child.signalCode !== null ? resolve(undefined) : this.child.once('exit', resolve))),
        10_000,
      );
    } finally {
      this.kill();
    }
  }

  private kill(): void {
    this.connection.dispose();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private changed(): void {
    this.waiters.forEach((check) => check());
  }

  private waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          const value = probe();
          if (value === undefined) return;
          finish();
          resolve(value);
        } catch (error) {
          finish();
          reject(error as Error);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Server stderr: ${this.stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private bounded<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Server stderr: ${this.stderr}`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/** didOpen → the first publishDiagnostics and the complete ones (the `publishes`th), in ms, with the complete diagnostics. */
async function openedDiagnostics(client: BenchClient, uri: string, text: string, publishes: number): Promise<{ first: number; complete: number; diagnostics: Diagnostic[] }> {
  const sent = await client.open(uri, text);
  const first = await client.diagnosticsNumber(uri, 1, `the first diagnostics of ${uri}`);
  const complete = await client.diagnosticsNumber(uri, publishes, `the complete diagnostics of ${uri} (publish ${publishes})`);
  return { first: first.at - sent, complete: complete.at - sent, diagnostics: complete.params.diagnostics };
}

/**
 * Hovers every HOVER_INTERVAL_MS, one at a time as a pointer asks, on the findings `targets` in
 * turn, until `done`; the round trip of each. Every hover must show something: a hover that
 * finds nothing would measure less than a user waits for.
 */
async function hoverRoundTrips(client: BenchClient, uri: string, targets: readonly Diagnostic[], done: (count: number) => boolean): Promise<number[]> {
  const times: number[] = [];
  const started = performance.now();
  while (!done(times.length)) {
    if (performance.now() - started > STEP_TIMEOUT_MS) throw new Error(`Hovered for ${STEP_TIMEOUT_MS} ms and the analysis did not end.`);
    const target = targets[times.length % targets.length];
    const sent = performance.now();
    const hover = await client.hover(uri, target.range.start);
    times.push(performance.now() - sent);
    if (!hover) throw new Error(`A hover on "${target.message}" at ${target.range.start.line}:${target.range.start.character} of ${uri} showed nothing.`);
    const wait = started + times.length * HOVER_INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return times;
}

/** Findings spread over the whole document, for the hovers to visit. */
function spread(diagnostics: readonly Diagnostic[], count: number): Diagnostic[] {
  if (diagnostics.length === 0) throw new Error('The long document has no diagnostics to hover on.');
  const step = Math.max(1, Math.floor(diagnostics.length / count));
  return diagnostics.filter((_, i) => i % step === 0).slice(0, count);
}

/** didOpen → first and complete diagnostics of one document, in ms. */
interface Opening {
  first: number;
  complete: number;
}

/**
 * didOpen → first and complete diagnostics of documents of `small`'s size: on a fresh server each
 * round (the document spawns the worker and loads the models), then on the last one, whose worker
 * is running with its models loaded, documents it has not seen. The last server is the caller's to stop.
 */
async function openingTimes(
  settings: Settings,
  which: keyof typeof WORKLOADS,
  small: BenchDocument,
  seed: number,
): Promise<{ cold: Opening[]; warm: Opening[]; client: BenchClient }> {
  const label = which === 'all' ? 'all diagnostics' : 'default settings';
  const rounds = Math.max(3, settings.rounds);
  const cold: Opening[] = [];
  const warm: Opening[] = [];
  let client: BenchClient | undefined;
  const one = async (uri: string, text: string, into: Opening[], how: string) => {
    const { first, complete, diagnostics } = await openedDiagnostics(client as BenchClient, uri, text, PUBLISHES[which]);
    into.push({ first, complete });
    settings.log(`  ${label}, ${how}, ${small.name}: first diagnostics after ${first.toFixed(0)} ms, complete after ${complete.toFixed(0)} ms (${diagnostics.length} diagnostics)`);
  };
  try {
    for (let run = 0; run < rounds; run++) {
      await client?.stop();
      client = undefined;
      client = await BenchClient.start(serverSettings(settings.root, which));
      await one(`file:///bench/${which}-cold-${run}.md`, generateDocument(small.words, seed + run).text, cold, 'fresh server');
    }
    if (!client) throw new Error('No server was started.');
    for (let run = 0; run < rounds; run++) await one(`file:///bench/${which}-warm-${run}.md`, generateDocument(small.words, seed + 100 + run).text, warm, 'worker started');
    return { cold, warm, client };
  } catch (error) {
    await client?.stop().catch(() => undefined);
    throw error;
  }
}

/** The first-diagnostics cases of one configuration (fresh server, worker started), with the complete diagnostics beside them. */
function openingCases(small: BenchDocument, which: keyof typeof WORKLOADS, cold: Opening[], warm: Opening[]): Case[] {
  const medians = (openings: Opening[]) => ({ first: median(openings.map((o) => o.first)), complete: median(openings.map((o) => o.complete)) });
  const [c, w] = [medians(cold), medians(warm)];
  const label = which === 'all' ? 'all diagnostics on' : 'default settings';
  const first = 'the first: the recognizers\' personal data, which needs no model';
  return [
    compared({
      name: `language server: first diagnostics of ${small.name} after didOpen, fresh server, ${label}`,
      task: 'diagnostics',
      value: round(c.first),
      unit: 'ms',
      better: 'lower',
      baseline: 'complete diagnostics (every model\'s)',
      baselineValue: round(c.complete),
      target: '< 2000 ms',
      met: c.first < 2000,
      note: `median of ${cold.length} fresh servers (initialized, no worker yet): the document spawns the worker and loads the models (int8, CPU, files in the OS cache); ${first}; ${WORKLOADS[which]}`,
    }),
    compared({
      name: `language server: first diagnostics of ${small.name} after didOpen, worker started, ${label}`,
      task: 'diagnostics',
      value: round(w.first),
      unit: 'ms',
      better: 'lower',
      baseline: 'complete diagnostics (every model\'s)',
      baselineValue: round(w.complete),
      target: '< 2000 ms',
      met: w.first < 2000,
      note: `median of ${warm.length} documents the worker had not seen, its models loaded by the documents before (int8, CPU); complete diagnostics ${w.complete < 2000 ? 'within' : 'beyond'} 2 s`,
    }),
  ];
}

/**
 * Hover p95 on `large` while a second document of its size is analysed (against the same hovers on
 * the idle server), and first diagnostics of a `small`-sized document after didOpen, on a fresh
 * server and on one whose worker is already running with its models loaded, with every diagnostic
 * on and with the server's defaults.
 */
export async function languageServer(settings: Settings, small: BenchDocument, large: BenchDocument): Promise<Case[]> {
  const defaults = await openingTimes(settings, 'default', small, 600);
  await defaults.client.stop();
  const all = await openingTimes(settings, 'all', small, 300);
  const { client } = all;
  try {
    // The long document, analysed once, is what the user hovers on.
    const hovered = `file:///bench/hovered-${large.words}.md`;
    const first = await openedDiagnostics(client, hovered, large.text, PUBLISHES.all);
    const targets = spread(first.diagnostics, 50);
    settings.log(`  ${large.name}: complete diagnostics after ${(first.complete / 1000).toFixed(1)} s (${first.diagnostics.length} diagnostics); hovering on ${targets.length} of them`);

    const idle = await hoverRoundTrips(client, hovered, targets, (count) => count >= IDLE_HOVERS);
    // Another document of the same size, which the worker has not seen, keeps it busy while the user hovers.
    const analysed = `file:///bench/analysed-${large.words}.md`;
    const opened = await client.open(analysed, generateDocument(large.words, 500).text);
    // Until its analysis is complete (its last publish), not its first findings.
    const busy = await hoverRoundTrips(client, hovered, targets, () => client.published(analysed, PUBLISHES.all));
    const busyFor = (await client.diagnosticsNumber(analysed, PUBLISHES.all, 'the second long document, complete')).at - opened;
    if (busy.length < 20) throw new Error(`Only ${busy.length} hovers during the analysis (${busyFor.toFixed(0)} ms): too few for a p95.`);

    const [idleP50, idleP95, busyP50, busyP95] = [percentile(idle, 50), percentile(idle, 95), percentile(busy, 50), percentile(busy, 95)];
    settings.log(
      `  hover round trip: idle p50 ${idleP50.toFixed(1)}, p95 ${idleP95.toFixed(1)} ms (${idle.length}); while ${large.name} is analysed (${(busyFor / 1000).toFixed(1)} s) ` +
        `p50 ${busyP50.toFixed(1)}, p95 ${busyP95.toFixed(1)}, max ${Math.max(...busy).toFixed(1)} ms (${busy.length})`,
    );
    return [
      compared({
        name: `language server: hover p95 while ${large.name} are analysed`,
        task: 'hover',
        value: round(busyP95, 2),
        unit: 'ms',
        better: 'lower',
        baseline: 'idle server',
        baselineValue: round(idleP95, 2),
        target: '< 50 ms',
        met: busyP95 < 50,
        note:
          `${busy.length} hovers, one every ${HOVER_INTERVAL_MS} ms, on ${targets.length} deny-listed names of an analysed ${large.name} document while another is analysed ` +
          `(${round(busyFor / 1000)} s; ${WORKLOADS.all}); p50 ${round(busyP50, 2)} ms, max ${round(Math.max(...busy), 1)} ms; idle: ${idle.length} hovers, p50 ${round(idleP50, 2)} ms`,
      }),
      ...openingCases(small, 'all', all.cold, all.warm),
      ...openingCases(small, 'default', defaults.cold, defaults.warm),
    ];
  } finally {
    await client.stop().catch(() => undefined);
  }
}
