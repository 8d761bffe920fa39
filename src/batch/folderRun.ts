/**
 * *Analyze Folder…* in VS Code: one task over every file of a folder, on the extension's own
 * worker (no second engine), one document at a time, writing the lines that `text-analytics batch`
 * writes (src/batch/run.ts: the same {@link analyse}, so the same retry, error lines and JSON).
 * The files are those {@link readInputs} walks (`.gitignore`, binary files as error lines), in its
 * order, so a results file reads like a batch run's and `text-analytics report` takes it. A folder
 * inside the workspace is walked from the workspace folder down its own path only (globs keep the
 * walk off every other folder), so that the `.gitignore` files above it apply too, as in git.
 *
 * The results go to `.text-analytics/` in the workspace folder ({@link resultsFile}): beside the
 * documents, where the user can open, diff or report on them, and kept when the extension goes.
 * That folder ignores itself (a `.gitignore` of `*`), as the results quote the documents (their
 * sentences, the personal data found), and its files are never read as documents of a later run.
 * Each line is written as soon as its document is done: a cancelled run keeps what it wrote.
 *
 * Pure Node (no `vscode`), so that the unit tests run it on the real worker.
 *
 * @example
 * const summary = await runFolder({ folder, task: 'sentiment', out, client, params, json, input, signal });
 * // out: {"id":"notes/a.md","source":"notes/a.md","task":"sentiment","result":{…}} per file
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { WorkerClient } from '../client/workerClient';
import type { Methods } from '../protocol';
import { REGISTRY, type Task } from '../tasks/registry';
import { readInputs, type BatchDocument, type InputOptions } from './inputs';
import { analyse, listsAsArrays, type BatchOptions } from './run';

/** The folder, inside the workspace folder, that holds the results of every folder analysed. */
export const RESULTS_FOLDER = '.text-analytics';

export interface FolderRunOptions extends Pick<BatchOptions, 'task' | 'params' | 'json'> {
  /** The folder whose files are analysed. */
  folder: string;
  /** The workspace folder that holds it: the `.gitignore` files from there down apply, and documents are named from there. */
  workspace?: string;
  /** The results file, made new (its folder too). */
  out: string;
  client: Pick<WorkerClient, 'request'>;
  input: Pick<InputOptions, 'maxChars'> & Partial<Pick<InputOptions, 'include' | 'exclude'>>;
  signal: AbortSignal;
  /** Before each document: how many are written, how many there are (once counted), and the next one's path inside the folder. */
  onProgress?(progress: FolderProgress): void;
}

export interface FolderProgress {
  done: number;
  total?: number;
  /** The document about to be analysed, by its path inside the folder (a record's with `:LINE`). */
  next: string;
  /** "files", or "documents" where a JSON Lines, CSV or TSV file made a document of each record. */
  unit: 'files' | 'documents';
}

export interface FolderRunSummary {
  /** Lines written, results and errors. */
  written: number;
  results: number;
  errors: number;
  /** The documents there are, when they were counted before the run ended. */
  total?: number;
  /** Stopped by the signal: the lines written stay, the rest was not analysed. */
  cancelled: boolean;
}

export async function runFolder(options: FolderRunOptions): Promise<FolderRunSummary> {
  const { folder, out, signal } = options;
  await prepareResultsFolder(dirname(out));
  const walk = walkFrom(folder, options.workspace);
  const input: InputOptions = {
    include: [...(options.input.include ?? []), ...walk.include],
    exclude: [...(options.input.exclude ?? []), ...walk.exclude, ...resultsInside(walk.root, out)],
    textField: 'text',
    column: 'text',
    maxChars: options.input.maxChars,
    skip: [out],
    // Only for the input `-`, which a folder never is: the extension host's own stdin is not touched.
    stdin: Readable.from([]),
  };
  const summary: FolderRunSummary = { written: 0, results: 0, errors: 0, cancelled: false };
  const counting = new AbortController();
  let unit: FolderProgress['unit'] = 'files';
  /** The document being analysed, by its name. */
  let current: string | undefined;
  // Counted beside the run (a pass of its own, as the batch progress bar does): the first files
  // start at once, and the notification says "n of N" as soon as N is known — while the first
  // file waits for the worker to start and load its model, too.
  void countDocuments(walk.root, input, counting.signal).then((count) => {
    if (count === undefined) return;
    summary.total = count.documents;
    if (count.records) unit = 'documents';
    if (current !== undefined && !signal.aborted) options.onProgress?.({ done: summary.written, total: summary.total, next: current, unit });
  });
  const method = REGISTRY[options.task].method as keyof Methods;
  const file = await open(out, 'w');
  const documents = readInputs([walk.root], input);
  try {
    for await (const document of documents) {
      if (signal.aborted) break;
      const named = { ...document, ...relativeNames(walk.root, document) };
      current = named.source;
      options.onProgress?.({ done: summary.written, total: summary.total, next: current, unit });
      const line = await analyse(options.client, method, options, named, signal);
      current = undefined;
      if (line === undefined) break; // cancelled while it ran: not written
      await file.write(`${JSON.stringify(line, listsAsArrays)}\n`);
      summary.written++;
      if (line.error === undefined) summary.results++;
      else summary.errors++;
    }
  } finally {
    counting.abort();
    await documents.return(undefined);
    await file.close();
  }
  summary.cancelled = signal.aborted;
  // Every document was read: however far the count got, they are the lines written.
  if (!summary.cancelled) summary.total = summary.written;
  return summary;
}

