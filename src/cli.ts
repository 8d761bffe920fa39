/**
 * `text-analytics`: the engine on the command line.
 *
 *   text-analytics sentiment FILE [--models DIR] [--json]
 *   text-analytics entities FILE [--models DIR] [--json] [--min-score S]
 *   text-analytics ask FILE --question "…" [--top N] [--models DIR] [--json]
 *   text-analytics topics FILE --labels "sports,business,…" [--multi-label] [--models DIR] [--json]
 *   text-analytics eval sst2|squad|conll|agnews FILE [--limit N] [--models DIR] [--json]
 *   text-analytics info [--models DIR]
 *   text-analytics --version
 *
 * A file is read as UTF-8 (or UTF-16 with a byte-order mark), and refused with a message when it
 * is binary, not valid text, blank, or longer than --max-chars; --lines analyses part of it.
 * Offsets in the JSON output are UTF-16 code units into the decoded file, as in VS Code.
 */
// First: onnxruntime's telemetry is off before anything can load it.
import './engine/telemetry';
import { readBytes } from './readBytes';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from './engine/onnxruntime';
import { Engine } from './engine/engine';
import { EngineError } from './engine/errors';
import { gpuProviderFor, gpuUnavailableReason } from './engine/device';
import { stderrLogger, silentLogger } from './engine/log';
import { defaultEngineOptions } from './engine/options';
import { EXTENSION_VERSION } from './engine/version';
import { resolveModel } from './engine/models';
import { DatasetError } from './eval/datasets';
import { EVAL_TASKS, evaluate, type EvalReport, type EvalTask } from './eval/evaluate';
import { MAX_TEXT_LENGTH, TASKS, type DeviceInfo, type DevicePreference, type ModelInfo, type TopicScore, type TopicsParams, type EngineOptions, type Precision, type SentimentResult, type Task } from './protocol';

const USAGE = `Usage:
  text-analytics sentiment FILE [options]   sentiment of every sentence and of the whole file
  text-analytics entities FILE [options]    people, organisations, locations and other names
  text-analytics ask FILE --question Q      answers to Q found in the file (--top N, default 3)
  text-analytics topics FILE --labels L     the file's and each section's topics among the labels L
                                            (comma-separated; quote a label with a comma: 'a,"b, c"')
  text-analytics eval TASK FILE [--limit N] scores a task on a standard data set file:
                                            sst2 (SST-2 dev.tsv), squad (SQuAD v1.1 dev-v1.1.json),
                                            conll (CoNLL-2003 columns), agnews (AG News test.csv;
                                            --labels names classes 1-4, default World,Sports,Business,Sci/Tech)
  text-analytics info [options]             versions, device and where each model comes from
  text-analytics --version

Options:
  --models DIR        a folder with one subfolder per task (sentiment, topics, entities, qa)
  --json              print JSON instead of a table
  --device D          auto | cpu | gpu (default auto)
  --precision P       auto | fp32 | int8 (default auto: int8 on the CPU)
  --threads N         CPU threads (default: onnxruntime's choice)
  --neutral-band B    within B of 0.5 a sentence is NEUTRAL (default 0.1; 0 never)
  --multi-label       topics: score each label on its own instead of making them compete
  --template T        topics: the hypothesis, {} standing for the label (default "This text is about {}.")
  --format F          topics: markdown (sections at headings) or plaintext (default: by file extension)
  --min-score S       leave out entities (default 0.5) or answers (default 0.1) scoring below S
  --lines FROM:TO     analyse only these lines (from 1; FROM: runs to the end); offsets and line
                      numbers stay those of the whole file
  --max-chars N       refuse a file (or --lines part) longer than N characters (default 2000000,
                      as the extension's textAnalytics.maxDocumentSize)
  --download          allow downloading missing default models from the Hugging Face Hub
  --cache-dir DIR     where downloaded models are kept
  --verbose           log what the engine does to stderr`;

/** The command line was wrong: the message and the usage are printed, exit code 2. */
class UsageError extends Error {}
/** The input could not be used (missing, binary, not UTF-8): the message is printed, exit code 1. */
class InputError extends Error {}

/** The default of --max-chars: the extension's `textAnalytics.maxDocumentSize`. */
const DEFAULT_MAX_CHARS = 2_000_000;

