/**
 * `text-analytics batch`: one task over many documents, on every core, resumable.
 *
 * Documents come from {@link readInputs} in a fixed order and go to a pool of inference worker
 * processes (dist/worker.js through {@link WorkerClient}, as in the extension); each result is one
 * JSON line, and the lines are written in the documents' order whichever worker finishes first. So
 * the output after N lines holds exactly the first N documents, and `--resume` continues a killed
 * run (SIGKILL at any moment) by skipping as many documents as there are whole lines — checking
 * that each skipped document is the one its line names — after cutting off a line left half
 * written. What was written stays and nothing written is redone; the documents that were in flight
 * are analysed again. The run's own description lives beside the output (`OUT.batch.json`), so a
 * resume with other inputs, another task or other options is refused instead of mixing results.
 *
 * Consecutive short documents go to a worker in one `documents` request (up to GROUP_DOCUMENTS of
 * them and GROUP_CHARS of text), where the engine runs their sentences through the same forward
 * passes — only for fp32 weights on the CPU, where that changes no result (Engine.runMany). Each
 * still gets its own line, its own error, and is written, resumed and retried as before.
 *
 * @example
 * const summary = await runBatch({ task: 'sentiment', inputs: ['reviews.csv'], out: 'out.jsonl', … });
 * // out.jsonl: {"id":"reviews.csv:2","source":"reviews.csv:2","task":"sentiment","result":{…}}
 */
import { createReadStream, existsSync, openSync, closeSync, ftruncateSync, fstatSync, readSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PACKED_TASKS, resultProblem, type DocumentOutcome, type DocumentsResult, type EngineOptions, type Methods } from '../protocol';
import { WorkerClient, WorkerRequestError } from '../client/workerClient';
import { REGISTRY, type Task } from '../tasks/registry';
import { readInputs, type BatchDocument, type InputOptions } from './inputs';

/** One line of the output. */
export interface BatchLine {
  id: string;
  source: string;
  task: Task;
  date?: string;
  result?: unknown;
  error?: string;
}

export interface BatchOptions {
  task: Task;
  inputs: string[];
  /** The output file (JSON Lines); its state file is `${out}.batch.json`. */
  out: string;
  resume: boolean;
  /** Start again over an existing output instead of refusing. */
  overwrite: boolean;
  processes: number;
  /** The request for a document, without its text. */
  params(document: BatchDocument): object;
  /** What a result line holds: what `text-analytics TASK --json` prints for the result. */
  json(result: unknown): object;
  /** What must be the same for a resumed run to continue this one (the task's options, models…). */
  job: Record<string, unknown>;
  engineOptions: EngineOptions;
  workerPath: string;
  /** Node options for the worker processes (tests load TypeScript). */
  execArgv?: string[];
  input: Omit<InputOptions, 'skip'>;
  progress?: BatchProgress;
  /** Ctrl-C: stop taking documents, write what is done in order, keep the state for --resume. */
  signal?: AbortSignal;
  /**
   * Send consecutive short documents together (see the module's comment); by default where the
   * engine can pack them: a task scored span by span, fp32 weights, not on a GPU. Tests turn it off
   * to compare with one document per request.
   */
  pack?: boolean;
}

export interface BatchProgress {
  /** The number of documents, once counted (a separate pass, not for standard input). */
  total(count: number): void;
  /** `done` documents written so far (`resumed` of them by an earlier run). */
  update(done: number, resumed: number): void;
  stop(): void;
}

export interface BatchSummary {
  /** Lines written by this run. */
  written: number;
  /** Lines an earlier run had written (--resume). */
  resumed: number;
  results: number;
  errors: number;
  /** Stopped by the signal before the end. */
  stopped: boolean;
  seconds: number;
  /** Requests sent to the workers (fewer than the documents where short ones went together). */
  requests: number;
}

/** The run could not go on (a model missing, the inputs changed under --resume…): one line, exit code 1. */
export class BatchError extends Error {}

const STATE_VERSION = 1;

interface State {
  version: number;
  job: Record<string, unknown>;
  finished: boolean;
}

export function statePath(out: string): string {
  return `${out}.batch.json`;
}

