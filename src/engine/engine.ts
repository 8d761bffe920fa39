import * as ort from './onnxruntime';
import { setFlagsFromString } from 'node:v8';
import { returnFreedMemory } from './nativeMemory';
import type {
  AskParams,
  AskResult,
  ClassifyParams,
  ClassifyResult,
  DeviceInfo,
  DocumentOutcome,
  DocumentsResult,
  DownloadParams,
  DownloadResult,
  EngineOptions,
  EntitiesParams,
  EntitiesResult,
  SentimentParams,
  SentimentResult,
  TopicsParams,
  TopicsResult,
  WorkerActivity,
  WorkerError,
  WorkerInfo,
} from '../protocol';
import { MAX_TEXT_LENGTH } from '../protocol';
import { REGISTRY, type Task, type TaskMethods } from '../tasks/registry';
import type { ParagraphEntity } from './entities';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from './batching';
import { silentLogger, type Logger } from './log';
import { ModelStore, type LoadedModel } from './modelStore';
import { ResultCache, type ResultCacheLimits } from './resultCache';
import { RUNNERS, type Runner, type RunnerState } from './runners';
import { packedSpanScores, spanScoreBytes, type SpanPlan, type SpanScore, type SpanScores } from './spanScores';
import type { TaskContext } from './task';
import { EXTENSION_VERSION } from './version';
import { EngineError, throwIfCancelled, toWorkerError } from './errors';
import { gpuUnavailableReason } from './device';
import type { ModelPrecision } from './manifest';
import { DownloadNeededError, resolveModel, slotKey, type ModelSlot } from './models';

/**
 * What the result caches may hold. A sentence's score is one small object (about 64 bytes and 8
 * per label); a paragraph's entities an array of objects of about 80 bytes each. 16 MiB each
 * keeps, with the keys, some 90,000 sentences' worth of entries (the 50,000-entry limit comes
 * first) or 150,000 entities: far more than a long editing session revisits, and a bound that a
 * worker running for days over large documents cannot outgrow.
 */
