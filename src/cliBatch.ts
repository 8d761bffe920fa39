/**
 * `text-analytics batch INPUT… --task TASK --out results.jsonl`: the command line's side of a batch
 * run (src/batch/run.ts does the run). The task's options are the subcommand's own, read by its
 * entry in src/cliTasks.ts, so `batch --task sentiment` and `sentiment FILE --json` make the same
 * request and print the same result. Progress and the summary go to stderr; Ctrl-C (or SIGTERM)
 * stops after writing what is done, in order, and says how to resume. With --queue the documents
 * and their requests go to a queue for workers on other machines instead (src/cliQueue.ts).
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI_TASKS, cliLanguageFields, cliTask, JSON_SCHEMA_VERSION, type CliTask, type CliValues } from './cliTasks';
import { modelSource, numberOption, UsageError } from './cliOptions';
import { interruption, INTERRUPTED_EXIT_CODE, type Messages } from './cliOutput';
import type { EngineOptions } from './protocol';
import { REGISTRY, TASKS, type Task } from './tasks/registry';
import { checkInputs, readInputs, type BatchDocument } from './batch/inputs';
import { batchProgress, duration } from './batch/progress';
import { reportLine, writeReport } from './batch/report';
import { runBatch, statePath } from './batch/run';
import { enqueueCommand, queueTarget } from './cliQueue';

export interface BatchValues extends Omit<CliValues, 'path'> {
  task?: string;
  out?: string;
  resume: boolean;
  overwrite: boolean;
  processes?: string;
  threads?: string;
  quiet: boolean;
  include?: string[];
  exclude?: string[];
  'text-field'?: string;
  'id-field'?: string;
  'date-field'?: string;
  column?: string;
  'id-column'?: string;
  'date-column'?: string;
  language?: string;
  'model-languages'?: string;
  maxChars: number;
  json: boolean;
  lines?: string;
  precision?: string;
  /** Many machines: the documents go to this queue (src/cliQueue.ts) instead of running here. */
  queue?: string;
}

export async function batchCommand(inputs: string[], values: BatchValues, options: EngineOptions, messages: Messages, argv: string[]): Promise<number> {
  const task = batchTask(values.task);
  if (inputs.length === 0) throw new UsageError('Give the files, folders, CSV or JSON Lines files to analyse (- reads JSON Lines from standard input).');
  if (values.queue !== undefined) queueOptionsCheck(values);
  else if (!values.out) throw new UsageError('Give the output file with --out results.jsonl.');
  if (values.lines !== undefined) throw new UsageError('--lines does not apply to batch: every document is analysed whole.');
  if (values.json) throw new UsageError('--json does not apply to batch: every line of --out is the JSON that TASK --json prints.');
  if (values.resume && values.overwrite) throw new UsageError('--resume continues the run in --out and --overwrite starts it again: give one.');

  // Every core: as many processes as cores, a thread each, unless told otherwise (see CONTRIBUTING, "Batch runs").
  const cores = availableParallelism();
  const processes = values.processes === undefined ? cores : numberOption('processes', values.processes);
  const threads = values.threads === undefined || values.threads === '0' ? Math.max(1, Math.floor(cores / processes)) : numberOption('threads', values.threads);

  if (values.model !== undefined && REGISTRY[task].models === 'default') options.modelSources = { ...options.modelSources, [task]: modelSource(values.model) };
  const printer = CLI_TASKS[task] as CliTask<Task>;
  const language = cliLanguageFields(task, values.language, values['model-languages']);
  // A document's format (markdown or text) follows its file's extension, as for TASK FILE.
  const paramsFor = (path: string) => ({ ...printer.params({ ...values, path }), ...language });
  const checked = paramsFor('document.txt'); // a missing or wrong option is said before anything runs
  const input = {
    include: values.include ?? [],
    exclude: values.exclude ?? [],
    textField: values['text-field'] ?? 'text',
    idField: values['id-field'],
    dateField: values['date-field'],
    column: values.column ?? 'text',
    idColumn: values['id-column'],
    dateColumn: values['date-column'],
    maxChars: values.maxChars,
  };
  const job = {
    task,
    inputs: inputs.map((i) => (i === '-' ? i : resolve(i))),
    input,
    options: checked,
    models: options.modelSources ?? {},
    precision: options.precision,
  };
  // Many machines: the target is checked before the inputs are read.
  const target = values.queue === undefined ? undefined : queueTarget(values.queue, 'batch');
  await checkInputs(inputs);
  if (target !== undefined) {
    const request = (document: BatchDocument) => paramsFor(documentFile(document.source));
    const documents = readInputs(inputs, { ...input, skip: [], stdin: process.stdin });
    return await enqueueCommand(target, { task, description: job, engine: { models: job.models, precision: job.precision }, documents, request }, messages, values.quiet);
  }
  const out = resolve(values.out as string);

  const interrupted = interruption();
  try {
    const summary = await runBatch({
      task,
      inputs,
      out,
      resume: values.resume,
      overwrite: values.overwrite,
      processes,
      params: (document) => paramsFor(documentFile(document.source)),
      json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }),
      job,
      engineOptions: { ...options, threads },
      workerPath: join(__dirname, 'worker.js'),
      input: { ...input, stdin: process.stdin },
      progress: batchProgress(process.stderr, values.quiet ? 'quiet' : 'auto'),
      signal: interrupted.signal,
    });
    const total = summary.resumed + summary.written;
    const speed = summary.seconds > 0 ? `, ${(summary.written / summary.seconds).toFixed(1)} documents/s` : '';
    const counts = `${summary.results} result${summary.results === 1 ? '' : 's'}, ${summary.errors} error${summary.errors === 1 ? '' : 's'}`;
    const earlier = summary.resumed > 0 ? ` (after the ${summary.resumed} of the earlier run)` : '';
    if (summary.stopped) {
      messages.say(`Stopped after ${total} documents (${counts} in this run)${earlier}. To continue: ${resumeCommand(argv)}`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (!values.quiet) {
      messages.say(`Done: ${summary.written} documents in ${duration(summary.seconds)}${speed}: ${counts}${earlier}; ${total} lines in ${values.out} (state: ${statePath(values.out as string)}).`);
    }
    return 0;
  } finally {
    interrupted.dispose();
  }
}

