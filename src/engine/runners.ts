/**
 * Each task's engine runner: what it checks of a request before its model loads, which model the
 * request runs on, and the work itself. The engine (engine.ts) runs any task through this table
 * (the worker's handlers and the CLI are derived from it); a task missing here does not compile.
 */
import type { Task, TaskMethods } from '../tasks/registry';
import { REGISTRY } from '../tasks/registry';
import { answerSpans } from './answers';
import type { BatchLimits } from './batching';
import { classifierProblem, classifyItems, classifyPlan } from './classify';
import { entitySpans, type ParagraphEntity } from './entities';
import { languagePlan, paragraphLanguages } from './language';
import { checkLanguageCoverage } from './languageCoverage';
import { EngineError } from './errors';
import type { LoadedModel } from './modelStore';
import type { DocumentLanguageFields } from '../tasks/languages';
import type { ModelSlot } from './models';
import { piiFindings, piiModelSlots, piiProblem } from './pii';
import type { ResultCache } from './resultCache';
import { sentenceSentiments, sentimentPlan } from './sentiment';
import type { SpanPlan, SpanScore } from './spanScores';
import type { TaskContext } from './task';
import { classifyTopics } from './topics';

type ParamsOf<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['params'];
type ResultOf<T extends Task> = TaskMethods[(typeof REGISTRY)[T]['method']]['result'];

/** What the engine keeps for runners between requests. */
export interface RunnerState {
  /** Sentences' (and classifiers' items') probabilities by text: an edit re-runs only what changed. */
  spanCache: ResultCache<SpanScore>;
  /** Paragraphs' entities by text. */
  entityCache: ResultCache<ParagraphEntity[]>;
  limits: BatchLimits;
}

/** What a runner runs on: its model, or for a task that borrows models (`models: 'borrowed'`), those it asked for, in order. */
export type RunnerModels<T extends Task> = (typeof REGISTRY)[T]['models'] extends 'borrowed' ? LoadedModel[] : LoadedModel;

export interface Runner<T extends Task> {
  /** A problem with the request that no model can mend, thrown before any model loads. */
  check?(params: ParamsOf<T>): void;
  /** The model a request names (tasks whose model comes with each request); absent: the task's default. */
  model?(params: ParamsOf<T>): { source: string; setting: string };
  /** A task that borrows models: the models this request runs on (none, one or several), loaded in this order. */
  borrows?(params: ParamsOf<T>): ModelSlot[];
  run(models: RunnerModels<T>, params: ParamsOf<T>, context: TaskContext, state: RunnerState): Promise<Omit<ResultOf<T>, 'model' | 'device' | 'elapsedMs'>>;
  /**
   * A task scored span by span (spanScores.ts): a document's spans and how its result is made from
   * their scores, so that several short documents can share forward passes (Engine.runMany).
   * `run` must equal `finish` of spanScores of this plan.
   */
  plan?(model: LoadedModel, params: ParamsOf<T>, context: TaskContext): Promise<SpanPlan<Omit<ResultOf<T>, 'model' | 'device' | 'elapsedMs'>>>;
}

const TASK_RUNNERS: { [T in Task]: Runner<T> } = {
  sentiment: {
    run: (model, params, context, state) => sentenceSentiments(model, params, state.spanCache, context, state.limits),
    plan: sentimentPlan,
  },
  topics: { run: (model, params, context, state) => classifyTopics(model, params, context, state.limits) },
  entities: { run: (model, params, context, state) => entitySpans(model, params, state.entityCache, context, state.limits) },
  qa: { run: (model, params, context, state) => answerSpans(model, params, context, state.limits) },
  classify: {
    check: (params) => {
      const problem = classifierProblem(params);
      if (problem) throw new EngineError('bad-input', problem);
    },
    model: (params) => ({ source: params.classifier.model.trim(), setting: `the model of the classifier "${params.classifier.id}"` }),
    run: (model, params, context, state) => classifyItems(model, params, state.spanCache, context, state.limits),
    plan: classifyPlan,
  },
  pii: {
    check: (params) => {
      const problem = piiProblem(params);
      if (problem) throw new EngineError('bad-input', problem);
    },
    borrows: piiModelSlots,
    run: (models, params, context, state) => piiFindings(models, params, state.entityCache, context, state.limits),
  },
  language: {
    check: (params) => {
      if (params.model.trim() === '') throw new EngineError('bad-input', 'No language-identification model is set: set textAnalytics.models.language (the CLI: --model) to a model folder or Hub id (README, "Languages").');
    },
    model: (params) => ({ source: params.model.trim(), setting: 'textAnalytics.models.language' }),
    run: (model, params, context, state) => paragraphLanguages(model, params, state.spanCache, context, state.limits),
    plan: async (model, params) => languagePlan(model, params),
  },
};

/**
 * Every runner, each first asking whether its models read the document's language
 * (languageCoverage.ts) — one check for every task, so none returns confident scores on a
 * language its model never saw. The language task itself reads any language its labels name.
 */
export const RUNNERS = Object.fromEntries(
  Object.entries(TASK_RUNNERS).map(([task, runner]: [string, Runner<Task>]) => [
    task,
    task === 'language'
      ? runner
      : {
          ...runner,
          run: (models: LoadedModel | LoadedModel[], params: unknown, context: TaskContext, state: RunnerState) => {
            checkLanguageCoverage([models].flat().map((model) => model.info), params as DocumentLanguageFields);
            return runner.run(models as never, params as never, context, state);
          },
          ...(runner.plan
            ? {
                plan: (model: LoadedModel, params: unknown, context: TaskContext) => {
                  checkLanguageCoverage([model.info], params as DocumentLanguageFields);
                  return runner.plan?.(model, params as never, context);
                },
              }
            : {}),
        },
  ]),
) as typeof TASK_RUNNERS;
