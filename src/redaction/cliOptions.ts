/**
 * The command line's personal-data options, shared by `pii` and `redact`: the request they make
 * (the same as the extension's settings make, src/tasks/pii.ts), each option checked before
 * anything runs. A wrong value is a usage error (exit code 2); a file that cannot be read or is
 * not what it should be is an input error (exit code 1), both one line that names the option.
 */
import { readFileSync } from 'node:fs';
import { parseAllowList } from './allowListFile';
import { InputError } from '../cliInput';
import { clipped, modelSource, UsageError } from '../cliOptions';
import type { PiiParams } from '../protocol';
import { DEFAULT_PII_TYPES, PII_TYPE_NAME, PII_TYPES, piiTask, type CustomPiiPattern } from '../tasks/pii';

/** What `pii` and `redact` read of the command line (cli.ts parses it). */
export interface PiiCliValues {
  minScore?: number;
  /** --types T,…: upper-cased, checked against the built-in types and those the user's files add. */
  types?: string;
  /** false with --no-model: the recognizers only, no model loads. */
  useModel: boolean;
  /** --model: a dedicated PII model, a folder or a Hub id, run beside the named-entity model. */
  model?: string;
  phoneRegion?: string;
  /** --patterns FILE: a JSON array as `textAnalytics.pii.patterns`. */
  patterns?: string;
  /** --allow FILE: values never reported, one a line. */
  allow?: string;
  /** --deny FILE: a JSON object as `textAnalytics.pii.denyList`. */
  deny?: string;
}

/** The request `pii` and `redact` make (without the text). */
export function piiCliParams(values: PiiCliValues): Omit<PiiParams, 'text' | 'offset'> {
  const phoneRegion = (values.phoneRegion ?? 'US').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(phoneRegion)) throw new UsageError(`--phone-region must be a two-letter country code such as US, GB or DE, not ${clipped(values.phoneRegion ?? '')}.`);
  const given = values.model?.trim();
  if (given !== undefined && !values.useModel) throw new UsageError('--model and --no-model contradict each other: give one of them.');
  const patterns = values.patterns === undefined ? [] : patternsFile(values.patterns);
  const denyList = values.deny === undefined ? {} : denyFile(values.deny);
  const allowList = values.allow === undefined ? [] : allowFile(values.allow);
  const ownTypes = [...patterns.map((pattern) => pattern.type), ...Object.keys(denyList)];
  return {
    useModel: values.useModel,
    ...(given ? { piiModel: modelSource(given) } : {}),
    entitiesModel: true,
    minScore: values.minScore ?? 0.5,
    phoneRegion,
    patterns,
    denyList,
    allowList,
    ...(values.types === undefined ? {} : { types: typeList(values.types, ownTypes) }),
  };
}

/** `--types EMAIL_ADDRESS,phone_number`: known type names, upper-cased. */
export function typeList(list: string, ownTypes: readonly string[] = []): string[] {
  const known = new Set<string>([...PII_TYPES, ...ownTypes]);
  const types = list
    .split(',')
    .map((type) => type.trim().toUpperCase())
    .filter((type) => type !== '');
  if (types.length === 0) throw new UsageError(`--types names no type: give some of ${DEFAULT_PII_TYPES.join(', ')}, DATE_TIME.`);
  const unknown = types.find((type) => !known.has(type) || !PII_TYPE_NAME.test(type));
  if (unknown !== undefined) throw new UsageError(`--types: ${clipped(unknown)} is not a type; the types are ${[...known].join(', ')}.`);
  return [...new Set(types)];
}

function patternsFile(file: string): CustomPiiPattern[] {
  const value = jsonFile(file, '--patterns');
  const problem = Array.isArray(value) ? piiTask.params.patterns(value) : 'is not a JSON array of patterns';
  if (problem) throw new InputError(`--patterns ${file}: the file ${problem.replace(/^\[/, 'entry [')} (each is {"type": "TYPE", "regex": "…", "context": […], "score": 0.6}).`);
  return value as CustomPiiPattern[];
}

function denyFile(file: string): Record<string, string[]> {
  const value = jsonFile(file, '--deny');
  const problem = piiTask.params.denyList(value);
  if (problem) throw new InputError(`--deny ${file}: the file ${problem} (it is {"TYPE": ["value", …], …}).`);
  return value as Record<string, string[]>;
}

/** One value a line (the language server's allow-list file is one too). */
function allowFile(file: string): string[] {
  return parseAllowList(textFile(file, '--allow'));
}

function jsonFile(file: string, option: string): unknown {
  const text = textFile(file, option);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${option} ${file} is not valid JSON: ${(error as Error).message}.`);
  }
}

function textFile(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`Cannot read ${option} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}.`);
  }
}

