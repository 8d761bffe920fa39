/**
 * The inference worker: a Node process forked by the extension host (or by tests) that owns the
 * models and does all inference, so the editor never waits on a forward pass. It speaks the
 * protocol in src/protocol.ts over the IPC channel and exits when its parent goes away.
 */
// First: onnxruntime's telemetry is off before anything can load it.
import '../engine/telemetry';
import { Engine, workerErrorOf } from '../engine/engine';
import type { Logger } from '../engine/log';
import {
  readHostMessage,
  WORKER_OPTIONS_ENV,
  type DocumentsParams,
  type DownloadParams,
  type EngineOptions,
  type HostMessage,
  type Method,
  type Methods,
  type WorkerMessage,
} from '../protocol';
import type { TaskContext } from '../engine/task';
import { REGISTRY, TASKS, type TaskMethod } from '../tasks/registry';

function send(message: WorkerMessage): void {
  // After the parent is gone there is nobody to tell; the 'disconnect' handler exits.
  if (process.connected) process.send?.(message);
}

/** Sends a message and waits until it is written to the channel, so that messages do not pile up in memory. */
function sent(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) resolve();
    else process.send(message, undefined, undefined, () => resolve());
  });
}

/**
 * Items of a result's arrays per message. IPC sends each message as one JSON string, and the host
 * reads it as one: a result of 2,500,000 sentences (5,000,000 characters of short lines) would be
 * a string of 300 MB and its copy in each process. In parts of 10,000 items each, it is a few MB.
 */
const PART_ITEMS = 10_000;

/** Sends a result, its long arrays in `result-part`s first (the client joins them), each written before the next is made. */
async function sendResult(id: number, result: Methods[Method]['result']): Promise<void> {
  const rest = { ...result };
  for (const [key, items] of Object.entries(result)) {
    if (!Array.isArray(items) || items.length <= PART_ITEMS) continue;
    let from = 0;
    for (; items.length - from > PART_ITEMS; from += PART_ITEMS) await sent({ type: 'result-part', id, part: { [key]: items.slice(from, from + PART_ITEMS) } });
    (rest as Record<string, unknown>)[key] = items.slice(from);
  }
  send({ type: 'result', id, result: rest });
}

const log: Logger = {
  info: (message) => send({ type: 'log', level: 'info', message }),
  warn: (message) => send({ type: 'log', level: 'warn', message }),
  error: (message) => send({ type: 'log', level: 'error', message }),
};

function readOptions(): EngineOptions {
  const raw = process.env[WORKER_OPTIONS_ENV];
  if (!raw) throw new Error(`The worker needs its options in ${WORKER_OPTIONS_ENV}.`);
  return JSON.parse(raw) as EngineOptions;
}

const engine = new Engine(readOptions(), {
  log,
  onActivity: (activity) => send({ type: 'activity', activity }),
});

type Handler = (params: never, context: TaskContext) => Promise<Methods[Method]['result']>;
/** Every task's method runs its task (the registry's contracts); then the worker's own methods. */
const handlers: Record<Method, Handler> = {
  ...(Object.fromEntries(TASKS.map((task) => [REGISTRY[task].method, (params: never, context: TaskContext) => engine.run(task, params, context)])) as Record<TaskMethod, Handler>),
  info: () => engine.info(),
  download: (params: DownloadParams, context) => engine.download(params, context),
  documents: (params: DocumentsParams, context) => engine.runMany(params.task, params.documents as never, context),
};

const running = new Map<number, AbortController>();

async function serve(message: Extract<HostMessage, { type: 'request' }>): Promise<void> {
  const controller = new AbortController();
  running.set(message.id, controller);
  if (running.size === 1) send({ type: 'activity', activity: { kind: 'busy', method: message.method } });
  try {
    const handler = handlers[message.method];
    if (!handler) throw new Error(`Unknown request method: ${String(message.method)}`);
    const result = await handler(message.params as never, {
      signal: controller.signal,
      onProgress: (progress) => send({ type: 'progress', id: message.id, progress }),
    });
    await sendResult(message.id, result);
  } catch (error) {
    send({ type: 'error', id: message.id, error: workerErrorOf(error) });
  } finally {
    running.delete(message.id);
    if (running.size === 0) send({ type: 'activity', activity: { kind: 'idle' }, device: engine.device });
  }
}

process.on('message', (value: unknown) => {
  const read = readHostMessage(value);
  if (!read.ok) {
    refuse(read.problem, read.id);
    return;
  }
  const message = read.message;
  switch (message.type) {
    case 'request':
      void serve(message);
      break;
    case 'cancel':
      running.get(message.id)?.abort();
      break;
  }
});

/**
 * A malformed message is never acted on: a request whose id could be read is answered with a
 * `bad-input` error, so its caller is not left waiting; anything else is only logged.
 */
function refuse(problem: string, id: number | undefined): void {
  if (id === undefined) {
    log.warn(`The inference worker dropped a malformed message from the extension: ${problem}.`);
    return;
  }
  send({ type: 'error', id, error: { code: 'bad-input', message: `The inference worker refused a malformed request (${problem}). This is a bug in the extension; please report it with the logs.` } });
}

// The IPC channel closes when the parent exits or is killed: a worker must never outlive it.
process.on('disconnect', () => process.exit(0));

// A message sent over IPC just before exiting is usually lost; the host logs stderr line by line.
process.on('uncaughtException', (error) => {
  process.stderr.write(`Uncaught error in the worker: ${error.stack ?? error.message}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (reason) => {
  log.error(`Unhandled rejection in the worker: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

// Without its self-description the host would wait for `ready` until its handshake timeout: fail fast.
engine.info().then(
  (info) => send({ type: 'ready', info }),
  (error: unknown) => {
    process.stderr.write(`The inference worker could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
