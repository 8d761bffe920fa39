/**
 * `text-analytics eval`: runs one task of the engine over a standard data set and scores it with
 * that set's standard metric, so that anyone with the real models can compare with the published
 * numbers. Examples run one after another: the engine batches within a request, and one request
 * at a time keeps the memory flat on a laptop.
 */
import type { Engine } from '../engine/engine';
import { EngineError } from '../engine/errors';
import { withTextFile, type ReadProblem } from '../readBytes';
import type { DefaultModelTask, DeviceInfo, ModelInfo } from '../protocol';
import { DatasetError, readAgNews, readConll, readSquad, readSst2 } from './datasets';
import { countEntities, entitySpans, percent, precisionRecallF1, squadScores, tokensCovered, type PrecisionRecallF1, type TokenSpan } from './metrics';

export const EVAL_TASKS = ['sst2', 'squad', 'conll', 'agnews'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

/** The task whose model each data set evaluates (`--model` replaces that task's default). */
export const EVAL_MODEL_TASKS: Record<EvalTask, DefaultModelTask> = { sst2: 'sentiment', squad: 'qa', conll: 'entities', agnews: 'topics' };

/** What each task evaluates, and the numbers published for the default models. */
export const EVAL_SETS: Record<EvalTask, { name: string; published?: Record<string, string> }> = {
  sst2: { name: 'SST-2 (sentiment)', published: { accuracy: '91.3' } },
  squad: { name: 'SQuAD v1.1 (question answering)', published: { exactMatch: '79.6', f1: '87.0' } },
  conll: { name: 'CoNLL-2003 (named entities)', published: { f1: '91–92' } },
  agnews: { name: 'AG News (zero-shot topics)' },
};

/** AG News's classes 1..4, as zero-shot labels. */
export const AG_NEWS_LABELS = ['World', 'Sports', 'Business', 'Sci/Tech'];

export interface EvalOptions {
  /** Evaluate only the first `limit` examples. */
  limit?: number;
  /** agnews: the labels for classes 1..4 (default {@link AG_NEWS_LABELS}). */
  labels?: string[];
  /** agnews: the NLI hypothesis, `{}` standing for the label (default "This text is about {}."). */
  hypothesisTemplate?: string;
  /** Called after each example with how many are done, of how many. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalReport {
  task: EvalTask;
  name: string;
  examples: number;
  /** Percentages: accuracy; exactMatch and f1; or precision, recall and f1. */
  metrics: Record<string, number>;
  /** conll: the metrics of each entity type, with its gold and predicted counts. */
  byType?: Record<string, PrecisionRecallF1 & { gold: number; predicted: number }>;
  published?: Record<string, string>;
  model: ModelInfo;
  device: DeviceInfo;
}

interface Run {
  metrics: Record<string, number>;
  byType?: EvalReport['byType'];
  model: ModelInfo;
  device: DeviceInfo;
}

export async function evaluate(engine: Engine, task: EvalTask, file: string, options: EvalOptions = {}): Promise<EvalReport> {
  const text = readDataset(file);
  const take = <T>(examples: T[]): T[] => {
    const taken = options.limit === undefined ? examples : examples.slice(0, options.limit);
    if (taken.length === 0) throw new DatasetError(`${file} has no ${task} examples to evaluate.`);
    return taken;
  };
  const progress = options.onProgress ?? (() => undefined);
  let run: Run;
  let examples: number;
  switch (task) {
    case 'sst2': {
      const set = take(readSst2(text, file));
      examples = set.length;
      run = await sst2(engine, set, progress, file);
      break;
    }
    case 'squad': {
      const set = take(readSquad(text, file));
      examples = set.length;
      run = await squad(engine, set, progress, file);
      break;
    }
    case 'conll': {
      const set = take(readConll(text, file));
      examples = set.length;
      run = await conll(engine, set, progress, file);
      break;
    }
    case 'agnews': {
      const labels = options.labels ?? AG_NEWS_LABELS;
      if (labels.length !== 4) throw new DatasetError(`AG News has 4 classes: give 4 labels (for World, Sports, Business, Sci/Tech), not ${labels.length}.`);
      const set = take(readAgNews(text, file));
      examples = set.length;
      run = await agNews(engine, set, labels, options.hypothesisTemplate ?? 'This text is about {}.', progress, file);
      break;
    }
  }
  return { task, name: EVAL_SETS[task].name, examples, ...run, published: EVAL_SETS[task].published };
}

/**
 * The largest data set file `eval` reads: 16 MiB, over three times the largest published dev or
 * test file it reads (SQuAD v1.1 dev 4.9 MB; CoNLL-2003 testb about 3 MB, AG News test 1.8 MB,
 * SST-2 dev 0.1 MB; CoNLL's and SST-2's training files fit too). The examples are all read
 * before the first runs, and a file of a million one-word examples takes more memory than its
 * text: at 16 MiB the worst shapes (a million one-word SST-2 sentences, a million three-letter AG
 * News rows) take at most 0.55 GB to read, within the command line's 1 GiB bound; at 64 MiB they
 * took up to 1.9 GB. A pipe or a device (/dev/zero) is read no further than this.
 */
export const MAX_DATASET_BYTES = 16 * 1024 * 1024;

/** The file's text; a zipped file (as SQuAD is shipped), a binary or an oversized one is refused with what to do. */
function readDataset(file: string): string {
  const zipped = () => new DatasetError(`${file} is a zip archive: unzip it first (for example \`unzip ${file}\`) and give the file inside.`);
  if (/\.zip$/i.test(file)) throw zipped();
  const fail = (problem: ReadProblem): DatasetError => {
    switch (problem.kind) {
      case 'unreadable':
        return new DatasetError(`Cannot read ${file}: ${problem.why}.`);
      case 'binary':
        return new DatasetError(`${file} looks like a binary file (it contains NUL ${problem.found}); give the data set file as published.`);
      case 'invalid':
        return new DatasetError(`${file} is not valid ${problem.encoding.toUpperCase()} text; give the data set file as published.`);
      case 'too-large':
        return new DatasetError(
          `${file} ${problem.size === undefined ? 'has more than' : `has ${problem.size.toLocaleString('en')} bytes, more than`} the limit of ` +
            `${MAX_DATASET_BYTES.toLocaleString('en')} bytes (${MAX_DATASET_BYTES / 2 ** 20} MiB) for a data set file; give the data set file as published, or a part of it.`,
        );
    }
  };
  const sniff = (head: Buffer) => {
    if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) throw zipped();
  };
  return withTextFile(file, { fail, maxBytes: MAX_DATASET_BYTES, sniff }, (text) => [...text.pieces()].join(''));
}

