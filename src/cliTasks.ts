/**
 * Each task's part of the command line: the request it makes from the file and the options, and
 * how its result is printed, as a table or as JSON. The subcommand's name, synopsis and summary
 * come from the task's contract (src/tasks/); cli.ts derives its usage and dispatch from this
 * table, and a task missing here does not compile.
 *
 * Every `--json` output carries {@link JSON_SCHEMA_VERSION}; the README lists what each version changed.
 */
import { basename } from 'node:path';
import type { LabelScore, SentimentScore, TopicScore } from './protocol';
import { CLASSIFIER_LEVELS, type ClassifierLevel } from './tasks/classify';
import type { Task, TaskMethods } from './tasks/registry';
import { REGISTRY, TASKS } from './tasks/registry';
import { canonicalLanguage, languageName, readModelLanguages, type DocumentLanguageFields } from './tasks/languages';
import type { TextDocument } from './cliInput';
import { modelSource, oneOf, textFormat, UsageError } from './cliOptions';
import { printable, printableProse } from './printable';
import { modelLine } from './cliAdvice';
import { piiCliParams, type PiiCliValues } from './redaction/cliOptions';

/**
 * The version of the JSON the CLI prints. 1: before it was stated. 2: `schemaVersion` in every
 * output; sentiment of multi-class models adds `labels` (and `stars`); `classify` is new.
 */
export const JSON_SCHEMA_VERSION = 2;

/** The command line's values a task may read (cli.ts parses and range-checks them); `pii`'s own in {@link PiiCliValues}. */
export interface CliValues extends PiiCliValues {
  path: string;
  neutralBand: number;
  minScore?: number;
  top: number;
  question?: string;
  labels?: string;
  multiLabel: boolean;
  template: string;
  format?: string;
  model?: string;
  level?: string;
}

type ParamsOf<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['params'];
type ResultOf<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['result'];

export interface CliTask<T extends Task> {
  /** The request for `document`; a UsageError names an option that is missing or wrong. */
  params(values: CliValues): Omit<ParamsOf<T>, 'text' | 'offset'>;
  /** What `--json` prints (without schemaVersion, which is added). Long lists as iterables: they are written as they are made. */
  json(result: ResultOf<T>): Record<string, unknown>;
  table(result: ResultOf<T>, document: TextDocument, params: ParamsOf<T>): Iterable<string>;
}

