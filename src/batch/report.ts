/**
 * `text-analytics report`: the results files that `batch` wrote (one JSON object per line, see
 * src/batch/run.ts) read line by line and summed into what the report page shows, per task:
 * documents, results and errors; sentiment labels and their share over time; the most mentioned
 * entities with the documents that mention them; top topic and classifier labels; personal data
 * per type; languages. Memory stays bounded however large the corpus: only counts are kept, each
 * table keeps at most a fixed number of distinct keys (the rarest dropped beyond it, and the page
 * says so), and a line is parsed and forgotten. A line that is not a result line is counted as
 * unreadable, never fatal. The page itself is src/batch/reportHtml.ts.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../cliInput';
import { OutputFailed } from '../cliOutput';
import { counted } from '../cliTasks';
import { TASKS, type Task } from '../tasks/registry';
import { reportHtml } from './reportHtml';

/** How much is kept: distinct keys per table, and how many examples of each problem. */
export const REPORT_LIMITS = {
  /** Distinct entities (type and case-folded text); the rarest are dropped beyond it. */
  entityKeys: 50_000,
  /** Distinct (day, label) pairs of sentiment over time. */
  datedKeys: 100_000,
  /** Distinct labels, types or languages of one table. */
  labelKeys: 10_000,
  /** Rows the page shows of one table; the rest are summed as "others". */
  rows: 100,
  /** Entities the page lists. */
  topEntities: 50,
  /** Documents named beside each entity. */
  idsPerEntity: 5,
  /** Errors, unreadable lines and unparsed dates quoted as examples. */
  examples: 10,
  /** Characters kept of an id, an entity's text or a message: enough to recognise it. */
  textChars: 200,
} as const;

/** One label, type or language and how often it was counted. */
export interface Count {
  key: string;
  count: number;
}

/** A table of counts, most frequent first. */
export interface Tally {
  /** At most {@link REPORT_LIMITS.rows} rows. */
  rows: Count[];
  /** The sum of the counts not in `rows`. */
  others: number;
  /** Everything counted, `rows` and `others` (dropped keys included). */
  total: number;
  /** Distinct keys dropped while reading to stay within the cap, and the highest count one had then. */
  dropped: Dropped;
}

export interface Dropped {
  keys: number;
  /** The most any dropped key had been counted: counts up to this may be low. */
  maxCount: number;
  /** The cap that was reached. */
  cap: number;
}

export interface ErrorExample {
  id: string;
  source: string;
  error: string;
}

/** Sentiment over time: each bucket's count per label, for lines that carry a `date`. */
export interface Timeline {
  /** Chosen by the span between the first and the last date: a day up to 3 months, a week up to 2 years, a month up to 20 years, else a year. */
  unit: 'day' | 'week' | 'month' | 'year';
  /** Labels in the order of the sentiment tally. */
  labels: string[];
  /** Every bucket from the first date's to the last's, empty ones included, so that the axis is even. */
  buckets: { start: string; counts: number[]; total: number }[];
  /** Results with a date that was read. */
  dated: number;
  /** Results whose date did not parse, and the first few such dates. */
  unparsed: number;
  unparsedExamples: string[];
  dropped: Dropped;
}

export interface EntityRow {
  type: string;
  /** As first seen (the key is case-folded). */
  text: string;
  mentions: number;
  documents: number;
  /** Up to {@link REPORT_LIMITS.idsPerEntity} ids of documents that mention it, in the order read. */
  ids: string[];
}

export interface EntityTable {
  rows: EntityRow[];
  /** Distinct entities kept when reading ended. */
  distinct: number;
  dropped: Dropped;
}

/** What one task's lines sum to. */
export interface TaskReport {
  task: Task;
  /** Result lines and error lines. */
  documents: number;
  results: number;
  errors: number;
  errorExamples: ErrorExample[];
  /**
   * sentiment: document labels (the model's own label for multi-class models); topics and
   * classify: each document's top label; entities: mentions per type; pii: findings per type;
   * language: documents per language; qa: documents answered or not.
   */
  tally: Tally;
  /** sentiment, when lines carry `date`. */
  timeline?: Timeline;
  /** entities. */
  entities?: EntityTable;
}

export interface ReportData {
  files: string[];
  /** Non-blank lines read. */
  lines: number;
  /** Lines that are not JSON or not a result line, and the first few with why. */
  unreadable: number;
  unreadableExamples: { source: string; why: string }[];
  /** Tasks present, in the registry's order. */
  tasks: TaskReport[];
}

