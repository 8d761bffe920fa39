/**
 * Classifiers: any text-classification model (emotion, toxicity, intent, the user's own
 * fine-tunes), declared by the user in `textAnalytics.classifiers` or named on the command line.
 * Labels come from the model's config.json; single-label models get a softmax over their labels,
 * multi-label ones a sigmoid per label, as the text-classification pipeline does.
 */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { allOf, labelScore, must, span } from './checks';
import type { DocumentLanguageFields } from './languages';
import { defineTask, LANGUAGE_FIELDS } from './contract';
import type { LabelScore } from './sentiment';

/** What a classifier scores: each sentence, each paragraph, or the document as one. */
export type ClassifierLevel = 'sentence' | 'paragraph' | 'document';
export const CLASSIFIER_LEVELS = allOf<ClassifierLevel>({ sentence: true, paragraph: true, document: true });

/** One entry of `textAnalytics.classifiers`, as the request carries it. */
export interface ClassifierSpec {
  /** Names it in commands and keybindings: letters, digits, `-`, `_`, `.`. */
  id: string;
  /** For people. */
  title: string;
  /** A Hub id (`owner/name`) or an absolute folder path. */
  model: string;
  level: ClassifierLevel;
  /** A sigmoid per label; absent: as the model's config says (`problem_type`). */
  multiLabel?: boolean;
  /** Labels scoring below this are left out of each item's labels (0: none are). */
  minScore?: number;
}

export interface ClassifiedItem extends Span {
  /** Best first; those under the classifier's minScore are left out. */
  labels: LabelScore[];
}

export interface ClassifyParams extends DocumentLanguageFields {
  text: string;
  classifier: ClassifierSpec;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
}

export interface ClassifyResult {
  /** The classifier's id and title, as the request named them. */
  classifier: { id: string; title: string };
  level: ClassifierLevel;
  /** Whether a sigmoid per label was used (the setting, or the model's config). */
  multiLabel: boolean;
  /** The document's labels, best first: the token-weighted mean of its items' probabilities. */
  document: { labels: LabelScore[] };
  /** In document order. */
  items: ClassifiedItem[];
  /** Items answered from the result cache rather than the model. */
  cachedItems: number;
  model: ModelInfo;
  device: DeviceInfo;
  elapsedMs: number;
}

/** A classifier id: what the command, keybindings and the CLI name it by. */
export const CLASSIFIER_ID = /^[A-Za-z0-9][\w.-]{0,63}$/;

const classifierSpec = must.record({
  id: must.string,
  title: must.string,
  model: must.string,
  level: must.oneOf(CLASSIFIER_LEVELS),
  multiLabel: must.optional(must.boolean),
  minScore: must.optional(must.number),
});

/** Whether a model's config (its `problem_type`) asks for a sigmoid per label. */
export function isMultiLabelConfig(problemType: string | undefined): boolean {
  return problemType === 'multi_label_classification';
}

export const classifyTask = defineTask<ClassifyParams, ClassifyResult>()({
  id: 'classify',
  method: 'classify',
  title: 'Classifiers',
  modelName: 'classifier',
  models: 'per-request',
  command: 'textAnalytics.classifyWith',
  view: 'panel',
  settings: {
    classifiers: { default: [] },
  },
  params: {
    ...LANGUAGE_FIELDS, text: must.string, classifier: classifierSpec, offset: must.optional(must.offset) },
  result: {
    classifier: must.record({ id: must.string, title: must.string }),
    level: must.oneOf(CLASSIFIER_LEVELS),
    multiLabel: must.boolean,
    document: must.record({ labels: must.array(labelScore) }),
    items: must.array(span({ labels: must.array(labelScore) })),
    cachedItems: must.offset,
  },
  labelProblem: ({ id2label }) => (id2label !== undefined && id2label.length === 0 ? 'has no labels' : undefined),
  cli: {
    command: 'classify',
    synopsis: 'classify FILE --model M',
    summary: 'labels of each sentence (--level) and of the file from any\ntext-classification model M: a folder or a Hub id',
  },
});

/** `textAnalytics.classifiers` read entry by entry: the usable ones, and what is wrong with the others. */
export function readClassifierSettings(value: unknown): { classifiers: ClassifierSpec[]; problems: string[] } {
  const SETTING = 'textAnalytics.classifiers';
  const classifiers: ClassifierSpec[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { classifiers, problems };
  if (!Array.isArray(value)) return { classifiers, problems: [`${SETTING} must be a list of { "id", "title", "model", "level" } entries.`] };
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const where = `${SETTING}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object such as { "id": "emotion", "title": "Emotion", "model": "owner/name", "level": "sentence" }.`);
      return;
    }
    const { id, title, model, level, multiLabel, minScore } = entry as Record<string, unknown>;
    const named = typeof id === 'string' ? `${where} ("${id}")` : where;
    if (typeof id !== 'string' || !CLASSIFIER_ID.test(id)) {
      problems.push(`${where} needs an "id" of letters, digits, "-", "_" or "." (it names the classifier in keybindings), such as "emotion".`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`${named}: another classifier already has the id "${id}"; give each a different "id".`);
      return;
    }
    if (typeof model !== 'string' || model.trim() === '') {
      problems.push(`${named} names no model: set its "model" to a Hub id (owner/name) or an absolute model folder path.`);
      return;
    }
    if (level !== undefined && !CLASSIFIER_LEVELS.includes(level as never)) {
      problems.push(`${named} has the level ${JSON.stringify(level)}: write "sentence", "paragraph" or "document".`);
      return;
    }
    if (multiLabel !== undefined && typeof multiLabel !== 'boolean') {
      problems.push(`${named} has "multiLabel" ${JSON.stringify(multiLabel)}: write true or false (or leave it out to follow the model's config).`);
      return;
    }
    if (minScore !== undefined && !(typeof minScore === 'number' && minScore >= 0 && minScore <= 1)) {
      problems.push(`${named} has "minScore" ${JSON.stringify(minScore)}: write a number from 0 to 1.`);
      return;
    }
    seen.add(id);
    classifiers.push({
      id,
      title: typeof title === 'string' && title.trim() ? title.trim() : id,
      model: model.trim(),
      level: (level as ClassifierSpec['level'] | undefined) ?? 'sentence',
      ...(multiLabel !== undefined ? { multiLabel } : {}),
      ...(minScore !== undefined ? { minScore } : {}),
    });
  });
  return { classifiers, problems };
}