export const CLI_TASKS: { [T in Task]: CliTask<T> } = {
  sentiment: {
    params: (values) => ({ neutralBand: values.neutralBand, format: textFormat(values.format, values.path) }),
    json: (result) => ({
      document: sentimentJson(result.document),
      sentences: mapped(result.sentences, ({ start, end, text, ...score }) => ({ start, end, text, ...sentimentJson(score) })),
      ...skippedJson(result),
      model: result.model,
      device: result.device,
    }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      const named = (score: SentimentScore) => printable(score.modelLabel ?? score.label);
      const stars = result.document.stars === undefined ? '' : `, ${result.document.stars.toFixed(1)} stars`;
      yield `Document: ${named(result.document)} (${(result.document.score * 100).toFixed(1)}%${stars}) — ${counted(result.sentences.length, 'sentence')}, ${counted(result.paragraphs.length, 'paragraph')}${skippedText(result)}`;
      yield `Model: ${modelLine(result)}`;
      yield '';
      for (const s of result.sentences) {
        yield `${named(s).padEnd(8)} ${(s.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(s.start)).padEnd(5)} ${printableProse(clipped(s.text, 90))}`;
      }
    },
  },
  topics: {
    params: (values) => {
      if (!values.labels?.trim()) throw new UsageError('Give the topic labels with --labels "sports,business,…".');
      const format = textFormat(values.format, values.path);
      return { labels: parseLabels(values.labels), multiLabel: values.multiLabel, hypothesisTemplate: values.template, format };
    },
    json: (result) => ({
      document: scores(result.document),
      sections: mapped(result.sections, ({ start, end, heading, labels }) => ({ start, end, heading, labels: scores(labels) })),
      ...skippedJson(result),
      model: result.model,
      device: result.device,
    }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      yield `Document — ${modelLine(result)}${skippedText(result, ';')}`;
      yield* result.document.map(barRow);
      yield '';
      for (const section of result.sections) {
        yield `line ${lineOf(section.start)}: ${printableProse(section.heading ?? clipped(section.text, 60))}`;
        yield* section.labels.slice(0, 3).map(barRow);
      }
      yield '';
    },
  },
  entities: {
    params: (values) => ({ minScore: values.minScore ?? 0.5 }),
    json: (result) => ({ entities: mapped(result.entities, ({ start, end, text, type, score }) => ({ start, end, text, type, score })), model: result.model, device: result.device }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      yield `${counted(result.entities.length, 'entity', 'entities')} — ${modelLine(result)}`;
      yield '';
      for (const e of result.entities) {
        yield `${e.type.padEnd(6)} ${(e.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(e.start)).padEnd(5)} ${printableProse(e.text)}`;
      }
    },
  },
  pii: {
    params: (values) => piiCliParams(values),
    json: (result) => ({
      entities: mapped(result.entities, ({ start, end, text, type, score, source }) => ({ start, end, text, type, score, source })),
      model: result.model,
      models: result.models,
      device: result.device,
    }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      const { model, device } = result;
      const ran = model && device ? result.models.map((m) => modelLine({ model: m, device })).join('; ') : 'recognizers only (no model)';
      yield `${counted(result.entities.length, 'finding')} — ${ran}`;
      yield '';
      for (const e of result.entities) {
        yield `${printable(e.type).padEnd(14)} ${(e.score * 100).toFixed(1).padStart(5)}%  ${e.source.padEnd(7)}  line ${String(lineOf(e.start)).padEnd(5)} ${printableProse(e.text)}`;
      }
    },
  },
  qa: {
    params: (values) => {
      if (!values.question?.trim()) throw new UsageError('Give the question with --question "…".');
      return { question: values.question, top: values.top, minScore: values.minScore ?? 0.1 };
    },
    json: (result) => ({ answers: result.answers.map(({ start, end, text, score }) => ({ start, end, text, score })), model: result.model, device: result.device }),
    table: function* (result, document, params) {
      const lineOf = lineNumbers(document);
      const headline = result.answers.length > 0 ? counted(result.answers.length, 'answer') : `No confident answer (none scored ${(params.minScore * 100).toFixed(0)}% or more)`;
      yield `${headline} — ${modelLine(result)}`;
      yield '';
      for (const a of result.answers) {
        yield `${(a.score * 100).toFixed(1).padStart(5)}%  line ${String(lineOf(a.start)).padEnd(5)} ${printableProse(a.text)}    (${printableProse(a.sentence.text)})`;
      }
    },
  },
  classify: {
    params: (values) => {
      if (!values.model?.trim()) throw new UsageError('Give the classifier with --model DIR (a model folder) or --model owner/name (a Hub id).');
      const model = modelSource(values.model);
      const level: ClassifierLevel = values.level === undefined ? 'sentence' : oneOf(values.level, CLASSIFIER_LEVELS, 'level');
      return {
        classifier: {
          id: basename(model).replace(/[^\w.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'model',
          title: model,
          model,
          level,
          ...(values.multiLabel ? { multiLabel: true } : {}),
          ...(values.minScore !== undefined ? { minScore: values.minScore } : {}),
        },
      };
    },
    json: (result) => ({
      document: { labels: scores(result.document.labels) },
      items: mapped(result.items, ({ start, end, text, labels }) => ({ start, end, text, labels: scores(labels) })),
      level: result.level,
      multiLabel: result.multiLabel,
      model: result.model,
      device: result.device,
    }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      yield `Document (${result.multiLabel ? 'multi-label' : 'single-label'}, ${counted(result.items.length, result.level)}) — ${modelLine(result)}`;
      yield* result.document.labels.map(barRow);
      yield '';
      for (const item of result.items) {
        const top = item.labels.slice(0, 3).map((l) => `${printable(l.label)} ${(l.score * 100).toFixed(1)}%`).join(', ');
        yield `line ${String(lineOf(item.start)).padEnd(5)} ${top.padEnd(40)} ${printableProse(clipped(item.text, 70))}`;
      }
    },
  },
  language: {
    params: (values) => {
      if (!values.model?.trim()) throw new UsageError('Give the language-identification model with --model DIR (a model folder) or --model owner/name (a Hub id).');
      return { model: modelSource(values.model), minScore: values.minScore ?? 0.6, format: textFormat(values.format, values.path) };
    },
    json: (result) => ({
      document: result.document,
      languages: result.languages,
      paragraphs: mapped(result.paragraphs, ({ start, end, text, language, score, source }) => ({ start, end, text, language, score, source })),
      model: result.model,
      device: result.device,
    }),
    table: function* (result, document) {
      const lineOf = lineNumbers(document);
      const { language, share } = result.document;
      yield `Document: ${printable(language)} (${languageName(language)}, ${(share * 100).toFixed(0)}% of its letters) — ${counted(result.paragraphs.length, 'paragraph')}, ${modelLine(result)}`;
      for (const l of result.languages) yield `  ${printable(l.language).padEnd(8)} ${counted(l.paragraphs, 'paragraph').padEnd(16)} ${counted(l.characters, 'letter')}`;
      yield '';
      for (const p of result.paragraphs) {
        const how = p.source === 'model' ? `${(p.score * 100).toFixed(1).padStart(5)}%` : p.source.padStart(6);
        yield `${printable(p.language).padEnd(8)} ${how}  line ${String(lineOf(p.start)).padEnd(5)} ${printableProse(clipped(p.text, 80))}`;
      }
    },
  },
};

/**
 * `--language` and `--model-languages`: the file's language and the languages of the model that
 * runs, as the editor sends them from its settings; the engine decides whether the model reads it.
 */
export function cliLanguageFields(task: Task, language: string | undefined, modelLanguages: string | undefined): DocumentLanguageFields {
  const fields: DocumentLanguageFields = {};
  if (task === 'language') return fields;
  if (language !== undefined) {
    const tag = canonicalLanguage(language);
    if (!tag || tag === 'und') throw new UsageError(`--language "${printable(language)}" is not a language tag: give one such as de, ja or pt-BR.`);
    Object.assign(fields, { language: tag, languageFrom: '--language' });
  }
  if (modelLanguages !== undefined) {
    const languages = readModelLanguages(modelLanguages.split(',').map((item) => item.trim()).filter(Boolean));
    if (!languages) throw new UsageError(`--model-languages "${printable(modelLanguages)}" is not a list of language tags: give one such as de,fr, or * for any language.`);
    // Whichever model the task runs on (personal data: the named-entity model) reads these.
    fields.modelLanguages = Object.fromEntries(TASKS.map((t) => [t, [...languages]]));
  }
  return fields;
}

/** A task's subcommand by its name on the command line. */
export function cliTask(command: string | undefined): Task | undefined {
  return (Object.keys(REGISTRY) as Task[]).find((task) => REGISTRY[task].cli.command === command);
}

/** Markdown: how many blocks were not read as prose; nothing for plain text. */
function skippedJson({ skippedMarkup }: { skippedMarkup?: number }): Record<string, unknown> {
  return skippedMarkup === undefined ? {} : { skippedMarkup };
}

/** ", 3 Markdown blocks not read (headings, code, front matter…)", or nothing. */
function skippedText({ skippedMarkup }: { skippedMarkup?: number }, separator = ','): string {
  return skippedMarkup ? `${separator} ${counted(skippedMarkup, 'Markdown block')} not read (headings, code, front matter…)` : '';
}

function sentimentJson({ label, score, labels, stars }: SentimentScore): Record<string, unknown> {
  return { label, score, ...(labels ? { labels: scores(labels) } : {}), ...(stars !== undefined ? { stars } : {}) };
}

function scores(labels: readonly (LabelScore | TopicScore)[]): LabelScore[] {
  return labels.map(({ label, score }) => ({ label, score }));
}

function barRow(t: LabelScore): string {
  const bar = '█'.repeat(Math.round(t.score * 20)).padEnd(20, '·');
  return `  ${bar} ${(t.score * 100).toFixed(1).padStart(5)}%  ${printable(t.label)}`;
}


/** `items` mapped lazily: a long list's copies are made one at a time, as they are written. */
function* mapped<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

/** Comma-separated labels; a label holding a comma is quoted: `sports,"mergers, acquisitions"`. */
export function parseLabels(list: string): string[] {
  const labels: string[] = [];
  for (const match of list.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)/g)) {
    if (match[0].length === 0) break;
    const label = (match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]).trim();
    if (label) labels.push(label);
  }
  return labels;
}

/** A line number for each offset of the document (offsets and lines of the whole file). */
function lineNumbers({ part, offset, firstLine }: TextDocument): (at: number) => number {
  // Where each line of the part starts; a line ends at LF, CRLF or CR, as in VS Code.
  const starts = [0];
  for (const match of part.matchAll(/\r\n|\r|\n/g)) starts.push(match.index + match[0].length);
  return (at) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= at - offset) low = mid;
      else high = mid - 1;
    }
    return firstLine + low;
  };
}

/** "1 sentence", "2,500,000 sentences". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** At most `max` UTF-16 units of `text`, ending in … when cut, and never in half a surrogate pair. */
function clipped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}