/** Reads the results files (streamed, line by line, in bounded memory) and sums what the page shows. */
export async function summarize(files: string[]): Promise<ReportData> {
  // Say a missing file before reading the others, not after minutes of reading.
  for (const file of files) checkReadable(file);
  const summary = new Summary();
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        summary.addLine(lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line, `${file}:${lineNumber}`);
      }
    } catch (error) {
      throw new InputError(`Cannot read ${file}: ${reason(error)}.`);
    } finally {
      lines.close();
    }
  }
  return summary.data(files);
}

/** Both, writing the page to `htmlPath` whole or not at all (write a temp file beside it, then rename). */
export async function writeReport(files: string[], htmlPath: string): Promise<ReportData> {
  const data = await summarize(files);
  const more = files.length > 1 ? ` and ${counted(files.length - 1, 'more file')}` : '';
  const html = reportHtml(data, { title: `Text analytics report: ${basename(files[0] ?? 'no files')}${more}`, generated: new Date() });
  const target = resolve(htmlPath);
  // A reader (a browser reloading it) never sees half a page, and a failed write leaves the old one.
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(html, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new OutputFailed(`Cannot write ${htmlPath}: ${reason(error, 'no such folder')}.`);
  }
  return data;
}

/**
 * What `report` prints when the page is written, in one line: "Wrote report.html: 1,200
 * documents (sentiment 1,000, entities 200), 3 errors, 1 unreadable line."
 */
export function reportLine(data: ReportData, htmlPath: string): string {
  const documents = data.tasks.reduce((sum, t) => sum + t.documents, 0);
  const errors = data.tasks.reduce((sum, t) => sum + t.errors, 0);
  const perTask = data.tasks.map((t) => `${t.task} ${t.documents.toLocaleString('en')}`).join(', ');
  const parts = [`${counted(documents, 'document')}${perTask ? ` (${perTask})` : ''}`, counted(errors, 'error')];
  if (data.unreadable > 0) parts.push(`${counted(data.unreadable, 'unreadable line')} (the page names the first ${Math.min(data.unreadable, REPORT_LIMITS.examples)})`);
  return `Wrote ${htmlPath}: ${parts.join(', ')}.`;
}

function checkReadable(file: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(file).isDirectory();
  } catch (error) {
    throw new InputError(`Cannot read ${file}: ${reason(error)}. Give the results file that batch --out wrote.`);
  }
  if (isFolder) throw new InputError(`Cannot read ${file}: it is a folder. Give the results file that batch --out wrote.`);
}

function reason(error: unknown, enoent = 'no such file'): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return enoent;
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

// ---- Summing --------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** Why a result cannot be summed, or nothing when it was. */
type Problem = string | undefined;

class Summary {
  private lines = 0;
  private unreadable = 0;
  private readonly unreadableExamples: { source: string; why: string }[] = [];
  private readonly tasks = new Map<Task, TaskSummary>();

  addLine(line: string, where: string): void {
    if (line.trim() === '') return;
    this.lines++;
    const problem = this.read(line);
    if (problem === undefined) return;
    this.unreadable++;
    if (this.unreadableExamples.length < REPORT_LIMITS.examples) this.unreadableExamples.push({ source: where, why: problem });
  }

  data(files: string[]): ReportData {
    const tasks = TASKS.flatMap((task) => {
      const summary = this.tasks.get(task);
      return summary ? [summary.report()] : [];
    });
    return { files, lines: this.lines, unreadable: this.unreadable, unreadableExamples: this.unreadableExamples, tasks };
  }

  private read(line: string): Problem {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return 'not JSON';
    }
    if (!isRecord(value)) return 'not a JSON object';
    const task = taskOf(value.task);
    if (!task) return typeof value.task === 'string' ? `unknown task "${clip(value.task, 40)}"` : 'no "task"';
    if (typeof value.source !== 'string') return 'no "source"';
    const id = typeof value.id === 'string' || typeof value.id === 'number' ? String(value.id) : value.source;
    // A task is shown once one of its lines was read, not for an unreadable line that names it.
    const summary = this.tasks.get(task) ?? new TaskSummary(task);
    let problem: Problem;
    if (typeof value.error === 'string') summary.addError({ id: clip(id), source: clip(value.source), error: clip(value.error) });
    else if (!isRecord(value.result)) problem = 'neither a "result" object nor an "error"';
    else problem = summary.addResult(value.result, clip(id), value.date);
    if (problem === undefined) this.tasks.set(task, summary);
    return problem;
  }
}

