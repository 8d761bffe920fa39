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

export type Task = 'sentiment' | 'topics' | 'entities' | 'qa';
export const TASKS: readonly Task[] = ['sentiment', 'topics', 'entities', 'qa'];

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
  /** Unload a model's session after this many seconds unused; 0 keeps it loaded. */
  idleUnloadSeconds: number;
}

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
  | 'worker-crashed'
  | 'worker-unavailable'
  | 'timeout'
  | 'internal';

export interface WorkerError {
  code: ErrorCode;
  message: string;
  /** A stack or other detail for the log, never shown as the headline. */
  detail?: string;
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
  | { type: 'error'; id: number; error: WorkerError }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'activity'; activity: WorkerActivity; device?: DeviceInfo }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** The environment variable that carries the JSON {@link EngineOptions} to a forked worker. */
export const WORKER_OPTIONS_ENV = 'TEXT_ANALYTICS_ENGINE_OPTIONS';
