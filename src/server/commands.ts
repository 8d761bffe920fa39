/**
 * `workspace/executeCommand`: every command is handled here, on the server, so no editor needs
 * glue code. Arguments: the document's URI, then an options object. The analyses return the same
 * JSON as `text-analytics TASK --json` (src/cliTasks.ts builds both); `textAnalytics.redact`
 * returns the WorkspaceEdit and applies it through `workspace/applyEdit`. Each reports work-done
 * progress when the client gave a token, and stops when the request is cancelled.
 *
 *   textAnalytics.sentiment  [uri, { neutralBand?, format? }]
 *   textAnalytics.topics     [uri, { labels: string[] | "a,b", multiLabel?, template?, format? }]
 *   textAnalytics.ask        [uri, { question, top?, minScore? }]
 *   textAnalytics.classify   [uri, { model, level?, multiLabel?, minScore? }]
 *   textAnalytics.redact     [uri, { operator?, types? }]
 *   textAnalytics.allowValue [uri, { type, text }]   (the code action "Never Report This Value")
 */
import { LSPErrorCodes, ErrorCodes, ResponseError, type CancellationToken, type WorkDoneProgressReporter } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkerRequestError } from '../client/workerClient';
import { CLI_TASKS, JSON_SCHEMA_VERSION, type CliTask, type CliValues } from '../cliTasks';
import { UsageError } from '../cliOptions';
import type { PiiFinding, Progress, Task } from '../protocol';
import { DEFAULT_HYPOTHESIS_TEMPLATE } from '../tasks/topics';
import { isRecord } from '../validate';
import { isBlank } from '../unicode';

/** The analysis commands and the task each runs. */
export const TASK_COMMANDS = {
  'textAnalytics.sentiment': 'sentiment',
  'textAnalytics.topics': 'topics',
  'textAnalytics.ask': 'qa',
  'textAnalytics.classify': 'classify',
} as const satisfies Record<string, Task>;

export const REDACT_COMMAND = 'textAnalytics.redact';
export const ALLOW_VALUE_COMMAND = 'textAnalytics.allowValue';
export const SERVER_COMMANDS: readonly string[] = [...Object.keys(TASK_COMMANDS), REDACT_COMMAND, ALLOW_VALUE_COMMAND];

/** A command's arguments, read: the open document and the options object. */
export interface CommandArgs {
  document: TextDocument;
  options: Record<string, unknown>;
}

/** Reads `[uri, options?]`; an InvalidParams error in one line otherwise. */
export function commandArgs(command: string, args: unknown[] | undefined, document: (uri: string) => TextDocument | undefined): CommandArgs {
  const [uri, options = {}] = args ?? [];
  if (typeof uri !== 'string') throw invalid(`${command} takes the document's URI, then an options object: give the URI first.`);
  if (!isRecord(options)) throw invalid(`${command}: the second argument must be an options object, such as {"labels": ["sports", "politics"]}.`);
  const found = document(uri);
  if (!found) throw invalid(`${command}: ${uri} is not open in the server; open it (textDocument/didOpen) first.`);
  return { document: found, options };
}

export function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

/**
 * The values `CLI_TASKS[task].params` reads, from a command's options; the options each command
 * requires are checked here so the message names the option, not a command-line flag.
 */
export function cliValues(command: string, task: Task, options: Record<string, unknown>, document: TextDocument, defaults: { neutralBand: number }): CliValues {
  const text = (key: string) => optional(command, options, key, 'string') as string | undefined;
  const number = (key: string) => optional(command, options, key, 'number') as number | undefined;
  const flag = (key: string) => optional(command, options, key, 'boolean') as boolean | undefined;
  const labels = options.labels;
  if (task === 'topics' && !(Array.isArray(labels) ? labels.some((l) => typeof l === 'string' && l.trim()) : typeof labels === 'string' && labels.trim())) {
    throw invalid(`${command} needs "labels": the topics to score, such as ["sports", "politics"].`);
  }
  if (task === 'qa' && !text('question')?.trim()) throw invalid(`${command} needs "question": what to ask the document.`);
  if (task === 'classify' && !text('model')?.trim()) throw invalid(`${command} needs "model": the classifier, a model folder or a Hub id (owner/name).`);
  return {
    // The path decides the format where none is given (.md is Markdown), as on the command line.
    path: new URL(document.uri).pathname,
    neutralBand: number('neutralBand') ?? defaults.neutralBand,
    minScore: number('minScore'),
    top: number('top') ?? 3,
    question: text('question'),
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string').map(quotedLabel).join(',') : (labels as string | undefined),
    multiLabel: flag('multiLabel') ?? false,
    template: text('template') ?? DEFAULT_HYPOTHESIS_TEMPLATE,
    format: text('format'),
    model: text('model'),
    level: text('level'),
    useModel: true,
  };
}

