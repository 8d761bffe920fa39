/**
 * The documents of a batch run (`text-analytics batch INPUT…`): every file of the folders given,
 * every line of a JSON Lines file, every row of a CSV or TSV file, and JSON Lines from standard
 * input (`-`), one at a time as the run pulls them, in an order that depends only on the inputs
 * (--resume skips as many documents as the output has lines, so the same inputs must give the same
 * sequence).
 *
 * Folders are walked depth first, entries in name order, as git would list them: `.git` and what
 * the `.gitignore` files inside say to ignore are left out (the `ignore` package, git's semantics),
 * and symbolic links to folders are not followed, so a link cannot make a cycle. A file's format
 * is by its extension. A document that cannot be analysed (binary, not text, blank, too long, not
 * JSON, no such field…) is yielded with an `error` instead of its text, and the run goes on.
 *
 * Memory is bounded whatever the input: files are streamed and cut into records by
 * ./inputsRecords.ts, which holds no record longer than the limit that --max-chars sets; plain
 * documents are read by readDocument, which bounds itself.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { TextDecoder } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { InputError, readDocument } from '../cliInput';
import { MAX_TEXT_LENGTH } from '../protocol';
import { isBlank } from '../unicode';
import { CsvRecordEnds, LineEnds, splitRecords, type RawRecord } from './inputsRecords';

export interface BatchDocument {
  /** The id field's or column's value (a number written as text) where the record has one, else `source`. */
  id: string;
  /** A file: its path as walked (the input joined with the path inside it); a record: `${path}:${line}`; standard input: `-:${line}`. */
  source: string;
  /** The text to analyse, or… */
  text?: string;
  /** …why there is none, in one line. */
  error?: string;
  /** The record's date field or column, as written, when --date-field/--date-column is given and the record has one. */
  date?: string;
}

export interface InputOptions {
  /** Globs (picomatch, dot files included) a file in a folder must match, by its path inside the folder given; empty: every file. */
  include: string[];
  /** Globs: a folder matching one is not entered, a file matching one not read. */
  exclude: string[];
  /** JSON Lines: the field with the text. */
  textField: string;
  idField?: string;
  dateField?: string;
  /** CSV/TSV: the column with the text. */
  column: string;
  idColumn?: string;
  dateColumn?: string;
  /** A text longer than this (UTF-16 units) is an error document, as the CLI's --max-chars. */
  maxChars: number;
  /** Paths never read: the run's own output and state files, which may lie inside a folder given. */
  skip: string[];
  /** Read (as JSON Lines) for the input `-`. */
  stdin: NodeJS.ReadableStream;
}

/** Checks every input exists before anything runs: a missing one throws InputError naming it. */
export async function checkInputs(inputs: string[]): Promise<void> {
  if (inputs.filter((input) => input === '-').length > 1) throw new InputError('Standard input (-) can be read only once: give - once.');
  for (const input of inputs) {
    if (input === '-') continue;
    try {
      await stat(input);
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') throw new InputError(`${input} does not exist: give an existing file or folder (or - for standard input).`);
      throw new InputError(`Cannot read ${input}: ${reason(error)}.`);
    }
  }
}

/** The documents, one at a time, in a deterministic order (the same inputs give the same sequence, which --resume relies on). */
export async function* readInputs(inputs: string[], options: InputOptions): AsyncGenerator<BatchDocument> {
  const skip = new Set(options.skip.map((path) => resolve(path)));
  for (const input of inputs) {
    if (input === '-') {
      yield* unreadable(jsonLines(options.stdin, '-', options), '-');
      continue;
    }
    let folder: boolean;
    try {
      folder = (await stat(input)).isDirectory();
    } catch (error) {
      // It was there when checkInputs looked.
      yield failed(input, `Cannot read ${input}: ${reason(error)}.`);
      continue;
    }
    if (folder) yield* walk(input, options, skip);
    else if (!skip.has(resolve(input))) yield* fileDocuments(input, options);
  }
}

/** The rules of one `.gitignore`, for the paths inside its folder. */
interface IgnoreFile {
  /** Its folder, relative to the folder walked ('' for that folder itself), with `/`. */
  base: string;
  rules: Ignore;
}

/** As git matches by default where it runs: case-insensitive on Windows and macOS, whose file systems are. */
const IGNORE_OPTIONS = { ignorecase: process.platform === 'win32' || process.platform === 'darwin' };

