/**
 * `text-analytics`: the engine on the command line.
 *
 *   text-analytics sentiment FILE [--models DIR] [--json]
 *   text-analytics entities FILE [--models DIR] [--json] [--min-score S]
 *   text-analytics ask FILE --question "…" [--top N] [--models DIR] [--json]
 *   text-analytics topics FILE --labels "sports,business,…" [--multi-label] [--models DIR] [--json]
 *   text-analytics classify FILE --model DIR|owner/name [--level sentence|paragraph|document] [--multi-label] [--json]
 *   text-analytics pii FILE [--types T,…] [--no-model] [--model DIR|owner/name] [--phone-region CC] [--json]
 *   text-analytics redact FILE|- [--operator tag|pseudonym|mask|hash] [--keep-last N] [--types T,…] [--no-model] [--output F]
 *   text-analytics eval sst2|squad|conll|agnews FILE [--limit N] [--models DIR] [--json]
 *   text-analytics info [--models DIR]
 *   text-analytics batch INPUT… --task TASK --out FILE | --queue redis://HOST:PORT/NAME
 *   text-analytics worker --queue URL · text-analytics collect --queue URL --out FILE
 *   text-analytics --version
 *
 * A file is read as UTF-8 (or UTF-16 with a byte-order mark), and refused with a message when it
 * is binary, not valid text, blank, or longer than --max-chars; --lines analyses part of it.
 * Nothing is read whole that need not be (src/cliInput.ts): an endless stream is refused at the
 * limit. Offsets in the JSON output are UTF-16 code units into the decoded file, as in VS Code.
 * Output is written as it is made (src/cliOutput.ts); everything printed is inert text
 * (src/printable.ts), every message one line; model errors are worded with the CLI's options
 * (src/cliAdvice.ts); numeric options are checked against their ranges (src/cliOptions.ts). Each
 * task's subcommand is its contract's (src/tasks/) and its printing its entry in src/cliTasks.ts.
 *
 * `redact` is no task of its own: it runs `pii` on its input a window at a time and writes the text
 * with every finding replaced and every other byte as it was (src/redaction/). It streams, a file
 * or standard input (`-`), in bounded memory, so --max-chars does not apply to it, and writes
 * --output whole or not at all.
 */
// First: onnxruntime's telemetry is off before anything can load it.
import './engine/telemetry';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from './engine/onnxruntime';
import { Engine } from './engine/engine';
import { EngineError } from './engine/errors';
import { gpuProviderFor, gpuUnavailableReason } from './engine/device';
import { silentLogger } from './engine/log';
import { defaultEngineOptions } from './engine/options';
import { EXTENSION_VERSION } from './engine/version';
import { resolveModel } from './engine/models';
import { CLI_TASKS, cliLanguageFields, cliTask, JSON_SCHEMA_VERSION, parseLabels, type CliTask } from './cliTasks';
import { cliMessage, modelLine, type CliModels } from './cliAdvice';
import { batchCommand, reportCommand } from './cliBatch';
import { BatchError } from './batch/run';
import { WorkerRequestError } from './client/workerClient';
import { QueueError } from './batch/queue';
import { collectCommand, MISSING_EXIT_CODE, workerCommand } from './cliQueue';
import { InputError, readDocument, type TextDocument } from './cliInput';
import { lineRange, modelSource, numberOption, NUMBER_OPTIONS, oneOf, rangeText, UsageError } from './cliOptions';
import { CLOSED_PIPE_EXIT_CODE, Messages, Output, OutputClosed, OutputFailed } from './cliOutput';
import { printable } from './printable';
import { DatasetError } from './eval/datasets';
import { EVAL_MODEL_TASKS, EVAL_TASKS, evaluate, MAX_DATASET_BYTES, type EvalReport, type EvalTask } from './eval/evaluate';
import { type DevicePreference, type EngineOptions, type Precision } from './protocol';
import { DEFAULT_MODEL_TASKS, REGISTRY, TASKS, type DefaultModelTask, type Task } from './tasks/registry';
import { DEFAULT_HYPOTHESIS_TEMPLATE } from './tasks/topics';
import { piiCliParams, type PiiCliValues } from './redaction/cliOptions';
import { REDACT_OPERATORS, redactOptionsProblem, type RedactOptions } from './redaction/operators';
import { redactFile } from './redaction/redactFile';
import { DEFAULT_CHUNK_CHARS } from './redaction/stream';

