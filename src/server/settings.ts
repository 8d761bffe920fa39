/**
 * The language server's settings: the `textAnalytics` section a client returns to
 * `workspace/configuration`, read once per change into typed values. The keys are the VS Code
 * extension's where it has them (`textAnalytics.models.<task>`, `textAnalytics.pii.*`,
 * `textAnalytics.allowDownloads`…); the server's own are under `textAnalytics.server.*`. A client
 * may send the section nested (`{"pii": {"minScore": 0.7}}`, as VS Code and most editors do) or
 * with dotted keys (`{"pii.minScore": 0.7}`); both are read. A value of the wrong type is the
 * default, as in the extension (src/config.ts, which reads the same keys through `vscode`).
 * Pure: no connection, no `vscode`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { defaultCacheDir, defaultEngineOptions } from '../engine/options';
import { MAX_TEXT_LENGTH, type EngineOptions, type PiiParams } from '../protocol';
import { defaultAllowListFile } from '../redaction/allowListFile';
import type { RedactOptions } from '../redaction/operators';
import { DEFAULT_MODEL_TASKS, TASK_SETTINGS } from '../tasks/registry';
import { readPiiRequest } from '../ui/piiSettings';
import { isRecord } from '../validate';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface ServerSettings {
  /** What the worker is started with; a change restarts it. */
  engine: EngineOptions;
  /** `textAnalytics.server.diagnostics.{pii,entities,sentiment}`: which findings are published. */
  diagnostics: { pii: boolean; entities: boolean; sentiment: boolean };
  /** `textAnalytics.server.semanticTokens`: entities are analysed for semantic tokens even without their diagnostics. */
  semanticTokens: boolean;
  /** `textAnalytics.pii.diagnosticSeverity` (default warning). */
  piiSeverity: Severity;
  /** A personal-data request without its text. */
  pii: Omit<PiiParams, 'text' | 'offset' | 'ranges'>;
  /** Lines for the user about entries of `pii.patterns` / `pii.denyList` that are left out. */
  problems: string[];
  /** `textAnalytics.entities.minScore`. */
  entityMinScore: number;
  /** `textAnalytics.sentiment.neutralBand`. */
  neutralBand: number;
  /** `textAnalytics.pii.redact.*`: the operator of the redaction command and the code actions (hash salts are the server's). */
  redact: Omit<RedactOptions, 'salt'>;
  /** `textAnalytics.maxDocumentSize`: longer documents are not analysed (the user is told once). */
  maxDocumentSize: number;
  /** `textAnalytics.server.allowListFile`: where *Never Report This Value* keeps its values, one a line (read into `pii.allowList`). */
  allowListFile: string;
}

/** The models folder installed with the server: `models/` beside `dist/`, as the CLI's. */
export function installedModelsDir(): string {
  return join(__dirname, '..', 'models');
}

/** Reads the `textAnalytics` section (anything a client sends; null when it has none). */
export function readSettings(section: unknown, installedModels = installedModelsDir()): ServerSettings {
  const get = reader(section);
  const string = (key: string, fallback = '') => {
    const value = get(key);
    return typeof value === 'string' ? value.trim() : fallback;
  };
  const boolean = (key: string, fallback: boolean) => {
    const value = get(key);
    return typeof value === 'boolean' ? value : fallback;
  };
  const number = (key: string, fallback: number, minimum = -Infinity, maximum = Infinity) => {
    const value = get(key);
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(maximum, Math.max(minimum, value)) : fallback;
  };
  /** A setting of a task's contract, its default and range from there. */
  const ranged = (key: string) => {
    const { default: fallback, minimum, maximum } = TASK_SETTINGS[key];
    return number(key, fallback as number, minimum, maximum);
  };
  const oneOf = <const T extends string>(key: string, allowed: readonly T[], fallback: NoInfer<T>): T => {
    const value = get(key);
    return allowed.includes(value as T) ? (value as T) : fallback;
  };
  // Relative to the server's working folder; a leading ~ is the home folder (editors' configs often say ~/…).
  const absolute = (value: string) => (/^~(?=$|[\\/])/.test(value) ? join(homedir(), value.slice(1)) : isAbsolute(value) ? value : resolve(value));

  const modelsDir = string('server.modelsDir');
  const cacheDir = string('modelCacheDir');
  const modelSources = Object.fromEntries(
    DEFAULT_MODEL_TASKS.flatMap((task) => {
      const source = string(`models.${task}`);
      // A folder (absolute, or one that exists from the server's working folder), else a Hub id (owner/name).
      return source ? [[task, isAbsolute(source) || existsSync(source) ? resolve(source) : source]] : [];
    }),
  );
  const allowDownloads = boolean('allowDownloads', false);
  const engine = defaultEngineOptions({
    device: oneOf('device', ['auto', 'cpu', 'gpu'], 'auto'),
    precision: oneOf('precision', ['auto', 'fp32', 'int8'], 'auto'),
    threads: Math.round(number('threads', 0, 0, 64)),
    modelSources,
    bundledModelsDir: modelsDir ? absolute(modelsDir) : installedModels,
    cacheDir: cacheDir ? absolute(cacheDir) : defaultCacheDir(),
    allowDownloads,
    // With downloads allowed the server asks first (window/showMessageRequest), as the extension does.
    askBeforeDownload: allowDownloads,
    idleUnloadSeconds: Math.round(number('idleUnloadSeconds', 600, 0)),
  });

  const pii = readPiiRequest(get);
  return {
    engine,
    diagnostics: {
      pii: boolean('server.diagnostics.pii', true),
      entities: boolean('server.diagnostics.entities', false),
      sentiment: boolean('server.diagnostics.sentiment', false),
    },
    semanticTokens: boolean('server.semanticTokens', false),
    piiSeverity: oneOf('pii.diagnosticSeverity', ['error', 'warning', 'information', 'hint'], 'warning'),
    pii: pii.params,
    problems: pii.problems,
    entityMinScore: ranged('entities.minScore'),
    neutralBand: ranged('sentiment.neutralBand'),
    redact: {
      operator: oneOf('pii.redact.operator', ['tag', 'pseudonym', 'mask', 'hash'], 'tag'),
      maskKeepLast: Math.round(ranged('pii.redact.maskKeepLast')),
    },
    maxDocumentSize: Math.round(number('maxDocumentSize', 2_000_000, 1000, MAX_TEXT_LENGTH)),
    allowListFile: string('server.allowListFile') ? absolute(string('server.allowListFile')) : defaultAllowListFile(),
  };
}

/** A getter of dotted keys in a section sent nested, with dotted keys, or as a mix of both. */
function reader(section: unknown): (key: string) => unknown {
  return (key) => lookup(section, key.split('.'));
}

function lookup(value: unknown, parts: readonly string[]): unknown {
  if (parts.length === 0) return value;
  if (!isRecord(value)) return undefined;
  // The longest dotted prefix the object has as a key first: {"pii.redact": {"operator": …}} too.
  for (let n = parts.length; n >= 1; n--) {
    const key = parts.slice(0, n).join('.');
    if (Object.hasOwn(value, key)) {
      const found = lookup(value[key], parts.slice(n));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
