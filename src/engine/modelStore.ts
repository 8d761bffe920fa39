import * as ort from './onnxruntime';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceInfo, EngineOptions, ModelInfo, Task, WorkerActivity } from '../protocol';
import { createSession, gpuUnavailableReason } from './device';
import { EngineError } from './errors';
import type { Logger } from './log';
import { checkExternalData } from './externalData';
import { checkArchitecture, readFamily, type ModelFamily } from './family';
import { readModelConfig, type ModelConfig } from './modelConfig';
import { returnLoadLeftovers } from './nativeMemory';
import { brokenModelError, resolveModel, slotKey, type ModelSlot } from './models';
import type { PaddedBatch } from './batching';
import { TextTokenizer } from './tokenizer';
import type { Cuts } from './windowStream';

/** A model ready to run: its session, tokenizer and config. */
export class LoadedModel {
  constructor(
    readonly info: ModelInfo,
    readonly config: ModelConfig,
    readonly tokenizer: TextTokenizer,
    readonly device: DeviceInfo,
    private readonly session: ort.InferenceSession,
    /** Where the tokenizer lets a long text be tokenized in pieces (see windowStream.ts). */
    readonly cuts: Cuts | null = null,
    /** The pad token (family.ts): `<s>` is 0 for RoBERTa and XLM-R, so padding with 0 would not be padding. */
    readonly padId = 0,
  ) {}

  /** Forward passes run so far (WorkerInfo.forwardPasses). */
  forwardPasses = 0;

  /** Identifies the weights in result-cache keys. */
  get cacheKey(): string {
    return `${this.info.dir}/${this.info.file}`;
  }

  async run(batch: PaddedBatch): Promise<Record<string, ort.Tensor>> {
    const shape = [batch.batchSize, batch.sequenceLength];
    if (this.padId !== 0) {
      // Batches are padded with 0 by whoever made them; the model's own pad token goes there.
      const pad = BigInt(this.padId);
      for (let i = 0; i < batch.inputIds.length; i++) if (batch.attentionMask[i] === 0n) batch.inputIds[i] = pad;
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', batch.inputIds, shape),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, shape),
    };
    // BERT, ALBERT, ELECTRA, DeBERTa and MobileBERT exports also take segment ids (single
    // sequences are all segment 0, a pair's second sequence 1, as the tokenizer's template says);
    // DistilBERT, RoBERTa, XLM-R and MPNet exports have no such input and are not given one.
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds ?? new BigInt64Array(batch.inputIds.length), shape);
    }
    this.forwardPasses++;
    return this.session.run(feeds);
  }

  outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export interface LoadContext {
  signal?: AbortSignal;
  onActivity?(activity: WorkerActivity): void;
}

/**
 * Loads each task's model once, on first use (concurrent callers share the one load), and unloads
 * it after `idleUnloadSeconds` without use.
 */
export class ModelStore {
  /** By {@link slotKey}: a task's default model, or a model a request named (each classifier's). */
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Requests running on each model: the idle countdown starts when the last one ends. */
  private readonly inUse = new Map<string, number>();
  /**
   * Each task's last load that failed on a broken or unsuitable model, with the state of the
   * model's files then: until one of them changes, a request gets the same error at once instead
   * of reading the files again (the editor asks for entities on every pause in typing). A change,
   * such as the user restoring the file, makes the next request load afresh.
   */
  private readonly broken = new Map<string, { files: string; error: EngineError }>();
  /** Set when the GPU failed once: later models go straight to the CPU. */
  private gpuUnavailable?: string;
  /** The device the most recently loaded model runs on. */
  private lastDevice?: DeviceInfo;

  constructor(
    private readonly options: EngineOptions,
    private readonly log: Logger,
  ) {}

  /** The slot's model, loaded once; concurrent callers share the one load. */
  private get(slot: ModelSlot, context: LoadContext): Promise<LoadedModel> {
    const key = slotKey(slot);
    let model = this.models.get(key);
    if (!model) {
      model = this.load(slot, context);
      this.models.set(key, model);
      // A failed load is not cached: the next request tries again (the user may fix the folder).
      model.catch(() => this.models.delete(key));
    }
    return model;
  }