/** Errors after which no document can be analysed: the run stops and says why. */
const RUN_ERRORS = new Set(['model-missing', 'model-corrupt', 'download-failed', 'download-needed', 'worker-unavailable']);

/** Requests each worker has at once: one running, one waiting, so a worker never idles between documents. */
const DEPTH = 2;

/**
 * Most documents and characters sent in one request, as the queue's jobs (queue.ts): 16 reviews
 * of a sentence or two fill a forward pass of the engine's batches (up to 64 sentences, 512
 * tokens), and a document longer than 4,000 characters fills its own and goes alone.
 */
const GROUP_DOCUMENTS = 16;
const GROUP_CHARS = 4_000;

/** Whether the workers can pack this run's documents (Engine.runMany decides again, knowing the weights it loaded). */
function packs(task: Task, engine: EngineOptions): boolean {
  return PACKED_TASKS.includes(task) && engine.precision === 'fp32' && engine.device !== 'gpu';
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const started = performance.now();
  const statefile = statePath(options.out);
  const resumed = prepareOutput(options, statefile);
  writeState(statefile, { version: STATE_VERSION, job: options.job, finished: false });

  const input: InputOptions = { ...options.input, skip: [options.out, statefile] };
  const counting = new AbortController();
  if (options.progress && !options.inputs.includes('-')) void countDocuments(options.inputs, input, counting.signal).then((n) => n !== undefined && options.progress?.total(n));

  const fd = openSync(options.out, 'a');
  const clients = Array.from(
    { length: options.processes },
    () => new WorkerClient({ workerPath: options.workerPath, engineOptions: options.engineOptions, execArgv: options.execArgv, handshakeTimeoutMs: 60_000 }),
  );
  const summary: BatchSummary = { written: 0, resumed: resumed.count, results: 0, errors: 0, stopped: false, seconds: 0, requests: 0 };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort);
  let failure: unknown;
  try {
    const documents = skipDone(readInputs(options.inputs, input), options.out, resumed.count);
    const ordered = new OrderedWriter((line) => {
      writeSync(fd, `${line}\n`);
      summary.written++;
      options.progress?.update(summary.resumed + summary.written, summary.resumed);
    });
    const queue = new DocumentQueue(documents, options.processes * DEPTH * 4, stop.signal, options.pack ?? packs(options.task, options.engineOptions));
    const method = REGISTRY[options.task].method as keyof Methods;
    const gates = new Map(clients.map((client) => [client, new CrashGate()]));
    const lane = async (client: WorkerClient) => {
      const gate = gates.get(client);
      const counted: Pick<WorkerClient, 'request'> = {
        request: (...args) => {
          summary.requests++;
          return client.request(...args);
        },
      };
      for (;;) {
        if (stop.signal.aborted) return;
        const next = await queue.take();
        if (next === undefined) return;
        const lines = await analyseGroup(counted, method, options, next.documents, stop.signal, gate);
        if (lines === undefined) return; // stopped mid-request: none of its documents written, done again on resume
        for (const [k, line] of lines.entries()) {
          if (line.error === undefined) summary.results++;
          else summary.errors++;
          ordered.put(next.seq + k, JSON.stringify(line, listsAsArrays));
        }
        queue.release(ordered.next);
      }
    };
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: DEPTH }, () =>
          lane(client).catch((error: unknown) => {
            failure ??= error;
            stop.abort();
          }),
        ),
      ),
    );
    await queue.close();
    if (failure) throw failure;
    summary.stopped = options.signal?.aborted === true || !queue.finished;
    if (!summary.stopped) writeState(statefile, { version: STATE_VERSION, job: options.job, finished: true });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    counting.abort();
    closeSync(fd);
    for (const client of clients) client.dispose();
    options.progress?.stop();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/**
 * Makes the output ready: a new run starts an empty file (refusing to overwrite one unless told);
 * a resumed run keeps the whole lines of the earlier one and cuts a half-written last line.
 * Returns how many documents are done.
 */
