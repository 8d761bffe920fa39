/**
 * Every message between the extension host and the inference worker, and the result shapes the
 * engine returns. Both ends import this file; it imports neither `vscode` nor onnxruntime, so the
 * worker, the CLI and the tests can share it.
 *
 * Flow: the host forks the worker with its {@link EngineOptions} in the environment; the worker
 * answers with `ready` (or dies). The host then sends `request`s with fresh ids; the worker answers
 * each with exactly one `result` or `error`, possibly after some `progress` messages. A `cancel`
 * makes the worker stop that request as soon as it can and answer it with a `cancelled` error.
 */

import { isRecord, oneOf } from './validate';
import { allOf, at, checkFields, must, type Check, type Fields, type Problem } from './tasks/checks';
import { CONTRACTS, REGISTRY, TASKS, type DefaultModelTask, type Task, type TaskMethod, type TaskMethods } from './tasks/registry';
import type { Answer } from './tasks/qa';

export { TASKS, type Task, type DefaultModelTask } from './tasks/registry';
/** How messages name a task's model: "the ${TASK_MODEL_NAMES[task]} model". */
export const TASK_MODEL_NAMES = Object.fromEntries(TASKS.map((task) => [task, REGISTRY[task].modelName])) as Record<Task, string>;
export type { SentimentLabel, LabelScore, SentimentScore, SentenceSentiment, ParagraphSentiment, SentimentParams, SentimentResult } from './tasks/sentiment';
export type { Entity, EntitiesParams, EntitiesResult } from './tasks/entities';
export type { PiiParams, PiiResult, PiiFinding, PiiType, CustomPiiPattern } from './tasks/pii';
export type { Answer, AskParams, AskResult } from './tasks/qa';
export type { TopicScore, TopicSection, TopicsParams, TopicsResult } from './tasks/topics';
export type { ClassifierLevel, ClassifierSpec, ClassifiedItem, ClassifyParams, ClassifyResult } from './tasks/classify';

/** What the user asked for (`textAnalytics.device`). */
export type DevicePreference = 'auto' | 'cpu' | 'gpu';
/** Which weights to load: `auto` is int8 on the CPU and fp32 on a GPU. */
export type Precision = 'auto' | 'fp32' | 'int8';
/** The onnxruntime execution provider a session actually runs on. */
export type ExecutionDevice = 'cpu' | 'cuda' | 'dml' | 'coreml';

/** Everything the engine needs to find and run models. Changing any of it restarts the worker. */
export interface EngineOptions {
  device: DevicePreference;
  /** Intra-op threads per session; 0 lets onnxruntime decide. */
  threads: number;
  precision: Precision;
  /**
   * Per task, where the model comes from: a Hub repo id (`owner/name`), an absolute folder path,
   * or absent for the default (the bundled folder, then the download cache, then a download).
   */
  modelSources: Partial<Record<DefaultModelTask, string>>;
  /** A folder with one subfolder per task: the extension's `models/`, or the CLI's `--models`. */
  bundledModelsDir?: string;
  /** Where downloaded models are kept. */
  cacheDir: string;
  allowDownloads: boolean;
  /**
   * A request whose model must first be downloaded fails with `download-needed` (naming the model
   * and its size) instead of downloading: the extension asks the user, then sends `download`.
   * Absent or false (the CLI, whose `--download` is the consent): download without asking.
   */
  askBeforeDownload?: boolean;
  /** Unload a model's session after this many seconds unused; 0 keeps it loaded. */
  idleUnloadSeconds: number;
  /** VS Code's proxy settings for downloads; absent (the CLI): the environment's `HTTPS_PROXY`, `NO_PROXY`… */
  proxy?: ProxySettings;
}

/** VS Code's `http.proxy`, `http.noProxy` and `http.proxyStrictSSL`, as the downloader needs them. */
export interface ProxySettings {
  /** `http.proxy`: one proxy for both schemes; empty or absent: the environment decides. */
  url?: string;
  /** `http.noProxy`: hosts reached directly; empty: `NO_PROXY` decides. */
  noProxy?: string[];
  /** `http.proxyStrictSSL`: false accepts any certificate (a proxy that re-signs TLS). */
  strictSSL?: boolean;
}

/**
 * The longest text one request may carry, in UTF-16 units. The engine tokenizes a request a chunk
 * at a time, so its memory is that of its result and one chunk: at this limit, under 1 GiB for the
 * worker and the CLI whatever the shape of the text (`npm run bench:memory`); the result of a
 * longer one (a sentence every two characters) would outgrow that. `textAnalytics.maxDocumentSize`
 * and the CLI's `--max-chars` cannot go above it; a part of a longer document can always be analysed.
 */