const SPAN_CACHE: Partial<ResultCacheLimits<SpanScore>> = { maxEntries: 50_000, maxBytes: 16 * 1024 * 1024, sizeOf: spanScoreBytes };
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
  private readonly state: RunnerState;
  private readonly log: Logger;

  constructor(
    readonly options: EngineOptions,
    private readonly hooks: EngineHooks = {},
  ) {
    this.log = hooks.log ?? silentLogger;
    this.state = {
      spanCache: new ResultCache<SpanScore>(SPAN_CACHE),
      entityCache: new ResultCache<ParagraphEntity[]>(ENTITY_CACHE),
      limits: hooks.batchLimits ?? DEFAULT_BATCH_LIMITS,
    };
    this.models = new ModelStore(options, this.log);
  }

  /**
   * Runs any task (its runner, src/engine/runners.ts) on its model, loaded once, and adds what
   * every result reports: the model, the device and the time taken.
   */
  async run<T extends Task>(task: T, params: TaskParams<T>, context: TaskContext = {}): Promise<TaskResult<T>> {
    const runner = RUNNERS[task] as Runner<Task>;
    const text = (params as { text: string }).text;
    checkLength(text);
    runner.check?.(params as never);
    // A task that borrows models may run on none (PII from the recognizers alone), or on several.
    const slots: ModelSlot[] = runner.borrows ? runner.borrows(params as never) : [{ task, ...runner.model?.(params as never) }];
    const started = performance.now();
    const work = async (loaded: LoadedModel[]): Promise<TaskResult<T>> => {
      this.hooks.onActivity?.({ kind: 'busy', method: REGISTRY[task].method });
      const endLarge = whileLarge(text.length);
      try {
        const result = await runner.run((runner.borrows ? loaded : loaded[0]) as never, params as never, context, this.state);
        const first = loaded[0];
        return { ...result, model: first?.info ?? null, device: first?.device ?? null, elapsedMs: Math.round(performance.now() - started) } as TaskResult<T>;
      } finally {
        endLarge();
      }
    };
    const withModels = (rest: readonly ModelSlot[], loaded: LoadedModel[]): Promise<TaskResult<T>> => {
      const [slot, ...after] = rest;
      if (!slot) return work(loaded);
      return this.models.use(slot, { signal: context.signal, onActivity: this.hooks.onActivity }, (model) => withModels(after, [...loaded, model]));
    };
    return withModels(slots, []);
  }

  /**
   * Several documents of one task, each answered as `run` answers it alone: its result, or its own
   * error (a cancellation stops them all). Short documents of a task scored span by span
   * (sentiment, classifiers: a runner's `plan`) share forward passes: their sentences go through
   * the same length-sorted batches, so a review of two sentences no longer runs a batch of two.
   * Only where that changes no result: fp32 weights on the CPU, whose logits for a row were
   * measured bit-identical alone and in any batch (1 and 2 threads, rows of 3 to 80 tokens, padded
   * or not). int8 weights quantize each forward pass's activations with one scale
   * (DynamicQuantizeLinear), which moved a row's logits by up to 0.014 with the other rows, and a
   * GPU's kernels are not measured: those run one document after another, as separate requests.
   */
  async runMany<T extends Task>(task: T, documents: readonly TaskParams<T>[], context: TaskContext = {}): Promise<DocumentsResult> {
    const runner = RUNNERS[task] as Runner<Task>;
    const alone = async (params: TaskParams<T>): Promise<DocumentOutcome> => {
      try {
        return { result: await this.run(task, params, context) };
      } catch (error) {
        if (context.signal?.aborted) throw error;
        return { error: workerErrorOf(error) };
      }
    };
    const oneByOne = async (): Promise<DocumentsResult> => {
      const outcomes: DocumentOutcome[] = [];
      for (const params of documents) {
        throwIfCancelled(context.signal);
        outcomes.push(await alone(params));
      }
      return { outcomes, packed: false };
    };
    const texts = documents.map((params) => (params as { text: string }).text);
    const plan = runner.plan;
    if (!plan || runner.borrows || documents.length < 2 || texts.reduce((sum, text) => sum + text.length, 0) >= LARGE_REQUEST) return oneByOne();
    // What would refuse a document before its model loads refuses it alone.
    const outcomes: (DocumentOutcome | undefined)[] = documents.map((params, d) => {
      try {
        checkLength(texts[d]);
        runner.check?.(params as never);
        return undefined;
      } catch (error) {
        return { error: workerErrorOf(error) };
      }
    });
    const slots = documents.map((params) => ({ task, ...runner.model?.(params as never) }));
    const valid = documents.map((_, d) => d).filter((d) => outcomes[d] === undefined);
    // All on one model (a batch's documents share their options); anything else goes one by one.
    if (valid.length < 2 || valid.some((d) => slotKey(slots[d]) !== slotKey(slots[valid[0]]))) return oneByOne();
    return this.models.use(slots[valid[0]], { signal: context.signal, onActivity: this.hooks.onActivity }, async (model) => {
      if (model.info.precision !== 'fp32' || model.device.used !== 'cpu') return oneByOne();
      this.hooks.onActivity?.({ kind: 'busy', method: REGISTRY[task].method });
      const started = performance.now();
      const plans: { d: number; plan: SpanPlan<unknown> }[] = [];
      for (const d of valid) {
        try {
          plans.push({ d, plan: await plan(model, documents[d] as never, context) });
        } catch (error) {
          if (context.signal?.aborted) throw error;
          outcomes[d] = { error: workerErrorOf(error) };
        }
      }
      if (plans.some(({ plan }) => plan.activation !== plans[0].plan.activation)) return oneByOne();
      if (plans.length > 0) {
        let scores: SpanScores[];
        try {
          scores = await packedSpanScores(
            plans.map(({ plan }) => plan),
            { model, cache: this.state.spanCache, context, limits: this.state.limits },
          );
        } catch (error) {
          if (context.signal?.aborted) throw error;
          // A model that fails (its outputs not a classifier's): each document's error as its own request words it.
          return oneByOne();
        }
        const elapsedMs = Math.round(performance.now() - started);
        plans.forEach(({ d, plan }, k) => {
          outcomes[d] = { result: { ...(plan.finish(scores[k]) as object), model: model.info, device: model.device, elapsedMs } as TaskResult<T> };
        });
      }
      return { outcomes: outcomes as DocumentOutcome[], packed: plans.length > 1 };
    });
  }

  /** Sentiment of every sentence, paragraph and the document. */
  sentiment(params: SentimentParams, context?: TaskContext): Promise<SentimentResult> {
    return this.run('sentiment', params, context);
  }

  /** Answers a question from the text (extractive: every answer is a span of it). */
  ask(params: AskParams, context?: TaskContext): Promise<AskResult> {
    return this.run('qa', params, context);
  }

  /** Scores the text and each of its sections against the user's topic labels (zero-shot). */
  topics(params: TopicsParams, context?: TaskContext): Promise<TopicsResult> {
    return this.run('topics', params, context);
  }

  entities(params: EntitiesParams, context?: TaskContext): Promise<EntitiesResult> {
    return this.run('entities', params, context);
  }

  /** Labels of each item and of the document from the classifier the request names. */
  classify(params: ClassifyParams, context?: TaskContext): Promise<ClassifyResult> {
    return this.run('classify', params, context);
  }

  /**
   * Makes the task's model available (the user said yes to the download), reporting the bytes
   * received over all its files as progress; with `plan`, only says what a download would fetch.
   * The files go where requests look for them (the cache), so later requests need no network.
   */
  async download(params: DownloadParams, context: TaskContext = {}): Promise<DownloadResult> {
    const { task } = params;
    const slot: ModelSlot = { task };
    if (REGISTRY[task].models === 'per-request') {
      if (!params.model?.trim()) throw new EngineError('bad-input', `A download of a ${REGISTRY[task].modelName} model needs the model to download (a Hub id).`);
      Object.assign(slot, { source: params.model.trim(), setting: `the model ${params.model.trim()}` });
    }
    const precision = this.downloadPrecision();
    // The token comes with the request (the user's secret storage), never from the options.
    const ctx = { signal: context.signal, log: this.log, access: { proxy: this.options.proxy, token: params.hubToken } };
    let bytes: number | null;
    try {
      const model = await resolveModel(slot, { ...this.options, askBeforeDownload: true }, precision, ctx);
      return { task, repo: model.id, bytes: 0, downloaded: false, model };
    } catch (error) {
      if (!(error instanceof DownloadNeededError)) throw error;
      if (params.plan) {
        const { bytes, knownBytes, unknownFiles, revision, partialBytes } = error.plan;
        const sizeFacts = bytes === null ? { knownBytes: knownBytes ?? 0, unknownFiles: [...(unknownFiles ?? [])] } : {};
        return { task, repo: error.repo, bytes, downloaded: false, revision, partialBytes, ...sizeFacts };
      }
      bytes = error.bytes;
    }
    // Bytes of the files finished so far, so that progress runs over the whole model.
    let finished = 0;
    let current = { file: '', total: 0 };
    const model = await resolveModel(slot, { ...this.options, askBeforeDownload: false }, precision, {
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
      forwardPasses: loaded.reduce((sum, m) => sum + m.forwardPasses, 0),
    };
  }

  /** Forgets every cached result, so that the next request runs the model again. */
  forgetResults(): void {
    this.state.spanCache.clear();
    this.state.entityCache.clear();
  }

  async dispose(): Promise<void> {
    await this.models.dispose();
  }
}

/**
 * Anything thrown, as a reply says it: a download that needs the user's yes names its task (and a
 * model a request named), so that the host can offer it.
 */
export function workerErrorOf(error: unknown): WorkerError {
  const task = error instanceof DownloadNeededError ? { task: error.task, ...(error.model ? { model: error.model } : {}) } : {};
  return { ...toWorkerError(error), ...task };
}

type TaskParams<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['params'];
type TaskResult<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['result'];

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
