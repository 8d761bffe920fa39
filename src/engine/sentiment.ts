import type { ParagraphSentiment, SentenceSentiment, SentimentLabel, SentimentParams, SentimentResult, SentimentScore, Span } from '../protocol';
import { sentimentScheme, type SentimentScheme } from '../tasks/sentiment';
import type { BatchLimits } from './batching';
import { EngineError } from './errors';
import type { LoadedModel } from './modelStore';
import type { ResultCache } from './resultCache';
import { documentSpan, proseOf } from './prose';
import { paragraphSpans, sentences as segmentSentences } from './segment';
import { checkLabelScores, spanScores, weightedMean, type SpanPlan, type SpanScore, type SpanScores } from './spanScores';
import type { TaskContext } from './task';
import { pauses } from './windowStream';

/**
 * Sentence-level sentiment, combined into paragraphs and the document.
 *
 * Each sentence is classified on its own (as SST-2 models were trained); a sentence longer than
 * the model's maximum length is covered by overlapping windows whose probabilities are averaged,
 * weighted by the tokens each covers. Paragraph and document scores are the token-weighted mean
 * of their sentences' probabilities, so a long sentence counts for more than a short one. The
 * model's labels say how they are read (src/tasks/sentiment.ts): two labels give the positive
 * probability and a neutral band, three or five stars their own label, every label's score and
 * the expected stars. The windows and batches are those of every classifier (spanScores.ts).
 *
 * Sentences are tokenized a chunk at a time, just before their batches (windowStream.ts), so that
 * a request's memory is that of its result and one chunk, whatever the number of its sentences.
 */