/** The `task` field: a task's id, or `ask`, the command line's name for qa. */
function taskOf(name: unknown): Task | undefined {
  if (name === 'ask') return 'qa';
  return TASKS.find((task) => task === name);
}

class TaskSummary {
  private results = 0;
  private errors = 0;
  private readonly errorExamples: ErrorExample[] = [];
  private readonly tally = new BoundedTally<undefined>(REPORT_LIMITS.labelKeys, () => undefined);
  private readonly dated = new BoundedTally<undefined>(REPORT_LIMITS.datedKeys, () => undefined);
  private datedResults = 0;
  private unparsedDates = 0;
  private readonly unparsedExamples: string[] = [];
  private readonly entities = new BoundedTally<EntityExtra>(REPORT_LIMITS.entityKeys, () => ({ text: '', documents: 0, ids: [] }));

  constructor(readonly task: Task) {}

  addError(example: ErrorExample): void {
    this.errors++;
    if (this.errorExamples.length < REPORT_LIMITS.examples) this.errorExamples.push(example);
  }

  addResult(result: Json, id: string, date: unknown): Problem {
    const problem = this.sum(result, id, date);
    if (problem === undefined) this.results++;
    return problem;
  }

  report(): TaskReport {
    const report: TaskReport = {
      task: this.task,
      documents: this.results + this.errors,
      results: this.results,
      errors: this.errors,
      errorExamples: this.errorExamples,
      tally: this.tally.table(REPORT_LIMITS.rows),
    };
    if (this.task === 'sentiment' && this.datedResults + this.unparsedDates > 0) report.timeline = this.timeline(report.tally);
    if (this.task === 'entities') report.entities = this.entityTable();
    return report;
  }

  /** Checks and counts one result; a result without the fields a task's JSON always has is not counted at all. */
  private sum(result: Json, id: string, date: unknown): Problem {
    switch (this.task) {
      case 'sentiment': {
        const label = sentimentLabel(result.document);
        if (label === undefined) return 'a sentiment result without document.label';
        this.tally.add(label);
        if (date !== undefined && date !== null && date !== '') this.addDate(date, label);
        return undefined;
      }
      case 'topics':
      case 'classify': {
        const labels = this.task === 'topics' ? result.document : isRecord(result.document) ? result.document.labels : undefined;
        if (!Array.isArray(labels)) return `a ${this.task} result without document ${this.task === 'topics' ? 'scores' : 'labels'}`;
        const top = topLabel(labels);
        // A multi-label classifier may find no label above its threshold: a document without one.
        this.tally.add(top ?? NO_LABEL);
        return undefined;
      }
      case 'entities':
      case 'pii': {
        if (!Array.isArray(result.entities)) return `a ${this.task} result without entities`;
        const inDocument = new Map<string, { type: string; text: string; mentions: number }>();
        for (const entity of result.entities) {
          if (!isRecord(entity) || typeof entity.type !== 'string') continue;
          this.tally.add(clip(entity.type, 60));
          if (this.task !== 'entities' || typeof entity.text !== 'string') continue;
          const type = clip(entity.type, 60);
          const text = clip(entity.text.replace(/\s+/gu, ' ').trim());
          const key = `${type}\u0000${text.toLowerCase()}`;
          const seen = inDocument.get(key);
          if (seen) seen.mentions++;
          else inDocument.set(key, { type, text, mentions: 1 });
        }
        for (const [key, { text, mentions }] of inDocument) {
          const extra = this.entities.add(key, mentions);
          if (!extra.text) extra.text = text;
          extra.documents++;
          if (extra.ids.length < REPORT_LIMITS.idsPerEntity) extra.ids.push(id);
        }
        return undefined;
      }
      case 'language': {
        const language = isRecord(result.document) ? result.document.language : undefined;
        if (typeof language !== 'string') return 'a language result without document.language';
        this.tally.add(clip(language, 40));
        return undefined;
      }
      case 'qa': {
        if (!Array.isArray(result.answers)) return 'a qa result without answers';
        this.tally.add(result.answers.length > 0 ? 'answered' : 'no confident answer');
        return undefined;
      }
    }
  }