async function main(argv: string[]): Promise<number> {
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
      template: { type: 'string', default: 'This text is about {}.' },
      format: { type: 'string' },
      lines: { type: 'string' },
      limit: { type: 'string' },
      'max-chars': { type: 'string', default: String(DEFAULT_MAX_CHARS) },
      download: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = engineOptions(values);
  if (values.version) {
    process.stdout.write(`text-analytics ${EXTENSION_VERSION} (onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}, device: ${deviceSummary(options.device)})\n`);
    return 0;
  }
  if (positionals[0] === 'eval') return await evalCommand(positionals.slice(1), values, options);
  const [command, file, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  const maxChars = numberOption(values['max-chars'], 'max-chars');
  if (!Number.isInteger(maxChars) || maxChars < 1 || maxChars > MAX_TEXT_LENGTH) {
    throw new UsageError(`--max-chars must be a whole number from 1 to ${MAX_TEXT_LENGTH} (what one request can take).`);
  }
  const reading: ReadOptions = { maxChars, lines: values.lines === undefined ? undefined : lineRange(values.lines) };
  const read = (path: string | undefined) => readDocument(requireFile(path), reading);
  const engine = new Engine(options, { log: values.verbose ? stderrLogger : silentLogger });
  try {
    switch (command) {
      case 'sentiment':
        return await sentiment(engine, read(file), numberOption(values['neutral-band'], 'neutral-band'), values.json);
      case 'entities':
        return await entities(engine, read(file), numberOption(values['min-score'] ?? '0.5', 'min-score'), values.json);
      case 'ask': {
        if (!values.question?.trim()) throw new UsageError('Give the question with --question "…".');
        const top = numberOption(values.top, 'top');
        if (!Number.isInteger(top) || top < 1) throw new UsageError('--top must be a whole number, at least 1.');
        return await ask(engine, read(file), values.question, top, numberOption(values['min-score'] ?? '0.1', 'min-score'), values.json);
      }
      case 'topics': {
        const path = requireFile(file);
        if (!values.labels?.trim()) throw new UsageError('Give the topic labels with --labels "sports,business,…".');
        const format = values.format ?? (/\.(md|markdown|mdx)$/i.test(path) ? 'markdown' : 'plaintext');
        if (format !== 'markdown' && format !== 'plaintext') throw new UsageError('--format must be markdown or plaintext.');
        return await topics(engine, read(path), { labels: parseLabels(values.labels), multiLabel: values['multi-label'], hypothesisTemplate: values.template, format }, values.json);
      }
      case 'info':
        return await info(engine, options, values.json);
      case undefined:
        throw new UsageError('Say what to do: sentiment FILE, entities FILE, ask FILE --question "…", topics FILE --labels "…", eval TASK FILE, or info.');
      default:
        throw new UsageError(`Unknown command: ${command}`);
    }
  } finally {
    await engine.dispose();
  }
}

async function sentiment(engine: Engine, { text, part, offset }: TextDocument, neutralBand: number, json: boolean): Promise<number> {
  const result = await engine.sentiment({ text: part, neutralBand, offset });
  if (json) {
    const { document, sentences, model, device } = result;
    const output = {
      document: { label: document.label, score: document.score },
      sentences: sentences.map(({ start, end, text, label, score }) => ({ start, end, text, label, score })),
      model,
      device,
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    process.stdout.write(sentimentTable(result, text));
  }
  return 0;
}

async function entities(engine: Engine, { text, part, offset }: TextDocument, minScore: number, json: boolean): Promise<number> {
  const result = await engine.entities({ text: part, minScore, offset });
  if (json) {
    const { model, device } = result;
    const output = { entities: result.entities.map(({ start, end, text, type, score }) => ({ start, end, text, type, score })), model, device };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  }
  const lineOf = lineIndex(text);
  const rows = result.entities.map(
    (e) => `${e.type.padEnd(6)} ${(e.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(e.start)).padEnd(5)} ${printable(e.text)}`,
  );
  process.stdout.write(
    [`${result.entities.length} entities — ${modelLine(result)}`, '', ...rows, ''].join('\n'),
  );
  return 0;
}

async function ask(engine: Engine, { text, part, offset }: TextDocument, question: string, top: number, minScore: number, json: boolean): Promise<number> {
  const result = await engine.ask({ text: part, question, top, minScore, offset });
  if (json) {
    const { model, device } = result;
    const output = { answers: result.answers.map(({ start, end, text, score }) => ({ start, end, text, score })), model, device };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  }
  const lineOf = lineIndex(text);
  const rows = result.answers.map(
    (a) => `${(a.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(a.start)).padEnd(5)} ${printable(a.text)}    (${printable(a.sentence.text)})`,
  );
  const headline = result.answers.length > 0 ? `${result.answers.length} answer(s)` : `No confident answer (none scored ${(minScore * 100).toFixed(0)}% or more)`;
  process.stdout.write([`${headline} — ${modelLine(result)}`, '', ...rows, ''].join('\n'));
  return 0;
}

async function topics(engine: Engine, { text, part, offset }: TextDocument, options: Omit<TopicsParams, 'text'>, json: boolean): Promise<number> {
  const result = await engine.topics({ text: part, ...options, offset });
  const scores = (labels: TopicScore[]) => labels.map(({ label, score }) => ({ label, score }));
  if (json) {
    const output = {
      document: scores(result.document),
      sections: result.sections.map(({ start, end, heading, labels }) => ({ start, end, heading, labels: scores(labels) })),
      model: result.model,
      device: result.device,
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  }
  const lineOf = lineIndex(text);
  const bar = (score: number) => '█'.repeat(Math.round(score * 20)).padEnd(20, '·');
  const lines = [
    `Document — ${modelLine(result)}`,
    ...result.document.map((t) => `  ${bar(t.score)} ${(t.score * 100).toFixed(1).padStart(5)}%  ${t.label}`),
    '',
    ...result.sections.flatMap((section) => [
      `line ${lineOf(section.start)}: ${printable(section.heading ?? clipped(section.text, 60))}`,
      ...section.labels.slice(0, 3).map((t) => `  ${bar(t.score)} ${(t.score * 100).toFixed(1).padStart(5)}%  ${t.label}`),
    ]),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return 0;
}

/**
 * `eval TASK FILE`: runs the task over the data set and prints its standard metrics beside the
 * published ones. Progress goes to stderr, and only to a terminal, about every 5%.
 */
async function evalCommand(args: string[], values: { json: boolean; limit?: string; labels?: string; template: string; verbose: boolean }, options: EngineOptions): Promise<number> {
  const [task, file, ...rest] = args;
  if (!(EVAL_TASKS as readonly string[]).includes(task)) {
    throw new UsageError(task ? `Unknown eval task: ${task} (use ${EVAL_TASKS.join(', ')}).` : `Say which task to evaluate: ${EVAL_TASKS.join(', ')}.`);
  }
  if (!file) throw new UsageError('Give the data set file to evaluate on.');
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  const limit = values.limit === undefined ? undefined : numberOption(values.limit, 'limit');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a whole number, at least 1.');
  const labels = values.labels === undefined ? undefined : parseLabels(values.labels);
  const engine = new Engine(options, { log: values.verbose ? stderrLogger : silentLogger });
  let shown = -1;
  const onProgress = (done: number, total: number) => {
    const step = Math.floor((done / total) * 20);
    if (!process.stderr.isTTY || (step === shown && done !== total)) return;
    shown = step;
    process.stderr.write(`\r${task}: ${done}/${total} (${Math.floor((100 * done) / total)}%)${done === total ? '\n' : ''}`);
  };
  try {
    const report = await evaluate(engine, task as EvalTask, file, { limit, labels, hypothesisTemplate: values.template, onProgress });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : evalTable(report));
    return 0;
  } finally {
    await engine.dispose();
  }
}

const METRIC_NAMES: Record<string, string> = { accuracy: 'accuracy', exactMatch: 'exact match', f1: 'F1', precision: 'precision', recall: 'recall' };

function evalTable(report: EvalReport): string {
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
  lines.push('', `Model: ${modelLine(report)}`, '');
  return lines.join('\n');
}

/** Comma-separated labels; a label holding a comma is quoted: `sports,"mergers, acquisitions"`. */
function parseLabels(list: string): string[] {
  const labels: string[] = [];
  for (const match of list.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)/g)) {
    if (match[0].length === 0) break;
    const label = (match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]).trim();
    if (label) labels.push(label);
  }
  return labels;
}

