/**
 * Finding the model folder of a task: the user's setting, then the folder bundled with the
 * extension, then the download cache, then (if allowed) a download of the task's default model
 * from the Hugging Face Hub. Pure Node; the defaults and their hashes live in `manifest.json`.
 *
 * Cache layout: `<cacheDir>/<owner>/<name>/<revision>/` holds config.json, tokenizer.json, … and
 * onnx/<weights>. Work in progress lives under `<cacheDir>/.downloads/` (partials to resume, the
 * folder being assembled, the lock), so a model folder in the cache is always complete.
 *
 * @example
 * const model = await resolveModel('sentiment', options, 'int8', { log, signal, onDownload: show });
 * const config = readModelConfig(model.dir);
 */
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TASK_MODEL_NAMES, type EngineOptions, type ModelInfo, type Task } from '../protocol';
import {
  acquireLock,
  downloadFile,
  type DownloadTuning,
  HubFileNotFoundError,
  hubFileUrl,
  isErrno,
} from './download';
import { EngineError } from './errors';
import type { Logger } from './log';
import manifestJson from './manifest.json';

export type ModelPrecision = 'fp32' | 'int8';

export interface ManifestFile {
  /** Relative to the repo root, with `/`. */
  path: string;
  /** Null: not pinned, not checked. */
  size: number | null;
  sha256: string | null;
  /** The repo may lack it; a 404 is then not an error. */
  optional?: boolean;
}

export interface ModelSpec {
  /** Hub repo id, `owner/name`. */
  repo: string;
  /** A commit hash, or a branch when no commit is known (see `note`). */
  revision: string;
  note?: string;
  /** Every file of the model, the weights of both precisions included. */
  files: ManifestFile[];
  /** The weights file of each precision; only the wanted one is downloaded. */
  onnx: Record<ModelPrecision, string>;
}

export interface Manifest {
  models: Record<Task, ModelSpec>;
}

export interface DownloadProgress {
  task: Task;
  /** The file being fetched, relative to the model folder. */
  file: string;
  received: number;
  /** 0 while unknown. */
  total: number;
}

export interface ResolveContext {
  signal?: AbortSignal;
  log: Logger;
  onDownload?(progress: DownloadProgress): void;
  /** Retry and lock timings; the defaults suit real use, tests shorten them. */
  tuning?: Partial<DownloadTuning>;
}

export interface ModelConfig {
  /** Label of each output index. */
  id2label: string[];
  label2id: Record<string, number>;
  /** The longest input, in tokens, the position embeddings allow. */
  maxPositions: number;
  modelType?: string;
}

/**
 * A request needs a download the user has not agreed to (`askBeforeDownload`): says which model,
 * from where, and how big, so the extension can ask. `bytes` is null when the manifest does not
 * pin the sizes.
 */
export class DownloadNeededError extends EngineError {
  constructor(
    readonly task: Task,
    readonly repo: string,
    readonly bytes: number | null,
  ) {
    super('download-needed', `Text Analytics needs the ${TASK_MODEL_NAMES[task]} model ${repo} (${formatSize(bytes)}) from the Hugging Face Hub.`);
    this.name = 'DownloadNeededError';
  }
}

