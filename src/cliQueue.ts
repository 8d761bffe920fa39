/**
 * The command line's side of a batch run over many machines (src/batch/queue.ts is the Redis
 * side):
 *
 *   text-analytics batch INPUT… --task TASK [task options] --queue redis://HOST:PORT/NAME
 *   text-analytics worker --queue URL [--models DIR] [--processes N] [--quiet]
 *   text-analytics collect --queue URL --out results.jsonl [--no-wait] [--quiet]
 *
 * `batch --queue` makes for each document the request the local batch makes (src/cliBatch.ts) and
 * queues it with the task and the models; a worker runs each on its own engine processes, as the
 * local batch does (analyse, src/batch/run.ts), so a collected line is byte for byte the local
 * batch's. Ctrl-C (or SIGTERM) stops a worker after giving its documents in hand back to the
 * queue; a second one kills it, and BullMQ's stalled-job check gives them back.
 */
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { WorkerClient } from './client/workerClient';
import { CLI_TASKS, JSON_SCHEMA_VERSION, type CliTask } from './cliTasks';
import { numberOption, UsageError } from './cliOptions';
import { interruption, INTERRUPTED_EXIT_CODE, type Messages } from './cliOutput';
import type { EngineOptions, Methods } from './protocol';
import { REGISTRY, TASKS, type Task } from './tasks/registry';
import { batchProgress } from './batch/progress';
import { collect, connect, enqueue, parseQueueUrl, QueueError, QueueUrlError, redisTrouble, work, type Outcome, type QueuedDocument, type QueueTarget } from './batch/queue';
import { analyse, BatchError } from './batch/run';
import type { BatchDocument } from './batch/inputs';

/** `collect --no-wait` wrote what was done and some documents are still missing: run it again later. */
export const MISSING_EXIT_CODE = 3;

/** Requests each engine process has at once: one running, one waiting (as the local batch). */
const DEPTH = 2;

/** The --queue URL, or a usage error (exit 2). */
export function queueTarget(url: string | undefined, command: string): QueueTarget {
  if (url === undefined) throw new UsageError(`${command} needs --queue redis://HOST:PORT/NAME.`);
  try {
    return parseQueueUrl(url);
  } catch (error) {
    if (error instanceof QueueUrlError) throw new UsageError(error.message);
    throw error;
  }
}

export interface EnqueueRequest {
  task: Task;
  description: Record<string, unknown>;
  engine: { models: Record<string, string>; precision: string };
  documents: AsyncIterable<BatchDocument>;
  request(document: BatchDocument): Record<string, unknown>;
}