export async function sentenceSentiments(
  model: LoadedModel,
  params: SentimentParams,
  cache: ResultCache<SpanScore>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<SentimentPart> {
  const plan = await sentimentPlan(model, params, context);
  return plan.finish(await spanScores({ ...plan, model, cache, context, limits }));
}

type SentimentPart = Pick<SentimentResult, 'document' | 'paragraphs' | 'sentences' | 'cachedSentences' | 'skippedMarkup'>;

/**
 * The sentences of a document to score, and how its sentiment is made from their scores: one
 * request runs it through spanScores, a packed one with other documents' (engine.ts).
 */
export async function sentimentPlan(model: LoadedModel, params: SentimentParams, context: TaskContext): Promise<SpanPlan<SentimentPart>> {
  const { text, neutralBand } = params;
  const offset = params.offset ?? 0;
  // Markdown's markup blanked: segmented and read by the model; the spans reported are the
  // document's (prose.ts keeps every offset).
  const format = params.format ?? 'plaintext';
  const prose = proseOf(text, format);
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
  const blocks = paragraphSpans(prose.text);
  for (const [b, proseBlock] of blocks.entries()) {
    const block = documentSpan(text, prose, proseBlock, paragraphEnds.at(-1) ?? 0, blocks[b + 1]?.start ?? text.length);
    paragraphStarts.push(block.start);
    paragraphEnds.push(block.end);
    firstSentence.push(starts.length);
    for (const spans of paragraphSentences(prose.text, proseBlock.start, proseBlock.end, params.language)) {
      await segmenting();
      for (const [i, proseSpan] of spans.entries()) {
        const span = documentSpan(text, prose, proseSpan, Math.max(block.start, ends.at(-1) ?? 0), spans[i + 1]?.start ?? block.end);
        starts.push(span.start);
        ends.push(span.end);
      }
    }
  }
  const scheme = sentimentSchemeOf(model);
  const judgeScores = judgement(scheme, model.config.id2label, neutralBand);
  if (paragraphStarts.length === 0) {
    if (prose.skippedBlocks > 0) throw new EngineError('bad-input', 'There is no prose to analyse: the document holds only Markdown markup (headings, code, front matter).');
    throw new EngineError('bad-input', 'There is no text to analyse: the document is empty or only whitespace.');
  }

  const count = starts.length;
  // A model of more than two labels lists every label's score for each sentence.
  if (scheme.kind !== 'binary') checkLabelScores(count, model.config.id2label.length, 'sentences', 'analyse a part of the document, or use a two-label sentiment model');
  const finish = (scores: SpanScores): SentimentPart => {
    const { labels, probabilities } = scores;
    const paragraphs: ParagraphSentiment[] = [];
    const sentences: SentenceSentiment[] = [];
    paragraphStarts.forEach((start, paragraph) => {
      const [from, to] = [firstSentence[paragraph], firstSentence[paragraph + 1] ?? count];
      const end = paragraphEnds[paragraph];
      paragraphs.push({ start: start + offset, end: end + offset, text: text.slice(start, end), ...judgeScores(weightedMean(scores, from, to, 'softmax')) });
      for (let i = from; i < to; i++) {
        const score = judgeScores(probabilities.subarray(i * labels, (i + 1) * labels));
        sentences.push({ start: starts[i] + offset, end: ends[i] + offset, text: text.slice(starts[i], ends[i]), paragraph, ...score });
      }
    });
    return {
      document: judgeScores(weightedMean(scores, 0, count, 'softmax')),
      paragraphs,
      sentences,
      cachedSentences: scores.cached,
      ...(format === 'markdown' ? { skippedMarkup: prose.skippedBlocks } : {}),
    };
  };
  return { text: prose.text, starts, ends, activation: 'softmax', what: 'sentences', finish };
}

/** About how much of a paragraph is segmented at a time (a million lines make one paragraph). */
const SEGMENT_CHARS = 65_536;
const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * The sentences of the paragraph [start, end), segmented a part at a time so that a cancellation
 * can come in between: each part ends at a line break, where a sentence always ends (UAX #29) and
 * none is merged into the one before, so the sentences are those of the paragraph segmented whole.
 * `locale`: the document's language (its sentence rules); English's when unknown.
 */
function* paragraphSentences(text: string, start: number, end: number, locale?: string): Generator<Span[]> {
  let from = start;
  while (end - from > SEGMENT_CHARS) {
    LINE_BREAK.lastIndex = from + SEGMENT_CHARS;
    const lineBreak = LINE_BREAK.exec(text);
    const cut = lineBreak ? lineBreak.index + lineBreak[0].length : end;
    if (cut >= end) break;
    yield segmentSentences(text, from, cut, locale);
    from = cut;
  }
  yield segmentSentences(text, from, end, locale);
}

function sentimentSchemeOf(model: LoadedModel): SentimentScheme {
  const scheme = sentimentScheme(model.config.id2label);
  if (scheme) return scheme;
  // Not reached for a model the store loaded: readModelConfig refused such labels then.
  throw new EngineError('model-corrupt', `The sentiment model ${model.info.id} has labels ${model.config.id2label.join(', ')}; expected POSITIVE and NEGATIVE.`);
}

/**
 * How a sentence's (or a mean's) probabilities over the model's labels are read. Two labels: the
 * positive probability, NEUTRAL within the band. More: the winning label as the model names it,
 * every label's probability, the polarity of the winner, and for star models the expected stars.
 */
function judgement(scheme: SentimentScheme, id2label: readonly string[], neutralBand: number): (probabilities: Float64Array) => SentimentScore {
  if (scheme.kind === 'binary') {
    // On an exact tie the reference pipeline (argmax) picks the label listed first in the config.
    const positiveWinsTies = scheme.positiveIndex < scheme.negativeIndex;
    return (p) => {
      const [positive, negative] = [p[scheme.positiveIndex], p[scheme.negativeIndex]];
      const total = positive + negative;
      return judge(total > 0 ? positive / total : 0.5, neutralBand, positiveWinsTies);
    };
  }
  const polarity: SentimentLabel[] =
    scheme.kind === 'three'
      ? id2label.map((_, i) => (i === scheme.positiveIndex ? 'POSITIVE' : i === scheme.negativeIndex ? 'NEGATIVE' : 'NEUTRAL'))
      : scheme.stars.map((stars) => (stars > 3 ? 'POSITIVE' : stars < 3 ? 'NEGATIVE' : 'NEUTRAL'));
  const [fewest, most] = scheme.kind === 'stars' ? [Math.min(...scheme.stars), Math.max(...scheme.stars)] : [0, 0];
  return (p) => {
    // The first of equal scores wins, as the reference pipeline's argmax.
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    const labels = [...p].map((score, k) => ({ label: id2label[k], score })).sort((a, b) => b.score - a.score);
    const score = { label: polarity[best], score: p[best], modelLabel: id2label[best], labels };
    if (scheme.kind === 'three') return { ...score, positive: p[scheme.positiveIndex] + p[scheme.neutralIndex] / 2 };
    const stars = scheme.stars.reduce((sum, n, k) => sum + n * p[k], 0);
    return { ...score, stars, positive: most > fewest ? (stars - fewest) / (most - fewest) : 0.5 };
  };
}

/** Turns a positive probability into a label, NEUTRAL within `neutralBand` of 0.5. */
export function judge(positive: number, neutralBand: number, positiveWinsTies: boolean): SentimentScore {
  const score = Math.max(positive, 1 - positive);
  if (Math.abs(positive - 0.5) < neutralBand) return { label: 'NEUTRAL', score, positive };
  const isPositive = positive > 0.5 || (positive === 0.5 && positiveWinsTies);
  return { label: isPositive ? 'POSITIVE' : 'NEGATIVE', score, positive };
}