/** "67.6 MB" or "712 KB" (decimal units, as download sizes are usually given), or "size unknown". */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  return bytes < 999_500 ? `${Math.round(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

const TASK_SETTING = (task: Task) => `textAnalytics.models.${task}`;
const DOWNLOADS_SETTING = 'textAnalytics.allowDownloads';
const DOWNLOADS_DIR = '.downloads';
/** What the precision names usually are, for folders the manifest does not describe. */
const USUAL_ONNX: Record<ModelPrecision, string[]> = {
  fp32: ['onnx/model.onnx'],
  int8: ['onnx/model_quantized.onnx', 'onnx/model_int8.onnx'],
};
const OTHER: Record<ModelPrecision, ModelPrecision> = { fp32: 'int8', int8: 'fp32' };
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

// ---------------------------------------------------------------------------------------------
// Manifest

/** The manifest shipped with the extension, or `raw` checked to have its shape. */
export function loadManifest(raw: unknown = manifestJson): Manifest {
  const fail = (what: string): never => {
    throw new EngineError('internal', `The model manifest is malformed: ${what}.`);
  };
  const models = (raw as { models?: unknown } | null)?.models;
  if (typeof models !== 'object' || models === null) fail('no `models`');
  for (const task of ['sentiment', 'topics', 'entities', 'qa'] as const) {
    const spec = (models as Record<string, Partial<ModelSpec> | undefined>)[task];
    if (!spec) fail(`no entry for ${task}`);
    if (typeof spec?.repo !== 'string' || !HUB_ID.test(spec.repo)) fail(`${task}: bad repo`);
    if (typeof spec?.revision !== 'string' || !isSafeSegment(spec.revision)) fail(`${task}: bad revision`);
    if (!Array.isArray(spec?.files)) fail(`${task}: no files`);
    for (const file of spec?.files ?? []) {
      if (typeof file?.path !== 'string' || !isSafeRelative(file.path)) fail(`${task}: bad file path`);
      if (file.size !== null && !(Number.isSafeInteger(file.size) && file.size >= 0)) fail(`${task}: bad size of ${file.path}`);
      if (file.sha256 !== null && !/^[0-9a-f]{64}$/i.test(String(file.sha256))) fail(`${task}: bad sha256 of ${file.path}`);
    }
    for (const precision of ['fp32', 'int8'] as const) {
      const onnx = spec?.onnx?.[precision];
      if (!spec?.files?.some((f) => f.path === onnx)) fail(`${task}: the ${precision} weights are not among its files`);
    }
  }
  return raw as Manifest;
}

/** `<cacheDir>/<owner>/<name>/<revision>`: where a downloaded model lives. */
export function modelCacheDir(cacheDir: string, repo: string, revision: string): string {
  return path.join(expandHome(cacheDir), ...repo.split('/'), revision);
}

// ---------------------------------------------------------------------------------------------
// Resolution

/**
 * The model folder for `task`. Order: the task's setting (a folder, or a Hub id looked up in the
 * cache and downloaded if allowed); the bundled folder; the cache; a download of the default.
 * Throws `model-missing` (saying where to put the files), `model-corrupt`, `download-failed` or
 * `cancelled`.
 */
export async function resolveModel(
  task: Task,
  options: EngineOptions,
  precision: ModelPrecision,
  ctx: ResolveContext,
  manifest: Manifest = loadManifest(),
): Promise<ModelInfo> {
  const defaultSpec = manifest.models[task];
  const setting = options.modelSources[task]?.trim();

  if (setting) {
    const folder = expandHome(setting);
    if (path.isAbsolute(folder)) {
      const found = await inspectFolder(folder, precision, undefined);
      if (found.kind !== 'model') {
        const why = found.kind === 'absent' ? 'which does not exist or holds no model' : `which lacks ${found.missing.join(', ')}`;
        throw new EngineError(
          'model-missing',
          `${TASK_SETTING(task)} points to ${folder}, ${why}. A model folder needs config.json, tokenizer.json and ` +
            `onnx/model.onnx or onnx/model_quantized.onnx.`,
        );
      }
      return chosen(ctx.log, task, { id: path.basename(folder), source: 'setting', dir: folder }, found, precision);
    }
    if (!HUB_ID.test(setting)) {
      throw new EngineError(
        'model-missing',
        `${TASK_SETTING(task)} is "${setting}": expected a Hub id (owner/name) or an absolute folder path.`,
      );
    }
    const spec = Object.values(manifest.models).find((m) => m.repo === setting) ?? unpinnedSpec(setting);
    return fromCacheOrHub(task, spec, options, precision, ctx);
  }

  if (options.bundledModelsDir) {
    const folder = path.join(expandHome(options.bundledModelsDir), task);
    const found = await inspectFolder(folder, precision, defaultSpec);
    if (found.kind === 'incomplete') {
      throw new EngineError(
        'model-missing',
        `The bundled model folder ${folder} lacks ${found.missing.join(', ')}. Reinstall the extension, or set ${TASK_SETTING(task)} to a model folder.`,
        { trouble: { kind: 'incomplete', task, dir: folder, missing: found.missing } },
      );
    }
    if (found.kind === 'model') {
      return chosen(ctx.log, task, { id: path.basename(folder), source: 'bundled', dir: folder }, found, precision);
    }
  }

  return fromCacheOrHub(task, defaultSpec, options, precision, ctx);
}

/** The cache folder of `spec`, downloading into it when allowed and needed. */
async function fromCacheOrHub(
  task: Task,
  spec: ModelSpec,
  options: EngineOptions,
  precision: ModelPrecision,
  ctx: ResolveContext,
): Promise<ModelInfo> {
  const dir = modelCacheDir(options.cacheDir, spec.repo, spec.revision);
  const cached = await inspectFolder(dir, precision, spec);
  const cacheInfo = { id: spec.repo, source: 'cache', dir } as const;
  if (cached.kind === 'model' && cached.precision === precision) return chosen(ctx.log, task, cacheInfo, cached, precision);

  if (!options.allowDownloads) {
    if (cached.kind === 'model') return chosen(ctx.log, task, cacheInfo, cached, precision);
    const files = ['config.json', 'tokenizer.json', spec.onnx[precision]];
    const missing = cached.kind === 'incomplete' ? cached.missing : undefined;
    throw new EngineError(
      'model-missing',
      `No ${TASK_MODEL_NAMES[task]} model is available and downloads are off. Put ${files.join(', ')} of https://huggingface.co/${spec.repo} in ` +
        `${dir}${missing ? ` (it lacks ${missing.join(', ')})` : ''}, or set ${TASK_SETTING(task)} to a folder that holds them, or turn on ${DOWNLOADS_SETTING}.`,
      { trouble: { kind: 'unavailable', task, repo: spec.repo, files, dir, ...(missing ? { missing } : {}) } },
    );
  }

  if (options.askBeforeDownload) {
    // Other weights already here beat a question: they work now, and offline.
    if (cached.kind === 'model') return chosen(ctx.log, task, cacheInfo, cached, precision);
    throw new DownloadNeededError(task, spec.repo, await downloadBytes(dir, spec, precision));
  }

  try {
    const got = await downloadIntoCache(task, spec, precision, options.cacheDir, ctx);
    return chosen(ctx.log, task, { id: spec.repo, source: got.downloaded ? 'download' : 'cache', dir }, got, precision);
  } catch (error) {
    // The other precision in the cache beats no model at all.
    if (cached.kind !== 'model' || (error instanceof EngineError && error.code === 'cancelled')) throw error;
    ctx.log.warn(
      `Could not download the ${precision} weights of ${spec.repo} (${error instanceof Error ? error.message : String(error)}).`,
    );
    return chosen(ctx.log, task, cacheInfo, cached, precision);
  }
}