  private addDate(date: unknown, label: string): void {
    const day = typeof date === 'string' ? dayNumber(date) : undefined;
    if (day === undefined) {
      this.unparsedDates++;
      if (this.unparsedExamples.length < REPORT_LIMITS.examples) this.unparsedExamples.push(clip(typeof date === 'string' ? date : JSON.stringify(date), 60));
      return;
    }
    this.datedResults++;
    this.dated.add(`${day}\u0000${label}`);
  }

  private timeline(tally: Tally): Timeline {
    const perDay: { day: number; label: string; count: number }[] = [];
    for (const [key, count] of this.dated.counts()) {
      const at = key.indexOf('\u0000');
      perDay.push({ day: Number(key.slice(0, at)), label: key.slice(at + 1), count });
    }
    const labels = tally.rows.map((row) => row.key);
    // Labels cut from the tally's rows (more than it shows) still count in each bucket's total.
    for (const { label } of perDay) if (!labels.includes(label) && labels.length < REPORT_LIMITS.rows) labels.push(label);
    // A loop, not Math.min(...days): up to 100,000 arguments would overflow the stack.
    let [first, last] = [Infinity, -Infinity];
    for (const { day } of perDay) [first, last] = [Math.min(first, day), Math.max(last, day)];
    const unit = timeUnit(perDay.length ? last - first : 0);
    const bucketOf = (day: number) => bucketStart(day, unit);
    const buckets: Timeline['buckets'] = [];
    const index = new Map<number, number>();
    if (perDay.length) {
      for (let start = bucketOf(first); start <= last; start = nextBucket(start, unit)) {
        index.set(start, buckets.length);
        buckets.push({ start: dayText(start, unit), counts: labels.map(() => 0), total: 0 });
      }
    }
    for (const { day, label, count } of perDay) {
      const bucket = buckets[index.get(bucketOf(day)) as number];
      const at = labels.indexOf(label);
      if (at >= 0) bucket.counts[at] += count;
      bucket.total += count;
    }
    return {
      unit,
      labels,
      buckets,
      dated: this.datedResults,
      unparsed: this.unparsedDates,
      unparsedExamples: this.unparsedExamples,
      dropped: this.dated.dropped(),
    };
  }

  private entityTable(): EntityTable {
    const rows = [...this.entities.entries()]
      .sort(([aKey, a], [bKey, b]) => b.count - a.count || b.extra.documents - a.extra.documents || (aKey < bKey ? -1 : aKey > bKey ? 1 : 0))
      .slice(0, REPORT_LIMITS.topEntities)
      .map(([key, { count, extra }]) => ({ type: key.slice(0, key.indexOf('\u0000')), text: extra.text, mentions: count, documents: extra.documents, ids: extra.ids }));
    return { rows, distinct: this.entities.size, dropped: this.entities.dropped() };
  }
}

/** The key of documents without a top label, which no label a model has can be confused with. */
export const NO_LABEL = '(no label)';

interface EntityExtra {
  text: string;
  documents: number;
  ids: string[];
}

/**
 * A sentiment document's label: for multi-class models the model's own ("4 stars", "neutral"),
 * which `--json` prints as the first of `labels` (best first), else the polarity.
 */
function sentimentLabel(document: unknown): string | undefined {
  if (!isRecord(document)) return undefined;
  if (typeof document.modelLabel === 'string') return clip(document.modelLabel, 60);
  if (Array.isArray(document.labels)) {
    const top = topLabel(document.labels);
    if (top !== undefined) return top;
  }
  return typeof document.label === 'string' ? clip(document.label, 60) : undefined;
}

