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

import { isFiniteNumber, isOffset, isRecord, oneOf } from './validate';

export type Task = 'sentiment' | 'topics' | 'entities' | 'qa';
export const TASKS: readonly Task[] = ['sentiment', 'topics', 'entities', 'qa'];
/** How messages name a task's model: "the ${TASK_MODEL_NAMES[task]} model". */
export const TASK_MODEL_NAMES: Record<Task, string> = {
  sentiment: 'sentiment',
  topics: 'topic (zero-shot)',
  entities: 'named-entity',
  qa: 'question-answering',
};

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
  modelSources: Partial<Record<Task, string>>;
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

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

export interface SentimentScore {
  label: SentimentLabel;
  /** Confidence in `label`: the probability of the winning model label (also for NEUTRAL). */
  score: number;
  /** The model's probability that the text is positive. */
  positive: number;
}

export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface SentenceSentiment extends Span, SentimentScore {
  /** Index into {@link SentimentResult.paragraphs}. */
  paragraph: number;
}

export interface ParagraphSentiment extends Span, SentimentScore {}

export interface SentimentParams {
  text: string;
  /**
   * A prediction whose positive probability lies within `neutralBand` of 0.5 is NEUTRAL;
   * 0 never says NEUTRAL.
   */
  neutralBand: number;
  /** Added to every reported offset: where `text` starts in the document (for selections). */
  offset?: number;
}

export interface SentimentResult {
  document: SentimentScore;
  paragraphs: ParagraphSentiment[];
  sentences: SentenceSentiment[];
  model: ModelInfo;
  device: DeviceInfo;
  /** Sentences answered from the result cache rather than the model. */
  cachedSentences: number;
  elapsedMs: number;
}

/** A named entity: a person, organisation, location or other (the model's own type names). */
export interface Entity extends Span {
  /** The entity type without its B-/I- prefix, as the model's config names it: PER, ORG, LOC, MISC… */
  type: string;
  /** The mean of its tokens' probabilities. */
  score: number;
}

export interface EntitiesParams {
  text: string;
  /** Entities scoring below this are left out. */
  minScore: number;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
  /**
   * Analyse only these [start, end) ranges of `text` (comments and strings of code, the visible
   * part, a selection); the whole text when absent.
   */
  ranges?: Array<[number, number]>;
}

export interface EntitiesResult {
  /** Sorted by start, never overlapping. */
  entities: Entity[];
  model: ModelInfo;
  device: DeviceInfo;
  /** Paragraphs run through the model; the others came from the cache (unchanged text). */
  paragraphsAnalysed: number;
  paragraphsCached: number;
  elapsedMs: number;
}

/** An answer to a question: a span of the document. */
export interface Answer extends Span {
  /** The model's probability for this span (start and end together), within its window. */
  score: number;
  /** The sentence the answer sits in, to show it in context. */
  sentence: Span;
}

export interface AskParams {
  /** The document (or selection) to search. */
  text: string;
  question: string;
  /** How many answers, at most, from different places in the text. */
  top: number;
  /** Answers scoring below this are left out: no answer is better than noise. */
  minScore: number;
  /** The longest answer, in tokens (default 30). */
  maxAnswerTokens?: number;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
}

export interface AskResult {
  /** Best first; empty when the model has no confident answer. */
  answers: Answer[];
  model: ModelInfo;
  device: DeviceInfo;
  /** How many windows of the text the model read. */
  windows: number;
  elapsedMs: number;
}

export interface TopicScore {
  label: string;
  score: number;
}

/** A part of the document classified on its own: a Markdown heading's section, or a block of paragraphs. */
export interface TopicSection extends Span {
  /** The heading's text (without `#`s), when the section starts with one. */
  heading?: string;
  /** Sorted by score, best first. */
  labels: TopicScore[];
}

export interface TopicsParams {
  text: string;
  /** The user's topic labels, in any language, spaces and commas allowed. */
  labels: string[];
  /** Score each label on its own (true) or make the scores compete and sum to 1 (false). */
  multiLabel: boolean;
  /** The NLI hypothesis, with `{}` where the label goes: "This text is about {}." */
  hypothesisTemplate: string;
  /** `markdown` splits sections at headings; anything else into blocks of paragraphs. */
  format: 'markdown' | 'plaintext';
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
}