type Progress = (done: number, total: number) => void;

/**
 * Runs the engine on one example; its refusal of the example (an empty question, a text too long
 * for one request) names the example, so the file is what the message blames.
 */
async function refusedAs<T>(file: string, example: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof EngineError && error.code === 'bad-input') throw new DatasetError(`${file}: ${example}: ${error.message}`);
    throw error;
  }
}

/** The model and device of the last result (there is one: an empty set is refused before). */
function where(last: { model: ModelInfo; device: DeviceInfo } | undefined): { model: ModelInfo; device: DeviceInfo } {
  if (!last) throw new Error('No example was evaluated.');
  return { model: last.model, device: last.device };
}

async function sst2(engine: Engine, set: ReturnType<typeof readSst2>, progress: Progress, file: string): Promise<Run> {
  let right = 0;
  let last: { model: ModelInfo; device: DeviceInfo } | undefined;
  for (const [index, { sentence, label }] of set.entries()) {
    // neutralBand 0: every prediction is POSITIVE or NEGATIVE, as SST-2's labels are.
    const result = (last = await refusedAs(file, `sentence ${index + 1}`, () => engine.sentiment({ text: sentence, neutralBand: 0 })));
    if ((result.document.label === 'POSITIVE' ? 1 : 0) === label) right++;
    progress(index + 1, set.length);
  }
  return { metrics: { accuracy: percent(right, set.length) }, ...where(last) };
}

async function squad(engine: Engine, set: ReturnType<typeof readSquad>, progress: Progress, file: string): Promise<Run> {
  const items: Array<{ prediction: string; answers: string[] }> = [];
  let last: { model: ModelInfo; device: DeviceInfo } | undefined;
  for (const [index, { id, context, question, answers }] of set.entries()) {
    // The best answer however unsure: SQuAD v1.1 always has one, and no answer scores zero.
    const result = (last = await refusedAs(file, `question ${id}`, () => engine.ask({ text: context, question, top: 1, minScore: 0 })));
    items.push({ prediction: result.answers[0]?.text ?? '', answers });
    progress(index + 1, set.length);
  }
  return { metrics: squadScores(items), ...where(last) };
}

async function conll(engine: Engine, set: ReturnType<typeof readConll>, progress: Progress, file: string): Promise<Run> {
  const sentences: Array<{ gold: TokenSpan[]; predicted: TokenSpan[] }> = [];
  let last: { model: ModelInfo; device: DeviceInfo } | undefined;
  for (const [index, { tokens, tags }] of set.entries()) {
    const result = (last = await refusedAs(file, `sentence ${index + 1}`, () => engine.entities({ text: tokens.join(' '), minScore: 0 })));
    sentences.push({ gold: entitySpans(tags), predicted: predictedSpans(tokens, result.entities) });
    progress(index + 1, set.length);
  }
  const { overall, byType } = countEntities(sentences);
  const types = [...byType.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    metrics: { ...precisionRecallF1(overall) },
    byType: Object.fromEntries(types.map(([type, counts]) => [type, { ...precisionRecallF1(counts), gold: counts.gold, predicted: counts.predicted }])),
    ...where(last),
  };
}

/** The engine's entities as token spans; two that cover the same tokens with one type count once. */
function predictedSpans(tokens: string[], entities: Array<{ start: number; end: number; type: string }>): TokenSpan[] {
  const spans = new Map<string, TokenSpan>();
  for (const { start, end, type } of entities) {
    const covered = tokensCovered(tokens, start, end);
    if (covered) spans.set(`${type}\u0000${covered.first}\u0000${covered.last}`, { type, ...covered });
  }
  return [...spans.values()];
}

async function agNews(engine: Engine, set: ReturnType<typeof readAgNews>, labels: string[], hypothesisTemplate: string, progress: Progress, file: string): Promise<Run> {
  let right = 0;
  let last: { model: ModelInfo; device: DeviceInfo } | undefined;
  for (const [index, { label, title, description }] of set.entries()) {
    const result = (last = await refusedAs(file, `article ${index + 1}`, () =>
      engine.topics({ text: `${title}. ${description}`, labels, multiLabel: false, hypothesisTemplate, format: 'plaintext' }),
    ));
    if (result.document[0]?.label === labels[label - 1]) right++;
    progress(index + 1, set.length);
  }
  return { metrics: { accuracy: percent(right, set.length) }, ...where(last) };
}
