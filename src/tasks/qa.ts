/** Question answering: answers to the user's questions, each a span of the document. */
import type { DeviceInfo, ModelInfo, Span } from '../protocol';
import { must, span } from './checks';
import type { DocumentLanguageFields } from './languages';
import { defineTask, LANGUAGE_FIELDS } from './contract';

/** An answer to a question: a span of the document. */
export interface Answer extends Span {
  /** The model's probability for this span (start and end together), within its window. */
  score: number;
  /** The sentence the answer sits in, to show it in context. */
  sentence: Span;
}

export interface AskParams extends DocumentLanguageFields {
  /** The document (or selection) to search. */
  text: string;
  question: string;
  /** How many answers, at most, from different places in the text. */
  top: number;
  /** Answers scoring below this are left out: no answer is better than noise. */
  minScore: number;
  /** The longest answer, in tokens (default 30). */
  maxAnswerTokens?: number;
  /** Added to every reported offset: where `text` starts in the document. */
  offset?: number;
}

export interface AskResult {
  /** Best first; empty when the model has no confident answer. */
  answers: Answer[];
  model: ModelInfo;
  device: DeviceInfo;
  /** How many windows of the text the model read. */
  windows: number;
  elapsedMs: number;
}

export const answerCheck = span({ score: must.number, sentence: span() });

export const qaTask = defineTask<AskParams, AskResult>()({
  id: 'qa',
  method: 'ask',
  title: 'Question answering',
  modelName: 'question-answering',
  models: 'default',
  command: 'textAnalytics.askQuestion',
  view: 'questions',
  settings: {
    'qa.topAnswers': { default: 3, minimum: 1, maximum: 20, integer: true },
    'qa.minScore': { default: 0.1, minimum: 0, maximum: 1 },
    'qa.maxAnswerTokens': { default: 30, minimum: 1, maximum: 512, integer: true },
  },
  params: {
    ...LANGUAGE_FIELDS,
    text: must.string,
    question: must.string,
    top: must.offset,
    minScore: must.number,
    maxAnswerTokens: must.optional(must.offset),
    offset: must.optional(must.offset),
  },
  result: { answers: must.array(answerCheck), windows: must.offset },
  // The best answers so far, so that they can be shown before the end.
  progress: { answers: must.optional(must.array(answerCheck)) },
  // Start and end logits, not labels.
  labelProblem: undefined,
  cli: { command: 'ask', synopsis: 'ask FILE --question Q', summary: 'answers to Q found in the file (--top N, default 3)' },
});