function modelLine({ model, device }: { model: ModelInfo; device: DeviceInfo }): string {
  return `${model.id} (${model.file}, ${model.source}) on ${device.used.toUpperCase()}${device.fallbackReason ? ` — ${device.fallbackReason}` : ''}`;
}

function sentimentTable(result: SentimentResult, text: string): string {
  const lineOf = lineIndex(text);
  const lines = result.sentences.map((s) => {
    return `${s.label.padEnd(8)} ${(s.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(s.start)).padEnd(5)} ${printable(clipped(s.text, 90))}`;
  });
  const { document } = result;
  return [
    `Document: ${document.label} (${(document.score * 100).toFixed(1)}%) — ${result.sentences.length} sentences, ${result.paragraphs.length} paragraphs`,
    `Model: ${modelLine(result)}`,
    '',
    ...lines,
    '',
  ].join('\n');
}

async function info(engine: Engine, options: EngineOptions, json: boolean): Promise<number> {
  const details = {
    version: EXTENSION_VERSION,
    node: process.versions.node,
    onnxruntime: (await engine.info()).onnxruntime,
    platform: `${process.platform}-${process.arch}`,
    device: deviceSummary(options.device),
    models: options.bundledModelsDir,
    cacheDir: options.cacheDir,
    ...Object.fromEntries(await Promise.all(TASKS.map(async (task) => [task, await whereModelIs(task, options)]))),
  };
  if (json) process.stdout.write(`${JSON.stringify(details, null, 2)}\n`);
  else process.stdout.write(`${Object.entries(details).map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n')}\n`);
  return 0;
}