export const MAX_TEXT_LENGTH = 5_000_000;

export interface ModelInfo {
  task: Task;
  /** The Hub id, or the folder's name for a local folder. */
  id: string;
  /** How it was found. */
  source: 'setting' | 'bundled' | 'cache' | 'download';
  /** The folder holding config.json, tokenizer.json and onnx/. */
  dir: string;
  /** The ONNX file used, relative to `dir`. */
  file: string;
  precision: 'fp32' | 'int8';
}

export interface DeviceInfo {
  requested: DevicePreference;
  used: ExecutionDevice;
  /** Why a GPU was not used although `requested` allowed one. */
  fallbackReason?: string;
}

// ---------------------------------------------------------------------------------------------
// Results. Offsets are UTF-16 code-unit indices into the text that was sent (plus `offset`), the
// same units VS Code's `document.positionAt` and JavaScript's `slice` use; `text` always equals
// the slice of the document at [start, end).

export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface WorkerInfo {
  version: string;
  pid: number;
  node: string;
  onnxruntime: string;
  platform: string;
  /** The device of the sessions loaded so far; undefined before the first model loads. */
  device?: DeviceInfo;
  /** Models loaded now. */
  loaded: ModelInfo[];
  /** Forward passes the models loaded now have run: what shows that packed documents shared them. */
  forwardPasses?: number;
}

/** The requests that are not tasks: about the worker and its models. */
export interface EngineMethods {
  info: { params: Record<string, never>; result: WorkerInfo };
  download: { params: DownloadParams; result: DownloadResult };
  documents: { params: DocumentsParams; result: DocumentsResult };
}

/**
 * Several short documents of one task in one request (`batch` sends them): each is answered as its
 * own request would be, with its result or its own error. Where the loaded weights give a row the
 * same logits whatever else is in its batch (fp32 on the CPU), the documents' sentences share
 * forward passes (`packed`); otherwise they run one document after another.
 */
export interface DocumentsParams {
  task: Task;
  /** Each document's request, its text included, as the task's own method takes it. */
  documents: Array<Methods[TaskMethod]['params']>;
}

/** One document's answer in a {@link DocumentsResult}: its task's result, or why it has none. */
export type DocumentOutcome = { result: Methods[TaskMethod]['result'] } | { error: WorkerError };

/**
 * The tasks whose documents can share forward passes in a `documents` request (the engine's
 * runners with a `plan`: scored span by span); `batch` groups short documents only for these. A
 * test checks that the two lists agree.
 */
export const PACKED_TASKS: readonly Task[] = ['sentiment', 'classify', 'language'];

export interface DocumentsResult {
  /** In the order of the request's documents. */
  outcomes: DocumentOutcome[];
  /** The documents shared forward passes. */
  packed: boolean;
}

/** Every request the worker serves: its parameters and its result (each task's, from its contract). */
export type Methods = TaskMethods & EngineMethods;

export interface DownloadParams {
  task: Task;
  /** Only say what a download would fetch (`bytes`); fetch nothing. */
  plan?: boolean;
  /** A task whose model each request names (classifiers): the model (Hub id or folder). */
  model?: string;
  /**
   * The user's Hugging Face token (VS Code's secret storage), for gated or private repos: sent
   * with each download rather than at start-up, so it never sits in the worker's environment or
   * argv. The worker sends it to the Hub only and never logs it.
   */
  hubToken?: string;
}

/** The task's model after a `download` (or, with `plan`, what one would fetch). */
export interface DownloadResult {
  task: Task;
  /** The Hub id, or the folder's name for a local folder. */
  repo: string;
  /** Bytes a download fetches (fetched, without `plan`): 0 when the model is present, null when unknown (unpinned files). */
  bytes: number | null;
  /** Files were fetched by this request. */
  downloaded: boolean;
  /** The model found or downloaded; absent when `plan` found it missing. */
  model?: ModelInfo;
  /** `plan` of a missing Hub model: the revision it would be fetched at. */
  revision?: string;
  /** `plan` with `bytes` null: the bytes of the files whose sizes are known (the weights). */
  knownBytes?: number;
  /** `plan` with `bytes` null: the files whose sizes are not known. */
  unknownFiles?: string[];
  /** `plan` of a missing model: bytes an interrupted download left to resume (0: none). */
  partialBytes?: number;
}
export type Method = keyof Methods;