/** `text-analytics report RESULTS… --html FILE`: the page of charts and tables over batch results. */
export async function reportCommand(files: string[], html: string | undefined, messages: Messages): Promise<number> {
  if (files.length === 0) throw new UsageError('Give the results to report on: the --out file of text-analytics batch.');
  if (html === undefined) throw new UsageError('Give the page to write with --html report.html.');
  if (files.some((file) => file === '-')) throw new UsageError('report reads result files, not standard input: give the --out file of text-analytics batch.');
  const data = await writeReport(files, html);
  messages.say(reportLine(data, html));
  return 0;
}

/** With --queue the run is the workers' and its output collect's: the local run's options do not apply. */
function queueOptionsCheck(values: BatchValues): void {
  if (values.out !== undefined) throw new UsageError('--out goes with collect when the documents are queued: text-analytics collect --queue URL --out results.jsonl.');
  if (values.resume || values.overwrite) throw new UsageError('--resume and --overwrite do not apply with --queue: queueing again adds only the documents not yet queued or done.');
  if (values.processes !== undefined || (values.threads !== undefined && values.threads !== '0')) {
    throw new UsageError('--processes and --threads are the workers\' with --queue: text-analytics worker --queue URL --processes N.');
  }
}

/** `--task`: a task's subcommand (`ask`) or its name (`qa`). */
function batchTask(value: string | undefined): Task {
  const names = TASKS.map((t) => REGISTRY[t].cli.command).join(', ');
  if (value === undefined) throw new UsageError(`Say which task to run with --task: ${names}.`);
  const task = cliTask(value) ?? (TASKS as readonly string[]).find((t) => t === value);
  if (task === undefined) throw new UsageError(`Unknown task: ${value} (use ${names}).`);
  return task as Task;
}

/** The file a document came from: its source without a record's `:LINE`. */
function documentFile(source: string): string {
  return source.replace(/:\d+$/, '');
}

/** The command as given, with --resume in place of --overwrite. */
function resumeCommand(argv: string[]): string {
  const args = argv.filter((arg) => arg !== '--overwrite' && arg !== '--resume');
  return ['text-analytics', ...args, '--resume'].map((arg) => (/^[\w./:=@,+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');
}
