import type { Answer, AskParams, AskResult, Span } from '../protocol';
import { padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import { paragraphSpans, sentences } from './segment';
import type { TaskContext } from './task';
import { isBlank } from '../unicode';
import type { PairWindow } from './tokenizer';
import { inChunks, LONG_TEXT, streamedPairWindows, WindowProgress } from './windowStream';

/** Context tokens shared by neighbouring windows; at least the longest answer, so none is cut. */
const WINDOW_STRIDE = 128;
const DEFAULT_MAX_ANSWER_TOKENS = 30;
const MAX_QUESTION_TOKENS = 64;
/** Best starts and ends per window combined into candidate spans (as Hugging Face's `n_best`). */
const CANDIDATES = 20;

interface Candidate {
  start: number;
  end: number;
  score: number;
}

/**
 * Extractive question answering over the whole text, however long.
 *
 * The text is covered by windows of at most the model's length, each holding the question and a
 * stretch of the text; consecutive stretches overlap by more than the longest answer, so no
 * answer is cut at a window edge. In each window, start and end probabilities are a softmax over
 * the text's tokens (and [CLS], as the reference pipeline does; the question and the other special
 * tokens can never be an answer), a span's score is their product, and spans run at most
 * `maxAnswerTokens` tokens and end on whole words. Spans from all windows are ranked together; the
 * same span seen by two overlapping windows counts once (its best score), and the answers
 * returned come from different places (they never overlap).
 */
export async function answerSpans(
  model: LoadedModel,
  params: AskParams,
  context: TaskContext,
  limits: BatchLimits,
): Promise<Pick<AskResult, 'answers' | 'windows'>> {
  const { text, question } = params;
  if (isBlank(question)) throw new EngineError('bad-input', 'The question is empty.');
  if (isBlank(text)) throw new EngineError('bad-input', 'There is no text to search: the document is empty or only whitespace.');
  const maxAnswerTokens = params.maxAnswerTokens ?? DEFAULT_MAX_ANSWER_TOKENS;
  const stride = Math.max(WINDOW_STRIDE, maxAnswerTokens);
  const progress = new WindowProgress(text.length);
  const { windows, streamed } = await questionWindows(model, question, text, stride, progress, context.signal);
  const { startName, endName } = outputNames(model);
  const best = new Map<string, Candidate>();
  const sentenceOf = sentenceFinder(text, params.language);
  const answersNow = () => chooseAnswers(best, text, params, sentenceOf);

  // In document order, so that the best answers so far cover the text read so far.
  const batchSize = Math.max(1, Math.min(limits.maxBatch, Math.floor(limits.maxTokens / model.tokenizer.maxLength)));
  for await (const { items: batch, more } of inChunks(windows, () => 1, batchSize)) {
    throwIfCancelled(context.signal);
    if (streamed) progress.chunk(batch.length, contextEnd(batch[batch.length - 1]), more);
    const padded = padBatch(
      batch.map((w) => w.ids),
      0,
      batch.map((w) => w.typeIds),
    );
    const outputs = await model.run(padded);
    const starts = outputs[startName].data as Float32Array;
    const ends = outputs[endName].data as Float32Array;
    batch.forEach((window, row) => {
      const base = row * padded.sequenceLength;
      for (const candidate of windowCandidates(window, starts.subarray(base, base + window.ids.length), ends.subarray(base, base + window.ids.length), maxAnswerTokens)) {
        // A span below minScore can never be an answer; keeping it would only make every ranking
        // of the answers so far slower, which on a long text made the progress reports quadratic.
        if (candidate.score < params.minScore) continue;
        const key = `${candidate.start}:${candidate.end}`;
        if ((best.get(key)?.score ?? -1) < candidate.score) best.set(key, candidate);
      }
    });
    progress.done += batch.length;
    const { done, total } = progress;
    context.onProgress?.({ done, total, message: `${done} of ${total} passages read`, answers: more ? answersNow() : undefined });
  }
  return { answers: answersNow(), windows: progress.done };
}

/**
 * The windows of the text with the question, in order. A long text is read piece by piece as the
 * windows are needed, where its tokenizer allows (windowStream.ts), and its number of windows is
 * known only at the end; otherwise it is tokenized whole, as it always was.
 */
async function questionWindows(
  model: LoadedModel,
  question: string,
  text: string,
  stride: number,
  progress: WindowProgress,
  signal?: AbortSignal,
): Promise<{ windows: AsyncIterable<PairWindow> | Iterable<PairWindow>; streamed: boolean }> {
  if (text.length > LONG_TEXT && model.cuts) {
    const windows = await streamedPairWindows(model.tokenizer, question, text, stride, MAX_QUESTION_TOKENS, model.cuts, signal);
    if (windows) return { windows, streamed: true };
  }
  const windows = await model.tokenizer.pairWindows(question, text, stride, MAX_QUESTION_TOKENS);
  progress.chunk(windows.length, text.length, false);
  return { windows, streamed: false };
}

/** Where the window's part of the text ends. */
function contextEnd(window: PairWindow): number {
  for (let t = window.ids.length - 1; t >= 0; t--) if (window.isContext[t]) return window.offsets[t][1];
  return 0;
}

function outputNames(model: LoadedModel): { startName: string; endName: string } {
  const names = model.outputNames();
  if (names.includes('start_logits') && names.includes('end_logits')) return { startName: 'start_logits', endName: 'end_logits' };
  throw new EngineError(
    'model-corrupt',
    `The question-answering model ${model.info.id} has outputs ${names.join(', ')}; expected start_logits and end_logits.`,
  );
}

/** The best spans of one window, with offsets into the text, extended to whole words. */
export function windowCandidates(window: PairWindow, startLogits: ArrayLike<number>, endLogits: ArrayLike<number>, maxAnswerTokens: number): Candidate[] {
  // Softmax over [CLS] and the context tokens only, like the reference pipeline; [CLS] itself
  // (the "no answer" position of some models) is then never an answer.
  const allowed = window.isContext.map((isContext, t) => isContext || t === 0);
  const startProbabilities = maskedSoftmax(startLogits, allowed);
  const endProbabilities = maskedSoftmax(endLogits, allowed);
  const contextTokens = window.isContext.flatMap((isContext, t) => (isContext ? [t] : []));
  const top = (probabilities: Float64Array) =>
    [...contextTokens].sort((a, b) => probabilities[b] - probabilities[a]).slice(0, CANDIDATES);
  const candidates: Candidate[] = [];
  for (const s of top(startProbabilities)) {
    for (const e of top(endProbabilities)) {
      if (e < s || e - s + 1 > maxAnswerTokens) continue;
      const [first, last] = wholeWords(window, s, e);
      // A span of only pieces that show no character (a lone `▁`) is no answer.
      if (first > last) continue;
      candidates.push({ start: window.offsets[first][0], end: window.offsets[last][1], score: startProbabilities[s] * endProbabilities[e] });
    }
  }
  return candidates;
}

/**
 * Widens a token span to whole words: an answer never starts or ends inside a word. Pieces that
 * show no character (empty spans: a lone `▁`, a space, see words.ts) are then left off its ends,
 * so that it neither starts nor ends with white space; first > last when nothing is left.
 */
function wholeWords(window: PairWindow, first: number, last: number): [number, number] {
  while (first > 0 && window.isContext[first - 1] && window.wordIds[first - 1] === window.wordIds[first]) first--;
  while (last + 1 < window.ids.length && window.isContext[last + 1] && window.wordIds[last + 1] === window.wordIds[last]) last++;
  const empty = (t: number) => window.offsets[t][0] === window.offsets[t][1];
  while (first <= last && empty(first)) first++;
  while (last >= first && empty(last)) last--;
  return [first, last];
}

function maskedSoftmax(logits: ArrayLike<number>, allowed: readonly boolean[]): Float64Array {
  let max = -Infinity;
  for (let t = 0; t < allowed.length; t++) if (allowed[t]) max = Math.max(max, logits[t]);
  const result = new Float64Array(allowed.length);
  let total = 0;
  for (let t = 0; t < allowed.length; t++) {
    if (!allowed[t]) continue;
    result[t] = Math.exp(logits[t] - max);
    total += result[t];
  }
  for (let t = 0; t < allowed.length; t++) result[t] /= total;
  return result;
}

/** The best confident answers, from different places: never two that overlap. */
function chooseAnswers(candidates: Map<string, Candidate>, text: string, params: AskParams, sentenceOf: SentenceFinder): Answer[] {
  const offset = params.offset ?? 0;
  const chosen: Candidate[] = [];
  const ranked = [...candidates.values()].filter((c) => c.score >= params.minScore).sort((a, b) => b.score - a.score || a.start - b.start);
  for (const candidate of ranked) {
    if (chosen.length >= params.top) break;
    if (chosen.some((c) => c.start < candidate.end && candidate.start < c.end)) continue;
    chosen.push(candidate);
  }
  return chosen.map(({ start, end, score }) => {
    const sentence = sentenceOf(start, end);
    return {
      start: start + offset,
      end: end + offset,
      text: text.slice(start, end),
      score,
      sentence: { start: sentence.start + offset, end: sentence.end + offset, text: sentence.text },
    };
  });
}

type SentenceFinder = (start: number, end: number) => Span;

/**
 * Finds the sentence (or sentences) holding [start, end), segmenting only its paragraph. Answers
 * are looked up after every batch, so the paragraphs are found once per request, by binary
 * search, and each paragraph is segmented once.
 */
function sentenceFinder(text: string, locale?: string): SentenceFinder {
  let paragraphs: Span[] | undefined;
  const sentencesOf = new Map<Span, Span[]>();
  return (start, end) => {
    paragraphs ??= paragraphSpans(text);
    const paragraph = paragraphAt(paragraphs, start) ?? { start, end, text: text.slice(start, end) };
    let inParagraph = sentencesOf.get(paragraph);
    if (!inParagraph) sentencesOf.set(paragraph, (inParagraph = sentences(text, paragraph.start, paragraph.end, locale)));
    const first = inParagraph.find((s) => s.start <= start && start < s.end) ?? paragraph;
    const last = inParagraph.find((s) => s.start < end && end <= s.end) ?? first;
    const from = Math.min(first.start, start);
    const to = Math.max(last.end, end);
    return { start: from, end: to, text: text.slice(from, to) };
  };
}

/** The paragraph holding offset `at`, among paragraphs sorted by start and never overlapping. */
function paragraphAt(paragraphs: readonly Span[], at: number): Span | undefined {
  let low = 0;
  let high = paragraphs.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (paragraphs[mid].end <= at) low = mid + 1;
    else if (paragraphs[mid].start > at) high = mid - 1;
    else return paragraphs[mid];
  }
  return undefined;
}