function optional(command: string, options: Record<string, unknown>, key: string, type: 'string' | 'number' | 'boolean'): unknown {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) throw invalid(`${command}: "${key}" must be a ${type}.`);
  return value;
}

/** A label as parseLabels reads it back: quoted when it holds a comma or a quote. */
function quotedLabel(label: string): string {
  return /[",]/.test(label) ? `"${label.replace(/"/g, '""')}"` : label;
}

/** Runs an analysis command: the CLI's JSON for the task's result. */
export async function runTaskCommand(
  command: keyof typeof TASK_COMMANDS,
  args: CommandArgs,
  defaults: { neutralBand: number },
  run: (task: Task, params: object, options: { signal: AbortSignal; onProgress(progress: Progress): void }) => Promise<unknown>,
  token: CancellationToken,
  progress: WorkDoneProgressReporter,
): Promise<Record<string, unknown>> {
  const task = TASK_COMMANDS[command];
  const printer = CLI_TASKS[task] as CliTask<Task>;
  const text = args.document.getText();
  if (isBlank(text)) throw invalid(`${command}: the document is blank; there is nothing to analyse.`);
  let params: object;
  try {
    params = printer.params(cliValues(command, task, args.options, args.document, defaults));
  } catch (error) {
    if (error instanceof UsageError) throw invalid(`${command}: ${error.message}`);
    throw error;
  }
  const result = await withProgress(command, token, progress, (signal, onProgress) => run(task, { ...params, text }, { signal, onProgress }));
  return { schemaVersion: JSON_SCHEMA_VERSION, ...(materialized(printer.json(result as never)) as Record<string, unknown>) };
}

/**
 * Runs `work` with work-done progress (a percentage) and cancellation: `$/cancelRequest` aborts
 * the worker's request, and the command answers RequestCancelled.
 */
export async function withProgress<T>(
  title: string,
  token: CancellationToken,
  progress: WorkDoneProgressReporter,
  work: (signal: AbortSignal, onProgress: (progress: Progress) => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const cancellation = token.onCancellationRequested(() => controller.abort());
  progress.begin(title, 0, undefined, true);
  let shown = -1;
  try {
    if (token.isCancellationRequested) controller.abort();
    return await work(controller.signal, ({ done, total, message }) => {
      const percent = total > 0 ? Math.floor((100 * Math.min(done, total)) / total) : 0;
      if (percent === shown) return;
      shown = percent;
      if (message === undefined) progress.report(percent);
      else progress.report(percent, message);
    });
  } catch (error) {
    if (controller.signal.aborted || (error instanceof WorkerRequestError && error.code === 'cancelled')) {
      throw new ResponseError(LSPErrorCodes.RequestCancelled, `${title} was cancelled.`);
    }
    throw error;
  } finally {
    cancellation.dispose();
    progress.done();
  }
}

/** The CLI's JSON, whose long lists are iterables (written as they are made), as plain arrays. */
function materialized(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(materialized);
  if (Symbol.iterator in value) return [...(value as Iterable<unknown>)].map(materialized);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, materialized(item)]));
}

/** The finding a `textAnalytics.allowValue` names. */
export function allowValueArgs(options: Record<string, unknown>): Pick<PiiFinding, 'type' | 'text'> {
  const { type, text } = options;
  if (typeof type !== 'string' || typeof text !== 'string' || text === '') throw invalid(`${ALLOW_VALUE_COMMAND} takes the document's URI and {"type": "EMAIL_ADDRESS", "text": "the value"}.`);
  return { type, text };
}