/** A folder's files as documents, depth first, in name order. */
async function* walk(root: string, options: InputOptions, skip: Set<string>): AsyncGenerator<BatchDocument> {
  const included: (path: string) => boolean = options.include.length > 0 ? picomatch(options.include, { dot: true }) : () => true;
  const excluded: (path: string) => boolean = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : () => false;

  async function* folder(relative: string, ignoreFiles: IgnoreFile[]): AsyncGenerator<BatchDocument> {
    const path = join(root, relative);
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      yield failed(path, `Cannot read the folder ${path}: ${reason(error)}.`);
      return;
    }
    const own = await ignoreFile(path, relative);
    const inherited = own ? [...ignoreFiles, own] : ignoreFiles;
    // The ignore package caches the verdict on every path it is asked about: rules copied for each
    // folder (their patterns are compiled once) let those caches go with the folder, so a walk
    // of millions of files does not keep millions of verdicts.
    const rules = inherited.map(({ base, rules: compiled }) => ({ base, rules: ignore(IGNORE_OPTIONS).add(compiled) }));
    // Plain string order (by UTF-16 units), whatever the locale: the same order on every machine.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const inside = relative ? `${relative}/${entry.name}` : entry.name;
      const kind = await entryKind(entry, join(path, entry.name));
      if (kind === undefined || isIgnored(rules, inside, kind === 'folder') || excluded(inside)) continue;
      if (kind === 'folder') {
        yield* folder(inside, inherited);
        continue;
      }
      const source = join(root, inside);
      if (included(inside) && !skip.has(resolve(source))) yield* fileDocuments(source, options);
    }
  }

  yield* folder('', []);
}

/**
 * What an entry is to the walk: a folder to enter, a file to read, or nothing (a link to a folder,
 * which is not followed; a FIFO, socket or device, which may never end). A link to a file is read
 * as that file, and a broken link as a file that cannot be read, so that it is reported.
 */
async function entryKind(entry: Dirent, path: string): Promise<'folder' | 'file' | undefined> {
  if (entry.isDirectory()) return 'folder';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return undefined;
  try {
    const target = await stat(path);
    return target.isFile() ? 'file' : undefined;
  } catch {
    return 'file';
  }
}

async function ignoreFile(folder: string, relative: string): Promise<IgnoreFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, '.gitignore'), 'utf8');
  } catch {
    return undefined; // none (or a folder of that name): nothing to ignore here
  }
  return { base: relative, rules: ignore(IGNORE_OPTIONS).add(text) };
}

/**
 * Whether git would ignore `path` (relative to the folder walked) by the `.gitignore` files of its
 * folders: each file's rules are matched against the path relative to its own folder, and a deeper
 * file's verdict (ignore, or `!` to re-include) overrides a shallower one's, as in git. A folder
 * ignored is not entered, so nothing inside it can be re-included, as in git too.
 */
