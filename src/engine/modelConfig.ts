/**
 * A model folder's config.json: the labels of its outputs (index order) and the longest input,
 * and whether those labels are the ones a task reads the outputs by. Pure Node, read
 * synchronously (the file is a few hundred bytes).
 *
 * @example
 * const config = readModelConfig(model.dir, 'sentiment');
 * const outputs = sentimentOutputs(config.id2label);
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Task } from '../protocol';
import { isErrno } from './download';
import { EngineError } from './errors';

export interface ModelConfig {
  /** Label of each output index. */
  id2label: string[];
  label2id: Record<string, number>;
  /** The longest input, in tokens, the position embeddings allow. */
  maxPositions: number;
  modelType?: string;
}

/**
 * Reads `<dir>/config.json` (synchronously: it is a few hundred bytes): the labels (index order) and the longest input. A config without
 * `id2label` (question answering) gets Transformers' default, LABEL_0 … LABEL_{num_labels-1}.
 * With `task`, also checks that the labels are those the task reads the outputs by (see {@link labelProblem}), so
 * a model of the wrong kind fails when it loads, naming its config, not on every request.
 * Throws `model-corrupt` naming the file when it is unreadable or its fields are wrong.
 */
export function readModelConfig(dir: string, task?: Task): ModelConfig {
  const file = path.join(dir, 'config.json');
  const corrupt = (what: string, cause?: unknown): never => {
    throw new EngineError('model-corrupt', `${file} ${what}.`, { cause });
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new EngineError('model-missing', `The model folder ${dir} has no config.json.`);
    return corrupt('cannot be read', error);
  }
  if (text.trim() === '') return corrupt('is empty');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return corrupt(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return corrupt('is not a JSON object');

  const maxPositions = config.max_position_embeddings;
  if (typeof maxPositions !== 'number' || !Number.isInteger(maxPositions) || maxPositions < 2) {
    return corrupt(`has no valid max_position_embeddings (found ${JSON.stringify(maxPositions)})`);
  }

  let id2label: string[];
  if (config.id2label === undefined) {
    const count = typeof config.num_labels === 'number' ? config.num_labels : 2;
    id2label = Array.from({ length: count }, (_, i) => `LABEL_${i}`);
  } else {
    const raw = config.id2label;
    if (typeof raw !== 'object' || raw === null) return corrupt('has an id2label that is not an object');
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) return corrupt('has an empty id2label');
    id2label = new Array<string>(entries.length);
    for (const [key, label] of entries) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof label !== 'string' || label === '') {
        return corrupt(`has an id2label entry ${JSON.stringify(key)}: ${JSON.stringify(label)} that is not index → label`);
      }
      id2label[index] = label;
    }
    if (id2label.some((label) => label === undefined)) return corrupt('has an id2label with gaps');
  }
  const problem = task && labelProblem(task, config.id2label === undefined ? undefined : id2label);
  if (problem) return corrupt(problem);
  const label2id = Object.fromEntries(id2label.map((label, i) => [label, i]));
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  return { id2label, label2id, maxPositions, modelType };
}

/** What each task reads the model's outputs by, for messages. */
const LABELS_NEEDED: Record<Exclude<Task, 'qa'>, string> = {
  sentiment: 'a sentiment model names its outputs POSITIVE and NEGATIVE',
  entities: 'a named-entity model names its outputs "O" and tags such as B-PER, I-PER',
  topics: 'a zero-shot (NLI) model names its outputs "entailment" and "contradiction"',
};

/**
 * Why `id2label` (undefined: the config has none) does not fit `task`, or undefined when it does.
 * The same names the task modules look for (sentiment.ts, entities.ts, topics.ts); question
 * answering reads start and end logits, not labels.
 */
function labelProblem(task: Task, id2label: string[] | undefined): string | undefined {
  if (task === 'qa') return undefined;
  if (id2label === undefined) return `has no id2label, so which output means what is unknown: ${LABELS_NEEDED[task]}`;
  const fits = {
    sentiment: sentimentOutputs(id2label) !== undefined,
    entities: id2label.some((label) => label.toLowerCase() === 'o') && id2label.length > 1,
    topics: nliOutputs(id2label) !== undefined,
  }[task];
  return fits ? undefined : `has the labels ${id2label.join(', ')}, but ${LABELS_NEEDED[task]}`;
}

/**
 * Where a sentiment model's positive and negative outputs are: by name (POSITIVE/NEGATIVE, pos/neg…),
 * or for two unnamed labels (LABEL_0, LABEL_1) negative then positive, the order of the binary
 * sentiment models. Undefined when neither fits.
 */
export function sentimentOutputs(id2label: readonly string[]): { positiveIndex: number; negativeIndex: number } | undefined {
  const names = id2label.map((label) => label.toLowerCase());
  const positiveIndex = names.findIndex((n) => n.startsWith('pos'));
  const negativeIndex = names.findIndex((n) => n.startsWith('neg'));
  if (positiveIndex >= 0 && negativeIndex >= 0) return { positiveIndex, negativeIndex };
  return names.length === 2 ? { positiveIndex: 1, negativeIndex: 0 } : undefined;
}

/** Where a zero-shot (NLI) model's entailment and contradiction outputs are, by name; undefined without them. */
export function nliOutputs(id2label: readonly string[]): { entailment: number; contradiction: number } | undefined {
  const byName = new Map(id2label.map((label, index) => [label.toLowerCase(), index]));
  const entailment = byName.get('entailment');
  const contradiction = byName.get('contradiction') ?? byName.get('not_entailment');
  return entailment === undefined || contradiction === undefined ? undefined : { entailment, contradiction };
}