/**
 * The bytes a download of `spec` with `precision`'s weights fetches into `dir` (files already
 * there are skipped), by the manifest's sizes; null when one of them is not pinned.
 */
async function downloadBytes(dir: string, spec: ModelSpec, precision: ModelPrecision): Promise<number | null> {
  const otherWeights = new Set(Object.values(spec.onnx).filter((file) => file !== spec.onnx[precision]));
  let total = 0;
  for (const file of spec.files) {
    if (otherWeights.has(file.path) || (await isFile(path.join(dir, file.path)))) continue;
    if (file.size === null) return null;
    total += file.size;
  }
  return total;
}

/**
 * Downloads the task's default model with `precision`'s weights (verified as any download) into
 * `<modelsDir>/<task>/`, the bundled-models layout, replacing what was there: for `npm run
 * models:bundle`. The download goes through the cache machinery in `<modelsDir>/.cache` (resumable
 * if interrupted), and the finished folder is moved into place.
 */
export async function bundleModel(
  task: Task,
  precision: ModelPrecision,
  modelsDir: string,
  ctx: ResolveContext,
  manifest: Manifest = loadManifest(),
): Promise<ModelInfo> {
  const spec = manifest.models[task];
  const cacheDir = path.join(modelsDir, '.cache');
  const got = await downloadIntoCache(task, spec, precision, cacheDir, ctx);
  const target = path.join(modelsDir, task);
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(modelCacheDir(cacheDir, spec.repo, spec.revision), target);
  await fs.rm(cacheDir, { recursive: true, force: true });
  return { task, id: spec.repo, source: 'bundled', dir: target, file: got.file, precision: got.precision };
}

