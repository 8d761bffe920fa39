/**
 * A model folder's config.json: the labels of its outputs (index order) and the longest input,
 * and whether those labels are the ones a task reads the outputs by. Pure Node, read
 * synchronously (the file is a few hundred bytes).
 *
 * @example
 * const config = readModelConfig(model.dir, 'sentiment');
 * const scheme = sentimentScheme(config.id2label); // src/tasks/sentiment.ts
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Task } from '../protocol';
import { REGISTRY } from '../tasks/registry';
import { isErrno } from './download';
import { EngineError } from './errors';

export interface ModelConfig {
  /** Label of each output index. */
  id2label: string[];
  label2id: Record<string, number>;
  /** The longest input, in tokens, the position embeddings allow. */
  maxPositions: number;
  modelType?: string;
  /** `architectures` (e.g. RobertaForTokenClassification), for messages. */
  architectures?: string[];
  /** `pad_token_id`: where RoBERTa-style positions start (see family.ts), and the pad token when the tokenizer names none. */
  padTokenId?: number;
  /** `problem_type`: "multi_label_classification" asks for a sigmoid per label. */
  problemType?: string;
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
  const problemType = typeof config.problem_type === 'string' ? config.problem_type : undefined;
  const problem = task && labelProblem(task, config.id2label === undefined ? undefined : id2label, problemType);
  if (problem) return corrupt(problem);
  const label2id = Object.fromEntries(id2label.map((label, i) => [label, i]));
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : undefined;
  const padTokenId = typeof config.pad_token_id === 'number' && Number.isInteger(config.pad_token_id) && config.pad_token_id >= 0 ? config.pad_token_id : undefined;
  return {
    id2label,
    label2id,
    maxPositions,
    modelType,
    ...(architectures ? { architectures } : {}),
    ...(padTokenId !== undefined ? { padTokenId } : {}),
    ...(problemType !== undefined ? { problemType } : {}),
  };
}

/**
 * Why `id2label` (undefined: the config has none) does not fit `task`, or undefined when it does:
 * the task's contract says (src/tasks/), by the same names its engine module reads the outputs by.
 */
function labelProblem(task: Task, id2label: string[] | undefined, problemType: string | undefined): string | undefined {
  return REGISTRY[task].labelProblem?.({ id2label, problemType });
}
