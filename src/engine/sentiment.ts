import type { ParagraphSentiment, SentenceSentiment, SentimentParams, SentimentResult, SentimentScore, Span } from '../protocol';
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import { sentimentOutputs } from './models';
import type { ResultCache } from './resultCache';
import { paragraphSpans, sentences as segmentSentences } from './segment';
import type { TokenWindow } from './tokenizer';
import type { TaskContext } from './task';
import { inChunks, pauses, uncachedUnits, unitWindows, WindowProgress } from './windowStream';

/** What the model says of one sentence; cached by sentence text. */
export interface SentenceScore {
  positive: number;
  /** Tokens the sentence took: its weight when sentences are combined. */
  tokens: number;
}

/** Tokens shared by consecutive windows of a sentence longer than the model's maximum length. */
const WINDOW_STRIDE = 64;

/**
 * Sentence-level sentiment, combined into paragraphs and the document.
 *
 * Each sentence is classified on its own (as SST-2 models were trained); a sentence longer than
 * the model's maximum length is covered by overlapping windows whose probabilities are averaged,
 * weighted by the tokens each covers. Paragraph and document scores are the token-weighted mean
 * of their sentences' positive probabilities, so a long sentence counts for more than a short one.
 *
 * Sentences are tokenized a chunk at a time, just before their batches (windowStream.ts), so that
 * a request's memory is that of its result and one chunk, whatever the number of its sentences.
 */