// ---------------------------------------------------------------------------------------------
// Messages

export type ErrorCode =
  | 'cancelled'
  | 'bad-input'
  | 'model-missing'
  | 'model-corrupt'
  | 'download-failed'
  /** The model must be downloaded and the user has not said yes yet (see {@link EngineOptions.askBeforeDownload}). */
  | 'download-needed'
  | 'worker-crashed'
  | 'worker-unavailable'
  | 'timeout'
  | 'internal';

/**
 * A model error's parts, for a front end that words its own advice (the command line names its
 * options, the extension its settings): carried by the engine's errors and across the worker.
 */
export type ModelTrouble =
  /** The folder of bundled models (the CLI's --models) has a folder for `task` that lacks `missing`. */
  | { kind: 'incomplete'; task: Task; dir: string; missing: string[] }
  /**
   * No model for `task` anywhere and downloads are off: `files` of the Hub's `repo` would go in
   * the download cache folder `dir` (`missing`: what a partial one there lacks).
   */
  | { kind: 'unavailable'; task: Task; repo: string; files: string[]; dir: string; missing?: string[] }
  /** The model found for a task is broken or of the wrong kind: `problem` says how (one sentence). */
  | { kind: 'broken'; model: Pick<ModelInfo, 'task' | 'source' | 'dir'>; problem: string };

export interface WorkerError {
  code: ErrorCode;
  message: string;
  /** A stack or other detail for the log, never shown as the headline. */
  detail?: string;
  /** `download-needed`: the task whose model is missing, so the host can offer the download. */
  task?: Task;
  /** `download-needed` of a model a request named (classifiers): that model. */
  model?: string;
  /** A model error's parts, so that the command line can say it with its own options. */
  trouble?: ModelTrouble;
}

export interface Progress {
  done: number;
  total: number;
  message?: string;
  /** Question answering: the best answers so far, so they can be shown before the end (its contract's `progress`). */
  answers?: Answer[];
}

/** What the worker is doing, for the status bar. */
export type WorkerActivity =
  | { kind: 'idle' }
  | { kind: 'loading-model'; task: Task; message: string }
  | { kind: 'downloading'; task: Task; received: number; total: number }
  | { kind: 'busy'; method: Method };

/** Sent by the host. */
export type HostMessage =
  | { [M in Method]: { type: 'request'; id: number; method: M; params: Methods[M]['params'] } }[Method]
  | { type: 'cancel'; id: number };

/** Sent by the worker. */
export type WorkerMessage =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'result'; id: number; result: Methods[Method]['result'] }
  /**
   * Items of a large result's arrays (`sentences`, `entities`, `sections`…), sent before its
   * `result`, whose same fields hold the items that come after them: a reply of millions of
   * sentences crosses as parts of a few MB instead of one string of hundreds of MB in each process.
   */
  | { type: 'result-part'; id: number; part: Record<string, unknown[]> }
  | { type: 'error'; id: number; error: WorkerError }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'activity'; activity: WorkerActivity; device?: DeviceInfo }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** The environment variable that carries the JSON {@link EngineOptions} to a forked worker. */
export const WORKER_OPTIONS_ENV = 'TEXT_ANALYTICS_ENGINE_OPTIONS';

/**
 * What turns onnxruntime's telemetry off (src/engine/telemetry.ts says what it would do): set in
 * every process that loads onnxruntime before it loads, and in the environment of a forked worker.
 */
export const ONNXRUNTIME_TELEMETRY_OFF = { ORT_DISABLE_TELEMETRY: '1' } as const;

// ---------------------------------------------------------------------------------------------
// Reading messages. IPC hands over whatever the other process sent — a bug, a worker from another
// version, a crash half-way through a reply — so each end reads what arrives through these before
// acting on it. They check the shape the receiver relies on (types, ids, enum values, spans), not
// what the values mean: the engine still checks its inputs, and the host still checks offsets
// against its document.

/** What reading a message gave: the message, or why it was refused. */
export type MessageRead<T> =
  | { ok: true; message: T }
  | {
      ok: false;
      problem: string;
      /** The request the refused message would have started (host) or settled (worker), when its id was readable: to answer it. */
      id?: number;
    };