function isIgnored(files: IgnoreFile[], path: string, folder: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of files) {
    const inside = base ? path.slice(base.length + 1) : path;
    const verdict = rules.test(folder ? `${inside}/` : inside);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

/** A file's documents, by its extension (any case): JSON Lines, CSV, TSV, or the file as one document. */
async function* fileDocuments(path: string, options: InputOptions): AsyncGenerator<BatchDocument> {
  // The file is opened here, once its documents are asked for, and closed when they are all read
  // or the run stops asking (the for await loops end its stream).
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') yield* unreadable(jsonLines(createReadStream(path), path, options), path);
  else if (extension === '.csv') yield* unreadable(table(createReadStream(path), path, 'CSV', options), path);
  else if (extension === '.tsv') yield* unreadable(table(createReadStream(path), path, 'TSV', options), path);
  else yield plainDocument(path, options);
}

function plainDocument(path: string, { maxChars }: InputOptions): BatchDocument {
  try {
    return { id: path, source: path, text: readDocument(path, { maxChars }).part };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return failed(path, error.message);
  }
}

/**
 * `documents`, and an error document for the file if reading it fails (it cannot be opened, it
 * vanished, standard input broke): what was read before stays.
 */
async function* unreadable(documents: AsyncGenerator<BatchDocument>, path: string): AsyncGenerator<BatchDocument> {
  try {
    yield* documents;
  } catch (error) {
    if (code(error) === undefined) throw error;
    yield failed(path, `Cannot read ${path === '-' ? 'standard input' : path}: ${reason(error)}.`);
  }
}

/**
 * The most bytes a record may have: three a character of the limit (UTF-8 writes a character in up
 * to three bytes a UTF-16 unit), and room for the other fields, quotes and escapes of a record.
 */
export function recordBytes(maxChars: number): number {
  return 3 * maxChars + 1024;
}

async function* jsonLines(chunks: AsyncIterable<Buffer | string>, path: string, options: InputOptions): AsyncGenerator<BatchDocument> {
  let first = true;
  for await (const record of splitRecords(chunks, new LineEnds(), recordBytes(options.maxChars))) {
    const source = `${path}:${record.line}`;
    const text = recordText(record, source, options.maxChars);
    if (first && typeof text !== 'string' && text.notText) {
      // The first line is no text: a binary file or another encoding, whose every "line" would be an error.
      yield failed(path, notTextMessage(path, text.notText, 'a JSON Lines file'));
      return;
    }
    first = false;
    if (typeof text !== 'string') yield failed(source, text.error);
    else if (!isBlank(text)) yield jsonDocument(text, source, options);
  }
}

function jsonDocument(line: string, source: string, { textField, idField, dateField, maxChars }: InputOptions): BatchDocument {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return failed(source, `${source} is not valid JSON (${oneLine((error as Error).message)}): write one JSON object a line.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failed(source, `${source} is ${jsonKind(value)}, not a JSON object: write one object a line, with its text in "${textField}".`);
  }
  const record = value as Record<string, unknown>;
  const field = (name: string | undefined) => (name !== undefined && Object.hasOwn(record, name) ? record[name] : undefined);
  const id = written(field(idField)) ?? source;
  const date = written(field(dateField));
  const document: BatchDocument = date === undefined ? { id, source } : { id, source, date };
  if (!Object.hasOwn(record, textField)) return { ...document, error: `${source} has no "${textField}" field: name the field that holds the text with --text-field.` };
  const text = record[textField];
  if (typeof text !== 'string') return { ...document, error: `${source} has ${jsonKind(text)} in "${textField}", not text: give the text as a JSON string.` };
  const problem = textProblem(text, source, `"${textField}"`, maxChars);
  return problem ? { ...document, error: problem } : { ...document, text };
}

/** A CSV or TSV file's header row: how many columns it has and where the columns asked for are. */
interface Header {
  columns: number;
  text: number;
  id?: number;
  date?: number;
}

async function* table(chunks: AsyncIterable<Buffer | string>, path: string, format: 'CSV' | 'TSV', options: InputOptions): AsyncGenerator<BatchDocument> {
  const delimiter = format === 'CSV' ? ',' : '\t';
  let header: Header | undefined;
  for await (const record of splitRecords(chunks, new CsvRecordEnds(delimiter.charCodeAt(0)), recordBytes(options.maxChars))) {
    const source = `${path}:${record.line}`;
    if (header === undefined) {
      const made = readHeader(record, path, format, options);
      if (typeof made === 'string') {
        // Without the columns no row can be read: one error for the file.
        yield failed(path, made);
        return;
      }
      header = made;
      continue;
    }
    yield row(record, source, header, format, options);
  }
  if (header === undefined) yield failed(path, `${path} is empty: a ${format} file needs a header row naming its columns, the text's "${options.column}" among them.`);
}

/** The header row, or why it cannot be used. */
function readHeader(record: RawRecord, path: string, format: 'CSV' | 'TSV', options: InputOptions): Header | string {
  const text = recordText(record, path, options.maxChars);
  if (typeof text !== 'string') return text.notText ? notTextMessage(path, text.notText, `a ${format} file`) : `${path}: its first row, the header, is too long to be one: is it a ${format} file?`;
  const fields = parseRow(text, format);
  if (typeof fields === 'string') return `${path}: its first row, the header, is not valid ${format} (${fields}).`;
  const names = fields.map((name) => JSON.stringify(name)).join(', ');
  const find = (name: string, option: string): number | string => {
    const at = fields.indexOf(name);
    return at >= 0 ? at : `${path} has no column ${JSON.stringify(name)}, which ${option} names; its columns are ${names}: give ${option} one of them.`;
  };
  const textColumn = find(options.column, '--column');
  if (typeof textColumn === 'string') return textColumn;
  const header: Header = { columns: fields.length, text: textColumn };
  for (const [key, name, option] of [
    ['id', options.idColumn, '--id-column'],
    ['date', options.dateColumn, '--date-column'],
  ] as const) {
    if (name === undefined) continue;
    const at = find(name, option);
    if (typeof at === 'string') return at;
    header[key] = at;
  }
  return header;
}

function row(record: RawRecord, source: string, header: Header, format: 'CSV' | 'TSV', { column, maxChars }: InputOptions): BatchDocument {
  const text = recordText(record, source, maxChars);
  if (typeof text !== 'string') return failed(source, text.error);
  const fields = parseRow(text, format);
  if (typeof fields === 'string') return failed(source, `${source} is not a valid ${format} row: ${fields}.`);
  const value = (at: number | undefined) => (at === undefined || !fields[at] ? undefined : fields[at]);
  const id = value(header.id) ?? source;
  const date = value(header.date);
  const document: BatchDocument = date === undefined ? { id, source } : { id, source, date };
  if (fields.length !== header.columns) {
    const separator = format === 'CSV' ? 'a comma' : 'a tab';
    return { ...document, error: `${source} has ${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${header.columns}: quote a field that holds ${separator}, a quote or a line break.` };
  }
  const problem = textProblem(fields[header.text], source, `"${column}"`, maxChars);
  return problem ? { ...document, error: problem } : { ...document, text: fields[header.text] };
}

/**
 * One row's fields, read by csv-parse as it reads a file with `relax_quotes` (./inputsRecords.ts
 * cut the row by the same rules), or what is wrong with it.
 */
function parseRow(text: string, format: 'CSV' | 'TSV'): string[] | string {
  let rows: string[][];
  try {
    rows = parseCsv(text, { delimiter: format === 'CSV' ? ',' : '\t', relax_quotes: true }) as string[][];
  } catch (error) {
    if ((error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') return 'it opens a quote that is never closed (write "" for a quote inside a quoted field)';
    return oneLine((error as Error).message);
  }
  // The row was cut where csv-parse ends a record, so it is one.
  return rows.length === 1 ? rows[0] : `it reads as ${rows.length} rows`;
}

/** Text the record decodes to, or why it does not: too long, or not text (`notText` says which). */
type RecordText = string | { error: string; notText?: 'binary' | 'invalid' };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function recordText(record: RawRecord, source: string, maxChars: number): RecordText {
  if (!('bytes' in record)) {
    const raise = maxChars < MAX_TEXT_LENGTH ? 'raise the limit with --max-chars, or split the record' : 'split the record';
    return { error: `${source} is longer than ${recordBytes(maxChars).toLocaleString('en')} bytes, more than the limit of ${maxChars.toLocaleString('en')} characters (--max-chars) can hold, and was skipped: ${raise}.` };
  }
  if (record.bytes.includes(0)) return { error: `${source} contains NUL bytes: it is not text.`, notText: 'binary' };
  try {
    return utf8.decode(record.bytes);
  } catch {
    return { error: `${source} is not valid UTF-8 text: save the file as UTF-8.`, notText: 'invalid' };
  }
}

function notTextMessage(path: string, notText: 'binary' | 'invalid', what: string): string {
  return notText === 'binary'
    ? `${path} looks like a binary file (it contains NUL bytes); give ${what}.`
    : `${path} is not valid UTF-8 text. Save it as UTF-8 (or convert it, for example with iconv) and try again.`;
}

/** Why `text` cannot be analysed (blank, or over the limit), or undefined. */
function textProblem(text: string, source: string, what: string, maxChars: number): string | undefined {
  if (isBlank(text)) return `${source} has no text to analyse: its ${what} is empty or only whitespace.`;
  if (text.length <= maxChars) return undefined;
  const raise = text.length <= MAX_TEXT_LENGTH ? `, or raise the limit with --max-chars ${text.length}` : '';
  return `${source} has ${text.length.toLocaleString('en')} characters in its ${what}, more than the limit of ${maxChars.toLocaleString('en')} (--max-chars): shorten it${raise}.`;
}

/** An id or a date as written: a string (not empty) or a number; anything else is none. */
function written(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function failed(source: string, error: string): BatchDocument {
  return { id: source, source, error };
}

/** A message from elsewhere on one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function code(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

/** The system's reason in words. */
function reason(error: unknown): string {
  switch (code(error)) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return oneLine((error as Error).message);
  }
}