const range = (option: keyof typeof NUMBER_OPTIONS) => rangeText(NUMBER_OPTIONS[option]);

/** A task's usage lines, from its contract: the synopsis, then the summary's lines beside it. */
const taskUsage = TASKS.map((task) => {
  const { synopsis, summary } = REGISTRY[task].cli;
  return summary
    .split('\n')
    .map((line, i) => (i === 0 ? `  text-analytics ${synopsis.padEnd(27)}${line}` : `${' '.repeat(44)}${line}`))
    .join('\n');
}).join('\n');

const USAGE = `Usage:
${taskUsage}
  text-analytics eval TASK FILE [--limit N] scores a task on a standard data set file:
                                            sst2 (SST-2 dev.tsv), squad (SQuAD v1.1 dev-v1.1.json),
                                            conll (CoNLL-2003 columns), agnews (AG News test.csv;
                                            --labels names classes 1-4, default World,Sports,Business,Sci/Tech);
                                            a data set file may have up to ${MAX_DATASET_BYTES / 2 ** 20} MiB
  text-analytics redact FILE|- [options]    FILE (or standard input: -) with every finding of pii
                                            replaced, every other byte unchanged, to stdout or --output
  text-analytics batch INPUT… --task TASK --out FILE
                                            one task over files, folders, CSV/TSV and JSON Lines
                                            (- : JSON Lines on stdin) on every core: a JSON line a
                                            document in --out, in the inputs' order; --resume
                                            continues a run that was stopped or killed
  text-analytics batch INPUT… --task TASK --queue redis://HOST:PORT/NAME
                                            puts the documents on a BullMQ queue named NAME on
                                            Redis, for workers on any number of machines
  text-analytics worker --queue URL         takes the queue's documents and runs them here until
                                            Ctrl-C (which gives back the documents in hand)
  text-analytics collect --queue URL --out FILE
                                            waits until every document of the job is done, then
                                            writes their lines in the inputs' order, as batch --out
  text-analytics report RESULTS… --html FILE
                                            a self-contained page with charts of batch results
  text-analytics info [options]             versions, device and where each model comes from
  text-analytics --version

Options:
  --models DIR        a folder with one subfolder per task (${DEFAULT_MODEL_TASKS.join(', ')})
  --json              print JSON instead of a table
  --device D          auto | cpu | gpu (default auto)
  --precision P       auto | fp32 | int8 (default auto: int8 on the CPU)
  --threads N         CPU threads, ${range('threads')} (default 0: onnxruntime's choice)
  --neutral-band B    within B of 0.5 a sentence is NEUTRAL, ${range('neutral-band')} (default 0.1; 0 never)
  --multi-label       topics, classify: score each label on its own instead of making them compete
  --model M           the task's model instead of its default: a model folder or a Hub id
                      (owner/name; with --download, fetched once and its files' hashes
                      recorded); classify: the classifier (required); pii, redact: a dedicated
                      personal-data model, run beside the named-entity model; eval: the model of
                      the data set's task
  --types T,…         pii, redact: only these types (default all but DATE_TIME), e.g. EMAIL_ADDRESS,PHONE_NUMBER
  --no-model          pii, redact: the recognizers only (e-mail, phone, card numbers…); no model loads
  --phone-region CC   pii, redact: the country whose national-format phone numbers are read (default US)
  --patterns FILE     pii, redact: your own recognizers, a JSON array as textAnalytics.pii.patterns
  --allow FILE        pii, redact: values never reported, one a line
  --deny FILE         pii, redact: values always reported, JSON {"TYPE": ["value", …]}
  --operator O        redact: tag ([EMAIL_ADDRESS], the default), pseudonym ([PERSON_1], the same
                      value the same name), mask (****) or hash ([TYPE:16 hex digits of a salted
                      SHA-256]; the salt is TEXT_ANALYTICS_HASH_SALT, else random for the run)
  --keep-last N       redact --operator mask: the last N digits of card, IBAN, phone and social
                      security numbers stay readable, ${range('keep-last')} (default 0)
  --output F, -o F    redact: write to F (whole, or not at all) instead of stdout
  --level L           classify: sentence, paragraph or document (default sentence)
  --template T        topics: the hypothesis, {} standing for the label (default "This text is about {}.")
  --language TAG      the file's language (BCP-47: de, ja, pt-BR): sentences are split by its rules,
                      and a task whose model does not read it says so instead of answering
  --model-languages L the languages the task's model reads, comma-separated (de,fr) or * (any);
                      unsaid, a model outside the manifest and the README's list reads English
  --format F          sentiment, topics: markdown (markup is not read; topics' sections at headings)
                      or text (default: by file extension, .md .markdown .mdx… are markdown)
  --min-score S       leave out entities and pii's names (default 0.5), answers (default 0.1) or classify's labels
                      (default 0) scoring below S, ${range('min-score')}
  --top N             ask: how many answers at most, ${range('top')} (default 3)
  --lines FROM:TO     analyse only these lines (from 1; FROM: runs to the end); offsets and line
                      numbers stay those of the whole file
  --max-chars N       refuse a file (or --lines part) longer than N characters: ${range('max-chars')}
                      (default 2,000,000, as the extension's textAnalytics.maxDocumentSize)
  --limit N           eval: evaluate only the first N examples, ${range('limit')}
  --task T            batch: the task (${TASKS.map((t) => REGISTRY[t].cli.command).join(', ')}), with its options as above
  --out F             batch: the results, one JSON line a document ({"id","source","task","result"} or
                      {…,"error"}); its state is kept beside it in F.batch.json
  --resume            batch: continue the run in --out where it stopped (same command)
  --overwrite         batch: start again over an --out that has results
  --processes N       batch, worker: engine processes, ${range('processes')} (default: one a core, with
                      --threads / processes threads each)
  --include G, --exclude G
                      batch: in folders, only the files matching the glob G / not those (repeatable;
                      .gitignore files are respected)
  --text-field F, --id-field F, --date-field F
                      batch: JSON Lines fields of the text (default text), the id and a date
  --column C, --id-column C, --date-column C
                      batch: CSV/TSV columns (a header row names them) of the text (default text),
                      the id and a date
  --quiet             batch, worker, collect: no progress and no summary
  --queue URL         batch, worker, collect: redis://[user:password@]HOST:PORT/NAME, the Redis
                      server and the job's name (letters, digits, . _ -; not a database number)
  --no-wait           collect: write the lines of the documents done now; exit code 3 when some
                      are still missing
  --html F            report: the page to write
  --download          allow downloading missing default models from the Hugging Face Hub
  --cache-dir DIR     where downloaded models are kept
  --verbose           log what the engine does to stderr

Exit codes: 0 done, 1 the input, a model, the output or Redis failed (the message says why), 2 a
wrong command line, ${MISSING_EXIT_CODE} collect --no-wait: documents still missing (run it again later), 130
stopped by Ctrl-C, 141 the output pipe was closed (as by \`| head\`).`;