function prepareOutput(options: BatchOptions, statefile: string): { count: number } {
  const written = existsSync(options.out) && fstatSize(options.out) > 0;
  if (!options.resume) {
    if (written && !options.overwrite) {
      throw new BatchError(`${options.out} already has results: give --resume to continue that run, or --overwrite to start again.`);
    }
    // An earlier run's state goes first: killed before the new one is written, a resume finds
    // no state rather than the old run's.
    rmSync(statefile, { force: true });
    writeFileSync(options.out, '');
    return { count: 0 };
  }
  if (!existsSync(statefile)) {
    if (written) {
      throw new BatchError(`There is no run to resume: ${statefile} is missing (it is written beside the output when a batch run starts). Start again with --overwrite.`);
    }
    // Killed before it wrote anything: nothing is done, so resuming it is starting it.
    writeFileSync(options.out, '');
    return { count: 0 };
  }
  const state = readState(statefile);
  const differs = Object.keys({ ...state.job, ...options.job }).filter((key) => JSON.stringify(state.job[key]) !== JSON.stringify(options.job[key]));
  if (differs.length > 0) {
    throw new BatchError(`The run in ${options.out} was started with other ${differs.join(', ')}: resume it with the same command, or start again with --overwrite.`);
  }
  if (!existsSync(options.out)) writeFileSync(options.out, '');
  return { count: wholeLines(options.out) };
}

