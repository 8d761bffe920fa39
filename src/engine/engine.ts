import * as ort from './onnxruntime';
import { setFlagsFromString } from 'node:v8';
import { returnFreedMemory } from './nativeMemory';
import { answerSpans } from './answers';
import { classifyTopics } from './topics';
import type {
  AskParams,
  AskResult,
  DeviceInfo,
  DownloadParams,
  DownloadResult,
  EngineOptions,
  EntitiesParams,
  EntitiesResult,
  Method,
  ModelInfo,
  SentimentParams,
  SentimentResult,
  Task,
  TopicsParams,
  TopicsResult,
  WorkerActivity,
  WorkerInfo,
} from '../protocol';
import { MAX_TEXT_LENGTH } from '../protocol';
import { entitySpans, type ParagraphEntity } from './entities';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from './batching';
import { silentLogger, type Logger } from './log';
import { ModelStore, type LoadedModel } from './modelStore';
import { ResultCache, type ResultCacheLimits } from './resultCache';
import { sentenceSentiments, type SentenceScore } from './sentiment';
import type { TaskContext } from './task';
import { EXTENSION_VERSION } from './version';
import { EngineError } from './errors';
import { gpuUnavailableReason } from './device';
import { DownloadNeededError, resolveModel, type ModelPrecision } from './models';

/**
 * What the result caches may hold. A sentence's score is one small object (about 64 bytes with its
 * boxed numbers); a paragraph's entities an array of objects of about 80 bytes each. 16 MiB each
 * keeps, with the keys, some 90,000 sentences' worth of entries (the 50,000-entry limit comes
 * first) or 150,000 entities: far more than a long editing session revisits, and a bound that a
 * worker running for days over large documents cannot outgrow.
 */
const SENTIMENT_CACHE: Partial<ResultCacheLimits<SentenceScore>> = { maxEntries: 50_000, maxBytes: 16 * 1024 * 1024, sizeOf: () => 64 };
const ENTITY_CACHE: Partial<ResultCacheLimits<ParagraphEntity[]>> = {
  maxEntries: 50_000,
  maxBytes: 16 * 1024 * 1024,
  sizeOf: (entities) => 32 + 80 * entities.length,
};

/**
 * How much V8 lets its heap grow past what survived the last full collection before collecting
 * again, in percent, while a large request runs. Left to itself it grows by up to 300%: a request
 * whose result holds 200 MB (500,000 Markdown sections) left the process at 1.3 GB, mostly garbage
 * and the native memory of the tokenizer's encodings that only a collection frees. At 50% it
 * stayed at 660 MB, as fast (bench/memory.ts). For ordinary documents V8 is left to itself: the
 * collections that 50% makes cost them about 8%.
 */
const HEAP_GROWING_PERCENT = 50;
/** Characters from which a request is large (about 30,000 words). */
const LARGE_REQUEST = 200_000;

let largeRequests = 0;
let endLargeRequests: (() => void) | undefined;

/**
 * While a request of `length` characters runs, if it is large: the heap's growth is limited (a V8
 * flag for the whole process, read at each collection) and freed native memory is given back to
 * the system (./nativeMemory), for as long as any large request runs (the worker serves several at
 * once). Returns what ends it.
 */
function whileLarge(length: number): () => void {
  if (length < LARGE_REQUEST) return () => undefined;
  if (largeRequests++ === 0) {
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    endLargeRequests = returnFreedMemory();
  }
  return () => {
    if (--largeRequests > 0) return;
    // 0 is V8's own: a factor it chooses from the speed of collections.
    setFlagsFromString('--heap-growing-percent=0');
    endLargeRequests?.();
  };
}

export interface EngineHooks {
  log?: Logger;
  /** Told when a model starts loading or downloading, for the status bar. */
  onActivity?(activity: WorkerActivity): void;
  batchLimits?: BatchLimits;
}

/**
 * The analysis engine: pure Node, shared by the worker process and the command-line tool.
 * Models load lazily, once, and results are cached by text.
 *
 * @example
 * const engine = new Engine({ ...defaultEngineOptions(cacheDir), bundledModelsDir: 'models' });
 * const result = await engine.sentiment({ text: 'What a wonderful day.', neutralBand: 0.1 });
 * // result.sentences[0] → { start: 0, end: 21, text: 'What a wonderful day.', label: 'POSITIVE', … }
 */
export class Engine {
  private readonly models: ModelStore;
  private readonly sentimentCache = new ResultCache<SentenceScore>(SENTIMENT_CACHE);
  private readonly entityCache = new ResultCache<ParagraphEntity[]>(ENTITY_CACHE);
  private readonly log: Logger;
  private readonly limits: BatchLimits;

  constructor(
    readonly options: EngineOptions,
    private readonly hooks: EngineHooks = {},
  ) {
    this.log = hooks.log ?? silentLogger;
    this.limits = hooks.batchLimits ?? DEFAULT_BATCH_LIMITS;
    this.models = new ModelStore(options, this.log);
  }

  async sentiment(params: SentimentParams, context: TaskContext = {}): Promise<SentimentResult> {
    checkLength(params.text);
    return this.withModel('sentiment', 'sentiment', params.text.length, context, (model) => sentenceSentiments(model, params, this.sentimentCache, context, this.limits));
  }