/** `batch … --queue URL`: every document on the queue, then the collect command to run. */
export async function enqueueCommand(target: QueueTarget, request: EnqueueRequest, messages: Messages, quiet: boolean): Promise<number> {
  const redis = await connect(target, 'client');
  const interrupted = interruption();
  try {
    const summary = await enqueue(redis, target, { ...request, signal: interrupted.signal });
    const earlier = summary.done > 0 ? `, ${summary.done} done earlier` : '';
    const errors = summary.errors > 0 ? `, ${summary.errors} without text recorded as error${summary.errors === 1 ? '' : 's'}` : '';
    if (summary.stopped) {
      messages.say(`Stopped after queueing ${summary.total} documents on ${target.shown}: run the same command again to queue the rest (what is queued is not queued twice).`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (!quiet) messages.say(`Queued ${summary.queued} of ${summary.total} documents on ${target.shown}${earlier}${errors}. Start workers (text-analytics worker --queue ${target.shown}) and collect: text-analytics collect --queue ${target.shown} --out results.jsonl`);
    return 0;
  } catch (error) {
    throw redisTrouble(target, error);
  } finally {
    interrupted.dispose();
    redis.disconnect();
  }
}

export interface WorkerValues {
  queue?: string;
  processes?: string;
  threads?: string;
  quiet: boolean;
}

/** `worker --queue URL`: takes documents and runs them on this machine's engine processes until stopped. */
export async function workerCommand(args: string[], values: WorkerValues, options: EngineOptions, messages: Messages): Promise<number> {
  if (args.length > 0) throw new UsageError(`Unexpected arguments: ${args.join(' ')} (a worker takes its documents from --queue).`);
  const target = queueTarget(values.queue, 'worker');
  // Every core, as the local batch: a process a core, a thread each, unless told otherwise.
  const cores = availableParallelism();
  const processes = values.processes === undefined ? cores : numberOption('processes', values.processes);
  const threads = values.threads === undefined || values.threads === '0' ? Math.max(1, Math.floor(cores / processes)) : numberOption('threads', values.threads);
  const redis = await connect(target, 'worker');
  const engines = new EnginePool(processes, { ...options, threads });
  const interrupted = interruption();
  const progress = batchProgress(process.stderr, values.quiet ? 'quiet' : 'auto');
  if (!values.quiet) messages.say(`Working on ${target.shown} with ${processes} engine process${processes === 1 ? '' : 'es'}; Ctrl-C stops after giving back the documents in hand.`);
  try {
    const summary = await work(redis, target, {
      concurrency: processes * DEPTH,
      workerName: `${hostname()}:${process.pid}`,
      analyse: (document, signal) => engines.analyse(document, signal),
      signal: interrupted.signal,
      onDone: (count) => progress?.update(count, 0),
      onWarning: (message) => messages.say(`${message} (retrying)`),
    });
    progress?.stop();
    if (summary.failure !== undefined) throw summary.failure;
    if (!values.quiet) messages.say(`Stopped: ${summary.done} document${summary.done === 1 ? '' : 's'} done by this worker.`);
    return 0;
  } catch (error) {
    // The engine's troubles (a model missing) are said as they are; a lost Redis names the server.
    throw error instanceof BatchError || !isRedisError(error) ? error : redisTrouble(target, error);
  } finally {
    interrupted.dispose();
    engines.dispose();
    redis.disconnect();
  }
}

export interface CollectValues {
  queue?: string;
  out?: string;
  'no-wait': boolean;
  quiet: boolean;
}

/** `collect --queue URL --out FILE`: the job's lines, in the documents' order, once all are done (or now, with --no-wait). */
export async function collectCommand(args: string[], values: CollectValues, messages: Messages): Promise<number> {
  if (args.length > 0) throw new UsageError(`Unexpected arguments: ${args.join(' ')}`);
  const target = queueTarget(values.queue, 'collect');
  if (values.out === undefined) throw new UsageError('Give the output file with --out results.jsonl.');
  const out = values.out;
  const redis = await connect(target, 'client');
  const interrupted = interruption();
  const progress = values['no-wait'] ? undefined : batchProgress(process.stderr, values.quiet ? 'quiet' : 'auto');
  let first: number | undefined;
  try {
    const summary = await collect(redis, target, {
      out,
      wait: !values['no-wait'],
      signal: interrupted.signal,
      progress: (done, total) => {
        if (first === undefined) progress?.total(total);
        first ??= done;
        progress?.update(done, first);
      },
    });
    progress?.stop();
    const counts = `${summary.results} result${summary.results === 1 ? '' : 's'}, ${summary.errors} error${summary.errors === 1 ? '' : 's'}`;
    if (summary.stopped) {
      messages.say(`Stopped waiting: ${summary.total - summary.missing} of ${summary.total} documents done, nothing written; run the same collect again.`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (summary.missing > 0 || !summary.queued) {
      const queueing = summary.queued ? '' : ' (the job is still being queued)';
      messages.say(`Wrote ${summary.written} line${summary.written === 1 ? '' : 's'} to ${out} (${counts}); ${summary.missing} of ${summary.total} documents are still missing${queueing}: collect again later, or without --no-wait to wait for them.`);
      return MISSING_EXIT_CODE;
    }
    if (!values.quiet) messages.say(`Wrote ${summary.written} lines to ${out} (${counts}) from ${target.shown}.`);
    return 0;
  } catch (error) {
    throw redisTrouble(target, error);
  } finally {
    interrupted.dispose();
    redis.disconnect();
  }
}

/**
 * This machine's engine processes for the documents of a job, made on the first document: the
 * models and precision come with the documents (the ones `batch --queue` was given), the rest
 * (--models, --device, --threads…) is the worker's own.
 */
class EnginePool {
  private engine?: { key: string; clients: WorkerClient[]; busy: number[] };

  constructor(
    private readonly processes: number,
    private readonly options: EngineOptions,
  ) {}

  async analyse(document: QueuedDocument, signal: AbortSignal): Promise<Outcome | undefined> {
    if (!(TASKS as readonly string[]).includes(document.task)) {
      throw new QueueError(`The queue holds documents for the task ${JSON.stringify(document.task)}, which this text-analytics does not know: update it on this machine.`);
    }
    const task = document.task as Task;
    const pool = this.poolFor(document.engine);
    // The least busy process.
    const index = pool.busy.indexOf(Math.min(...pool.busy));
    pool.busy[index]++;
    try {
      const { text, ...params } = document.request;
      const printer = CLI_TASKS[task] as CliTask<Task>;
      const line = await analyse(
        pool.clients[index],
        REGISTRY[task].method as keyof Methods,
        { task, params: () => params, json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }) },
        { id: document.key, source: document.key, text: typeof text === 'string' ? text : undefined, error: 'no text' },
        signal,
      );
      if (line === undefined) return undefined;
      return line.error !== undefined ? { error: line.error } : { result: line.result };
    } finally {
      pool.busy[index]--;
    }
  }

  private poolFor(engine: Record<string, unknown>) {
    const key = JSON.stringify(engine);
    if (this.engine?.key !== key) {
      // Another job's settings (a NAME queued again with other models): processes for those.
      this.dispose();
      const models = (engine.models ?? {}) as EngineOptions['modelSources'];
      const precision = (engine.precision ?? this.options.precision) as EngineOptions['precision'];
      const engineOptions: EngineOptions = { ...this.options, modelSources: { ...this.options.modelSources, ...models }, precision };
      this.engine = {
        key,
        clients: Array.from({ length: this.processes }, () => new WorkerClient({ workerPath: join(__dirname, 'worker.js'), engineOptions, handshakeTimeoutMs: 60_000 })),
        busy: Array.from({ length: this.processes }, () => 0),
      };
    }
    return this.engine;
  }

  dispose(): void {
    for (const client of this.engine?.clients ?? []) client.dispose();
    this.engine = undefined;
  }
}

/** An error of the Redis connection (ioredis' and BullMQ's), as opposed to the engine's. */
function isRedisError(error: unknown): boolean {
  return error instanceof Error && /redis|connection|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/i.test(`${error.name} ${error.message}`);
}