export interface TopicsResult {
  /** Sorted by score, best first. */
  document: TopicScore[];
  sections: TopicSection[];
  model: ModelInfo;
  device: DeviceInfo;
  /** (window, label) pairs the model read. */
  pairs: number;
  elapsedMs: number;
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
}

/** Every request the worker serves: its parameters and its result. */
export interface Methods {
  sentiment: { params: SentimentParams; result: SentimentResult };
  entities: { params: EntitiesParams; result: EntitiesResult };
  ask: { params: AskParams; result: AskResult };
  topics: { params: TopicsParams; result: TopicsResult };
  info: { params: Record<string, never>; result: WorkerInfo };
  download: { params: DownloadParams; result: DownloadResult };
}

export interface DownloadParams {
  task: Task;
  /** Only say what a download would fetch (`bytes`); fetch nothing. */
  plan?: boolean;
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

export interface WorkerError {
  code: ErrorCode;
  message: string;
  /** A stack or other detail for the log, never shown as the headline. */
  detail?: string;
  /** `download-needed`: the task whose model is missing, so the host can offer the download. */
  task?: Task;
}

export interface Progress {
  done: number;
  total: number;
  message?: string;
  /** Question answering: the best answers so far, so they can be shown before the end. */
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

/**
 * Every value of a string union, written as a record so that the compiler says so here when the
 * union gains a member: a reader that did not know it would refuse every message that uses it.
 */
function allOf<T extends string>(members: Record<T, true>): readonly T[] {
  return Object.keys(members) as T[];
}

const METHODS = allOf<Method>({ sentiment: true, entities: true, ask: true, topics: true, info: true, download: true });
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
const SENTIMENT_LABELS = allOf<SentimentLabel>({ POSITIVE: true, NEGATIVE: true, NEUTRAL: true });
const DEVICE_PREFERENCES = allOf<DevicePreference>({ auto: true, cpu: true, gpu: true });
const EXECUTION_DEVICES = allOf<ExecutionDevice>({ cpu: true, cuda: true, dml: true, coreml: true });
const MODEL_SOURCES = allOf<ModelInfo['source']>({ setting: true, bundled: true, cache: true, download: true });

/** A problem found in a value, or undefined when it has the expected shape. */
type Problem = string | undefined;
type Fields = Record<string, unknown>;

/** Request ids are positive integers, fresh per request (see WorkerClient). */
function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/**
 * Checks the named fields of `record` in order; the first problem comes back with its path
 * (`.sentences[2].end is not a non-negative integer`), so the log says exactly what was wrong.
 */
function checkFields(record: Fields, checks: Record<string, (value: unknown) => Problem>): Problem {
  for (const [field, check] of Object.entries(checks)) {
    const problem = check(record[field]);
    if (problem) return at(`.${field}`, problem);
  }
  return undefined;
}

/** Prefixes a nested problem with the path to it. */
function at(path: string, problem: string): string {
  return /^[.[]/.test(problem) ? `${path}${problem}` : `${path} ${problem}`;
}

const must = {
  string: (value: unknown): Problem => (typeof value === 'string' ? undefined : 'is not a string'),
  number: (value: unknown): Problem => (isFiniteNumber(value) ? undefined : 'is not a finite number'),
  boolean: (value: unknown): Problem => (typeof value === 'boolean' ? undefined : 'is not a boolean'),
  offset: (value: unknown): Problem => (isOffset(value) ? undefined : 'is not a non-negative integer'),
  oneOf:
    <T extends string>(allowed: readonly T[]) =>
    (value: unknown): Problem =>
      oneOf(value, allowed) !== undefined ? undefined : `is not one of ${allowed.join(', ')}`,
  optional:
    (check: (value: unknown) => Problem) =>
    (value: unknown): Problem =>
      value === undefined ? undefined : check(value),
  record:
    (checks: Record<string, (value: unknown) => Problem> = {}) =>
    (value: unknown): Problem => {
      if (!isRecord(value)) return 'is not an object';
      return checkFields(value, checks);
    },
  array:
    (each: (value: unknown) => Problem) =>
    (value: unknown): Problem => {
      if (!Array.isArray(value)) return 'is not an array';
      for (let i = 0; i < value.length; i++) {
        const problem = each(value[i]);
        if (problem) return at(`[${i}]`, problem);
      }
      return undefined;
    },
};

/** A [start, end) span with its text: what every result the host shows in a document is made of. */
const spanFields = {
  start: must.offset,
  end: must.offset,
  text: must.string,
};

function span(extra: Record<string, (value: unknown) => Problem> = {}): (value: unknown) => Problem {
  const fields = must.record({ ...spanFields, ...extra });
  return (value) => fields(value) ?? (isRecord(value) && (value.end as number) < (value.start as number) ? 'ends before it starts' : undefined);
}

const sentimentScoreFields = { label: must.oneOf(SENTIMENT_LABELS), score: must.number, positive: must.number };
const topicScore = must.record({ label: must.string, score: must.number });
const answer = span({ score: must.number, sentence: span() });

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
});
/** What every analysis result carries besides its own fields. */
const resultFields = { model: modelInfo, device: deviceInfo, elapsedMs: must.number };

const RESULTS: { [M in Method]: (value: unknown) => Problem } = {
  sentiment: must.record({
    document: must.record(sentimentScoreFields),
    paragraphs: must.array(span(sentimentScoreFields)),
    sentences: must.array(span({ ...sentimentScoreFields, paragraph: must.offset })),
    cachedSentences: must.offset,
    ...resultFields,
  }),
  entities: must.record({
    entities: must.array(span({ type: must.string, score: must.number })),
    paragraphsAnalysed: must.offset,
    paragraphsCached: must.offset,
    ...resultFields,
  }),
  ask: must.record({ answers: must.array(answer), windows: must.offset, ...resultFields }),
  topics: must.record({
    document: must.array(topicScore),
    sections: must.array(span({ heading: must.optional(must.string), labels: must.array(topicScore) })),
    pairs: must.offset,
    ...resultFields,
  }),
  info: workerInfo,
  download: must.record({
    task: must.oneOf(TASKS),
    repo: must.string,
    bytes: (value) => (value === null ? undefined : must.offset(value)),
    downloaded: must.boolean,
    model: must.optional(modelInfo),
  }),
};

const PARAMS: { [M in Method]: (value: unknown) => Problem } = {
  sentiment: must.record({ text: must.string, neutralBand: must.number, offset: must.optional(must.offset) }),
  entities: must.record({
    text: must.string,
    minScore: must.number,
    offset: must.optional(must.offset),
    ranges: must.optional(must.array((range) => (Array.isArray(range) && range.length === 2 && range.every(isOffset) ? undefined : 'is not a [start, end] pair'))),
  }),
  ask: must.record({
    text: must.string,
    question: must.string,
    top: must.offset,
    minScore: must.number,
    maxAnswerTokens: must.optional(must.offset),
    offset: must.optional(must.offset),
  }),
  topics: must.record({
    text: must.string,
    labels: must.array(must.string),
    multiLabel: must.boolean,
    hypothesisTemplate: must.string,
    format: must.oneOf(allOf<TopicsParams['format']>({ markdown: true, plaintext: true })),
    offset: must.optional(must.offset),
  }),
  info: must.record(),
  download: must.record({ task: must.oneOf(TASKS), plan: must.optional(must.boolean) }),
};

const progress = must.record({ done: must.number, total: must.number, message: must.optional(must.string), answers: must.optional(must.array(answer)) });

const ACTIVITIES: { [K in WorkerActivity['kind']]: Record<string, (value: unknown) => Problem> } = {
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

const WORKER_MESSAGES: Record<WorkerMessage['type'], Record<string, (value: unknown) => Problem>> = {
  ready: { info: workerInfo },
  result: { id: requestIdProblem, result: must.record() },
  'result-part': {
    id: requestIdProblem,
    part: (value) => must.record()(value) ?? Object.entries(value as Fields).map(([key, items]) => (Array.isArray(items) ? undefined : `.${key} is not an array`)).find(Boolean),
  },
  error: { id: requestIdProblem, error: must.record({ code: must.oneOf(ERROR_CODES), message: must.string, detail: must.optional(must.string), task: must.optional(must.oneOf(TASKS)) }) },
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
