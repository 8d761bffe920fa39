/**
 * Scores spans of a text (sentences, paragraphs, the document) with a sequence classifier: each
 * span's probability over the model's labels. What sentiment and every classifier share.
 *
 * A span longer than the model's maximum length is covered by overlapping windows whose
 * probabilities are averaged, weighted by the tokens each covers; the span's weight, when spans
 * are combined into a paragraph or the document, is its tokens. Spans are tokenized a chunk at a
 * time, just before their batches (windowStream.ts), so that a request's memory is that of its
 * result and one chunk, whatever the number of its spans.
 */
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import type { ResultCache } from './resultCache';
import type { TaskContext } from './task';
import type { TokenWindow } from './tokenizer';
import { inChunks, uncachedUnits, unitWindows } from './windowStream';

/** How a model's logits become probabilities: competing labels (softmax), or each on its own (a sigmoid). */
export type Activation = 'softmax' | 'sigmoid';

/** What the model says of one span; cached by its text. */
export interface SpanScore {
  /** A probability per label, in the model's label order (a plain array: far cheaper to make by the million than a typed one). */
  probabilities: readonly number[];
  /** Tokens the span took: its weight when spans are combined. */
  tokens: number;
}

/** The result cache's size of one {@link SpanScore}, in bytes, for its limits. */
export function spanScoreBytes(score: SpanScore): number {
  return 64 + 8 * score.probabilities.length;
}

/**
 * The most label scores ({label, score} objects, one per label of each item) one result lists,
 * like topics' MAX_TOPIC_SCORES: each is about 150 bytes with its share of its item's, so that at
 * this many the result stays well inside the worker's bound of memory. 2,500,000 one-character
 * lines classified with six labels (15,000,000 scores) took 1.8 GB; a document of prose has a few
 * thousand sentences.
 */
export const MAX_LABEL_SCORES = 2_000_000;

/** Refuses, before any work, a result of more than {@link MAX_LABEL_SCORES} label scores. */
export function checkLabelScores(items: number, labels: number, what: string, advice: string): void {
  if (items * labels <= MAX_LABEL_SCORES) return;
  const count = (n: number) => n.toLocaleString('en');
  throw new EngineError(
    'bad-input',
    `Scoring ${count(items)} ${what} against ${count(labels)} labels makes ${count(items * labels)} scores, more than the ${count(MAX_LABEL_SCORES)} one request returns: ${advice}.`,
  );
}

/** Tokens shared by consecutive windows of a span longer than the model's maximum length. */
const WINDOW_STRIDE = 64;

export interface SpanScores {
  /** Labels per span. */
  labels: number;
  /** Span i's probability of label k at `i * labels + k`. */
  probabilities: Float64Array;
  /** Span i's tokens (0 for a span of only characters the tokenizer drops: it then has uniform probabilities). */
  weights: Float64Array;
  /** Spans answered from the cache. */
  cached: number;
}

export interface SpanScoring {
  model: LoadedModel;
  text: string;
  /** The spans, [starts[i], ends[i]) of `text`, in text order. */
  starts: readonly number[];
  ends: readonly number[];
  activation: Activation;
  cache: ResultCache<SpanScore>;
  context: TaskContext;
  limits: BatchLimits;
  /** What progress calls the spans: "sentences". */
  what: string;
  /** Told of each span answered from the cache (packed documents count theirs apart). */
  onCached?(span: number): void;
}

/**
 * A document's spans to score and how its result is made from their scores: what a task that can
 * be packed with other documents gives (sentiment, classifiers). Its single request is `finish`
 * of `spanScores` of these spans; a packed one is `finish` of its share of {@link packedSpanScores}.
 */
export interface SpanPlan<R> {
  text: string;
  starts: number[];
  ends: number[];
  activation: Activation;
  what: string;
  finish(scores: SpanScores): R;
}

