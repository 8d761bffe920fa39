/**
 * Finding the model folder of a task: the user's setting, then the folder bundled with the
 * extension, then the download cache, then (if allowed) a download of the task's default model
 * from the Hugging Face Hub. Pure Node; the defaults and their hashes live in `manifest.json`
 * (read by manifest.ts), what a folder holds is checked by modelFiles.ts, and a model's
 * config.json is read by modelConfig.ts.
 *
 * Cache layout: `<cacheDir>/<owner>/<name>/<revision>/` holds config.json, tokenizer.json, … and
 * onnx/<weights>. Work in progress lives under `<cacheDir>/.downloads/` (partials to resume, the
 * folder being assembled, the lock), so a model folder in the cache is always complete.
 *
 * @example
 * const model = await resolveModel('sentiment', options, 'int8', { log, signal, onDownload: show });
 * const config = readModelConfig(model.dir); // modelConfig.ts
 * const classifier = await resolveModel({ task: 'classify', source: 'owner/name' }, options, 'int8', { log });
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatDownloadSize, type DownloadSize } from '../formatSize';
import { TASK_MODEL_NAMES, type EngineOptions, type ModelInfo, type Task } from '../protocol';
import { REGISTRY, type DefaultModelTask } from '../tasks/registry';
import {
  acquireLock,
  downloadFile,
  type DownloadTuning,
  HubFileNotFoundError,
  hubFileUrl,
  isErrno,
} from './download';
import { EngineError } from './errors';
import type { HubAccess } from './hubNetwork';
import type { Logger } from './log';
import { HUB_ID, loadManifest, type Manifest, type ManifestFile, type ModelPrecision, type ModelSpec, modelCacheDir, unpinnedSpec } from './manifest';
import { checkPins } from './pins';
import { externalDataFiles } from './externalData';
import { exists, expandHome, inspectFolder, isDirectory, isFile, isSafeRelative, OTHER_PRECISION } from './modelFiles';

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
  /** Proxy settings and the Hub token for downloads; absent: the environment's (`HTTPS_PROXY`, `HF_TOKEN`…). */
  access?: HubAccess;
}

/**
 * A request needs a download the user has not agreed to (`askBeforeDownload`): says which model,
 * from where, and how big, so the extension can ask. `bytes` is null when the manifest does not
 * pin the sizes.
 */
export class DownloadNeededError extends EngineError {
  readonly bytes: number | null;
  constructor(
    readonly task: Task,
    readonly repo: string,
    /** What the download would fetch, and the facts the Models view shows (revision, partials). */
    readonly plan: DownloadPlan,
    /** A model the request named (classifiers): what the host asks the worker to download. */
    readonly model?: string,
  ) {
    super('download-needed', `Text Analytics needs the ${TASK_MODEL_NAMES[task]} model ${repo} (${formatDownloadSize(plan)}) from the Hugging Face Hub.`);
    this.name = 'DownloadNeededError';
    this.bytes = plan.bytes;
  }
}

/** What a download of a model would fetch (see {@link DownloadResult}). */
export interface DownloadPlan extends DownloadSize {
  revision: string;
  /** Bytes already fetched by an interrupted download, kept to resume. */
  partialBytes: number;
}

/**
 * Which model a request runs on: its task's default (`textAnalytics.models.<task>`, the bundled
 * folder, the manifest), or the one the request names (`source`, a Hub id or an absolute folder:
 * classifiers), which messages call `setting`.
 */
export interface ModelSlot {
  task: Task;
  source?: string;
  setting?: string;
}

/** The setting that chooses a task's model, for messages. */
function settingOf(task: Task): string {
  return REGISTRY[task].models === 'default' ? `textAnalytics.models.${task}` : `the classifier's "model" (textAnalytics.classifiers)`;
}

/** What identifies a slot's model among those loaded: the task, and the model a request named. */
export function slotKey(slot: ModelSlot): string {
  return slot.source === undefined ? slot.task : `${slot.task}:${slot.source}`;
}
const DOWNLOADS_SETTING = 'textAnalytics.allowDownloads';
const DOWNLOADS_DIR = '.downloads';
// ---------------------------------------------------------------------------------------------
// Resolution

/**
 * The model folder for `task`. Order: the task's setting (a folder, or a Hub id looked up in the
 * cache and downloaded if allowed); the bundled folder; the cache; a download of the default.
 * Throws `model-missing` (saying where to put the files), `model-corrupt`, `download-failed` or
 * `cancelled`.
 */
