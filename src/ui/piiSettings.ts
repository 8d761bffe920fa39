/**
 * The `textAnalytics.pii.*` settings read into a personal-data request ({@link readPiiRequest}),
 * for the VS Code extension (src/config.ts, through `vscode`) and the language server
 * (src/server/settings.ts, from `workspace/configuration`) alike. The settings that hold
 * structures (the user's patterns, the deny-list) are read at the boundary: an entry the worker
 * would refuse (and with it the whole request) is left out here and named in a problem the user is
 * told once. Pure (no `vscode`): the callers read the raw values and hand them here.
 */
import type { CustomPiiPattern, PiiParams } from '../protocol';
import { PII_TYPE_NAME } from '../tasks/pii';
import { TASK_SETTINGS } from '../tasks/registry';
import { isRecord } from '../validate';

/** The keys {@link readPiiRequest} reads (under `textAnalytics`). */
export type PiiRequestKey = 'pii.types' | 'pii.useModel' | 'pii.model' | 'pii.entitiesModel' | 'pii.minScore' | 'pii.phoneRegion' | 'pii.patterns' | 'pii.denyList' | 'pii.allowList';

/**
 * What a personal-data request asks besides its text, from the raw value of each setting
 * (undefined where it is unset; a value of the wrong type counts as unset), and a line for each
 * entry of the patterns or deny-list that is left out. `pii.types` unset means the worker's
 * default types and every type of the user's own patterns.
 */
export function readPiiRequest(raw: (key: PiiRequestKey) => unknown): { params: Omit<PiiParams, 'text' | 'offset' | 'ranges'>; problems: string[] } {
  const { patterns, problems: patternProblems } = readPiiPatterns(raw('pii.patterns'));
  const { denyList, problems: denyProblems } = readPiiDenyList(raw('pii.denyList'));
  const types = raw('pii.types');
  const trimmed = (key: PiiRequestKey) => {
    const value = raw(key);
    return typeof value === 'string' ? value.trim() : '';
  };
  const piiModel = trimmed('pii.model');
  const region = trimmed('pii.phoneRegion').toUpperCase();
  const { default: minScore, minimum = 0, maximum = 1 } = TASK_SETTINGS['pii.minScore'];
  const score = raw('pii.minScore');
  const params: Omit<PiiParams, 'text' | 'offset' | 'ranges'> = {
    ...(Array.isArray(types) ? { types: strings(types) } : {}),
    useModel: raw('pii.useModel') !== false,
    ...(piiModel ? { piiModel } : {}),
    entitiesModel: raw('pii.entitiesModel') !== false,
    minScore: typeof score === 'number' && Number.isFinite(score) ? Math.min(maximum, Math.max(minimum, score)) : (minScore as number),
    phoneRegion: /^[A-Z]{2}$/.test(region) ? region : 'US',
    patterns,
    denyList,
    allowList: strings(raw('pii.allowList')),
  };
  return { params, problems: [...patternProblems, ...denyProblems] };
}

/** The strings of a list setting, trimmed, blanks left out (anything else: none). */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter(Boolean) : [];
}

const PATTERNS_SETTING = 'textAnalytics.pii.patterns';
const DENY_LIST_SETTING = 'textAnalytics.pii.denyList';

/** The usable entries of `textAnalytics.pii.patterns`, and one line per entry that is not. */
export function readPiiPatterns(value: unknown): { patterns: CustomPiiPattern[]; problems: string[] } {
  if (value === undefined || value === null) return { patterns: [], problems: [] };
  if (!Array.isArray(value)) return { patterns: [], problems: [`${PATTERNS_SETTING} is not a list of patterns, so it is ignored.`] };
  const patterns: CustomPiiPattern[] = [];
  const problems: string[] = [];
  value.forEach((entry: unknown, index) => {
    const problem = patternProblem(entry);
    if (problem) problems.push(`${PATTERNS_SETTING}[${index}] ${problem}, so it is ignored.`);
    else patterns.push(copyPattern(entry as CustomPiiPattern));
  });
  return { patterns, problems };
}

function patternProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'is not an object with "type" and "regex"';
  if (typeof entry.type !== 'string' || !PII_TYPE_NAME.test(entry.type)) return 'has no "type" of upper-case letters, digits and _ (such as EMPLOYEE_ID)';
  if (typeof entry.regex !== 'string' || entry.regex === '') return 'has no "regex"';
  if (entry.context !== undefined && !(Array.isArray(entry.context) && entry.context.every((word) => typeof word === 'string'))) return 'has a "context" that is not a list of words';
  if (entry.score !== undefined && !(typeof entry.score === 'number' && entry.score >= 0 && entry.score <= 1)) return 'has a "score" that is not from 0 to 1';
  return undefined;
}

/** Only the keys the worker knows: a typo'd extra key would make it refuse the request. */
function copyPattern({ type, regex, context, score }: CustomPiiPattern): CustomPiiPattern {
  return { type, regex, ...(context === undefined ? {} : { context: [...context] }), ...(score === undefined ? {} : { score }) };
}

/** The usable types of `textAnalytics.pii.denyList` (each a list of values), and one line per type that is not. */
export function readPiiDenyList(value: unknown): { denyList: Record<string, string[]>; problems: string[] } {
  if (value === undefined || value === null) return { denyList: {}, problems: [] };
  if (!isRecord(value)) return { denyList: {}, problems: [`${DENY_LIST_SETTING} is not an object of type names and values, so it is ignored.`] };
  const denyList: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const [type, values] of Object.entries(value)) {
    if (!PII_TYPE_NAME.test(type)) problems.push(`${DENY_LIST_SETTING} has the key "${type}", which is not a type name (upper-case letters, digits and _), so it is ignored.`);
    else if (!Array.isArray(values) || !values.every((item) => typeof item === 'string')) problems.push(`${DENY_LIST_SETTING}.${type} is not a list of values, so it is ignored.`);
    else {
      const kept = values.map((item: string) => item.trim()).filter(Boolean);
      if (kept.length > 0) denyList[type] = kept;
    }
  }
  return { denyList, problems };
}