/**
 * What `dir` lacks to be used as a model folder (the files {@link resolveModel} looks for), or an
 * empty list when it can be used: for the command that points a task's setting at a folder.
 */
export async function missingModelFiles(dir: string): Promise<string[]> {
  if (!(await isDirectory(dir))) return [`the folder itself (${dir} is not a folder)`];
  const found = await inspectFolder(dir, 'int8', undefined);
  if (found.kind === 'model') return [];
  if (found.kind === 'incomplete') return found.missing;
  return ['config.json', 'tokenizer.json', `${USUAL_ONNX.fp32[0]} (or ${USUAL_ONNX.int8[0]})`];
}

type FolderState =
  | { kind: 'absent' }
  | { kind: 'incomplete'; missing: string[] }
  | { kind: 'model'; file: string; precision: ModelPrecision };

/**
 * Whether `dir` holds a model, and which weights to use: the wanted precision's, else the other's.
 * `absent` when nothing model-like is there, so the next place can be tried.
 */
async function inspectFolder(dir: string, precision: ModelPrecision, spec: ModelSpec | undefined): Promise<FolderState> {
  const candidates = (p: ModelPrecision) => [...new Set([...(spec ? [spec.onnx[p]] : []), ...USUAL_ONNX[p]])];
  const hasConfig = await isFile(path.join(dir, 'config.json'));
  const hasTokenizer = await isFile(path.join(dir, 'tokenizer.json'));
  const firstPresent = async (p: ModelPrecision) => {
    for (const file of candidates(p)) if (await isFile(path.join(dir, file))) return file;
    return undefined;
  };
  const wanted = await firstPresent(precision);
  const fallback = wanted ? undefined : await firstPresent(OTHER[precision]);
  const onnx = wanted ?? fallback;

  if (!hasConfig && !hasTokenizer && !onnx && !(await isDirectory(path.join(dir, 'onnx')))) return { kind: 'absent' };
  const missing = [
    ...(hasConfig ? [] : ['config.json']),
    ...(hasTokenizer ? [] : ['tokenizer.json']),
    ...(onnx ? [] : [`${candidates(precision)[0]} (or ${candidates(OTHER[precision])[0]})`]),
  ];
  if (missing.length > 0 || !onnx) return { kind: 'incomplete', missing };
  return { kind: 'model', file: onnx, precision: wanted ? precision : OTHER[precision] };
}

function chosen(
  log: Logger,
  task: Task,
  where: Pick<ModelInfo, 'id' | 'source' | 'dir'>,
  found: { file: string; precision: ModelPrecision },
  wanted: ModelPrecision,
): ModelInfo {
  if (found.precision !== wanted) {
    log.warn(`${where.dir} has no ${wanted} weights; using its ${found.precision} weights ${found.file} instead.`);
  }
  log.info(`${task} model: ${where.id} (${where.source}, ${found.file}) in ${where.dir}`);
  return { task, ...where, file: found.file, precision: found.precision };
}

