/**
 * Any text classifier over a document: each sentence, paragraph, or the document as one item,
 * and the document's labels as the token-weighted mean of its items' probabilities. Single-label
 * models get a softmax over their labels, multi-label ones (`problem_type:
 * "multi_label_classification"` in config.json, or the classifier's `multiLabel`) a sigmoid per
 * label, as the text-classification pipeline's `function_to_apply` does.
 */
import type { ClassifiedItem, ClassifyParams, ClassifyResult, LabelScore } from '../protocol';
import { CLASSIFIER_ID, isMultiLabelConfig } from '../tasks/classify';
import type { BatchLimits } from './batching';
import { EngineError } from './errors';
import type { LoadedModel } from './modelStore';
import type { ResultCache } from './resultCache';
import { paragraphSpans, sentences as segmentSentences, trimmedSpan } from './segment';
import { checkLabelScores, spanScores, weightedMean, type Activation, type SpanPlan, type SpanScore, type SpanScores } from './spanScores';
import type { TaskContext } from './task';
import { pauses } from './windowStream';

export async function classifyItems(
  model: LoadedModel,
  params: ClassifyParams,
  cache: ResultCache<SpanScore>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<ClassifyPart> {
  const plan = await classifyPlan(model, params, context);
  const scores = await spanScores({ ...plan, model, cache, context, limits }).catch((error: unknown) => {
    // A model whose head does not fit (a token classifier, a question-answering model): say which classifier names it.
    if (error instanceof EngineError && error.code === 'model-corrupt' && error.message.startsWith('The model ')) {
      throw new EngineError('model-corrupt', `${error.message} Choose another model for the classifier "${params.classifier.id}".`);
    }
    throw error;
  });
  return plan.finish(scores);
}

type ClassifyPart = Omit<ClassifyResult, 'model' | 'device' | 'elapsedMs'>;

/**
 * The items of a document to score, and how its labels are made from their scores: one request
 * runs it through spanScores, a packed one with other documents' (engine.ts).
 */
export async function classifyPlan(model: LoadedModel, params: ClassifyParams, context: TaskContext): Promise<SpanPlan<ClassifyPart>> {
  const { text, classifier } = params;
  const offset = params.offset ?? 0;
  const minScore = classifier.minScore ?? 0;
  const multiLabel = classifier.multiLabel ?? isMultiLabelConfig(model.config.problemType);
  const activation: Activation = multiLabel ? 'sigmoid' : 'softmax';

  const starts: number[] = [];
  const ends: number[] = [];
  const segmenting = pauses(context.signal, 1);
  for (const paragraph of paragraphSpans(text)) {
    if (classifier.level === 'paragraph') {
      starts.push(paragraph.start);
      ends.push(paragraph.end);
      continue;
    }
    if (classifier.level === 'document') break;
    await segmenting();
    for (const sentence of segmentSentences(text, paragraph.start, paragraph.end, params.language)) {
      starts.push(sentence.start);
      ends.push(sentence.end);
    }
  }
  if (classifier.level === 'document') {
    const whole = trimmedSpan(text, 0, text.length);
    if (whole) {
      starts.push(whole.start);
      ends.push(whole.end);
    }
  }
  if (starts.length === 0) throw new EngineError('bad-input', 'There is no text to classify: the document is empty or only whitespace.');

  const id2label = model.config.id2label;
  checkLabelScores(starts.length, id2label.length, `${classifier.level}s`, 'classify a part of the document, or at a coarser level (paragraph or document)');
  const what = classifier.level === 'document' ? 'windows' : `${classifier.level}s`;
  const ranked = (probabilities: ArrayLike<number>, floor: number): LabelScore[] => {
    const labels: LabelScore[] = [];
    for (let k = 0; k < id2label.length; k++) if (probabilities[k] >= floor) labels.push({ label: id2label[k], score: probabilities[k] });
    // Best first; equal scores in the model's order (a stable sort), as the pipeline lists them.
    return labels.sort((a, b) => b.score - a.score);
  };
  const finish = (scores: SpanScores): ClassifyPart => {
    const items: ClassifiedItem[] = starts.map((start, i) => ({
      start: start + offset,
      end: ends[i] + offset,
      text: text.slice(start, ends[i]),
      labels: ranked(scores.probabilities.subarray(i * scores.labels, (i + 1) * scores.labels), minScore),
    }));
    return {
      classifier: { id: classifier.id, title: classifier.title },
      level: classifier.level,
      multiLabel,
      document: { labels: ranked(weightedMean(scores, 0, starts.length, activation), 0) },
      items,
      cachedItems: scores.cached,
    };
  };
  return { text, starts, ends, activation, what, finish };
}

/** Why a classifier's settings cannot be used (an engine-side check of what the request names), or undefined. */
export function classifierProblem(params: ClassifyParams): string | undefined {
  const { id, model, minScore } = params.classifier;
  if (!CLASSIFIER_ID.test(id)) return `The classifier id "${id}" must be letters, digits, "-", "_" or ".", starting with a letter or digit.`;
  if (model.trim() === '') return `The classifier "${id}" names no model: set its "model" to a Hub id (owner/name) or a model folder.`;
  if (minScore !== undefined && !(minScore >= 0 && minScore <= 1)) return `The classifier "${id}" has minScore ${minScore}: it must be from 0 to 1.`;
  return undefined;
}