/** The label of the highest score among `{ label, score }` items (the JSON lists them best first, but that is not relied on). */
function topLabel(items: unknown[]): string | undefined {
  let best: { label: string; score: number } | undefined;
  for (const item of items) {
    if (!isRecord(item) || typeof item.label !== 'string' || typeof item.score !== 'number') continue;
    if (!best || item.score > best.score) best = { label: item.label, score: item.score };
  }
  return best && clip(best.label, 60);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** At most `max` characters of `text`, ending in … when cut, and never in half a surrogate pair. */
function clip(text: string, max: number = REPORT_LIMITS.textChars): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

// ---- Counting in bounded memory -------------------------------------------------------------

/**
 * Counts per key, keeping at most `cap` keys: past it, the rarest are dropped, down to 90% of the
 * cap so that pruning happens once per many new keys rather than on each. A dropped key that comes
 * back starts again from zero, so a count may be low by at most the highest count ever dropped,
 * which {@link dropped} reports for the page to say.
 */
class BoundedTally<T> {
  private readonly map = new Map<string, { count: number; extra: T }>();
  private droppedKeys = 0;
  private maxDroppedCount = 0;
  private droppedTotal = 0;

  constructor(
    private readonly cap: number,
    private readonly makeExtra: () => T,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** Counts `key` `n` times; returns its extra data, to fill in. */
  add(key: string, n = 1): T {
    let entry = this.map.get(key);
    if (!entry) {
      entry = { count: 0, extra: this.makeExtra() };
      this.map.set(key, entry);
    }
    entry.count += n;
    if (this.map.size > this.cap) this.prune();
    return entry.extra;
  }

  *counts(): Generator<[string, number]> {
    for (const [key, { count }] of this.map) yield [key, count];
  }

  entries(): IterableIterator<[string, { count: number; extra: T }]> {
    return this.map.entries();
  }

  dropped(): Dropped {
    return { keys: this.droppedKeys, maxCount: this.maxDroppedCount, cap: this.cap };
  }

  /** The `rows` most frequent keys, ties in key order, the rest summed. */
  table(rows: number): Tally {
    const sorted = [...this.counts()].sort(([aKey, a], [bKey, b]) => b - a || (aKey < bKey ? -1 : aKey > bKey ? 1 : 0));
    const kept = sorted.slice(0, rows).map(([key, count]) => ({ key, count }));
    const others = sorted.slice(rows).reduce((sum, [, count]) => sum + count, 0);
    const total = sorted.reduce((sum, [, count]) => sum + count, 0) + this.droppedTotal;
    return { rows: kept, others: others + this.droppedTotal, total, dropped: this.dropped() };
  }

  private prune(): void {
    const target = Math.floor(this.cap * 0.9);
    const counts = [...this.map.values()].map((entry) => entry.count).sort((a, b) => a - b);
    // Everything below the threshold goes, then keys at it (the oldest first) until the target is met.
    const threshold = counts[this.map.size - target - 1];
    let excess = this.map.size - target;
    for (const pass of ['below', 'at'] as const) {
      for (const [key, entry] of this.map) {
        if (excess === 0) return;
        if (pass === 'below' ? entry.count < threshold : entry.count === threshold) {
          this.map.delete(key);
          this.droppedKeys++;
          this.droppedTotal += entry.count;
          this.maxDroppedCount = Math.max(this.maxDroppedCount, entry.count);
          excess--;
        }
      }
    }
  }
}

// ---- Dates ----------------------------------------------------------------------------------

/**
 * An ISO 8601 date, or date and time ("2024-03-05", "2024-03-05T14:30:00+01:00", "2024-03-05
 * 14:30"), as a day number (days since 1970-01-01) of the calendar date written: a time zone does
 * not move a document to another day. Other forms (03/05/2024 is the 3rd of May or the 5th of
 * March) are not guessed.
 */
export function dayNumber(text: string): number | undefined {
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?\s*$/i.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  // Date.UTC rolls 2024-02-30 over to March: such a date is not a date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return Math.round(time / DAY_MS);
}

const DAY_MS = 86_400_000;

function timeUnit(spanDays: number): Timeline['unit'] {
  if (spanDays <= 92) return 'day';
  if (spanDays <= 731) return 'week';
  if (spanDays <= 20 * 366) return 'month';
  return 'year';
}

/** The first day of the bucket holding `day`: itself, its week's Monday, its month's or its year's first day. */
function bucketStart(day: number, unit: Timeline['unit']): number {
  if (unit === 'day') return day;
  // 1970-01-01 was a Thursday: (day + 3) mod 7 counts from Monday.
  if (unit === 'week') return day - (((day + 3) % 7) + 7) % 7;
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), unit === 'month' ? date.getUTCMonth() : 0, 1) / DAY_MS;
}

function nextBucket(start: number, unit: Timeline['unit']): number {
  if (unit === 'day') return start + 1;
  if (unit === 'week') return start + 7;
  const date = new Date(start * DAY_MS);
  return unit === 'month' ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS : Date.UTC(date.getUTCFullYear() + 1, 0, 1) / DAY_MS;
}

/** "2024-03-05" (a day, or a week by its Monday), "2024-03", "2024". */
function dayText(day: number, unit: Timeline['unit']): string {
  const iso = new Date(day * DAY_MS).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : unit === 'year' ? iso.slice(0, 4) : iso.slice(0, 10);
}