/** The default of --max-chars: the extension's `textAnalytics.maxDocumentSize`. */
const DEFAULT_MAX_CHARS = 2_000_000;

const out = new Output(process.stdout);
const messages = new Messages(process.stderr);

async function main(argv: string[]): Promise<number> {
  let models: CliModels | undefined;
  /** The subcommand, once known: a personal-data command's missing model has a way round it. */
  let subcommand: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        models: { type: 'string' },
        json: { type: 'boolean', default: false },
        device: { type: 'string', default: 'auto' },
        precision: { type: 'string', default: 'auto' },
        threads: { type: 'string', default: '0' },
        'neutral-band': { type: 'string', default: '0.1' },
        'min-score': { type: 'string' },
        question: { type: 'string', short: 'q' },
        top: { type: 'string', default: '3' },
        labels: { type: 'string' },
        'multi-label': { type: 'boolean', default: false },
        template: { type: 'string', default: DEFAULT_HYPOTHESIS_TEMPLATE },
        model: { type: 'string' },
        level: { type: 'string' },
        format: { type: 'string' },
        language: { type: 'string' },
        'model-languages': { type: 'string' },
        lines: { type: 'string' },
        limit: { type: 'string' },
        'max-chars': { type: 'string', default: String(DEFAULT_MAX_CHARS) },
        download: { type: 'boolean', default: false },
        'cache-dir': { type: 'string' },
        types: { type: 'string' },
        'no-model': { type: 'boolean', default: false },
        'phone-region': { type: 'string' },
        patterns: { type: 'string' },
        allow: { type: 'string' },
        deny: { type: 'string' },
        operator: { type: 'string' },
        'keep-last': { type: 'string' },
        output: { type: 'string', short: 'o' },
        verbose: { type: 'boolean', default: false },
        task: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean', default: false },
        overwrite: { type: 'boolean', default: false },
        processes: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'text-field': { type: 'string' },
        'id-field': { type: 'string' },
        'date-field': { type: 'string' },
        column: { type: 'string' },
        'id-column': { type: 'string' },
        'date-column': { type: 'string' },
        html: { type: 'string' },
        queue: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) return await print(USAGE.split('\n'));
    // Every value is checked before anything runs, whatever the command.
    const numbers = {
      neutralBand: numberOption('neutral-band', values['neutral-band']),
      minScore: values['min-score'] === undefined ? undefined : numberOption('min-score', values['min-score']),
      top: numberOption('top', values.top),
      maxChars: numberOption('max-chars', values['max-chars']),
      limit: values.limit === undefined ? undefined : numberOption('limit', values.limit),
      keepLast: values['keep-last'] === undefined ? 0 : numberOption('keep-last', values['keep-last']),
    };
    const options = engineOptions(values);
    models = { dir: options.bundledModelsDir as string, given: values.models !== undefined };
    if (values.version) {
      return await print([`text-analytics ${EXTENSION_VERSION} (onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}, device: ${deviceSummary(options.device)})`]);
    }
    const verbose = values.verbose;
    if (positionals[0] === 'report') return await reportCommand(positionals.slice(1), values.html, messages);
    if (positionals[0] === 'eval') return await evalCommand(positionals.slice(1), { ...values, limit: numbers.limit, verbose }, options);
    const piiValues: PiiCliValues = {
      minScore: numbers.minScore,
      types: values.types,
      useModel: !values['no-model'],
      model: values.model,
      phoneRegion: values['phone-region'],
      patterns: values.patterns,
      allow: values.allow,
      deny: values.deny,
    };
    subcommand = positionals[0];
    if (positionals[0] === 'batch') {
      const batchValues = { ...values, ...piiValues, neutralBand: numbers.neutralBand, top: numbers.top, multiLabel: values['multi-label'], maxChars: numbers.maxChars };
      return await batchCommand(positionals.slice(1), batchValues, options, messages, argv);
    }
    if (positionals[0] === 'worker') return await workerCommand(positionals.slice(1), values, options, messages);
    if (positionals[0] === 'collect') return await collectCommand(positionals.slice(1), values, messages);
    const [command, file, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
    if (command === 'redact') return await redactCommand(file, { ...values, piiValues, keepLast: numbers.keepLast }, options);
    const reading = { maxChars: numbers.maxChars, lines: values.lines === undefined ? undefined : lineRange(values.lines) };
    const task = cliTask(command);
    if (command !== undefined && command !== 'info' && task === undefined) throw new UsageError(`Unknown command: ${command}`);
    if (command === undefined) {
      throw new UsageError(`Say what to do: ${TASKS.map((t) => REGISTRY[t].cli.synopsis).join(', ')}, redact FILE|-, eval TASK FILE, or info.`);
    }
    // --model: the task's own model instead of its default (classify and pii read it themselves).
    if (values.model !== undefined && task !== undefined && REGISTRY[task].models === 'default') {
      options.modelSources = { ...options.modelSources, [task]: modelSource(values.model) };
    }
    const engine = new Engine(options, { log: verbose ? messages.logger() : silentLogger });
    try {
      if (task === undefined) return await info(engine, options, models, values.json);
      const path = requireFile(file);
      const taskValues = { ...values, ...piiValues, path, neutralBand: numbers.neutralBand, top: numbers.top, multiLabel: values['multi-label'] };
      // The options are checked before the file is read.
      const params = { ...(CLI_TASKS[task] as CliTask<Task>).params(taskValues), ...cliLanguageFields(task, values.language, values['model-languages']) };
      return await runTask(engine, task, readDocument(path, reading), params, values.json);
    } finally {
      await engine.dispose();
    }
  } catch (error) {
    const missingModel = error instanceof EngineError && error.trouble !== undefined && (subcommand === 'redact' || subcommand === REGISTRY.pii.cli.command);
    return failed(error, models, argv.includes('--verbose'), missingModel ? ' Or give --no-model to find personal data with the recognizers alone.' : '');
  }
}