  /**
   * Runs `work` on the task's model (loading it first if needed), which stays loaded while the
   * work runs, however long it takes, and for the idle time after.
   */
  async use<T>(slot: Task | ModelSlot, context: LoadContext, work: (model: LoadedModel) => Promise<T>): Promise<T> {
    const resolved = typeof slot === 'string' ? { task: slot } : slot;
    const key = slotKey(resolved);
    this.inUse.set(key, (this.inUse.get(key) ?? 0) + 1);
    try {
      return await work(await this.get(resolved, context));
    } finally {
      const left = (this.inUse.get(key) ?? 1) - 1;
      if (left > 0) this.inUse.set(key, left);
      else this.inUse.delete(key);
      this.touch(key);
    }
  }

  /** Where models run, once one has loaded. */
  get device(): DeviceInfo | undefined {
    return this.lastDevice;
  }

  /** Models loaded now (not those still loading). */
  async loaded(): Promise<LoadedModel[]> {
    const settled = await Promise.allSettled(this.models.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** Restarts the idle countdown of a model, unless a request is using it. */
  private touch(key: string): void {
    clearTimeout(this.idleTimers.get(key));
    if (this.options.idleUnloadSeconds <= 0 || this.inUse.has(key)) return;
    const timer = setTimeout(() => void this.unload(key), this.options.idleUnloadSeconds * 1000);
    timer.unref();
    this.idleTimers.set(key, timer);
  }

  /** Unloads a task's default model (`task`) or a named one (its {@link slotKey}). */
  async unload(key: string): Promise<void> {
    clearTimeout(this.idleTimers.get(key));
    this.idleTimers.delete(key);
    const model = this.models.get(key);
    if (!model) return;
    this.models.delete(key);
    const loaded = await model.catch(() => undefined);
    if (loaded) {
      await loaded.release();
      // The tokenizer's native memory goes when its JS wrapper is collected: collect now where the
      // process allows it (the worker runs with --expose-gc), then give the freed pages back.
      returnLoadLeftovers();
      this.log.info(`Unloaded the ${key} model after ${this.options.idleUnloadSeconds} s unused.`);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.models.keys()].map((key) => this.unload(key)));
  }

  private async load(slot: ModelSlot, context: LoadContext): Promise<LoadedModel> {
    const { task } = slot;
    const key = slotKey(slot);
    const started = performance.now();
    if (this.options.device !== 'cpu') this.gpuUnavailable ??= gpuUnavailableReason();
    const wantsGpu = this.options.device !== 'cpu' && !this.gpuUnavailable;
    const precisionFor = (gpu: boolean) =>
      this.options.precision === 'auto' ? (gpu ? 'fp32' : 'int8') : this.options.precision;
    const resolve = (gpu: boolean) =>
      resolveModel(slot, this.options, precisionFor(gpu), {
        signal: context.signal,
        log: this.log,
        access: { proxy: this.options.proxy },
        onDownload: (p) => context.onActivity?.({ kind: 'downloading', task, received: p.received, total: p.total }),
      });

    const info = await resolve(wantsGpu);
    const files = await filesState(info);
    const known = this.broken.get(key);
    if (known?.files === files) throw known.error;
    try {
      const model = await this.open(info, wantsGpu, () => resolve(false), context);
      this.broken.delete(key);
      this.log.info(
        `Loaded the ${task} model ${model.info.id} (${model.info.file}, ${model.info.source}) on ${model.device.used.toUpperCase()} in ${Math.round(performance.now() - started)} ms.`,
      );
      return model;
    } catch (error) {
      if (error instanceof EngineError && error.code === 'model-corrupt') this.broken.set(key, { files, error });
      throw error;
    }
  }

  /**
   * Reads the model's config, then its weights, then its tokenizer: a broken config fails before
   * hundreds of MB are read, and the weights' and the tokenizer's loading peaks do not add up
   * (freed memory is given back after each). Every failure names the file and what to do.
   */
  private async open(info: ModelInfo, wantsGpu: boolean, resolveForCpu: () => Promise<ModelInfo>, context: LoadContext): Promise<LoadedModel> {
    context.onActivity?.({ kind: 'loading-model', task: info.task, message: `Loading ${info.id} (${info.precision})` });
    const config = await advised(info, () => readModelConfig(info.dir, info.task));
    await advised(info, () => checkArchitecture(info.dir, config));
    const threads = { threads: this.options.threads };
    // Weights in files beside the graph must be the model folder's own, checked before
    // onnxruntime opens any of them.
    await advised(info, () => checkExternalData(info.dir, info.file));
    let created = await advised(info, () => createSession(join(info.dir, info.file), this.options.device, threads, this.gpuUnavailable));
    if (created.device.used === 'cpu' && created.device.fallbackReason && this.options.device !== 'cpu') {
      this.gpuUnavailable ??= created.device.fallbackReason;
      this.log.warn(`Running on the CPU: ${created.device.fallbackReason}`);
      // With automatic precision, the CPU is better served by the int8 weights.
      if (wantsGpu && this.options.precision === 'auto') {
        const cpuInfo = await resolveForCpu();
        if (cpuInfo.file !== info.file) {
          await created.session.release();
          info = cpuInfo;
          await advised(info, () => checkExternalData(cpuInfo.dir, cpuInfo.file));
          created = await advised(info, () => createSession(join(cpuInfo.dir, cpuInfo.file), 'cpu', threads));
          created.device = { ...created.device, requested: this.options.device, fallbackReason: this.gpuUnavailable };
        }
      }
    }
    if (created.mapped) {
      const tables = created.mapped.map((table) => `${table.name} (${Math.round(table.bytes / 1e6)} MB)`).join(', ');
      this.log.info(`${info.id}: reads ${tables} from ${info.file} in place instead of copying it.`);
    }
    try {
      await advised(info, () => checkInputs(created.session, info));
    } catch (error) {
      await created.session.release();
      throw error;
    }
    returnLoadLeftovers();
    // The tokenizer after the weights: the peak of loading is then the larger of onnxruntime's
    // copy of the graph file and the tokenizer's parse, not the two at once (XLM-R: ~470 MB and
    // ~350 MB on top of what is already loaded).
    let tokenizer: TextTokenizer;
    let family: ModelFamily;
    try {
      const loaded = await advised(info, () => TextTokenizer.load(join(info.dir, 'tokenizer.json'), config.maxPositions));
      family = await advised(info, () => readFamily(info.dir, config, loaded));
      tokenizer = loaded.withMaxLength(family.maxLength);
    } catch (error) {
      await created.session.release();
      throw error;
    }
    returnLoadLeftovers();
    this.lastDevice = created.device;
    return new LoadedModel(info, config, tokenizer, created.device, created.session, tokenizer.cuts, family.padId);
  }
}

/** Runs one step of loading `info`; a broken-model error gets what the user can do about it. */
async function advised<T>(info: ModelInfo, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== 'model-corrupt') throw error;
    throw brokenModelError(error.message, info, error.cause);
  }
}