/** "3 of 12 files: notes/a.md" (the one being analysed now), or "3: notes/a.md" before they are counted. */
export function progressMessage({ done, total, next, unit }: FolderProgress): string {
  const at = (done + 1).toLocaleString('en');
  return total !== undefined ? `${at} of ${total.toLocaleString('en')} ${unit}: ${next}` : `${at}: ${next}`;
}

/**
 * Where the results of `task` over `folder` go: `<workspace>/.text-analytics/<folder>-<task>.jsonl`,
 * the folder named by its path inside the workspace folder (`notes-2024-sentiment.jsonl` for
 * notes/2024), the workspace folder by its own name, a folder outside it by its name. `variant`
 * tells runs of one task apart that differ by more than options (a classifier's id).
 */
export function resultsFile(workspace: string, folder: string, task: Task, variant?: string): string {
  const inside = relative(workspace, folder);
  const within = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
  const name = inside === '' ? basename(workspace) : within ? inside.split(sep).join('-') : basename(folder);
  const parts = [name || 'folder', task, ...(variant ? [variant] : [])];
  // A name that any file system takes: no separators, reserved characters or leading dots.
  const safe = parts.map((part) => part.replace(/[^\p{L}\p{N}_.-]+/gu, '_').replace(/^\.+/, '')).join('-');
  return join(workspace, RESULTS_FOLDER, `${safe}.jsonl`);
}

/** The results folder, with a `.gitignore` that ignores all of it (written once, if the user has none there). */
async function prepareResultsFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  if (basename(path) !== RESULTS_FOLDER) return;
  await writeFile(join(path, '.gitignore'), '# Written by Local Text Analytics: the results quote the documents, so they are not committed.\n*\n', { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
}

/**
 * Where the walk starts and the globs that keep it on `folder`: from the workspace folder, only the
 * folders on the way down to `folder` are entered (each level excludes the others), and only the
 * files inside `folder` are read. Outside a workspace folder, `folder` itself; also where a name
 * on the way holds a glob's special characters, which picomatch escapes differently on Windows.
 */
function walkFrom(folder: string, workspace: string | undefined): { root: string; include: string[]; exclude: string[] } {
  const alone = { root: folder, include: [], exclude: [] };
  if (workspace === undefined) return alone;
  const inside = relative(workspace, folder);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return alone;
  const names = inside.split(sep);
  if (names.some((name) => /[\\*?[\]{}()!+@|,]/.test(name))) return alone;
  const exclude = names.map((name, depth) => [...names.slice(0, depth), `!(${name})`].join('/'));
  return { root: workspace, include: [`${names.join('/')}/**`], exclude };
}

/** The exclude globs that keep the results folder out of the documents, when it lies inside the folder analysed. */
function resultsInside(folder: string, out: string): string[] {
  const results = relative(folder, dirname(out));
  if (results === '' || results.startsWith('..') || isAbsolute(results)) return [];
  return [results.split(sep).join('/')];
}

/** A document's id and source by its path inside the folder walked: the results do not carry the machine's absolute paths. */
function relativeNames(folder: string, document: BatchDocument): Pick<BatchDocument, 'id' | 'source'> {
  const source = insideFolder(folder, document.source);
  return { id: document.id === document.source ? source : document.id, source };
}

function insideFolder(folder: string, path: string): string {
  const inside = relative(folder, path);
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside.split(sep).join('/');
}

/** The documents of the folder, and whether any came from a record of a JSON Lines, CSV or TSV file. */
async function countDocuments(folder: string, input: InputOptions, signal: AbortSignal): Promise<{ documents: number; records: boolean } | undefined> {
  let documents = 0;
  let records = false;
  try {
    for await (const document of readInputs([folder], input)) {
      if (signal.aborted) return undefined;
      documents++;
      // A record's source is its file's path and its line; a file's is the path as walked.
      records ||= /\.(jsonl|ndjson|csv|tsv):\d+$/i.test(document.source);
    }
    return { documents, records };
  } catch {
    return undefined;
  }
}