export async function resolveModel(
  slot: Task | ModelSlot,
  options: EngineOptions,
  precision: ModelPrecision,
  ctx: ResolveContext,
  manifest: Manifest = loadManifest(),
): Promise<ModelInfo> {
  const { task, source, setting: named } = typeof slot === 'string' ? ({ task: slot } as ModelSlot) : slot;
  const settingName = () => named ?? settingOf(task);
  const defaultTask = REGISTRY[task].models === 'default' ? (task as DefaultModelTask) : undefined;
  const defaultSpec = defaultTask && manifest.models[defaultTask];
  const setting = (source ?? (defaultTask && options.modelSources[defaultTask]))?.trim();

  if (setting) {
    const folder = expandHome(setting);
    if (path.isAbsolute(folder)) {
      const found = await inspectFolder(folder, precision, undefined);
      if (found.kind !== 'model') {
        const why = found.kind === 'absent' ? 'which does not exist or holds no model' : `which lacks ${found.missing.join(', ')}`;
        throw new EngineError(
          'model-missing',
          `${settingName()} points to ${folder}, ${why}. A model folder needs config.json, tokenizer.json and ` +
            `onnx/model.onnx or onnx/model_quantized.onnx.`,
        );
      }
      return chosen(ctx.log, task, { id: path.basename(folder), source: 'setting', dir: folder }, found, precision);
    }
    if (!HUB_ID.test(setting)) {
      throw new EngineError(
        'model-missing',
        `${settingName()} is "${setting}": expected a Hub id (owner/name) or an absolute folder path.`,
      );
    }
    const spec = Object.values(manifest.models).find((m) => m.repo === setting) ?? unpinnedSpec(setting);
    return fromCacheOrHub(task, spec, options, precision, ctx, source);
  }
  if (!defaultSpec) throw new EngineError('model-missing', `No model is set for the ${TASK_MODEL_NAMES[task]}: set ${settingName()} to a Hub id (owner/name) or a model folder.`);

  if (options.bundledModelsDir) {
    const folder = path.join(expandHome(options.bundledModelsDir), task);
    const found = await inspectFolder(folder, precision, defaultSpec);
    if (found.kind === 'incomplete') {
      throw new EngineError(
        'model-missing',
        `The bundled model folder ${folder} lacks ${found.missing.join(', ')}. Reinstall the extension, or set ${settingName()} to a model folder.`,
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
  /** The model as the request named it, for a request that names one. */
  named?: string,
): Promise<ModelInfo> {
  const settingName = () => settingOf(task);
  const dir = modelCacheDir(options.cacheDir, spec.repo, spec.revision);
  const cached = await inspectFolder(dir, precision, spec);
  const cacheInfo = { id: spec.repo, source: 'cache', dir } as const;
  // Files the manifest does not pin are pinned by their first download: a later change is refused.
  const pinned = async (info: ModelInfo) => {
    await checkPins(options.cacheDir, await withExternalData(spec, info), info, ctx.log);
    return info;
  };
  if (cached.kind === 'model' && cached.precision === precision) return pinned(chosen(ctx.log, task, cacheInfo, cached, precision));

  if (!options.allowDownloads) {
    if (cached.kind === 'model') return pinned(chosen(ctx.log, task, cacheInfo, cached, precision));
    const files = ['config.json', 'tokenizer.json', spec.onnx[precision]];
    const missing = cached.kind === 'incomplete' ? cached.missing : undefined;
    throw new EngineError(
      'model-missing',
      `No ${TASK_MODEL_NAMES[task]} model is available and downloads are off. Put ${files.join(', ')} of https://huggingface.co/${spec.repo} in ` +
        `${dir}${missing ? ` (it lacks ${missing.join(', ')})` : ''}, or set ${settingName()} to a folder that holds them, or turn on ${DOWNLOADS_SETTING}.`,
      { trouble: { kind: 'unavailable', task, repo: spec.repo, files, dir, ...(missing ? { missing } : {}) } },
    );
  }

  if (options.askBeforeDownload) {
    // Other weights already here beat a question: they work now, and offline.
    if (cached.kind === 'model') return pinned(chosen(ctx.log, task, cacheInfo, cached, precision));
    const plan = { ...(await downloadBytes(dir, spec, precision)), revision: spec.revision, partialBytes: await partialBytes(options.cacheDir, spec) };
    throw new DownloadNeededError(task, spec.repo, plan, named);
  }

  try {
    const got = await downloadIntoCache(task, spec, precision, options.cacheDir, ctx);
    return pinned(chosen(ctx.log, task, { id: spec.repo, source: got.downloaded ? 'download' : 'cache', dir }, got, precision));
  } catch (error) {
    // The other precision in the cache beats no model at all.
    if (cached.kind !== 'model' || (error instanceof EngineError && error.code === 'cancelled')) throw error;
    ctx.log.warn(
      `Could not download the ${precision} weights of ${spec.repo} (${error instanceof Error ? error.message : String(error)}).`,
    );
    return pinned(chosen(ctx.log, task, cacheInfo, cached, precision));
  }
}

/**
 * The bytes a download of `spec` with `precision`'s weights fetches into `dir` (files already
 * there are skipped), by the manifest's sizes; `bytes` null when one of them is not pinned, with
 * the size of those that are (the weights, usually: nearly all of it) and the names of the others.
 */
async function downloadBytes(dir: string, spec: ModelSpec, precision: ModelPrecision): Promise<DownloadSize> {
  const otherWeights = new Set(Object.values(spec.onnx).filter((file) => file !== spec.onnx[precision]));
  let knownBytes = 0;
  const unknownFiles: string[] = [];
  for (const file of spec.files) {
    if (otherWeights.has(file.path) || (await isFile(path.join(dir, file.path)))) continue;
    // An optional file may not exist at all: its unknown size does not make the total unknown.
    if (file.size === null) {
      if (!file.optional) unknownFiles.push(file.path);
      continue;
    }
    knownBytes += file.size;
  }
  return unknownFiles.length === 0 ? { bytes: knownBytes } : { bytes: null, knownBytes, unknownFiles };
}

/** Bytes that an interrupted download of `spec` left to resume (`.downloads/<repo>/<revision>/`). */
async function partialBytes(cacheDir: string, spec: ModelSpec): Promise<number> {
  const dir = path.join(expandHome(cacheDir), DOWNLOADS_DIR, ...spec.repo.split('/'), spec.revision);
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name)).catch(() => undefined))?.size ?? 0;
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
  task: DefaultModelTask,
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
          access: ctx.access,
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
      got = OTHER_PRECISION[precision];
      ctx.log.warn(`${spec.repo} has no ${precision} weights (${spec.onnx[precision]}); downloading ${spec.onnx[got]} instead.`);
      await fetchFile(entry(got));
    }
    await fetchExternalData(spec, spec.onnx[got], buildDir, finalDir, fetchFile);

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