/** Every span's probabilities (see the module's comment). */
export async function spanScores({ model, text, starts, ends, activation, cache, context, limits, what, onCached }: SpanScoring): Promise<SpanScores> {
  const labels = model.config.id2label.length;
  const count = starts.length;
  const probabilities = new Float64Array(count * labels);
  const weights = new Float64Array(count);
  const keys = new Map<number, string>();
  const cacheKey = `${model.cacheKey}|${activation}`;
  let cached = 0;
  const keep = (i: number, score: SpanScore) => {
    probabilities.set(score.probabilities, i * labels);
    weights[i] = score.tokens;
  };
  const span = (i: number) => ({ unit: i, text: text.slice(starts[i], ends[i]), end: ends[i] });
  const uncached = uncachedUnits(cache, cacheKey, count, span, keys, (i, known) => {
    keep(i, known);
    cached++;
    onCached?.(i);
  }, context.signal);

  // Progress counts spans ("12 of 1,234 sentences"), the unit the user knows, and the first report
  // goes out before any tokenizing: the total is known from the start, so a long document shows
  // "0 of …" at once rather than nothing until its first batch is done. Within a chunk, its spans
  // are counted as its batches finish.
  let finished = 0;
  const report = (partial: number) => {
    const done = Math.min(count, cached + finished + Math.floor(partial));
    context.onProgress?.({ done, total: count, message: `${done} of ${count} ${what}` });
  };
  report(0);

  // A span's windows may cross chunks: its sums are kept until its last window.
  const sums = new Map<number, { tokens: number; weighted: number[] }>();
  const windows = unitWindows(model.tokenizer, uncached, WINDOW_STRIDE, model.cuts, context.signal);
  for await (const chunk of inChunks(windows, (w) => w.window.ids.length)) {
    const ending = chunk.items.filter((w) => w.last).length;
    const chunkProbabilities = await windowProbabilities(model, activation, chunk.items.map((w) => w.window), context, limits, (windowsDone) =>
      report((ending * windowsDone) / chunk.items.length),
    );
    // In window order, as the sums were always taken.
    chunk.items.forEach(({ unit, window, last }, w) => {
      let sum = sums.get(unit);
      if (!sum) sums.set(unit, (sum = { tokens: 0, weighted: new Array<number>(labels).fill(0) }));
      sum.tokens += window.contentTokens;
      for (let k = 0; k < labels; k++) sum.weighted[k] += chunkProbabilities[w * labels + k] * window.contentTokens;
      if (!last) return;
      // A span of only characters the tokenizer drops (e.g. control characters) has no tokens.
      const score: SpanScore =
        sum.tokens > 0
          ? { probabilities: sum.weighted.map((weighted) => weighted / (sum as { tokens: number }).tokens), tokens: sum.tokens }
          : { probabilities: [...uniform(labels, activation)], tokens: 0 };
      keep(unit, score);
      finished++;
      cache.set(keys.get(unit) as string, score);
      keys.delete(unit);
      sums.delete(unit);
    });
  }
  return { labels, probabilities, weights, cached };
}

/**
 * The spans of several documents scored together, each document's share returned as if it had
 * been scored alone. Their windows go through the same length-sorted batches, so a short
 * document's sentences fill a forward pass with other documents' instead of running by
 * themselves. Only for weights whose logits for a row do not depend on the other rows of its
 * batch (fp32 on the CPU: engine.ts decides); the spans' texts are joined so that spanScores
 * runs unchanged, each span still read from its own slice.
 */