/** Runs `task` on the document and prints its result: a table, or JSON with the schema's version. */
async function runTask(engine: Engine, task: Task, document: TextDocument, params: object, json: boolean): Promise<number> {
  const request = { ...params, text: document.part, offset: document.offset };
  const result = await engine.run(task, request as never);
  const printer = CLI_TASKS[task] as CliTask<Task>;
  if (json) return await printJson({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) });
  return await print(printer.table(result as never, document, request as never));
}

/** Writes `lines` on stdout, each made printable; the exit code 0. */
async function print(lines: Iterable<string>): Promise<number> {
  await out.lines(printableLines(lines));
  await out.end();
  return 0;
}

/** Writes `value` as JSON on stdout; the exit code 0. */
async function printJson(value: unknown): Promise<number> {
  await out.json(value);
  await out.end();
  return 0;
}

function* printableLines(lines: Iterable<string>): Generator<string> {
  for (const line of lines) yield printable(line);
}

/**
 * What went wrong, said in one line on stderr (and the usage after a usage error), and the exit
 * code: 2 for the command line, 1 for the input, a model or the output; nothing at all when the
 * output's reader has gone. `hint` follows a missing model's message (personal data: `--no-model`).
 */
function failed(error: unknown, models: CliModels | undefined, verbose: boolean, hint = ''): number {
  if (error instanceof OutputClosed) return CLOSED_PIPE_EXIT_CODE;
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    messages.say(error.message);
    messages.raw(`\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof EngineError) {
    messages.say(`${models ? cliMessage(error, models) : error.message}${hint}`);
  } else if (error instanceof BatchError && error.cause instanceof WorkerRequestError && models) {
    // A model error in a batch run's (or queue worker's) engine process: said with the options.
    messages.say(`${cliMessage(error.cause, models)}${hint}`);
  } else if (error instanceof InputError || error instanceof DatasetError || error instanceof OutputFailed || error instanceof BatchError || error instanceof QueueError) {
    messages.say(error.message);
  } else {
    // A bug: still one line, and where it happened only when asked for.
    messages.say(`Unexpected error: ${error instanceof Error ? error.message : String(error)}${verbose ? '' : ' (--verbose shows where)'}`);
    if (verbose && error instanceof Error && error.stack) for (const line of error.stack.split('\n')) messages.raw(`${printable(line)}\n`);
  }
  return 1;
}

/**
 * `eval TASK FILE`: runs the task over the data set and prints its standard metrics beside the
 * published ones. Progress goes to stderr, and only to a terminal, about every 5%.
 */
async function evalCommand(args: string[], values: { json: boolean; limit?: number; labels?: string; template: string; model?: string; verbose: boolean }, options: EngineOptions): Promise<number> {
  const [task, file, ...rest] = args;
  if (!(EVAL_TASKS as readonly string[]).includes(task)) {
    throw new UsageError(task ? `Unknown eval task: ${task} (use ${EVAL_TASKS.join(', ')}).` : `Say which task to evaluate: ${EVAL_TASKS.join(', ')}.`);
  }
  if (!file) throw new UsageError('Give the data set file to evaluate on.');
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  const labels = values.labels === undefined ? undefined : parseLabels(values.labels);
  // --model: evaluate that model instead of the task's default.
  if (values.model !== undefined) options.modelSources = { ...options.modelSources, [EVAL_MODEL_TASKS[task as EvalTask]]: modelSource(values.model) };
  const engine = new Engine(options, { log: values.verbose ? messages.logger() : silentLogger });
  let shown = -1;
  const onProgress = (done: number, total: number) => {
    const step = Math.floor((done / total) * 20);
    if (!process.stderr.isTTY || (step === shown && done !== total)) return;
    shown = step;
    messages.raw(`\r${task}: ${done}/${total} (${Math.floor((100 * done) / total)}%)${done === total ? '\n' : ''}`);
  };
  try {
    const report = await evaluate(engine, task as EvalTask, file, { limit: values.limit, labels, hypothesisTemplate: values.template, onProgress });
    return await (values.json ? printJson({ schemaVersion: JSON_SCHEMA_VERSION, ...report }) : print(evalTable(report)));
  } finally {
    await engine.dispose();
  }
}

/**
 * `redact FILE|-`: the input with every finding of `pii` replaced by the operator's replacement,
 * streamed a window at a time (TEXT_ANALYTICS_REDACT_CHUNK, characters, makes the windows smaller
 * for tests), to stdout or --output.
 */
async function redactCommand(
  file: string | undefined,
  values: { piiValues: PiiCliValues; keepLast: number; operator?: string; output?: string; lines?: string; json: boolean; verbose: boolean },
  options: EngineOptions,
): Promise<number> {
  if (!file) throw new UsageError('Give the file to redact, or - to read standard input.');
  const operator = oneOf(values.operator ?? 'tag', REDACT_OPERATORS, 'operator');
  if (values.keepLast > 0 && operator !== 'mask') throw new UsageError('--keep-last goes with --operator mask.');
  if (values.lines !== undefined) throw new UsageError('--lines does not apply to redact: it writes the whole input.');
  if (values.json) throw new UsageError('--json does not apply to redact, which writes the text; use pii --json for the findings.');
  const params = piiCliParams(values.piiValues);
  const redaction: RedactOptions = { operator, maskKeepLast: values.keepLast };
  if (operator === 'hash') {
    redaction.salt = process.env.TEXT_ANALYTICS_HASH_SALT || randomBytes(16).toString('hex');
    if (!process.env.TEXT_ANALYTICS_HASH_SALT) messages.say('hash: a random salt for this run; set TEXT_ANALYTICS_HASH_SALT to hash the same values alike across runs.');
  }
  const problem = redactOptionsProblem(redaction);
  if (problem) throw new UsageError(`${problem}.`);
  const chunk = Number(process.env.TEXT_ANALYTICS_REDACT_CHUNK);
  const engine = new Engine(options, { log: values.verbose ? messages.logger() : silentLogger });
  try {
    await redactFile({
      input: file,
      output: values.output,
      stdin: process.stdin,
      stdout: process.stdout,
      redact: redaction,
      chunkChars: Number.isSafeInteger(chunk) && chunk > 0 ? chunk : DEFAULT_CHUNK_CHARS,
      // Blank text has nothing to find, and the engine refuses it.
      find: async (text) => (text.trim() === '' ? [] : (await engine.run('pii', { ...params, text })).entities),
    });
    return 0;
  } finally {
    await engine.dispose();
  }
}

const METRIC_NAMES: Record<string, string> = { accuracy: 'accuracy', exactMatch: 'exact match', f1: 'F1', precision: 'precision', recall: 'recall' };

function evalTable(report: EvalReport): string[] {
  const row = (name: string, value: number, published?: string) =>
    `  ${name.padEnd(12)} ${value.toFixed(1).padStart(5)}${published ? `   (published: ${published})` : ''}`;
  const lines = [
    `${report.name}: ${report.examples} example${report.examples === 1 ? '' : 's'} evaluated`,
    ...Object.entries(report.metrics).map(([metric, value]) => row(METRIC_NAMES[metric] ?? metric, value, report.published?.[metric])),
  ];
  if (report.byType) {
    lines.push('', `  ${'type'.padEnd(6)} ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}  gold  predicted`);
    for (const [type, m] of Object.entries(report.byType)) {
      lines.push(`  ${printable(type).padEnd(6)} ${[m.precision, m.recall, m.f1].map((v) => v.toFixed(1).padStart(5)).join(' ')}  ${String(m.gold).padStart(4)}  ${String(m.predicted).padStart(9)}`);
    }
  }
  lines.push('', `Model: ${modelLine(report)}`);
  return lines;
}

async function info(engine: Engine, options: EngineOptions, models: CliModels, json: boolean): Promise<number> {
  const details = {
    version: EXTENSION_VERSION,
    node: process.versions.node,
    onnxruntime: (await engine.info()).onnxruntime,
    platform: `${process.platform}-${process.arch}`,
    device: deviceSummary(options.device),
    models: options.bundledModelsDir,
    cacheDir: options.cacheDir,
    ...Object.fromEntries(await Promise.all(DEFAULT_MODEL_TASKS.map(async (task) => [task, await whereModelIs(task, options, models)]))),
  };
  return await (json ? printJson(details) : print(Object.entries(details).map(([k, v]) => `${k.padEnd(12)} ${v}`)));
}

/** Where a task's model would be loaded from, without downloading anything. */
async function whereModelIs(task: DefaultModelTask, options: EngineOptions, models: CliModels): Promise<string> {
  const gpu = options.device !== 'cpu' && !gpuUnavailableReason();
  const precision = options.precision === 'auto' ? (gpu ? 'fp32' : 'int8') : options.precision;
  try {
    const model = await resolveModel(task, { ...options, allowDownloads: false }, precision, { log: silentLogger });
    return `${model.id} (${model.source}: ${join(model.dir, model.file)})`;
  } catch (error) {
    return `not available — ${error instanceof EngineError ? cliMessage(error, models) : error instanceof Error ? error.message : String(error)}`;
  }
}

/** Which device `auto`/`gpu` would use here, and why not the GPU when it is the CPU. */
function deviceSummary(preference: DevicePreference): string {
  if (preference === 'cpu') return 'cpu (as requested)';
  const reason = gpuUnavailableReason();
  return reason ? `cpu — ${reason}` : `${gpuProviderFor()} when a model loads, cpu if it fails`;
}

function engineOptions(values: { device?: string; precision?: string; threads?: string; models?: string; download?: boolean; 'cache-dir'?: string }): EngineOptions {
  const device: DevicePreference = oneOf(values.device, ['auto', 'cpu', 'gpu'], 'device');
  const precision: Precision = oneOf(values.precision, ['auto', 'fp32', 'int8'], 'precision');
  const models = values.models !== undefined ? resolve(values.models) : join(__dirname, '..', 'models');
  return defaultEngineOptions({
    device,
    precision,
    threads: numberOption('threads', values.threads ?? '0'),
    bundledModelsDir: models,
    allowDownloads: values.download === true,
    ...(values['cache-dir'] !== undefined ? { cacheDir: resolve(values['cache-dir']) } : {}),
  });
}

function requireFile(file: string | undefined): string {
  if (!file) throw new UsageError('Give the file to analyse.');
  return file;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
