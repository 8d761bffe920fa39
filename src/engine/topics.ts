import type { Span, TopicScore, TopicSection, TopicsParams, TopicsResult } from '../protocol';
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import { nliOutputs } from '../tasks/topics';
import { isBlank } from '../unicode';
import { proseOf } from './prose';
import { paragraphSpans, trimmedSpan } from './segment';
import type { TaskContext } from './task';
import type { NliPair } from './tokenizer';
import { checkLabelScores, MAX_LABEL_SCORES } from './spanScores';
import { inChunks, nliLayout, unitStretches, WindowProgress, type UnitWindow } from './windowStream';

/** Premise tokens shared by neighbouring stretches of a section too long for one input. */
const WINDOW_STRIDE = 64;
/** Plain text has no headings: its sections are blocks of whole paragraphs of about this size. */
const BLOCK_CHARS = 1500;
/** The most scores (sections × labels) one request returns: as for every classifier (spanScores.ts). */
export const MAX_TOPIC_SCORES = MAX_LABEL_SCORES;

/**
 * Zero-shot topic classification with a natural-language-inference model, as the transformers.js
 * `zero-shot-classification` pipeline does it, but batched: every (stretch of a section, label)
 * pair is one premise/hypothesis input ("This text is about {label}."), and all pairs of a request
 * go through the model together in length-sorted batches instead of one pass per label.
 *
 * Scores per stretch: single-label, a softmax over the labels' entailment logits (they sum to 1);
 * multi-label (or a single label), each label's softmax of [contradiction, entailment]. The
 * combining rule: a section's score for a label is the mean of its stretches' scores weighted by
 * their premise tokens, and the document's is the mean of its sections' scores weighted by their
 * tokens, so a long section counts for more than a short one. Single-label scores still sum to 1.
 * The entailment and contradiction outputs are found by name in the model's config.
 */
export async function classifyTopics(
  model: LoadedModel,
  params: TopicsParams,
  context: TaskContext,
  limits: BatchLimits,
): Promise<Pick<TopicsResult, 'document' | 'sections' | 'pairs' | 'skippedMarkup'>> {
  const labels = cleanLabels(params.labels);
  if (!params.hypothesisTemplate.includes('{}')) {
    throw new EngineError('bad-input', `The hypothesis template "${params.hypothesisTemplate}" has no {} for the label to go in.`);
  }
  const { entailment, contradiction } = nliLabels(model);
  const prose = proseOf(params.text, params.format);
  const sections = topicSections(params.text, params.format, prose);
  if (sections.length === 0) {
    if (prose.skippedBlocks > 0) throw new EngineError('bad-input', 'There is no prose to classify: the document holds only Markdown markup (headings, code, front matter).');
    throw new EngineError('bad-input', 'There is no text to classify: the document is empty or only whitespace.');
  }
  checkLabelScores(sections.length, labels.length, 'sections', 'classify a part of the document, or fewer labels');
  const hypotheses = labels.map((label) => params.hypothesisTemplate.replace('{}', label));
  // How each hypothesis goes around a stretch of premise: the hypotheses are tokenized once.
  const layout = await nliLayout(model.tokenizer, hypotheses, WINDOW_STRIDE);
  if (!layout) throw new EngineError('model-corrupt', `The tokenizer of the topics model ${model.info.id} makes no token of the letter "a".`);

  // Per section: its tokens (the weight of its stretches) and its summed score for each label.
  const independent = params.multiLabel || labels.length === 1;
  const sectionTokens = new Float64Array(sections.length);
  const sectionScores = new Float64Array(sections.length * labels.length);
  const progress = new WindowProgress(params.text.length);
  const stretches = unitStretches(
    model.tokenizer,
    layout,
    (function* () {
      // The model reads the section's prose: its markup blanked, the same length as its text.
      for (const [unit, span] of sections.entries()) yield { unit, text: span.prose, end: span.end };
    })(),
    WINDOW_STRIDE,
    model.cuts,
    context.signal,
  );
  for await (const chunk of inChunks(stretches, (s) => s.window.reduce((sum, pair) => sum + pair.ids.length, 0))) {
    const pairs = chunk.items.flatMap((stretch) => stretch.window);
    progress.chunk(pairs.length, chunk.items.at(-1)?.read ?? 0, chunk.more);
    const { entail, contradict } = await pairLogits(model, pairs, entailment, contradiction, context, limits, progress);
    // Scores per stretch, one vector over the labels, added to its section's in stretch order.
    let first = 0;
    for (const stretch of chunk.items) {
      const scores = stretchScores(stretch, entail, contradict, first, independent);
      first += stretch.window.length;
      // A stretch of nothing but characters the tokenizer drops still counts a little.
      const weight = Math.max(1, stretch.window[0].premiseTokens);
      sectionTokens[stretch.unit] += weight;
      const base = stretch.unit * labels.length;
      scores.forEach((score, label) => (sectionScores[base + label] += score * weight));
    }
  }

  const documentScores = new Float64Array(labels.length);
  const totalTokens = sectionTokens.reduce((total, tokens) => total + tokens, 0);
  const offset = params.offset ?? 0;
  const sectionResults: TopicSection[] = sections.map((span, s) => {
    const tokens = sectionTokens[s];
    const mean = [...sectionScores.subarray(s * labels.length, (s + 1) * labels.length)].map((score) => score / tokens);
    mean.forEach((score, label) => (documentScores[label] += (score * tokens) / totalTokens));
    return { start: span.start + offset, end: span.end + offset, text: span.text, heading: span.heading, labels: ranked(labels, mean) };
  });
  return {
    document: ranked(labels, [...documentScores]),
    sections: sectionResults,
    pairs: progress.done,
    ...(params.format === 'markdown' ? { skippedMarkup: prose.skippedBlocks } : {}),
  };
}

