/**
 * The runs that test/worker/systemCalls.test.ts watches, started by it inside an empty network
 * namespace (`unshare -n`, loopback up), so that even a failing case sends nothing anywhere:
 *
 * - **worker**: the real dist/worker.js under `strace -f`, spoken to over IPC as the extension
 *   host does, running all four tasks (topics downloading its model from a loopback Hub, the
 *   others from bundled models), then the same again every second until the control has shown
 *   its attempts and 10 s more have passed (at least 25 s), so a late upload would be seen;
 * - **control**: the same worker with test/support/telemetryLeftOn.js preloaded, which undoes our
 *   switch: it must show onnxruntime's attempts within a minute, or the check sees nothing;
 * - **cli**: the real dist/cli.js, under strace, for every command (one writing its JSON into a
 *   file through the shell, as `> out.json` does), and a **cli control** with the preload.
 * - **server**: the language server, dist/server.js --stdio, under strace with the worker it forks,
 *   in an LSP session (test/support/watchedServer.ts) watched as long past its first inference as
 *   the worker is past its start; and a **server control** with the preload in NODE_OPTIONS (the
 *   server forks its worker with execArgv of its own, so `--require` would not reach the worker).
 *
 * Every traced process gets its own HOME and TMPDIR and `ORT_DISABLE_TELEMETRY=0` (a user's
 * environment may say anything: our switch must win). The report, written as JSON to the file
 * named by the first argument, says where each trace is and what each run answered; the test
 * reads the traces.
 *
 * Run: node --import tsx test/support/watchedRuns.ts REPORT.json WORK_DIR (inside `unshare -n`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUB_URL_ENV } from '../../src/engine/download';
import { defaultEngineOptions } from '../../src/engine/options';
import { WORKER_OPTIONS_ENV, type EngineOptions, type Method, type Methods, type WorkerMessage } from '../../src/protocol';
import { fixtureModels, REPO } from '../helpers';
import { folderFiles, startLoopbackHub } from './hubServer';
import { controlWatch, straceArgs } from './systemCalls';
import { watchServer, type ServerRun } from './watchedServer';

const WORKER = join(REPO, 'dist', 'worker.js');
const CLI = join(REPO, 'dist', 'cli.js');
const LEFT_ON = join(REPO, 'test', 'support', 'telemetryLeftOn.js');
/** A Hub repo the manifest does not pin, so the fixture model it serves is taken (as offline.test.ts does). */
export const DOWNLOADED_TOPICS = 'example/zero-shot-topics';
const CONTROL_LIMIT_MS = 60_000;
const MIN_WATCH_MS = 25_000;
const WATCH_AFTER_CONTROL_MS = 10_000;
const EXIT_GRACE_MS = 5_000;

/** Where one traced run kept its trace and the folders it was given. */
export interface RunPlace {
  trace: string;
  home: string;
  tmp: string;
}

export interface WorkerRun extends RunPlace {
  cache: string;
  /** What the four tasks answered the first time, in words the test can compare. */
  answers: TaskAnswers;
  /** How long the worker was watched, from its start until it was told to exit, and how many requests it ran. */
  watchedMs: number;
  requests: number;
  /** The control's: when its first attempt to reach an outside address showed in the trace. */
  firstAttemptMs?: number;
  /** Whether it exited within a few seconds of its parent letting go, as a worker must. */
  exitedByItself: boolean;
  stderr: string;
}

export interface TaskAnswers {
  sentiment: string[];
  entities: string[];
  answers: string[];
  topTopic: string;
  sources: Record<string, string>;
}

export interface CliRun extends RunPlace {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
  /** The file the shell wrote the output into, for the run that asked for one. */
  output?: string;
}

export interface WatchedReport {
  hubRequests: number;
  worker: WorkerRun;
  control: WorkerRun;
  cli: CliRun[];
  cliControl: CliRun;
  server: ServerRun;
  serverControl: ServerRun;
}

const TEXT = 'Angela Merkel visited Paris in 1958.';