  /** Answers a question from the text (extractive: every answer is a span of it). */
  async ask(params: AskParams, context: TaskContext = {}): Promise<AskResult> {
    checkLength(params.text);
    return this.withModel('qa', 'ask', params.text.length, context, (model) => answerSpans(model, params, context, this.limits));
  }

  /** Scores the text and each of its sections against the user's topic labels (zero-shot). */
  async topics(params: TopicsParams, context: TaskContext = {}): Promise<TopicsResult> {
    checkLength(params.text);
    return this.withModel('topics', 'topics', params.text.length, context, (model) => classifyTopics(model, params, context, this.limits));
  }

  async entities(params: EntitiesParams, context: TaskContext = {}): Promise<EntitiesResult> {
    checkLength(params.text);
    return this.withModel('entities', 'entities', params.text.length, context, (model) => entitySpans(model, params, this.entityCache, context, this.limits));
  }

  /** Loads the task's model (once), runs `work` on it (on a text of `length`), and adds what every result reports. */
  private async withModel<T>(
    task: Task,
    method: Method,
    length: number,
    context: TaskContext,
    work: (model: LoadedModel) => Promise<T>,
  ): Promise<T & { model: ModelInfo; device: DeviceInfo; elapsedMs: number }> {
    const started = performance.now();
    return this.models.use(task, { signal: context.signal, onActivity: this.hooks.onActivity }, async (model) => {
      this.hooks.onActivity?.({ kind: 'busy', method });
      const endLarge = whileLarge(length);
      try {
        const result = await work(model);
        return { ...result, model: model.info, device: model.device, elapsedMs: Math.round(performance.now() - started) };
      } finally {
        endLarge();
      }
    });
  }

  /**
   * Makes the task's model available (the user said yes to the download), reporting the bytes
   * received over all its files as progress; with `plan`, only says what a download would fetch.
   * The files go where requests look for them (the cache), so later requests need no network.
   */
  async download(params: DownloadParams, context: TaskContext = {}): Promise<DownloadResult> {
    const { task } = params;
    const precision = this.downloadPrecision();
    const ctx = { signal: context.signal, log: this.log };
    let bytes: number | null;
    try {
      const model = await resolveModel(task, { ...this.options, askBeforeDownload: true }, precision, ctx);
      return { task, repo: model.id, bytes: 0, downloaded: false, model };
    } catch (error) {
      if (!(error instanceof DownloadNeededError)) throw error;
      if (params.plan) return { task, repo: error.repo, bytes: error.bytes, downloaded: false };
      bytes = error.bytes;
    }
    // Bytes of the files finished so far, so that progress runs over the whole model.
    let finished = 0;
    let current = { file: '', total: 0 };
    const model = await resolveModel(task, { ...this.options, askBeforeDownload: false }, precision, {
      ...ctx,
      onDownload: (p) => {
        if (p.file !== current.file) {
          finished += current.total;
          current = { file: p.file, total: p.total };
        }
        current.total = Math.max(current.total, p.total, p.received);
        const done = finished + p.received;
        // An unpinned model's size is unknown: total 0 says so (the UI shows "of an unknown size").
        context.onProgress?.({ done, total: bytes === null ? 0 : Math.max(bytes, done), message: p.file });
        this.hooks.onActivity?.({ kind: 'downloading', task, received: done, total: bytes ?? 0 });
      },
    });
    return { task, repo: model.id, bytes, downloaded: model.source === 'download', model };
  }

  /** The weights a download fetches: those a request would load (see ModelStore). */
  private downloadPrecision(): ModelPrecision {
    if (this.options.precision !== 'auto') return this.options.precision;
    return this.options.device !== 'cpu' && !gpuUnavailableReason() ? 'fp32' : 'int8';
  }

  /** Where models run, once one has loaded. */
  get device(): DeviceInfo | undefined {
    return this.models.device;
  }

  async info(): Promise<WorkerInfo> {
    const loaded = await this.models.loaded();
    return {
      version: EXTENSION_VERSION,
      pid: process.pid,
      node: process.versions.node,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      platform: `${process.platform}-${process.arch}`,
      device: this.models.device,
      loaded: loaded.map((m) => m.info),
    };
  }

  /** Forgets every cached result, so that the next request runs the model again. */
  forgetResults(): void {
    this.sentimentCache.clear();
    this.entityCache.clear();
  }

  async dispose(): Promise<void> {
    await this.models.dispose();
  }
}

/**
 * Refuses a text longer than {@link MAX_TEXT_LENGTH} before any work: its result alone (a sentence
 * every two characters) would outgrow the worker's bound of memory. The extension and the CLI
 * refuse such documents first, offering a part.
 */
function checkLength(text: string): void {
  if (text.length <= MAX_TEXT_LENGTH) return;
  throw new EngineError(
    'bad-input',
    `The text has ${text.length.toLocaleString('en')} characters, more than the ${MAX_TEXT_LENGTH.toLocaleString('en')} one request can take. Analyse a part of it: a selection or the part in view (in the CLI, --lines).`,
  );
}
