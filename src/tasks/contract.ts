/**
 * What a task is, in one place: its names, its settings and their defaults, the shape of its
 * request and result (types and the checkers that read them off the wire), the labels a model must
 * have to do it, and how the command line, the palette and the panel reach it. Each task writes
 * one contract (src/tasks/<task>.ts); src/tasks/registry.ts lists them, and everything written by
 * hand per task before — the protocol's method tables and checkers, the worker's handlers, the
 * CLI's subcommands and usage, the settings' defaults, the panel's views — is derived from that
 * list. Pure: no `vscode`, no DOM, no Node, no onnxruntime; every side imports it.
 */
import { must, type Fields } from './checks';

/** A setting under `textAnalytics.`: package.json contributes the same default and range (a test compares them). */
export interface SettingContract<T = unknown> {
  default: T;
  minimum?: number;
  maximum?: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** The values it may take (package.json's `enum`). */
  enum?: readonly T[];
}

/** When a task runs by itself on a document: never (the default), when it is first shown, or on each save. */
export const ANALYZE_ON = ['off', 'open', 'save'] as const;
export type AnalyzeOn = (typeof ANALYZE_ON)[number];
/**
 * `<task>.analyzeOn`: a task whose contract has it runs by itself when a document is opened or
 * saved (src/ui/autoAnalysis.ts), through its palette command.
 */
export const analyzeOnSetting: SettingContract<AnalyzeOn> = { default: 'off', enum: ANALYZE_ON };

/**
 * Where a task's model comes from (see {@link TaskContract.models}): its own default, one each
 * request names, or other tasks' models that its runner borrows (none, one or several per request).
 */
export type ModelsFrom = 'default' | 'per-request' | 'borrowed';

/** What a model's config.json says of its outputs, for {@link TaskContract.labelProblem}. */
export interface ModelLabels {
  /** Undefined when the config has no id2label. */
  id2label: readonly string[] | undefined;
  /** `problem_type`, when the config says it. */
  problemType?: string;
}

export interface TaskContract<Id extends string = string, Method extends string = string, Models extends ModelsFrom = ModelsFrom> {
  /** The task's name: its model folder (`models/<id>/`), its `textAnalytics.models.<id>` setting, its ModelInfo.task. */
  id: Id;
  /** The protocol's request method. */
  method: Method;
  /** For people: quick picks, headings, the README. */
  title: string;
  /** How messages name its model: "the {modelName} model". */
  modelName: string;
  /**
   * Where its model comes from: a default model (`textAnalytics.models.<id>`, the manifest, the
   * bundled folder), or the request, which names it (classifiers: `textAnalytics.classifiers`),
   * or none of its own: its runner names the models it borrows (personal data: the named-entity
   * model and a PII model, or none).
   */
  models: Models;
  /** The palette command that runs it on the active editor. */
  command: string;
  /** Where its results are shown: a view of the results panel, or the Questions side view. */
  view: 'panel' | 'questions';
  /** Its settings, keyed under `textAnalytics.`. */
  settings: Record<string, SettingContract>;
  /** The request's parameters, as the worker reads them. */
  params: Fields;
  /** The result's own fields (every result also carries model, device and elapsedMs). */
  result: Fields;
  /** Fields a progress message of this task may carry besides done/total/message (partial results). */
  progress?: Fields;
  /** Why a model with these outputs cannot do this task, or undefined when it can. */
  labelProblem?(labels: ModelLabels): string | undefined;
  /** The command line's subcommand. */
  cli: { command: string; synopsis: string; summary: string };
}

/**
 * A contract with its request and result types attached (types only: nothing at run time), so
 * that the protocol's `Methods` can be derived from the registry.
 */
export type TypedContract<Id extends string, Method extends string, Params, Result, Models extends ModelsFrom = ModelsFrom> = TaskContract<Id, Method, Models> & {
  readonly types?: { params: Params; result: Result };
};

/** Declares a contract whose requests are `Params` and results `Result`: `defineTask<P, R>()({ … })`. */
export function defineTask<Params, Result>() {
  return <const Id extends string, const Method extends string, const Models extends ModelsFrom>(
    contract: TaskContract<Id, Method, Models>,
  ): TypedContract<Id, Method, Params, Result, Models> => contract;
}

/**
 * The language fields every task's request may carry (see `DocumentLanguageFields` in
 * ./languages.ts): spread into each contract's `params`, so the protocol reads them for all.
 */
export const LANGUAGE_FIELDS: Fields = {
  language: must.optional(must.string),
  languageFrom: must.optional(must.string),
  modelLanguages: must.optional(must.record()),
};