const ENGINE_METHODS = allOf<keyof EngineMethods>({ info: true, download: true, documents: true });
const METHODS: readonly Method[] = [...TASKS.map((task): TaskMethod => REGISTRY[task].method), ...ENGINE_METHODS];
const ERROR_CODES = allOf<ErrorCode>({
  cancelled: true,
  'bad-input': true,
  'model-missing': true,
  'model-corrupt': true,
  'download-failed': true,
  'download-needed': true,
  'worker-crashed': true,
  'worker-unavailable': true,
  timeout: true,
  internal: true,
});
const LOG_LEVELS = allOf<Extract<WorkerMessage, { type: 'log' }>['level']>({ info: true, warn: true, error: true });
const DEVICE_PREFERENCES = allOf<DevicePreference>({ auto: true, cpu: true, gpu: true });
const EXECUTION_DEVICES = allOf<ExecutionDevice>({ cpu: true, cuda: true, dml: true, coreml: true });
const MODEL_SOURCES = allOf<ModelInfo['source']>({ setting: true, bundled: true, cache: true, download: true });

/** Request ids are positive integers, fresh per request (see WorkerClient). */
function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

const deviceInfo = must.record({
  requested: must.oneOf(DEVICE_PREFERENCES),
  used: must.oneOf(EXECUTION_DEVICES),
  fallbackReason: must.optional(must.string),
});
const modelInfo = must.record({
  task: must.oneOf(TASKS),
  id: must.string,
  source: must.oneOf(MODEL_SOURCES),
  dir: must.string,
  file: must.string,
  precision: must.oneOf(allOf<ModelInfo['precision']>({ fp32: true, int8: true })),
});
const workerInfo = must.record({
  version: must.string,
  pid: must.offset,
  node: must.string,
  onnxruntime: must.string,
  platform: must.string,
  device: must.optional(deviceInfo),
  loaded: must.array(modelInfo),
  forwardPasses: must.optional(must.offset),
});
/** What every analysis result carries besides its own fields (a contract may read them its own way: PII's may be null). */
const resultFields = { model: modelInfo, device: deviceInfo, elapsedMs: must.number };

/** `fields` less those `others` has. */
function withoutKeys(fields: Fields, others: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in others)));
}

/** Each task's result: its contract's fields and what every analysis result carries. */
const RESULTS: Record<string, Check> = {
  ...Object.fromEntries(CONTRACTS.map((contract) => [contract.method, must.record({ ...contract.result, ...withoutKeys(resultFields, contract.result) })])),
  info: workerInfo,
  download: must.record({
    task: must.oneOf(TASKS),
    repo: must.string,
    bytes: (value) => (value === null ? undefined : must.offset(value)),
    downloaded: must.boolean,
    model: must.optional(modelInfo),
    revision: must.optional(must.string),
    knownBytes: must.optional(must.offset),
    unknownFiles: must.optional(must.array(must.string)),
    partialBytes: must.optional(must.offset),
  }),
  // Each outcome's result is checked by the caller, which knows the task (resultProblem).
  documents: must.record({
    outcomes: must.array((value) => (isRecord(value) && 'error' in value ? must.record({ error: workerError })(value) : must.record({ result: must.record() })(value))),
    packed: must.boolean,
  }),
} as Record<Method, Check>;

const PARAMS_OF_TASK = Object.fromEntries(TASKS.map((task) => [task, must.record(REGISTRY[task].params)])) as Record<Task, Check>;

const PARAMS: Record<string, Check> = {
  ...Object.fromEntries(CONTRACTS.map((contract) => [contract.method, must.record(contract.params)])),
  info: must.record(),
  download: must.record({
    task: must.oneOf(TASKS),
    plan: must.optional(must.boolean),
    model: must.optional(must.string),
    hubToken: must.optional(must.string),
  }),
  documents: documentsProblem,
} as Record<Method, Check>;

/** A `documents` request: a task, and each document's request as that task's method reads it. */
function documentsProblem(value: unknown): Problem {
  const problem = must.record({ task: must.oneOf(TASKS), documents: must.array(must.record()) })(value);
  if (problem) return problem;
  const { task, documents } = value as DocumentsParams;
  const documentProblem = must.array(PARAMS_OF_TASK[task])(documents);
  return documentProblem ? at('.documents', documentProblem) : undefined;
}

/** Progress: how far, and the partial results a task's contract says its progress carries. */
const progress = must.record({
  done: must.number,
  total: must.number,
  message: must.optional(must.string),
  ...Object.assign({}, ...CONTRACTS.map((contract) => contract.progress ?? {})),
});