async function main([reportFile, workDir]: string[]): Promise<void> {
  const inputs = join(workDir, 'inputs');
  mkdirSync(inputs, { recursive: true });
  const document = join(inputs, 'document.txt');
  writeFileSync(document, `A wonderful day. An awful night.\n\n${TEXT}\n\nThe team scored a goal in the match.\n`);
  const sst2 = join(inputs, 'dev.tsv');
  writeFileSync(sst2, 'sentence\tlabel\na good and great film \t1\nawful , just bad \t0\n');

  const hub = await startLoopbackHub({ [DOWNLOADED_TOPICS]: folderFiles(join(fixtureModels(), 'topics')) });
  try {
    // The CLI runs go first, while the workers start: they are short.
    const control = watchWorker(place(workDir, 'control'), hub.url, { control: true });
    const worker = watchWorker(place(workDir, 'worker'), hub.url, { control: false, stopAfter: control.then((c) => c.firstAttemptMs ?? CONTROL_LIMIT_MS) });
    const models = fixtureModels();
    const serverPlace = place(workDir, 'server');
    const server = watchServer(serverPlace, {
      env: tracedEnv(serverPlace),
      models,
      minWatchMs: MIN_WATCH_MS,
      // The control's first attempt counts from its start, before its first inference: counted
      // from the server's first inference instead, the wait is longer than the worker's.
      watchAfterFirstInference: control.then((c) => (c.firstAttemptMs ?? CONTROL_LIMIT_MS) + WATCH_AFTER_CONTROL_MS),
    });
    const serverControlPlace = place(workDir, 'server-control');
    const serverControl = watchServer(serverControlPlace, {
      env: tracedEnv(serverControlPlace, { NODE_OPTIONS: `--require ${JSON.stringify(LEFT_ON)}` }),
      models,
      minWatchMs: MIN_WATCH_MS,
      control: { limitMs: CONTROL_LIMIT_MS },
    });
    const cliRuns: Array<{ name: string; args: string[]; output?: boolean }> = [
      { name: 'sentiment', args: ['sentiment', document, '--models', models, '--json'], output: true },
      { name: 'entities', args: ['entities', document, '--models', models] },
      { name: 'ask', args: ['ask', document, '--question', 'When?', '--models', models] },
      { name: 'topics', args: ['topics', document, '--labels', 'sports,business', '--models', models] },
      { name: 'eval', args: ['eval', 'sst2', sst2, '--models', models] },
      { name: 'info', args: ['info', '--models', models] },
      { name: 'version', args: ['--version'] },
    ];
    const cli: CliRun[] = [];
    for (const run of cliRuns) cli.push(await traceCli(place(workDir, `cli-${run.name}`), run.args, { output: run.output }));
    const cliControl = await traceCli(place(workDir, 'cli-control'), ['sentiment', document, '--models', models], { control: true });
    const report: WatchedReport = { hubRequests: hub.requests.length, worker: await worker, control: await control, cli, cliControl, server: await server, serverControl: await serverControl };
    writeFileSync(reportFile, JSON.stringify(report, null, 2));
  } finally {
    await hub.close();
  }
}

function place(workDir: string, name: string): RunPlace {
  const dir = join(workDir, name);
  const run = { trace: join(dir, 'trace.txt'), home: join(dir, 'home'), tmp: join(dir, 'tmp') };
  mkdirSync(run.home, { recursive: true });
  mkdirSync(run.tmp, { recursive: true });
  return run;
}

/** The environment of a traced process: its own HOME and TMPDIR, and a user's hostile setting. */
function tracedEnv(run: RunPlace, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: run.home, TMPDIR: run.tmp, LANG: 'C.UTF-8', ORT_DISABLE_TELEMETRY: '0', ...extra };
}

function traced(run: RunPlace, command: string[], env: NodeJS.ProcessEnv, ipc: boolean): ChildProcess {
  return spawn('strace', [...straceArgs(run.trace), ...command], { env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])] });
}

async function traceCli(run: RunPlace, args: string[], options: { output?: boolean; control?: boolean }): Promise<CliRun> {
  const node = [process.execPath, ...(options.control ? ['--require', LEFT_ON] : []), CLI, ...args];
  const output = options.output ? join(run.tmp, '..', 'out.json') : undefined;
  // `sh -c 'exec "$@" > out'`: the shell opens the output file, as when a user redirects it.
  const command = output ? ['sh', '-c', 'out=$1; shift; exec "$@" > "$out"', 'sh', output, ...node] : node;
  const child = traced(run, command, tracedEnv(run), false);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { ...run, args, status, stdout, stderr, output };
}

/** A minimal host: the protocol's request/result over the IPC channel, as WorkerClient speaks it. */
class Host {
  private nextId = 1;
  private readonly pending = new Map<number, (message: WorkerMessage) => void>();
  readonly ready: Promise<void>;
  /** The worker's own pid (the child is its tracer), from its `ready` message. */
  pid?: number;

  constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.pid = message.info.pid;
          resolve();
        }
        if (message.type === 'result' || message.type === 'error') this.pending.get(message.id)?.(message);
      });
      child.on('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
    });
  }

  request<M extends Method>(method: M, params: Methods[M]['params']): Promise<Methods[M]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (message) => {
        this.pending.delete(id);
        if (message.type === 'result') resolve(message.result as Methods[M]['result']);
        else if (message.type === 'error') reject(new Error(`${method}: ${message.error.message}`));
      });
      this.child.send({ type: 'request', id, method, params });
    });
  }
}

async function allTasks(host: Host, round: number): Promise<TaskAnswers> {
  // A new number each round: the caches must not answer for the model.
  const text = `${TEXT} Round ${round}.`;
  const sentiment = await host.request('sentiment', { text: `A wonderful day. An awful night ${round}.`, neutralBand: 0.1 });
  const entities = await host.request('entities', { text, minScore: 0.5 });
  const answers = await host.request('ask', { text, question: 'When?', top: 1, minScore: 0.1 });
  const topics = await host.request('topics', {
    text: `The team scored a goal in the match ${round}.`,
    labels: ['sports', 'business'],
    multiLabel: false,
    hypothesisTemplate: 'This text is about {}.',
    format: 'plaintext',
  });
  return {
    sentiment: sentiment.sentences.map((s) => s.label),
    entities: entities.entities.map((e) => text.slice(e.start, e.end)),
    answers: answers.answers.map((a) => text.slice(a.start, a.end)),
    topTopic: topics.sections[0]?.labels[0]?.label ?? '',
    sources: { sentiment: sentiment.model.source, entities: entities.model.source, qa: answers.model.source, topics: topics.model.source },
  };
}

/**
 * One worker, watched: the control until its trace shows a DNS query (or a minute), its first
 * outside attempt noted; the other until `stopAfter` (the control's first attempt) plus
 * {@link WATCH_AFTER_CONTROL_MS}.
 */
async function watchWorker(run: RunPlace, hubUrl: string, how: { control: boolean; stopAfter?: Promise<number> }): Promise<WorkerRun> {
  const cache = join(run.home, '..', 'cache');
  const options: EngineOptions = defaultEngineOptions({
    allowDownloads: true,
    bundledModelsDir: bundledWithoutTopics(join(run.home, '..', 'bundled')),
    modelSources: { topics: DOWNLOADED_TOPICS },
    cacheDir: cache,
  });
  const started = Date.now();
  const child = traced(
    run,
    [process.execPath, '--expose-gc', ...(how.control ? ['--require', LEFT_ON] : []), WORKER],
    tracedEnv(run, { [WORKER_OPTIONS_ENV]: JSON.stringify(options), [HUB_URL_ENV]: hubUrl }),
    true,
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const host = new Host(child);
  let stopAt = started + (how.control ? CONTROL_LIMIT_MS : Number.POSITIVE_INFINITY);
  void how.stopAfter?.then((firstAttempt) => (stopAt = started + Math.max(MIN_WATCH_MS, firstAttempt + WATCH_AFTER_CONTROL_MS)));
  let firstAttemptMs: number | undefined;
  let answers: TaskAnswers | undefined;
  let requests = 0;
  try {
    await host.ready;
    for (let round = 0; Date.now() < stopAt; round++) {
      const answered = await allTasks(host, round);
      answers ??= answered;
      requests += 4;
      if (how.control) {
        const watch = controlWatch(run.trace, started, firstAttemptMs);
        firstAttemptMs = watch.firstAttemptMs;
        if (watch.reachedDns) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (error) {
    stderr += `\n[watchedRuns] ${error instanceof Error ? error.message : String(error)}`;
  }
  const watchedMs = Date.now() - started;
  if (child.connected) child.disconnect();
  // A worker exits when its parent goes; onnxruntime's telemetry (the control's) can hold the
  // exit for minutes while it tries to flush its queue, so after a grace period it is killed.
  const exitedByItself = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), EXIT_GRACE_MS))]);
  if (!exitedByItself) {
    // The worker, not its tracer, which exits with it.
    if (host.pid) process.kill(host.pid, 'SIGKILL');
    await exited;
  }
  return { ...run, cache, answers: answers ?? { sentiment: [], entities: [], answers: [], topTopic: '', sources: {} }, watchedMs, requests, firstAttemptMs, exitedByItself, stderr };
}

/** A bundled-models folder with every fixture model but topics, which is downloaded instead. */
function bundledWithoutTopics(dir: string): string {
  for (const task of ['sentiment', 'entities', 'qa']) cpSync(join(fixtureModels(), task), join(dir, task), { recursive: true });
  return dir;
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`watchedRuns: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