/** A Hub repo the manifest does not know: the usual file names, nothing pinned. */
function unpinnedSpec(repo: string): ModelSpec {
  const unpinned = (p: string, optional = false): ManifestFile => ({ path: p, size: null, sha256: null, optional });
  return {
    repo,
    revision: 'main',
    files: [
      unpinned('config.json'),
      unpinned('tokenizer.json'),
      unpinned('tokenizer_config.json', true),
      unpinned('special_tokens_map.json', true),
      unpinned('onnx/model.onnx'),
      unpinned('onnx/model_quantized.onnx'),
    ],
    onnx: { fp32: 'onnx/model.onnx', int8: 'onnx/model_quantized.onnx' },
  };
}

// ---------------------------------------------------------------------------------------------
// Download into the cache

/**
 * Makes `<cacheDir>/<repo>/<revision>` hold the model with `precision`'s weights (or, if the repo
 * lacks them, the other precision's). Under the lock: fetch into `<revision>.building`, resuming
 * partials kept in `<revision>/`, then rename the folder into place, or, when the cache folder
 * already exists (the other precision), rename the new files into it with the weights last.
 */
async function downloadIntoCache(
  task: Task,
  spec: ModelSpec,
  precision: ModelPrecision,
  cacheDir: string,
  ctx: ResolveContext,
): Promise<{ file: string; precision: ModelPrecision; downloaded: boolean }> {
  const finalDir = modelCacheDir(cacheDir, spec.repo, spec.revision);
  const workDir = path.join(expandHome(cacheDir), DOWNLOADS_DIR, ...spec.repo.split('/'));
  const partialsDir = path.join(workDir, spec.revision);
  const buildDir = path.join(workDir, `${spec.revision}.building`);
  const lock = await acquireLock(path.join(workDir, `${spec.revision}.lock`), {
    what: `${spec.repo}@${spec.revision}`,
    signal: ctx.signal,
    log: ctx.log,
    tuning: ctx.tuning,
  });
  try {
    // Whoever held the lock before may have just finished this very download.
    const present = await inspectFolder(finalDir, precision, spec);
    if (present.kind === 'model' && present.precision === precision) return { ...present, downloaded: false };

    await fs.rm(buildDir, { recursive: true, force: true }); // left by a process that died
    const fetched: string[] = [];
    const fetchFile = async (file: ManifestFile) => {
      if (await isFile(path.join(finalDir, file.path))) return;
      if (file.sha256 === null) ctx.log.warn(`${spec.repo}/${file.path} is unpinned: the manifest has no sha256 for it.`);
      try {
        await downloadFile({
          url: hubFileUrl(spec.repo, spec.revision, file.path),
          partialPath: path.join(partialsDir, `${file.path}.partial`),
          destPath: path.join(buildDir, file.path),
          size: file.size,
          sha256: file.sha256,
          label: `${spec.repo}/${file.path}`,
          signal: ctx.signal,
          log: ctx.log,
          tuning: ctx.tuning,
          onProgress: (received, total) => ctx.onDownload?.({ task, file: file.path, received, total }),
        });
        fetched.push(file.path);
      } catch (error) {
        if (!(file.optional && error instanceof HubFileNotFoundError)) throw error;
        ctx.log.info(`${spec.repo} has no ${file.path}; going on without it.`);
      }
    };

    const weights = new Set(Object.values(spec.onnx));
    for (const file of spec.files) if (!weights.has(file.path)) await fetchFile(file);
    let got = precision;
    const entry = (p: ModelPrecision) => spec.files.find((f) => f.path === spec.onnx[p]) as ManifestFile;
    try {
      await fetchFile(entry(precision));
    } catch (error) {
      if (!(error instanceof HubFileNotFoundError)) throw error;
      got = OTHER[precision];
      ctx.log.warn(`${spec.repo} has no ${precision} weights (${spec.onnx[precision]}); downloading ${spec.onnx[got]} instead.`);
      await fetchFile(entry(got));
    }

    if (!(await lock.isHeld())) {
      throw new EngineError('download-failed', `Another process took over the download of ${spec.repo}; try again.`);
    }
    await placeInCache(buildDir, finalDir, fetched, spec.onnx[got]);
    await removeIfNoFiles(partialsDir);
    return { file: spec.onnx[got], precision: got, downloaded: true };
  } finally {
    await fs.rm(buildDir, { recursive: true, force: true }).catch(() => undefined);
    await lock.release();
  }
}