const ACTIVITIES: { [K in WorkerActivity['kind']]: Fields } = {
  idle: {},
  'loading-model': { task: must.oneOf(TASKS), message: must.string },
  downloading: { task: must.oneOf(TASKS), received: must.number, total: must.number },
  busy: { method: must.oneOf(METHODS) },
};

function activityProblem(value: unknown): Problem {
  if (!isRecord(value)) return 'is not an object';
  if (oneOf(value.kind, Object.keys(ACTIVITIES)) === undefined) return `has an unknown kind ${describe(value.kind)}`;
  return checkFields(value, ACTIVITIES[value.kind as WorkerActivity['kind']]);
}

const strings = must.array(must.string);
const TROUBLES: Record<ModelTrouble['kind'], Fields> = {
  incomplete: { task: must.oneOf(TASKS), dir: must.string, missing: strings },
  unavailable: { task: must.oneOf(TASKS), repo: must.string, files: strings, dir: must.string, missing: must.optional(strings) },
  broken: { model: must.record({ task: must.string, source: must.string, dir: must.string }), problem: must.string },
};

function modelTrouble(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not an object';
  if (oneOf(value.kind, Object.keys(TROUBLES)) === undefined) return `has an unknown kind ${describe(value.kind)}`;
  return checkFields(value, TROUBLES[value.kind as ModelTrouble['kind']]);
}

const workerError = must.record({
  code: must.oneOf(ERROR_CODES),
  message: must.string,
  detail: must.optional(must.string),
  task: must.optional(must.oneOf(TASKS)),
  model: must.optional(must.string),
  trouble: must.optional(modelTrouble),
});

const WORKER_MESSAGES: Record<WorkerMessage['type'], Fields> = {
  ready: { info: workerInfo },
  result: { id: requestIdProblem, result: must.record() },
  'result-part': {
    id: requestIdProblem,
    part: (value) => must.record()(value) ?? Object.entries(value as Fields).map(([key, items]) => (Array.isArray(items) ? undefined : `.${key} is not an array`)).find(Boolean),
  },
  error: { id: requestIdProblem, error: workerError },
  progress: { id: requestIdProblem, progress },
  activity: { activity: activityProblem, device: must.optional(deviceInfo) },
  log: { level: must.oneOf(LOG_LEVELS), message: must.string },
};

function requestIdProblem(value: unknown): Problem {
  return isRequestId(value) ? undefined : 'is not a request id';
}

/** Reads a message from the worker (the host's side). A `result`'s own fields are checked by {@link resultProblem}, which knows the method. */
export function readWorkerMessage(value: unknown): MessageRead<WorkerMessage> {
  if (!isRecord(value)) return { ok: false, problem: 'the message is not an object' };
  if (oneOf(value.type, Object.keys(WORKER_MESSAGES)) === undefined) return { ok: false, problem: `unknown message type ${describe(value.type)}` };
  const type = value.type as WorkerMessage['type'];
  const problem = checkFields(value, WORKER_MESSAGES[type]);
  if (!problem) return { ok: true, message: value as WorkerMessage };
  const answers = type === 'result' || type === 'result-part' || type === 'error';
  return { ok: false, problem: `${type} message: ${problem.slice(1)}`, id: answers && isRequestId(value.id) ? value.id : undefined };
}

/** Why a worker's `result` for `method` is not one the host can use, or undefined when it is. */
export function resultProblem(method: Method, result: unknown): string | undefined {
  const problem = RESULTS[method](result);
  return problem ? at(`${method} result`, problem) : undefined;
}

/** Reads a message from the host (the worker's side), parameters included. */
export function readHostMessage(value: unknown): MessageRead<HostMessage> {
  if (!isRecord(value)) return { ok: false, problem: 'the message is not an object' };
  const id = isRequestId(value.id) ? value.id : undefined;
  if (value.type === 'cancel') return id === undefined ? { ok: false, problem: 'cancel message: id is not a request id' } : { ok: true, message: { type: 'cancel', id } };
  if (value.type !== 'request') return { ok: false, problem: `unknown message type ${describe(value.type)}` };
  if (id === undefined) return { ok: false, problem: 'request message: id is not a request id' };
  const method = oneOf(value.method, METHODS);
  if (method === undefined) return { ok: false, problem: `unknown request method ${describe(value.method)}`, id };
  const problem = PARAMS[method](value.params);
  if (problem) return { ok: false, problem: `${method} request: ${at('params', problem)}`, id };
  return { ok: true, message: value as HostMessage };
}

/** A short, printable account of an unexpected value, for a log line. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
