/**
 * Every task the engine knows, in the order menus and usage list them. Adding a task: write its
 * contract (src/tasks/<task>.ts) and add it here; the compiler then names every table that needs
 * its part — the engine's runner (src/engine/runners.ts), the CLI's printer (src/cliTasks.ts), the
 * panel's view — and the wiring test (test/unit/registry.test.ts) checks the rest. README,
 * "Adding a task", lists the files.
 */
import { classifyTask } from './classify';
import { entitiesTask } from './entities';
import { languageTask } from './language';
import { piiTask } from './pii';
import { qaTask } from './qa';
import { sentimentTask } from './sentiment';
import { topicsTask } from './topics';

export const REGISTRY = {
  sentiment: sentimentTask,
  topics: topicsTask,
  entities: entitiesTask,
  qa: qaTask,
  classify: classifyTask,
  pii: piiTask,
  language: languageTask,
} as const;

type Registry = typeof REGISTRY;
export type Task = keyof Registry;
export const TASKS = Object.keys(REGISTRY) as Task[];
export const CONTRACTS = Object.values(REGISTRY);

/** Each task's request method. */
export type TaskMethod = Registry[Task]['method'];
type ContractTypes<C> = C extends { readonly types?: { params: infer P; result: infer R } } ? { params: P; result: R } : never;
/** Per task method: its params and its result. */
export type TaskMethods = { [T in Task as Registry[T]['method']]: ContractTypes<Registry[T]> };

/** Tasks whose model is a default one (`textAnalytics.models.<task>`, the manifest), not named per request. */
export type DefaultModelTask = { [T in Task]: Registry[T]['models'] extends 'default' ? T : never }[Task];
export const DEFAULT_MODEL_TASKS = TASKS.filter((task): task is DefaultModelTask => REGISTRY[task].models === 'default');

/** Every setting of every task, keyed under `textAnalytics.`, with its default. */
export const TASK_SETTINGS = Object.fromEntries(CONTRACTS.flatMap((contract) => Object.entries(contract.settings)));