/**
 * The size, change time and inode of each file a load of `info` reads (config, tokenizer and every
 * weights file, which the CPU fallback may switch to): equal states mean nothing was fixed.
 */
async function filesState(info: ModelInfo): Promise<string> {
  const weights = await fs.readdir(join(info.dir, 'onnx')).catch(() => [] as string[]);
  const files = ['config.json', 'tokenizer.json', info.file, ...weights.map((name) => `onnx/${name}`)];
  const states = await Promise.all(
    files.map(async (file) => {
      const stat = await fs.stat(join(info.dir, file)).catch(() => undefined);
      return stat ? `${file}:${stat.size}:${stat.ctimeMs}:${stat.mtimeMs}:${stat.ino}` : `${file}:-`;
    }),
  );
  return `${info.dir}|${info.file}|${states.join('|')}`;
}

/** The inputs the engine feeds; a graph needing any other cannot be run. */
const FED_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
const REQUIRED_INPUTS = ['input_ids', 'attention_mask'];

/**
 * Refuses a graph the engine cannot feed, naming what is missing or extra: an encoder export takes
 * `input_ids` and `attention_mask` (and perhaps `token_type_ids`); `position_ids`, past key values
 * or decoder inputs belong to other kinds of export.
 */
function checkInputs(session: ort.InferenceSession, info: ModelInfo): void {
  const inputs = session.inputNames;
  const file = join(info.dir, info.file);
  const found = `its inputs are ${inputs.join(', ') || 'none'}`;
  const missing = REQUIRED_INPUTS.filter((name) => !inputs.includes(name));
  if (missing.length > 0) {
    throw new EngineError('model-corrupt', `The model ${file} lacks the input(s) ${missing.join(', ')} (${found}); an encoder export takes input_ids and attention_mask, and token_type_ids where the model has segments.`);
  }
  const extra = inputs.filter((name) => !FED_INPUTS.includes(name));
  if (extra.length > 0) {
    const kind = extra.some((name) => /past_key_values|decoder_|encoder_hidden_states|use_cache/.test(name))
      ? ': it is a decoder or encoder-decoder export, not an encoder'
      : '';
    throw new EngineError('model-corrupt', `The model ${file} needs the input(s) ${extra.join(', ')}, which this extension does not feed (${found}; it feeds ${FED_INPUTS.join(', ')})${kind}.`);
  }
}
