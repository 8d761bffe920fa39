/**
 * Each task's engine runner: what it checks of a request before its model loads, which model the
 * request runs on, and the work itself. The engine (engine.ts) runs any task through this table
 * (the worker's handlers and the CLI are derived from it); a task missing here does not compile.
 */
import type { Task, TaskMethods } from '../tasks/registry';
import { REGISTRY } from '../tasks/registry';
import { answerSpans } from './answers';
import type { BatchLimits } from './batching';
import { classifierProblem, classifyItems } from './classify';
import { entitySpans, type ParagraphEntity } from './entities';
import { EngineError } from './errors';
import type { LoadedModel } from './modelStore';
import type { ResultCache } from './resultCache';
import { sentenceSentiments } from './sentiment';
import type { SpanScore } from './spanScores';
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

export interface Runner<T extends Task> {
  /** A problem with the request that no model can mend, thrown before any model loads. */
  check?(params: ParamsOf<T>): void;
  /** The model a request names (tasks whose model comes with each request); absent: the task's default. */
  model?(params: ParamsOf<T>): { source: string; setting: string };
  run(model: LoadedModel, params: ParamsOf<T>, context: TaskContext, state: RunnerState): Promise<Omit<ResultOf<T>, 'model' | 'device' | 'elapsedMs'>>;
}

export const RUNNERS: { [T in Task]: Runner<T> } = {
  sentiment: { run: (model, params, context, state) => sentenceSentiments(model, params, state.spanCache, context, state.limits) },
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
  },
};