export async function sentenceSentiments(
  model: LoadedModel,
  params: SentimentParams,
  cache: ResultCache<SentenceScore>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<Pick<SentimentResult, 'document' | 'paragraphs' | 'sentences' | 'cachedSentences'>> {
  const { text, neutralBand } = params;
  const offset = params.offset ?? 0;
  // Where each paragraph and sentence lies, in document order, kept as numbers until the result is
  // made at the end (the garbage of a long run is then collected while the heap is still small);
  // a paragraph's sentences run from its firstSentence to the next one's.
  const paragraphStarts: number[] = [];
  const paragraphEnds: number[] = [];
  const firstSentence: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  // A part of a paragraph takes up to about 150 ms to segment: look at the clock after each.
  const segmenting = pauses(context.signal, 1);
  for (const block of paragraphSpans(text)) {
    paragraphStarts.push(block.start);
    paragraphEnds.push(block.end);
    firstSentence.push(starts.length);
    for (const spans of paragraphSentences(text, block.start, block.end)) {
      await segmenting();
      for (const span of spans) {
        starts.push(span.start);
        ends.push(span.end);
      }
    }
  }
  const labels = sentimentLabels(model);
  // On an exact tie the reference pipeline (argmax) picks the label listed first in the config.
  const judgeScore = (positive: number) => judge(positive, neutralBand, labels.positiveIndex < labels.negativeIndex);
  if (paragraphStarts.length === 0) throw new EngineError('bad-input', 'There is no text to analyse: the document is empty or only whitespace.');

  const count = starts.length;
  const positives = new Float64Array(count);
  const weights = new Float64Array(count);
  const keys = new Map<number, string>();
  let cachedSentences = 0;
  // The sentences the cache does not know, looked up as the tokenizer reaches them.
  const sentence = (i: number) => ({ unit: i, text: text.slice(starts[i], ends[i]), end: ends[i] });
  const uncached = uncachedUnits(cache, model.cacheKey, count, sentence, keys, (i, known) => {
    positives[i] = known.positive;
    weights[i] = known.tokens;
    cachedSentences++;
  }, context.signal);

  // A sentence's windows may span chunks: its sums are kept until its last window.
  const sums = new Map<number, { tokens: number; weighted: number }>();
  const progress = new WindowProgress(text.length);
  const windows = unitWindows(model.tokenizer, uncached, WINDOW_STRIDE, model.cuts, context.signal);
  for await (const chunk of inChunks(windows, (w) => w.window.ids.length)) {
    progress.chunk(chunk.items.length, chunk.items.at(-1)?.read ?? 0, chunk.more);
    const chunkPositives = await classifyWindows(model, labels, chunk.items.map((w) => w.window), context, limits, progress);
    // In window order, as the sums were always taken.
    chunk.items.forEach(({ unit, window, last }, i) => {
      let sum = sums.get(unit);
      if (!sum) sums.set(unit, (sum = { tokens: 0, weighted: 0 }));
      sum.tokens += window.contentTokens;
      sum.weighted += chunkPositives[i] * window.contentTokens;
      if (!last) return;
      // A sentence of only characters the tokenizer drops (e.g. control characters) has no tokens.
      const score = sum.tokens > 0 ? { positive: sum.weighted / sum.tokens, tokens: sum.tokens } : { positive: 0.5, tokens: 0 };
      positives[unit] = score.positive;
      weights[unit] = score.tokens;
      cache.set(keys.get(unit) as string, score);
      keys.delete(unit);
      sums.delete(unit);
    });
  }

  const paragraphs: ParagraphSentiment[] = [];
  const sentences: SentenceSentiment[] = [];
  paragraphStarts.forEach((start, paragraph) => {
    const [from, to] = [firstSentence[paragraph], firstSentence[paragraph + 1] ?? count];
    const end = paragraphEnds[paragraph];
    paragraphs.push({ start: start + offset, end: end + offset, text: text.slice(start, end), ...judgeScore(weightedPositive(positives, weights, from, to)) });
    for (let i = from; i < to; i++) {
      sentences.push({ start: starts[i] + offset, end: ends[i] + offset, text: text.slice(starts[i], ends[i]), paragraph, ...judgeScore(positives[i]) });
    }
  });
  return { document: judgeScore(weightedPositive(positives, weights, 0, count)), paragraphs, sentences, cachedSentences };
}

/** About how much of a paragraph is segmented at a time (a million lines make one paragraph). */
const SEGMENT_CHARS = 65_536;
const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * The sentences of the paragraph [start, end), segmented a part at a time so that a cancellation
 * can come in between: each part ends at a line break, where a sentence always ends (UAX #29) and
 * none is merged into the one before, so the sentences are those of the paragraph segmented whole.
 */
function* paragraphSentences(text: string, start: number, end: number): Generator<Span[]> {
  let from = start;
  while (end - from > SEGMENT_CHARS) {
    LINE_BREAK.lastIndex = from + SEGMENT_CHARS;
    const lineBreak = LINE_BREAK.exec(text);
    const cut = lineBreak ? lineBreak.index + lineBreak[0].length : end;
    if (cut >= end) break;
    yield segmentSentences(text, from, cut);
    from = cut;
  }
  yield segmentSentences(text, from, end);
}

/** Runs windows through the model in length-sorted batches; the positive probability of each. */
async function classifyWindows(
  model: LoadedModel,
  { positiveIndex, negativeIndex }: SentimentLabels,
  windows: readonly TokenWindow[],
  context: TaskContext,
  limits: BatchLimits,
  progress: WindowProgress,
): Promise<Float64Array> {
  const positives = new Float64Array(windows.length);
  for (const batch of lengthSortedBatches(windows.map((w) => w.ids.length), limits)) {
    throwIfCancelled(context.signal);
    const outputs = await model.run(padBatch(batch.map((i) => windows[i].ids)));
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    const labels = logits.dims[1];
    const data = logits.data as Float32Array;
    batch.forEach((item, row) => {
      const [pos, neg] = softmaxPair(data, row * labels, labels, positiveIndex, negativeIndex);
      positives[item] = pos / (pos + neg);
    });
    progress.done += batch.length;
    const { done, total } = progress;
    context.onProgress?.({ done, total, message: `${done} of ${total} sentences` });
  }
  return positives;
}

/** Finds the positive and negative labels by name, as the model's config names them. */
interface SentimentLabels {
  positiveIndex: number;
  negativeIndex: number;
}

function sentimentLabels(model: LoadedModel): SentimentLabels {
  const outputs = sentimentOutputs(model.config.id2label);
  if (outputs) return outputs;
  // Not reached for a model the store loaded: readModelConfig refused such labels then.
  throw new EngineError(
    'model-corrupt',
    `The sentiment model ${model.info.id} has labels ${model.config.id2label.join(', ')}; expected POSITIVE and NEGATIVE.`,
  );
}

function softmaxPair(data: Float32Array, base: number, labels: number, a: number, b: number): [number, number] {
  let max = -Infinity;
  for (let k = 0; k < labels; k++) max = Math.max(max, data[base + k]);
  let total = 0;
  for (let k = 0; k < labels; k++) total += Math.exp(data[base + k] - max);
  return [Math.exp(data[base + a] - max) / total, Math.exp(data[base + b] - max) / total];
}

/** The token-weighted mean of the positive probabilities of sentences [from, to). */
function weightedPositive(positives: Float64Array, weights: Float64Array, from: number, to: number): number {
  let tokens = 0;
  for (let i = from; i < to; i++) tokens += weights[i];
  if (tokens === 0) return 0.5;
  let weighted = 0;
  for (let i = from; i < to; i++) weighted += positives[i] * weights[i];
  return weighted / tokens;
}

/** Turns a positive probability into a label, NEUTRAL within `neutralBand` of 0.5. */
export function judge(positive: number, neutralBand: number, positiveWinsTies: boolean): SentimentScore {
  const score = Math.max(positive, 1 - positive);
  if (Math.abs(positive - 0.5) < neutralBand) return { label: 'NEUTRAL', score, positive };
  const isPositive = positive > 0.5 || (positive === 0.5 && positiveWinsTies);
  return { label: isPositive ? 'POSITIVE' : 'NEGATIVE', score, positive };
}