function fstatSize(file: string): number {
  const fd = openSync(file, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** Counts the file's whole lines, cutting off a last line a killed run left without its line break. */
function wholeLines(file: string): number {
  const fd = openSync(file, 'r+');
  try {
    const block = Buffer.alloc(1 << 20);
    let lines = 0;
    let lastBreak = -1;
    let at = 0;
    for (let read; (read = readSync(fd, block, 0, block.length, at)) > 0; at += read) {
      for (let i = block.indexOf(10, 0); i !== -1 && i < read; i = block.indexOf(10, i + 1)) {
        lines++;
        lastBreak = at + i;
      }
    }
    if (lastBreak + 1 < at) ftruncateSync(fd, lastBreak + 1);
    return lines;
  } finally {
    closeSync(fd);
  }
}

function readState(file: string): State {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as State;
    if (state.version !== STATE_VERSION || typeof state.job !== 'object' || state.job === null) throw new Error('not a state this version writes');
    return state;
  } catch (error) {
    throw new BatchError(`${file} cannot be read (${error instanceof Error ? error.message : String(error)}): start again with --overwrite.`);
  }
}

/** Written whole or not at all: a run killed while writing it leaves the earlier one. */
function writeState(file: string, state: State): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * The documents after the first `done`, each of those checked against the output's lines: the
 * same source in the same place, else the inputs changed since the run stopped.
 */
async function* skipDone(documents: AsyncGenerator<BatchDocument>, out: string, done: number): AsyncGenerator<BatchDocument> {
  if (done > 0) {
    const lines = createInterface({ input: createReadStream(out, 'utf8'), crlfDelay: Infinity })[Symbol.asyncIterator]();
    for (let i = 0; i < done; i++) {
      const [line, document] = await Promise.all([lines.next(), documents.next()]);
      if (document.done || line.done) {
        throw new BatchError(`The inputs now hold fewer documents than the ${done} already written to ${out}: start again with --overwrite.`);
      }
      const written = sourceOf(line.value);
      if (written !== document.value.source) {
        throw new BatchError(`The inputs changed since the run stopped: line ${i + 1} of ${out} is ${JSON.stringify(written)}, now ${JSON.stringify(document.value.source)} comes there. Start again with --overwrite.`);
      }
    }
    await lines.return?.();
  }
  yield* documents;
}

function sourceOf(line: string): string | undefined {
  try {
    return (JSON.parse(line) as { source?: string }).source;
  } catch {
    return undefined;
  }
}

/**
 * One document through a worker: its line, or undefined when the run was stopped meanwhile. Also
 * the extension's *Analyze Folder…* (src/batch/folderRun.ts), on its own worker.
 */
export async function analyse(
  client: Pick<WorkerClient, 'request'>,
  method: keyof Methods,
  options: Pick<BatchOptions, 'task' | 'params' | 'json'>,
  document: BatchDocument,
  signal: AbortSignal,
  /** The worker's requests, shared by the lanes on it (runBatch); a retry after a crash runs alone on it. */
  gate?: CrashGate,
): Promise<BatchLine | undefined> {
  const line = lineOf(document, options.task);
  if (document.text === undefined) return { ...line, error: document.error ?? 'no text' };
  const params = { ...options.params(document), text: document.text } as never;
  for (let attempt = 1; ; attempt++) {
    try {
      const send = () => client.request(method, params, { signal });
      const result = await (gate === undefined ? send() : attempt === 1 ? gate.share(send) : gate.alone(send));
      return { ...line, result: options.json(result) };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (!(error instanceof WorkerRequestError)) throw error;
      // The cause keeps the code: the extension offers the download of a missing model.
      if (RUN_ERRORS.has(error.code)) throw new BatchError(error.message, { cause: error });
      // A crash may be the machine's, not the document's: once more, on the restarted worker.
      if (error.code === 'worker-crashed' && attempt === 1) continue;
      return { ...line, error: oneLine(error.message) };
    }
  }
}

/** A document's line without its result or error. */
function lineOf(document: BatchDocument, task: Task): BatchLine {
  return { id: document.id, source: document.source, task, ...(document.date !== undefined ? { date: document.date } : {}) };
}

/**
 * Consecutive documents through a worker in one `documents` request: their lines in order, each
 * as {@link analyse} makes it alone, or undefined when the run was stopped meanwhile. A request
 * that fails as a whole (a crashed worker, a reply that cannot be read) is done again one document
 * at a time, so that a document that crashes the worker is found and recorded alone.
 */
async function analyseGroup(
  client: Pick<WorkerClient, 'request'>,
  method: keyof Methods,
  options: Pick<BatchOptions, 'task' | 'params' | 'json'>,
  documents: readonly BatchDocument[],
  signal: AbortSignal,
  gate?: CrashGate,
): Promise<BatchLine[] | undefined> {
  const oneByOne = async () => {
    const lines: BatchLine[] = [];
    for (const document of documents) {
      const line = await analyse(client, method, options, document, signal, gate);
      if (line === undefined) return undefined;
      lines.push(line);
    }
    return lines;
  };
  const withText = documents.filter((document) => document.text !== undefined);
  if (withText.length < 2) return oneByOne();
  let reply: DocumentsResult;
  try {
    const requests = withText.map((document) => ({ ...options.params(document), text: document.text }));
    const send = () => client.request('documents', { task: options.task, documents: requests as never }, { signal });
    reply = await (gate === undefined ? send() : gate.share(send));
  } catch (error) {
    if (signal.aborted) return undefined;
    if (!(error instanceof WorkerRequestError)) throw error;
    if (RUN_ERRORS.has(error.code)) throw new BatchError(error.message, { cause: error });
    return oneByOne();
  }
  if (reply.outcomes.length !== withText.length || reply.outcomes.some((outcome) => 'result' in outcome && resultProblem(method, outcome.result) !== undefined)) return oneByOne();
  const outcomes = new Map<BatchDocument, DocumentOutcome>(withText.map((document, k) => [document, reply.outcomes[k]]));
  return documents.map((document) => {
    const line = lineOf(document, options.task);
    const outcome = outcomes.get(document);
    if (outcome === undefined) return { ...line, error: document.error ?? 'no text' };
    if ('result' in outcome) return { ...line, result: options.json(outcome.result) };
    const { code, message } = outcome.error;
    if (RUN_ERRORS.has(code)) throw new BatchError(message, { cause: WorkerRequestError.from(outcome.error) });
    return { ...line, error: oneLine(message) };
  });
}

const oneLine = (message: string) => message.replace(/\s*\n\s*/g, ' ').trim();

/** JSON.stringify's replacer: a list the CLI's printers give as an iterable is written as an array. */
export function listsAsArrays(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    return [...(value as Iterable<unknown>)];
  }
  return value;
}

/**
 * One worker's requests: shared by the lanes on it, except a retry after a crash, which waits for
 * the others to end and runs alone. A crash fails every request on the worker, so without this the
 * document beside a crashing one was retried with it on the restarted worker, crashed with it a
 * second time and was recorded as failing too; alone, only the document that crashes it fails twice.
 */
