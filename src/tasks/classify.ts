/**
 * Classifiers: any text-classification model (emotion, toxicity, intent, the user's own
 * fine-tunes), declared by the user in `textAnalytics.classifiers` or named on the command line.
 * Labels come from the model's config.json; single-label models get a softmax over their labels,
 * multi-label ones a sigmoid per label, as the text-classification pipeline does.
 */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { allOf, labelScore, must, span } from './checks';
import { defineTask, type ModelLabels } from './contract';
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

export interface ClassifyParams {
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

/** Whether a model's config asks for a sigmoid per label. */
export function isMultiLabelConfig({ problemType }: ModelLabels): boolean {
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
  params: { text: must.string, classifier: classifierSpec, offset: must.optional(must.offset) },
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