/** Where a task's model would be loaded from, without downloading anything. */
async function whereModelIs(task: Task, options: EngineOptions): Promise<string> {
  const gpu = options.device !== 'cpu' && !gpuUnavailableReason();
  const precision = options.precision === 'auto' ? (gpu ? 'fp32' : 'int8') : options.precision;
  try {
    const model = await resolveModel(task, { ...options, allowDownloads: false }, precision, { log: silentLogger });
    return `${model.id} (${model.source}: ${join(model.dir, model.file)})`;
  } catch (error) {
    return `not available — ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Which device `auto`/`gpu` would use here, and why not the GPU when it is the CPU. */
function deviceSummary(preference: DevicePreference): string {
  if (preference === 'cpu') return 'cpu (as requested)';
  const reason = gpuUnavailableReason();
  return reason ? `cpu — ${reason}` : `${gpuProviderFor()} when a model loads, cpu if it fails`;
}

function engineOptions(values: Record<string, string | boolean | undefined>): EngineOptions {
  const device = oneOf(values.device, ['auto', 'cpu', 'gpu'] as const, 'device') as DevicePreference;
  const precision = oneOf(values.precision, ['auto', 'fp32', 'int8'] as const, 'precision') as Precision;
  const models = typeof values.models === 'string' ? resolve(values.models) : join(__dirname, '..', 'models');
  return defaultEngineOptions({
    device,
    precision,
    threads: numberOption(values.threads as string, 'threads'),
    bundledModelsDir: models,
    allowDownloads: values.download === true,
    ...(typeof values['cache-dir'] === 'string' ? { cacheDir: resolve(values['cache-dir']) } : {}),
  });
}

interface ReadOptions {
  maxChars: number;
  /** --lines: 1-based, inclusive; `to` is Infinity for "to the end". */
  lines?: [from: number, to: number];
}

/** A file as read for analysis. */
interface TextDocument {
  /** The whole file, decoded: reported offsets and line numbers refer to it. */
  text: string;
  /** What is analysed: the whole text, or the lines asked for, which start at `offset`. */
  part: string;
  offset: number;
}

/**
 * Reads a file for analysis, or says why it cannot be analysed: missing, binary, not valid text,
 * blank, or over the size limit (then how to analyse part of it). A file too long to analyse is
 * measured without being decoded, so even a very large one is refused at once.
 */
function readDocument(file: string, { maxChars, lines }: ReadOptions): TextDocument {
  const bytes = readBytes(file, (message) => new InputError(message));
  const encoding = bomEncoding(bytes);
  if (encoding === 'utf-8' && bytes.includes(0)) throw new InputError(`${file} looks like a binary file (it contains NUL bytes); give a text file.`);
  if (!lines) {
    const length = encoding === 'utf-8' ? utf8Length(bytes) : Math.floor((bytes.length - 2) / 2);
    if (length > maxChars) {
      throw new InputError(
        `${file} has ${length.toLocaleString('en')} characters, more than the limit of ${maxChars.toLocaleString('en')} (--max-chars). ` +
          `Analyse part of it with --lines FROM:TO${length <= MAX_TEXT_LENGTH ? `, or raise the limit with --max-chars ${length}` : ''}.`,
      );
    }
  }
  let text: string;
  try {
    // Like VS Code, drop a byte-order mark: offsets count from the first character after it.
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${file} is not valid ${encoding.toUpperCase()} text. Save it as UTF-8 (or convert it, for example with iconv) and try again.`);
  }
  if (text.includes('\0')) throw new InputError(`${file} looks like a binary file (it contains NUL characters); give a text file.`);
  if (!lines) {
    if (text.trim().length === 0) throw new InputError(`${file} has no text to analyse: it is empty or only whitespace.`);
    return { text, part: text, offset: 0 };
  }
  const { part, offset, name } = selectLines(file, text, lines);
  if (part.trim().length === 0) throw new InputError(`${name} have no text to analyse: they are empty or only whitespace.`);
  if (part.length > maxChars) {
    throw new InputError(
      `${name} have ${part.length.toLocaleString('en')} characters, more than the limit of ${maxChars.toLocaleString('en')} (--max-chars). ` +
        `Choose fewer lines${part.length <= MAX_TEXT_LENGTH ? `, or raise the limit with --max-chars ${part.length}` : ''}.`,
    );
  }
  return { text, part, offset };
}