export class CrashGate {
  private shared = 0;
  private exclusive?: Promise<void>;
  private idle?: () => void;

  async share<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    this.shared++;
    try {
      return await work();
    } finally {
      if (--this.shared === 0) this.idle?.();
    }
  }

  async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release = () => undefined as void;
    this.exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.shared > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.idle = undefined;
      return await work();
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}

/** Lines put in any order, written in the order of their sequence numbers. */
class OrderedWriter {
  private readonly waiting = new Map<number, string>();
  /** The sequence number of the next line to write. */
  next = 0;

  constructor(private readonly write: (line: string) => void) {}

  put(seq: number, line: string): void {
    this.waiting.set(seq, line);
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.write(ready);
      this.next++;
    }
  }
}

/**
 * Hands out the documents with their sequence numbers, one taker at a time, never more than
 * `window` documents ahead of the next line to write: a slow document holds back the reading, not
 * memory. With `grouping`, a taker gets consecutive short documents together (GROUP_DOCUMENTS,
 * GROUP_CHARS); each of those counts as 1/GROUP_DOCUMENTS of a document against the window, so
 * that every lane still has a group while the memory ahead stays that of `window` documents.
 */
class DocumentQueue {
  private seq = 0;
  private written = 0;
  /** Weights of the documents handed out and not yet written, in order, and their sum. */
  private readonly weights: number[] = [];
  private ahead = 0;
  /** A document read that did not fit its taker's group: the next taker's first. */
  private held?: BatchDocument;
  private reading: Promise<unknown> = Promise.resolve();
  private wake?: () => void;
  /** Every document was handed out. */
  finished = false;

  constructor(
    private readonly documents: AsyncGenerator<BatchDocument>,
    private readonly window: number,
    private readonly signal: AbortSignal,
    private readonly grouping = false,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  take(): Promise<{ seq: number; documents: BatchDocument[] } | undefined> {
    const turn = this.reading.then(async () => {
      while (this.ahead >= this.window * GROUP_DOCUMENTS && !this.signal.aborted) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      if (this.signal.aborted) return undefined;
      const first = await this.read();
      if (first === undefined) return undefined;
      const group = [first];
      let chars = first.text?.length ?? 0;
      while (this.grouping && chars <= GROUP_CHARS && group.length < GROUP_DOCUMENTS) {
        const next = await this.read();
        if (next === undefined) break;
        if (chars + (next.text?.length ?? 0) > GROUP_CHARS) {
          this.held = next;
          break;
        }
        group.push(next);
        chars += next.text?.length ?? 0;
      }
      for (const document of group) {
        const weight = this.grouping && (document.text?.length ?? 0) <= GROUP_CHARS ? 1 : GROUP_DOCUMENTS;
        this.weights.push(weight);
        this.ahead += weight;
      }
      const seq = this.seq;
      this.seq += group.length;
      return { seq, documents: group };
    });
    this.reading = turn.catch(() => undefined);
    return turn;
  }

  /** The next document: the one held back, else the inputs' next; undefined once they end. */
  private async read(): Promise<BatchDocument | undefined> {
    if (this.held !== undefined) {
      const held = this.held;
      this.held = undefined;
      return held;
    }
    if (this.finished) return undefined;
    const next = await this.documents.next();
    if (next.done) {
      this.finished = true;
      return undefined;
    }
    return next.value;
  }

  /** `written` lines are out: the reading may go on. */
  release(written: number): void {
    for (; this.written < written; this.written++) this.ahead -= this.weights.shift() ?? 0;
    this.wake?.();
    this.wake = undefined;
  }

  async close(): Promise<void> {
    await this.documents.return(undefined);
  }
}

/** Counts the documents in a pass of its own (for the progress bar's total and time left). */
async function countDocuments(inputs: string[], options: InputOptions, signal: AbortSignal): Promise<number | undefined> {
  let count = 0;
  try {
    const documents = readInputs(inputs, options);
    while (!(await documents.next()).done) {
      if (signal.aborted) {
        await documents.return(undefined);
        return undefined;
      }
      count++;
    }
    return count;
  } catch {
    return undefined;
  }
}
