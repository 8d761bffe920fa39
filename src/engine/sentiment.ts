import type { SentenceSentiment, SentimentParams, SentimentResult, SentimentScore } from '../protocol';
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import { sentimentOutputs } from './models';
import { ResultCache } from './resultCache';
import { paragraphs } from './segment';
import type { TokenWindow } from './tokenizer';
import type { TaskContext } from './task';

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
  const blocks = paragraphs(text);
  const labels = sentimentLabels(model);
  // On an exact tie the reference pipeline (argmax) picks the label listed first in the config.
  const judgeScore = (positive: number) => judge(positive, neutralBand, labels.positiveIndex < labels.negativeIndex);
  if (blocks.length === 0) throw new EngineError('bad-input', 'There is no text to analyse: the document is empty or only whitespace.');

  const flat = blocks.flatMap((block, paragraph) => block.sentences.map((span) => ({ ...span, paragraph })));
  const keys = flat.map((s) => ResultCache.key(model.cacheKey, s.text));
  const scores: (SentenceScore | undefined)[] = keys.map((key) => cache.get(key));
  const cachedSentences = scores.filter(Boolean).length;

  const todo = flat.flatMap((_, i) => (scores[i] ? [] : [i]));
  const windows = await model.tokenizer.windows(
    todo.map((i) => flat[i].text),
    WINDOW_STRIDE,
  );
  const computed = await classifyWindows(model, labels, windows, context, limits);
  todo.forEach((sentence, j) => {
    scores[sentence] = computed[j];
    cache.set(keys[sentence], computed[j]);
  });

  const sentences: SentenceSentiment[] = flat.map((span, i) => ({
    start: span.start + offset,
    end: span.end + offset,
    text: span.text,
    paragraph: span.paragraph,
    ...judgeScore((scores[i] as SentenceScore).positive),
  }));
  const byParagraph = blocks.map((): SentenceScore[] => []);
  flat.forEach((sentence, i) => byParagraph[sentence.paragraph].push(scores[i] as SentenceScore));
  const paragraphResults = blocks.map((block, p) => {
    const members = byParagraph[p];
    return { start: block.start + offset, end: block.end + offset, text: block.text, ...judgeScore(weightedPositive(members)) };
  });
  return {
    document: judgeScore(weightedPositive(scores as SentenceScore[])),
    paragraphs: paragraphResults,
    sentences,
    cachedSentences,
  };
}

/** Runs every window through the model in length-sorted batches; one score per text. */
async function classifyWindows(
  model: LoadedModel,
  { positiveIndex, negativeIndex }: SentimentLabels,
  windowsPerText: TokenWindow[][],
  context: TaskContext,
  limits: BatchLimits,
): Promise<SentenceScore[]> {
  const flat = windowsPerText.flatMap((windows, text) => windows.map((window) => ({ window, text })));
  const positives = new Float64Array(flat.length);
  const batches = lengthSortedBatches(flat.map((w) => w.window.ids.length), limits);
  let done = 0;
  for (const batch of batches) {
    throwIfCancelled(context.signal);
    const outputs = await model.run(padBatch(batch.map((i) => flat[i].window.ids)));
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    const labels = logits.dims[1];
    const data = logits.data as Float32Array;
    batch.forEach((item, row) => {
      const [pos, neg] = softmaxPair(data, row * labels, labels, positiveIndex, negativeIndex);
      positives[item] = pos / (pos + neg);
    });
    done += batch.length;
    context.onProgress?.({ done, total: flat.length, message: `${done} of ${flat.length} sentences` });
  }
  const tokens = new Float64Array(windowsPerText.length);
  const weighted = new Float64Array(windowsPerText.length);
  flat.forEach(({ window, text }, i) => {
    tokens[text] += window.contentTokens;
    weighted[text] += positives[i] * window.contentTokens;
  });
  // A sentence of only characters the tokenizer drops (e.g. control characters) has no tokens.
  return windowsPerText.map((_, text) =>
    tokens[text] > 0 ? { positive: weighted[text] / tokens[text], tokens: tokens[text] } : { positive: 0.5, tokens: 0 },
  );
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

function weightedPositive(scores: readonly SentenceScore[]): number {
  const tokens = scores.reduce((sum, s) => sum + s.tokens, 0);
  if (tokens === 0) return 0.5;
  return scores.reduce((sum, s) => sum + s.positive * s.tokens, 0) / tokens;
}

/** Turns a positive probability into a label, NEUTRAL within `neutralBand` of 0.5. */
export function judge(positive: number, neutralBand: number, positiveWinsTies: boolean): SentimentScore {
  const score = Math.max(positive, 1 - positive);
  if (Math.abs(positive - 0.5) < neutralBand) return { label: 'NEUTRAL', score, positive };
  const isPositive = positive > 0.5 || (positive === 0.5 && positiveWinsTies);
  return { label: isPositive ? 'POSITIVE' : 'NEGATIVE', score, positive };
}
