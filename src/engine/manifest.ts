/**
 * The default model of each task, pinned in `manifest.json` (Hub repo, revision, every file with
 * its size and sha256), and where a downloaded model lives in the cache. Importing this module
 * bundles the manifest: code that only looks at folders imports `modelFiles.ts` instead.
 *
 * @example
 * const spec = loadManifest().models.sentiment;
 * const dir = modelCacheDir(options.cacheDir, spec.repo, spec.revision);
 */
import * as path from 'node:path';
import { DEFAULT_MODEL_TASKS, type DefaultModelTask } from '../tasks/registry';
import { EngineError } from './errors';
import manifestJson from './manifest.json';
import { expandHome, isSafeRelative, isSafeSegment } from './modelFiles';

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
  /** The languages it reads (BCP-47 tags, `*` for any): a task refuses a document in another (src/tasks/languages.ts). */
  languages?: string[];
}

export interface Manifest {
  /** The default model of each task that has one. */
  models: Record<DefaultModelTask, ModelSpec>;
}

/** A Hugging Face Hub repo id, `owner/name`. */
export const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** The manifest shipped with the extension, or `raw` checked to have its shape. */
export function loadManifest(raw: unknown = manifestJson): Manifest {
  const fail = (what: string): never => {
    throw new EngineError('internal', `The model manifest is malformed: ${what}.`);
  };
  const models = (raw as { models?: unknown } | null)?.models;
  if (typeof models !== 'object' || models === null) fail('no `models`');
  for (const task of DEFAULT_MODEL_TASKS) {
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
    const languages = spec?.languages as unknown;
    if (languages !== undefined && (!Array.isArray(languages) || languages.length === 0 || !languages.every((l) => typeof l === 'string'))) fail(`${task}: bad languages`);
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

/** A Hub repo the manifest does not know: the usual file names, nothing pinned. */
export function unpinnedSpec(repo: string): ModelSpec {
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