async function placeInCache(buildDir: string, finalDir: string, fetched: string[], weights: string): Promise<void> {
  if (!(await exists(finalDir))) {
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    try {
      await fs.rename(buildDir, finalDir); // the whole model appears at once
      return;
    } catch (error) {
      if (!isErrno(error, 'EEXIST', 'ENOTEMPTY', 'EPERM')) throw error;
    }
  }
  // The folder is there already: add the new files, the weights (which make it a model) last.
  const ordered = [...fetched.filter((f) => f !== weights), ...fetched.filter((f) => f === weights)];
  for (const file of ordered) {
    await fs.mkdir(path.dirname(path.join(finalDir, file)), { recursive: true });
    await fs.rename(path.join(buildDir, file), path.join(finalDir, file));
  }
}

/** Removes `dir` if nothing but empty folders is left in it (a partial of other weights stays). */
async function removeIfNoFiles(dir: string): Promise<void> {
  const onlyFolders = async (d: string): Promise<boolean> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      if (!entry.isDirectory() || !(await onlyFolders(path.join(d, entry.name)))) return false;
    }
    return true;
  };
  if ((await isDirectory(dir)) && (await onlyFolders(dir))) await fs.rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// config.json

/**
 * Reads `<dir>/config.json` (synchronously: it is a few hundred bytes): the labels (index order) and the longest input. A config without
 * `id2label` (question answering) gets Transformers' default, LABEL_0 … LABEL_{num_labels-1}.
 * With `task`, also checks that the labels are those the task reads the outputs by (see {@link labelProblem}), so
 * a model of the wrong kind fails when it loads, naming its config, not on every request.
 * Throws `model-corrupt` naming the file when it is unreadable or its fields are wrong.
 */
export function readModelConfig(dir: string, task?: Task): ModelConfig {
  const file = path.join(dir, 'config.json');
  const corrupt = (what: string, cause?: unknown): never => {
    throw new EngineError('model-corrupt', `${file} ${what}.`, { cause });
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new EngineError('model-missing', `The model folder ${dir} has no config.json.`);
    return corrupt('cannot be read', error);
  }
  if (text.trim() === '') return corrupt('is empty');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return corrupt(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return corrupt('is not a JSON object');

  const maxPositions = config.max_position_embeddings;
  if (typeof maxPositions !== 'number' || !Number.isInteger(maxPositions) || maxPositions < 2) {
    return corrupt(`has no valid max_position_embeddings (found ${JSON.stringify(maxPositions)})`);
  }

  let id2label: string[];
  if (config.id2label === undefined) {
    const count = typeof config.num_labels === 'number' ? config.num_labels : 2;
    id2label = Array.from({ length: count }, (_, i) => `LABEL_${i}`);
  } else {
    const raw = config.id2label;
    if (typeof raw !== 'object' || raw === null) return corrupt('has an id2label that is not an object');
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) return corrupt('has an empty id2label');
    id2label = new Array<string>(entries.length);
    for (const [key, label] of entries) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof label !== 'string' || label === '') {
        return corrupt(`has an id2label entry ${JSON.stringify(key)}: ${JSON.stringify(label)} that is not index → label`);
      }
      id2label[index] = label;
    }
    if (id2label.some((label) => label === undefined)) return corrupt('has an id2label with gaps');
  }
  const problem = task && labelProblem(task, config.id2label === undefined ? undefined : id2label);
  if (problem) return corrupt(problem);
  const label2id = Object.fromEntries(id2label.map((label, i) => [label, i]));
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  return { id2label, label2id, maxPositions, modelType };
}

/** What each task reads the model's outputs by, for messages. */
const LABELS_NEEDED: Record<Exclude<Task, 'qa'>, string> = {
  sentiment: 'a sentiment model names its outputs POSITIVE and NEGATIVE',
  entities: 'a named-entity model names its outputs "O" and tags such as B-PER, I-PER',
  topics: 'a zero-shot (NLI) model names its outputs "entailment" and "contradiction"',
};

