/**
 * What is in a model folder, by looking at the file system: whether it holds a model and which
 * weights to use ({@link inspectFolder}), what it lacks ({@link missingModelFiles}), and the small
 * path and file helpers model resolution is built on. Plain Node (`node:fs`, `node:path`): no
 * manifest, no download code, no onnxruntime, so the extension host may import it to check a
 * folder the user picks.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelPrecision, ModelSpec } from './manifest';

/** What the precision names usually are, for folders the manifest does not describe. */
export const USUAL_ONNX: Record<ModelPrecision, string[]> = {
  fp32: ['onnx/model.onnx'],
  int8: ['onnx/model_quantized.onnx', 'onnx/model_int8.onnx'],
};
export const OTHER_PRECISION: Record<ModelPrecision, ModelPrecision> = { fp32: 'int8', int8: 'fp32' };

/**
 * What `dir` lacks to be used as a model folder (the files `resolveModel` looks for), or an
 * empty list when it can be used: for the command that points a task's setting at a folder.
 */
export async function missingModelFiles(dir: string): Promise<string[]> {
  if (!(await isDirectory(dir))) return [`the folder itself (${dir} is not a folder)`];
  const found = await inspectFolder(dir, 'int8', undefined);
  if (found.kind === 'model') return [];
  if (found.kind === 'incomplete') return found.missing;
  return ['config.json', 'tokenizer.json', `${USUAL_ONNX.fp32[0]} (or ${USUAL_ONNX.int8[0]})`];
}

/** What a parent folder holds: one model folder per task, named by the task (the bundled layout). */
export interface ParentFolderModels<T extends string> {
  /** Per task, its model folder (`<dir>/<task>`), for each task whose subfolder holds a model. */
  found: Partial<Record<T, string>>;
  /** Subfolders named by a task that hold only part of a model, and what they lack. */
  incomplete: Partial<Record<T, string[]>>;
}

/**
 * Reads `dir` as a parent of model folders, `<dir>/sentiment`, `<dir>/qa`, … (the layout of the
 * bundled `models/` folder and of `--models`), so one folder can set up every task at once.
 * `tasks` are the subfolder names to look for; nothing is found when `dir` is itself a model.
 */
export async function modelsInParentFolder<T extends string>(dir: string, tasks: readonly T[]): Promise<ParentFolderModels<T>> {
  const result: ParentFolderModels<T> = { found: {}, incomplete: {} };
  for (const task of tasks) {
    const sub = path.join(dir, task);
    if (!(await isDirectory(sub))) continue;
    const state = await inspectFolder(sub, 'int8', undefined);
    if (state.kind === 'model') result.found[task] = sub;
    if (state.kind === 'incomplete') result.incomplete[task] = state.missing;
  }
  return result;
}

export type FolderState =
  | { kind: 'absent' }
  | { kind: 'incomplete'; missing: string[] }
  | { kind: 'model'; file: string; precision: ModelPrecision };

/**
 * Whether `dir` holds a model, and which weights to use: the wanted precision's, else the other's.
 * `absent` when nothing model-like is there, so the next place can be tried.
 */
export async function inspectFolder(dir: string, precision: ModelPrecision, spec: ModelSpec | undefined): Promise<FolderState> {
  const candidates = (p: ModelPrecision) => [...new Set([...(spec ? [spec.onnx[p]] : []), ...USUAL_ONNX[p]])];
  const hasConfig = await isFile(path.join(dir, 'config.json'));
  const hasTokenizer = await isFile(path.join(dir, 'tokenizer.json'));
  const firstPresent = async (p: ModelPrecision) => {
    for (const file of candidates(p)) if (await isFile(path.join(dir, file))) return file;
    return undefined;
  };
  const wanted = await firstPresent(precision);
  const fallback = wanted ? undefined : await firstPresent(OTHER_PRECISION[precision]);
  const onnx = wanted ?? fallback;

  if (!hasConfig && !hasTokenizer && !onnx && !(await isDirectory(path.join(dir, 'onnx')))) return { kind: 'absent' };
  const missing = [
    ...(hasConfig ? [] : ['config.json']),
    ...(hasTokenizer ? [] : [await tokenizerMissing(dir)]),
    ...(onnx ? [] : [`${candidates(precision)[0]} (or ${candidates(OTHER_PRECISION[precision])[0]})`]),
  ];
  if (missing.length > 0 || !onnx) return { kind: 'incomplete', missing };
  return { kind: 'model', file: onnx, precision: wanted ? precision : OTHER_PRECISION[precision] };
}

/**
 * The vocabularies of slow tokenizers (SentencePiece, WordPiece, BPE), which an export may carry
 * instead of tokenizer.json and which the `tokenizers` library cannot read.
 */
const SLOW_TOKENIZER_FILES = ['sentencepiece.bpe.model', 'spiece.model', 'spm.model', 'tokenizer.model', 'vocab.txt', 'vocab.json'];

/** "tokenizer.json", and when the folder holds a slow tokenizer's vocabulary instead, how to make one from it. */
async function tokenizerMissing(dir: string): Promise<string> {
  const slow: string[] = [];
  for (const file of SLOW_TOKENIZER_FILES) if (await isFile(path.join(dir, file))) slow.push(file);
  if (slow.length === 0) return 'tokenizer.json';
  return `tokenizer.json (it has ${slow.join(' and ')}, a slow tokenizer's vocabulary, which cannot be read: save a tokenizer.json with Python's transformers, AutoTokenizer.from_pretrained(folder).save_pretrained(folder), or use an export that has one)`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** `~` and `~/…` are the home folder. */
export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

export function isSafeSegment(s: string): boolean {
  return /^[\w.-]+$/.test(s) && s !== '.' && s !== '..';
}

export function isSafeRelative(p: string): boolean {
  return p.split('/').every(isSafeSegment);
}

export async function isFile(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isFile() ?? false;
}

export async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

export async function exists(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined)) !== undefined;
}

/** Bytes of the files under `dir` (0 when it does not exist), links not followed: model and cache sizes. */
export async function folderBytes(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await fs.lstat(path.join(entry.parentPath, entry.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
