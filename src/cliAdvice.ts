/**
 * Model errors in the command line's own words. The engine's messages say what to do with the
 * editor's settings (textAnalytics.models.sentiment, textAnalytics.allowDownloads); on the command
 * line the same trouble is mended with options: --models DIR, --download, --cache-dir.
 */
import { isAbsolute, relative } from 'node:path';
import type { ModelTrouble } from './engine/errors';
import type { DeviceInfo, ModelInfo } from './protocol';
import { TASK_MODEL_NAMES } from './protocol';
import { REGISTRY } from './tasks/registry';

/** Where the CLI's models come from: --models DIR, or the folder installed with it. */
export interface CliModels {
  dir: string;
  /** --models was given (else `dir` is the folder installed with text-analytics). */
  given: boolean;
}

/** The files a model folder needs, as the engine looks for them. */
const MODEL_FILES = 'config.json, tokenizer.json and onnx/model_quantized.onnx or onnx/model.onnx';

/**
 * The message for `error` on the command line: its own advice for a model error, else the engine's
 * message. `error` is the engine's (in this process) or the worker's (a batch run's), which both
 * carry the trouble.
 */
export function cliMessage(error: { message: string; trouble?: ModelTrouble }, models: CliModels): string {
  return error.trouble ? troubleMessage(error.trouble, models) : error.message;
}

function troubleMessage(trouble: ModelTrouble, models: CliModels): string {
  const folder = models.given ? `the --models folder ${models.dir}` : `the folder of models installed with text-analytics (${models.dir})`;
  switch (trouble.kind) {
    case 'incomplete':
      return (
        `The ${TASK_MODEL_NAMES[trouble.task]} model folder ${trouble.dir} lacks ${trouble.missing.join(', ')}. ` +
        `Put them there, or give --models DIR: a folder whose "${trouble.task}" subfolder holds ${MODEL_FILES}.`
      );
    case 'unavailable': {
      const partial = trouble.missing ? ` (the copy in ${trouble.dir} lacks ${trouble.missing.join(', ')})` : '';
      if (REGISTRY[trouble.task].models === 'per-request') {
        return (
          `The ${TASK_MODEL_NAMES[trouble.task]} model ${trouble.repo} is not in the download cache${partial}, and downloads are off. ` +
          `Allow --download to fetch it from the Hugging Face Hub (kept where --cache-dir says), or give --model a folder holding ${trouble.files.join(', ')}.`
        );
      }
      return (
        `No ${TASK_MODEL_NAMES[trouble.task]} model is available: ${folder} has no "${trouble.task}" subfolder, the download cache has none${partial}, and downloads are off. ` +
        `Give --models DIR (a folder whose "${trouble.task}" subfolder holds ${trouble.files.join(', ')}), ` +
        `or allow --download to fetch ${trouble.repo} from the Hugging Face Hub (kept where --cache-dir says).`
      );
    }
    case 'broken':
      return `${trouble.problem} ${repairAdvice(trouble.model, models)}`;
  }
}

function repairAdvice(model: Extract<ModelTrouble, { kind: 'broken' }>['model'], models: CliModels): string {
  switch (model.source) {
    case 'bundled':
      return models.given
        ? `Fix or replace the file, or give --models a folder with a working ${model.task} model.`
        : 'The model installed with text-analytics is damaged: reinstall text-analytics, or give --models DIR (a folder with one subfolder per task).';
    case 'cache':
    case 'download':
      if (REGISTRY[model.task].models === 'per-request') return `Delete the folder ${model.dir} to have it downloaded again with --download, or give --model another model.`;
      return `Delete the folder ${model.dir} to have it downloaded again with --download, or give --models DIR (a folder with one subfolder per task).`;
    case 'setting':
      return 'Fix or replace the file.';
  }
}

/**
 * The line a table ends with: the model, where it was read from, and the device. "bundled" is the
 * engine's word for the models folder, which on the command line is --models or the folder
 * installed with text-analytics, so the folder itself is named.
 */
export function modelLine({ model, device }: { model: ModelInfo; device: DeviceInfo }, cwd = process.cwd()): string {
  const reason = device.used === 'cpu' ? device.fallbackReason : undefined;
  return `${model.id} (${model.file} ${modelOrigin(model, cwd)}) on ${device.used.toUpperCase()}${reason ? ` — ${reason}` : ''}`;
}

function modelOrigin(model: ModelInfo, cwd: string): string {
  switch (model.source) {
    case 'bundled':
    case 'setting':
      return `from ${shownPath(model.dir, cwd)}`;
    case 'cache':
      return `from the download cache, ${shownPath(model.dir, cwd)}`;
    case 'download':
      return `downloaded now into ${shownPath(model.dir, cwd)}`;
  }
}

/** A folder as the user would type it: relative to the working folder when inside it. */
function shownPath(dir: string, cwd: string): string {
  const inside = relative(cwd, dir);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : dir;
}