/**
 * Why `id2label` (undefined: the config has none) does not fit `task`, or undefined when it does.
 * The same names the task modules look for (sentiment.ts, entities.ts, topics.ts); question
 * answering reads start and end logits, not labels.
 */
function labelProblem(task: Task, id2label: string[] | undefined): string | undefined {
  if (task === 'qa') return undefined;
  if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${LABELS_NEEDED[task]}`;
  const fits = {
    sentiment: sentimentOutputs(id2label) !== undefined,
    entities: id2label.some((label) => label.toLowerCase() === 'o') && id2label.length > 1,
    topics: nliOutputs(id2label) !== undefined,
  }[task];
  return fits ? undefined : `has the labels ${id2label.join(', ')}, but ${LABELS_NEEDED[task]}`;
}

/**
 * Where a sentiment model's positive and negative outputs are: by name (POSITIVE/NEGATIVE, pos/neg…),
 * or for two unnamed labels (LABEL_0, LABEL_1) negative then positive, the order of the binary
 * sentiment models. Undefined when neither fits.
 */
export function sentimentOutputs(id2label: readonly string[]): { positiveIndex: number; negativeIndex: number } | undefined {
  const names = id2label.map((label) => label.toLowerCase());
  const positiveIndex = names.findIndex((n) => n.startsWith('pos'));
  const negativeIndex = names.findIndex((n) => n.startsWith('neg'));
  if (positiveIndex >= 0 && negativeIndex >= 0) return { positiveIndex, negativeIndex };
  return names.length === 2 ? { positiveIndex: 1, negativeIndex: 0 } : undefined;
}

/** Where a zero-shot (NLI) model's entailment and contradiction outputs are, by name; undefined without them. */
export function nliOutputs(id2label: readonly string[]): { entailment: number; contradiction: number } | undefined {
  const byName = new Map(id2label.map((label, index) => [label.toLowerCase(), index]));
  const entailment = byName.get('entailment');
  const contradiction = byName.get('contradiction') ?? byName.get('not_entailment');
  return entailment === undefined || contradiction === undefined ? undefined : { entailment, contradiction };
}

/**
 * The error for a model whose files are broken or of the wrong kind: `problem` (what is wrong, one
 * sentence) and, in the editor's words, what to do ({@link repairAdvice}); the parts go with it as
 * its `trouble`, for the command line to word its own advice.
 */
export function brokenModelError(problem: string, model: Pick<ModelInfo, 'task' | 'source' | 'dir'>, cause?: unknown): EngineError {
  const said = problem.endsWith('.') ? problem : `${problem}.`;
  return new EngineError('model-corrupt', `${said} ${repairAdvice(model)}`, { cause, trouble: { kind: 'broken', model, problem: said } });
}

/**
 * What the user can do about a model whose files are broken or of the wrong kind, which depends
 * on where it came from: a folder of theirs, the extension, or the download cache.
 */
export function repairAdvice(info: Pick<ModelInfo, 'task' | 'source' | 'dir'>): string {
  const setting = TASK_SETTING(info.task);
  switch (info.source) {
    case 'setting':
      return `Fix or replace the file, or set ${setting} to another model folder.`;
    case 'bundled':
      return `The model bundled with the extension is damaged: reinstall the extension, or set ${setting} to a model folder.`;
    case 'cache':
    case 'download':
      return `Delete the folder ${info.dir} to have it downloaded again (with ${DOWNLOADS_SETTING} on), or set ${setting} to another model.`;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** `~` and `~/…` are the home folder. */
function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

function isSafeSegment(s: string): boolean {
  return /^[\w.-]+$/.test(s) && s !== '.' && s !== '..';
}

function isSafeRelative(p: string): boolean {
  return p.split('/').every(isSafeSegment);
}

async function isFile(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

async function exists(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined)) !== undefined;
}