export async function packedSpanScores(plans: readonly Omit<SpanPlan<unknown>, 'finish'>[], scoring: Omit<SpanScoring, 'text' | 'starts' | 'ends' | 'activation' | 'what' | 'onCached'>): Promise<SpanScores[]> {
  const starts: number[] = [];
  const ends: number[] = [];
  const firstSpan: number[] = [];
  let base = 0;
  for (const plan of plans) {
    firstSpan.push(starts.length);
    for (let i = 0; i < plan.starts.length; i++) {
      starts.push(base + plan.starts[i]);
      ends.push(base + plan.ends[i]);
    }
    // A line break between documents keeps their spans apart; no span covers it.
    base += plan.text.length + 1;
  }
  firstSpan.push(starts.length);
  const documentOf = (span: number) => firstSpan.findLastIndex((first) => first <= span);
  const cached = new Array<number>(plans.length).fill(0);
  const all = await spanScores({
    ...scoring,
    text: plans.map((plan) => plan.text).join('\n'),
    starts,
    ends,
    activation: plans[0].activation,
    what: plans[0].what,
    onCached: (span) => cached[documentOf(span)]++,
  });
  return plans.map((_, d) => {
    const [from, to] = [firstSpan[d], firstSpan[d + 1]];
    return { labels: all.labels, probabilities: all.probabilities.slice(from * all.labels, to * all.labels), weights: all.weights.slice(from, to), cached: cached[d] };
  });
}

/** What a span without tokens is given: no evidence either way. */
function uniform(labels: number, activation: Activation): Float64Array {
  return new Float64Array(labels).fill(activation === 'softmax' ? 1 / labels : 0.5);
}

/** Runs windows through the model in length-sorted batches; each window's probabilities, `labels` per window. */
async function windowProbabilities(
  model: LoadedModel,
  activation: Activation,
  windows: readonly TokenWindow[],
  context: TaskContext,
  limits: BatchLimits,
  /** Called after each batch with how many of `windows` are done. */
  onBatch: (windowsDone: number) => void,
): Promise<Float64Array> {
  const labels = model.config.id2label.length;
  const probabilities = new Float64Array(windows.length * labels);
  let windowsDone = 0;
  for (const batch of lengthSortedBatches(windows.map((w) => w.ids.length), limits)) {
    throwIfCancelled(context.signal);
    const outputs = await model.run(padBatch(batch.map((i) => windows[i].ids)));
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    if (logits.dims.length !== 2 || logits.dims[1] !== labels) {
      throw new EngineError(
        'model-corrupt',
        `The model ${model.info.id} gives outputs of shape [${logits.dims.join(', ')}], but its config.json names ${labels} labels: it is not a text-classification model with one score per label.`,
      );
    }
    const data = logits.data as Float32Array;
    batch.forEach((item, row) => activate(data, row * labels, labels, activation, probabilities, item * labels));
    windowsDone += batch.length;
    onBatch(windowsDone);
  }
  return probabilities;
}

/** The `labels` logits at `data[from]` as probabilities, written at `into[at]`. */
function activate(data: Float32Array, from: number, labels: number, activation: Activation, into: Float64Array, at: number): void {
  if (activation === 'sigmoid') {
    for (let k = 0; k < labels; k++) into[at + k] = 1 / (1 + Math.exp(-data[from + k]));
    return;
  }
  let max = -Infinity;
  for (let k = 0; k < labels; k++) max = Math.max(max, data[from + k]);
  let total = 0;
  for (let k = 0; k < labels; k++) total += Math.exp(data[from + k] - max);
  for (let k = 0; k < labels; k++) into[at + k] = Math.exp(data[from + k] - max) / total;
}

/** The token-weighted mean of the probabilities of spans [from, to), into a fresh array; uniform when they have no tokens. */
export function weightedMean(scores: SpanScores, from: number, to: number, activation: Activation): Float64Array {
  const { labels, probabilities, weights } = scores;
  let tokens = 0;
  for (let i = from; i < to; i++) tokens += weights[i];
  if (tokens === 0) return uniform(labels, activation);
  const mean = new Float64Array(labels);
  for (let i = from; i < to; i++) {
    if (weights[i] === 0) continue;
    for (let k = 0; k < labels; k++) mean[k] += probabilities[i * labels + k] * weights[i];
  }
  for (let k = 0; k < labels; k++) mean[k] /= tokens;
  return mean;
}