/** UTF-16 with a byte-order mark (as Windows Notepad saves it) or, as everything else, UTF-8. */
function bomEncoding(bytes: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * The length, in UTF-16 code units (what JavaScript, VS Code and --max-chars count), of UTF-8
 * text without decoding it: one unit per character, two for a four-byte one, none for a BOM.
 */
function utf8Length(bytes: Buffer): number {
  let units = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte < 0x80 || byte >= 0xc0) units += byte >= 0xf0 ? 2 : 1;
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bom ? units - 1 : units;
}

/** `--lines FROM:TO`, `FROM:` (to the end), `:TO` or `N` (one line); lines count from 1. */
function lineRange(value: string): [number, number] {
  const match = /^\s*(\d*)\s*(?::\s*(\d*)\s*)?$/.exec(value);
  const from = match?.[1] ? Number(match[1]) : 1;
  const to = match?.[2] === undefined ? from : match[2] ? Number(match[2]) : Infinity;
  if (!match || (!match[1] && !match[2]) || from < 1 || to < from) {
    throw new UsageError(`--lines must be FROM:TO with 1 ≤ FROM ≤ TO (or FROM: to the end, or one line number), not ${value}.`);
  }
  return [from, to];
}

/** The lines [from, to] of `text` and where they start; the last one keeps its line break. */
function selectLines(file: string, text: string, [from, to]: [number, number]): { part: string; offset: number; name: string } {
  const starts = lineStarts(text);
  if (from > starts.length) throw new InputError(`${file} has ${starts.length} line${starts.length === 1 ? '' : 's'}, so --lines ${from}:… selects nothing.`);
  const offset = starts[from - 1];
  const end = to < starts.length ? starts[to] : text.length;
  return { part: text.slice(offset, end), offset, name: `Lines ${from}:${Math.min(to, starts.length)} of ${file}` };
}

/** Where each line starts; a line ends at LF, CRLF or CR, as in VS Code. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(/\r\n|\r|\n/g)) starts.push(match.index + match[0].length);
  return starts;
}

/**
 * Document text made safe to print in a one-line table cell: runs of whitespace become one space,
 * and control characters (which a terminal would obey: escape sequences can recolour, retitle or
 * rewrite the screen) and bidirectional overrides (which can reorder what is shown) are written
 * as \u{…} escapes.
 */
/** At most `max` UTF-16 units of `text`, ending in … when cut, and never in half a surrogate pair. */
function clipped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

function printable(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

function requireFile(file: string | undefined): string {
  if (!file) throw new UsageError('Give the file to analyse.');
  return file;
}

function numberOption(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new UsageError(`--${name} must be a non-negative number, not ${value}.`);
  return number;
}

function oneOf(value: unknown, allowed: readonly string[], name: string): string {
  if (typeof value === 'string' && allowed.includes(value)) return value;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}.`);
}

function lineIndex(text: string): (offset: number) => number {
  const starts = lineStarts(text);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`text-analytics: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof EngineError || error instanceof InputError || error instanceof DatasetError) {
      const hint =
        error instanceof EngineError && error.code === 'model-missing'
          ? '\nOn the command line, give --models DIR (a folder with one subfolder per task), or allow --download.'
          : '';
      process.stderr.write(`text-analytics: ${error.message}${hint}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`text-analytics: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