/**
 * Fetches the files that hold the weights of the graph `graph` (exports over 2 GB keep them beside
 * it, `onnx/model.onnx_data`), as its tensors name them; a name that would leave the model's
 * folder is refused, not fetched. The graph is read where it was just downloaded (`buildDir`) or
 * where it was already (`finalDir`).
 */
async function fetchExternalData(spec: ModelSpec, graph: string, buildDir: string, finalDir: string, fetchFile: (file: ManifestFile) => Promise<void>): Promise<void> {
  const built = path.join(buildDir, graph);
  const locations = await externalDataFiles((await isFile(built)) ? built : path.join(finalDir, graph));
  for (const location of locations) {
    if (!isSafeRelative(location)) {
      throw new EngineError('model-corrupt', `${spec.repo}/${graph} names the external data file "${location}", which is not a file inside the model's folder; it was not downloaded.`);
    }
    const file = path.posix.join(path.posix.dirname(graph), location);
    await fetchFile(spec.files.find((f) => f.path === file) ?? { path: file, size: null, sha256: null });
  }
}

/**
 * `spec` with the external data files that `info`'s graph names, unpinned unless `spec` lists
 * them: an export over 2 GB keeps nearly all its weights there, so first-download pinning must
 * cover them as it covers the graph, or a swapped `.onnx_data` would go unnoticed. Names that
 * leave the folder are left out (the load refuses them, naming them).
 */
async function withExternalData(spec: ModelSpec, info: ModelInfo): Promise<ModelSpec> {
  const locations = await externalDataFiles(path.join(info.dir, info.file)).catch(() => [] as string[]);
  const extra = locations
    .filter(isSafeRelative)
    .map((location) => path.posix.join(path.posix.dirname(info.file), location))
    .filter((file) => !spec.files.some((f) => f.path === file));
  if (extra.length === 0) return spec;
  return { ...spec, files: [...spec.files, ...extra.map((file): ManifestFile => ({ path: file, size: null, sha256: null }))] };
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
  const setting = settingOf(info.task);
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