/** Runs premise/hypothesis pairs in length-sorted batches: each pair's entailment and contradiction logits. */
async function pairLogits(
  model: LoadedModel,
  pairs: readonly NliPair[],
  entailment: number,
  contradiction: number,
  context: TaskContext,
  limits: BatchLimits,
  progress: WindowProgress,
): Promise<{ entail: Float64Array; contradict: Float64Array }> {
  const entail = new Float64Array(pairs.length);
  const contradict = new Float64Array(pairs.length);
  for (const batch of lengthSortedBatches(pairs.map((p) => p.ids.length), limits)) {
    throwIfCancelled(context.signal);
    const outputs = await model.run(padBatch(batch.map((i) => pairs[i].ids), 0, batch.map((i) => pairs[i].typeIds)));
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    const width = logits.dims[1];
    const data = logits.data as Float32Array;
    batch.forEach((pair, row) => {
      entail[pair] = data[row * width + entailment];
      contradict[pair] = data[row * width + contradiction];
    });
    progress.done += batch.length;
    const { done, total } = progress;
    context.onProgress?.({ done, total, message: `${done} of ${total} passage-label pairs` });
  }
  return { entail, contradict };
}

/**
 * One stretch's score for each label, from its pairs' logits (at `first` on): single-label, a
 * softmax over the labels' entailment logits; multi-label, each label's softmax of
 * [contradiction, entailment].
 */
function stretchScores(stretch: UnitWindow<NliPair[]>, entail: Float64Array, contradict: Float64Array, first: number, independent: boolean): number[] {
  const entailByLabel: number[] = [];
  const contradictByLabel: number[] = [];
  stretch.window.forEach((pair, i) => {
    entailByLabel[pair.label] = entail[first + i];
    contradictByLabel[pair.label] = contradict[first + i];
  });
  return independent ? entailByLabel.map((e, label) => softmax([contradictByLabel[label], e])[1]) : softmax(entailByLabel);
}

/** Trimmed, without empty or repeated labels; at least one. */
function cleanLabels(labels: readonly string[]): string[] {
  const clean = [...new Set(labels.map((label) => label.trim()).filter((label) => label.length > 0))];
  if (clean.length === 0) throw new EngineError('bad-input', 'Give at least one topic label.');
  return clean;
}

function nliLabels(model: LoadedModel): { entailment: number; contradiction: number } {
  const outputs = nliOutputs(model.config.id2label);
  if (outputs) return outputs;
  // Not reached for a model the store loaded: readModelConfig refused such labels then.
  throw new EngineError(
    'model-corrupt',
    `The topics model ${model.info.id} has labels ${model.config.id2label.join(', ')}; a zero-shot (NLI) model names "entailment" and "contradiction".`,
  );
}

function ranked(labels: readonly string[], scores: readonly number[]): TopicScore[] {
  return labels.map((label, i) => ({ label, score: scores[i] })).sort((a, b) => b.score - a.score);
}

function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((sum, v) => sum + v, 0);
  return exps.map((v) => v / total);
}

/**
 * The parts of a document classified on their own, each with the prose the model reads (its text
 * with the markup blanked, see prose.ts). Markdown: each heading (ATX or setext, not inside code)
 * starts a section that runs to the next heading, and text before the first heading is a section
 * of its own; a section with no prose joins its neighbour. Other text: blocks of whole paragraphs of about {@link BLOCK_CHARS} characters. Spans
 * are trimmed; empty sections are left out.
 */
export function topicSections(
  text: string,
  format: TopicsParams['format'],
  prose = proseOf(text, format),
): Array<Span & { heading?: string; prose: string }> {
  if (format !== 'markdown') return paragraphBlocks(text).map((block) => ({ ...block, prose: block.text }));
  const starts: Array<{ at: number; heading?: string }> = [{ at: 0 }, ...prose.headings.map(({ start, text }) => ({ at: start, heading: text || undefined }))];
  const sections: Array<Span & { heading?: string; hasProse: boolean }> = starts.flatMap(({ at, heading }, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].at : text.length;
    const span = trimmedSpan(text, at, end);
    return span ? [{ ...span, heading, hasProse: !isBlank(prose.text.slice(span.start, span.end)) }] : [];
  });
  // A section with nothing to read (a heading right before another, a code block alone) joins
  // the section before it, or at the start the first one with prose, so that the sections still
  // cover the document.
  const joined: Array<Span & { heading?: string }> = [];
  let pendingStart: number | undefined;
  for (const { start, end, heading, hasProse } of sections) {
    const previous = joined.at(-1);
    if (!hasProse && previous) previous.end = end;
    else if (!hasProse) pendingStart ??= start;
    else {
      joined.push({ start: pendingStart ?? start, end, text: '', heading });
      pendingStart = undefined;
    }
  }
  return joined.map((section) => ({ ...section, text: text.slice(section.start, section.end), prose: prose.text.slice(section.start, section.end) }));
}

function paragraphBlocks(text: string): Span[] {
  const blocks: Span[] = [];
  let block: { start: number; end: number } | undefined;
  for (const paragraph of paragraphSpans(text)) {
    if (block && paragraph.end - block.start <= BLOCK_CHARS) block.end = paragraph.end;
    else {
      if (block) blocks.push({ ...block, text: text.slice(block.start, block.end) });
      block = { start: paragraph.start, end: paragraph.end };
    }
  }
  if (block) blocks.push({ ...block, text: text.slice(block.start, block.end) });
  return blocks;
}
