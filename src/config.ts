import * as vscode from 'vscode';
import { MAX_TEXT_LENGTH, type DevicePreference, type EngineOptions, type PiiParams, type Precision, type ProxySettings } from './protocol';
import type { RedactOptions } from './redaction/operators';
import { readPiiRequest } from './ui/piiSettings';
import { readClassifierSettings, type ClassifierSpec } from './tasks/classify';
import { ANALYZE_ON, type AnalyzeOn } from './tasks/contract';
import { hiddenEntityKinds, type EntityKind } from './entityTypes';
import { DEFAULT_HYPOTHESIS_TEMPLATE } from './tasks/topics';
import { DEFAULT_MODEL_TASKS, TASK_SETTINGS, type DefaultModelTask } from './tasks/registry';
import { canonicalLanguage, readModelLanguages } from './tasks/languages';
import { MODEL_PROFILES, MULTILINGUAL_DEFAULTS, type ModelProfile } from './tasks/modelProfiles';

const SECTION = 'textAnalytics';

/**
 * Settings under `textAnalytics.*`, read in one place with typed getters and normalised here,
 * at the boundary, so the rest of the extension never sees raw configuration values.
 */
export class Config {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly scope?: vscode.ConfigurationScope,
  ) {}

  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION, this.scope);
  }

  get device(): DevicePreference {
    return oneOf(this.raw.get('device'), ['auto', 'cpu', 'gpu'], 'auto');
  }

  get threads(): number {
    return clamp(this.raw.get<number>('threads', 0), 0, 64);
  }

  get precision(): Precision {
    return oneOf(this.raw.get('precision'), ['auto', 'fp32', 'int8'], 'auto');
  }

  /** A task's setting, with the default its contract gives (src/tasks/; package.json says the same). */
  private task<T>(key: string): T {
    return this.raw.get<T>(key, TASK_SETTINGS[key].default as T);
  }

  /** A task's numeric setting within the range its contract gives (package.json's), whole where it must be. */
  private ranged(key: string): number {
    const { minimum = -Infinity, maximum = Infinity, integer } = TASK_SETTINGS[key];
    const value = clamp(this.task<number>(key), minimum, maximum);
    return integer ? Math.round(value) : value;
  }

  /**
   * Where a task's model comes from: its own setting, else the multilingual profile's model for
   * the task where `textAnalytics.models.profile` is "multilingual" and one is known
   * (src/tasks/modelProfiles.ts), else undefined (the pinned default).
   */
  modelSource(task: DefaultModelTask): string | undefined {
    const value = this.raw.get<string>(`models.${task}`, '').trim();
    if (value) return value;
    if (this.modelProfile === 'multilingual' && task in MULTILINGUAL_DEFAULTS) return MULTILINGUAL_DEFAULTS[task as keyof typeof MULTILINGUAL_DEFAULTS].repo;
    return undefined;
  }

  /** `textAnalytics.models.profile`: the English defaults, or multilingual ones where known. */
  get modelProfile(): ModelProfile {
    return oneOf(this.raw.get('models.profile'), MODEL_PROFILES, 'english');
  }

  /** `textAnalytics.models.language`: the language-identification model (a folder or Hub id); empty: languages by script only. */
  get languageModel(): string {
    return this.task<string>('models.language').trim();
  }

  /** A paragraph whose best language scores below this is undetermined. */
  get languageMinScore(): number {
    return this.ranged('languageDetection.minScore');
  }

  /**
   * `textAnalytics.language` for this scope (a document: its language mode's override counts):
   * a BCP-47 tag, or undefined for "auto" (the per-file choice or detection decide).
   */
  get documentLanguage(): string | undefined {
    const value = this.task<string>('language');
    return typeof value === 'string' && value.trim() !== 'auto' ? canonicalLanguage(value) : undefined;
  }

  /** `textAnalytics.modelLanguages`: the languages of the user's own models. */
  get modelLanguages(): Record<string, string | string[]> {
    const value = this.task<unknown>('modelLanguages');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string | string[]] => readModelLanguages(entry[1]) !== undefined));
  }

  get modelCacheDir(): string {
    const configured = this.raw.get<string>('modelCacheDir', '').trim();
    return configured || vscode.Uri.joinPath(this.context.globalStorageUri, 'models').fsPath;
  }

  get allowDownloads(): boolean {
    return this.raw.get<boolean>('allowDownloads', true);
  }

  get languages(): string[] {
    return this.raw.get<string[]>('languages', ['markdown', 'plaintext']);
  }

  get maxDocumentSize(): number {
    return Math.min(MAX_TEXT_LENGTH, Math.max(1000, this.raw.get<number>('maxDocumentSize', 2_000_000)));
  }

  /**
   * `textAnalytics.enabled`: whether anything is analysed without a command here (analysis on open
   * or save, entity auto-highlighting). Resource-scoped: a workspace or folder can turn it off.
   */
  get automaticAnalysis(): boolean {
    return this.raw.get<boolean>('enabled', true) !== false;
  }

  /** `textAnalytics.<task>.analyzeOn`, for a task whose contract has that setting: when it runs by itself. */
  analyzeOn(task: string): AnalyzeOn {
    const key = `${task}.analyzeOn`;
    return key in TASK_SETTINGS ? oneOf(this.task(key), ANALYZE_ON, 'off') : 'off';
  }

  get neutralBand(): number {
    return this.ranged('sentiment.neutralBand');
  }

  /** Language ids whose documents are highlighted as soon as they are shown. */
  get entityAutoHighlight(): string[] {
    return stringList(this.task('entities.autoHighlight'));
  }

  /** Entities the model is less sure of are not highlighted. */
  get entityMinScore(): number {
    return this.ranged('entities.minScore');
  }

  get entityStyle(): EntityStyle {
    return oneOf(this.task('entities.style'), ['background', 'underline', 'border'], 'background');
  }

  /** Entity kinds not highlighted, upper-cased as the setting's values are (`PER`, `ORG`, `LOC`, `MISC`). */
  get hiddenEntityTypes(): string[] {
    return hiddenEntityTypeValues(this.task('entities.hiddenTypes'));
  }

  /** The entity kinds those values hide. */
  get hiddenEntityKinds(): ReadonlySet<EntityKind> {
    return hiddenEntityKinds(this.hiddenEntityTypes);
  }

  /** In source code: only comments and strings, or all of the text. */
  get entityCodeScope(): EntityCodeScope {
    return oneOf(this.task('entities.codeScope'), ['commentsAndStrings', 'all'], 'commentsAndStrings');
  }

  /** Question answering: how many answers, at most, from different places in the document. */
  get qaTopAnswers(): number {
    return this.ranged('qa.topAnswers');
  }

  /** Question answering: answers whose span probability is below this are not shown. */
  get qaMinScore(): number {
    return this.ranged('qa.minScore');
  }

  /** Question answering: the longest answer, in tokens. */
  get qaMaxAnswerTokens(): number {
    return this.ranged('qa.maxAnswerTokens');
  }

  /** Topics: the labels to score, trimmed, blanks and repeats dropped; the workspace's list where it has one. */
  get topicLabels(): string[] {
    return uniqueLabels(stringList(this.task('topics.labels')));
  }

  /** Topics: score each label on its own rather than making them compete. */
  get topicsMultiLabel(): boolean {
    return this.task<boolean>('topics.multiLabel') === true;
  }

  /** Topics: the NLI hypothesis with `{}` for the label; the default when the setting lacks `{}`. */
  get topicsHypothesisTemplate(): string {
    const template = this.task<string>('topics.hypothesisTemplate');
    return isHypothesisTemplate(template) ? template : DEFAULT_HYPOTHESIS_TEMPLATE;
  }

  /** The raw template when it is set but unusable (no `{}`), so the command can say why it fell back. */
  get invalidHypothesisTemplate(): string | undefined {
    const template = this.raw.get<unknown>('topics.hypothesisTemplate');
    return template === undefined || isHypothesisTemplate(template) ? undefined : String(template);
  }

  /**
   * The classifiers of `textAnalytics.classifiers` that can be used, and a message for each entry
   * that cannot, naming the setting and what to write (shown when the user runs one).
   */
  get classifiers(): { classifiers: ClassifierSpec[]; problems: string[] } {
    return readClassifierSettings(this.task<unknown>('classifiers'));
  }

  /**
   * What a personal-data request asks besides its text, from `textAnalytics.pii.*`, and a line for
   * each entry of the patterns or deny-list that is left out because it is malformed. The user's
   * patterns come only from the user's settings while the workspace is not trusted: VS Code
   * already withholds the workspace's value of a restricted setting, and this holds even if it
   * did not.
   */
  get piiRequest(): { params: Omit<PiiParams, 'text' | 'offset' | 'ranges'>; problems: string[] } {
    return readPiiRequest((key) => {
      if (key === 'pii.patterns' && !vscode.workspace.isTrusted) return this.raw.inspect(key)?.globalValue;
      if (key === 'pii.types' && !this.piiTypesSet) return undefined;
      return this.task<unknown>(key);
    });
  }

  /** Whether the user set `textAnalytics.pii.types` anywhere (else the worker's default types apply). */
  private get piiTypesSet(): boolean {
    const inspected = this.raw.inspect('pii.types');
    return [inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue, inspected?.globalLanguageValue, inspected?.workspaceLanguageValue].some(
      (value) => value !== undefined,
    );
  }

  /** Language ids whose documents are checked for personal data as soon as they are shown. */
  get piiAutoDetect(): string[] {
    return stringList(this.task('pii.autoDetect'));
  }

  get piiDiagnosticSeverity(): PiiSeverity {
    return oneOf(this.task('pii.diagnosticSeverity'), ['error', 'warning', 'information', 'hint'], 'warning');
  }

  /** What *Redact Personal Data* and the quick fixes replace a finding with (the hash salt is the caller's). */
  get piiRedactOptions(): Omit<RedactOptions, 'salt'> {
    return { operator: oneOf(this.task('pii.redact.operator'), ['tag', 'pseudonym', 'mask', 'hash'], 'tag'), maskKeepLast: this.ranged('pii.redact.maskKeepLast') };
  }

  /** Where *Redact Personal Data* writes: ask, a new untitled copy, or the document itself. */
  get piiRedactDestination(): PiiRedactDestination {
    return oneOf(this.task('pii.redact.destination'), ['ask', 'copy', 'document'], 'ask');
  }

  get idleUnloadSeconds(): number {
    return Math.max(0, this.raw.get<number>('idleUnloadSeconds', 600));
  }

  /** Everything the worker is started with; a change to any of it needs a worker restart. */
  engineOptions(): EngineOptions {
    return {
      device: this.device,
      threads: this.threads,
      precision: this.precision,
      modelSources: Object.fromEntries(DEFAULT_MODEL_TASKS.flatMap((task) => (this.modelSource(task) ? [[task, this.modelSource(task)]] : []))),
      bundledModelsDir: vscode.Uri.joinPath(this.context.extensionUri, 'models').fsPath,
      cacheDir: this.modelCacheDir,
      allowDownloads: this.allowDownloads,
      // The extension asks before the first download of a model (see commands/models.ts).
      askBeforeDownload: true,
      idleUnloadSeconds: this.idleUnloadSeconds,
      proxy: proxySettings(),
    };
  }
}


export function isHypothesisTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{}');
}

/** Trimmed, without blanks, and each label once (case-sensitively: "US" and "us" may differ). */
export function uniqueLabels(labels: readonly string[]): string[] {
  return [...new Set(labels.map((label) => label.trim()).filter(Boolean))];
}

export type EntityStyle = 'background' | 'underline' | 'border';
export type PiiSeverity = 'error' | 'warning' | 'information' | 'hint';
export type PiiRedactDestination = 'ask' | 'copy' | 'document';
export type EntityCodeScope = 'commentsAndStrings' | 'all';

/**
 * Settings whose change restarts the worker (the others are read per request). The
 * `entities.*`, `qa.*` and `topics.*` settings are not among them: they only change what the editor shows or
 * asks for.
 *
 * Workspace Trust needs nothing here: the settings that pick models and folders are package.json's
 * `restrictedConfigurations`, so in Restricted Mode VS Code itself returns only their user values,
 * and granting trust fires a configuration change for them, which restarts the worker as any change does.
 */
export const RESTART_SETTINGS = [
  ...['device', 'threads', 'precision', 'models', 'modelCacheDir', 'allowDownloads', 'idleUnloadSeconds'].map((key) => `${SECTION}.${key}`),
  // VS Code's own proxy settings reach the worker's downloads (see proxySettings).
  'http.proxy',
  'http.noProxy',
  'http.proxyStrictSSL',
];

/**
 * VS Code's proxy settings, for the worker's downloads (which do not go through VS Code's own
 * network stack). An empty `http.proxy` leaves the choice to the environment, as VS Code does.
 */
function proxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  return {
    url: http.get<string>('proxy')?.trim() || undefined,
    noProxy: stringList(http.get<unknown>('noProxy')),
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
  };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** `textAnalytics.entities.hiddenTypes`' values, upper-cased as its values are written (`PER`…). */
function hiddenEntityTypeValues(value: unknown): string[] {
  return stringList(value).map((type) => type.toUpperCase());
}

/**
 * The kinds `textAnalytics.entities.hiddenTypes` hides, for a view that has no {@link Config} (the
 * results panel), read as {@link Config.hiddenEntityKinds} reads it.
 */
export function hiddenEntityKindsSetting(): ReadonlySet<EntityKind> {
  return hiddenEntityKinds(hiddenEntityTypeValues(vscode.workspace.getConfiguration(SECTION).get('entities.hiddenTypes')));
}

/**
 * Writes `textAnalytics.entities.hiddenTypes` where it is defined now: the workspace's value when
 * it has one, else the user's. The hover's *Hide*, its *Undo* and the panel's checkboxes all write
 * through here, so that they agree.
 */
export async function updateHiddenEntityTypes(types: readonly string[]): Promise<void> {
  const settings = vscode.workspace.getConfiguration(SECTION);
  const inspected = settings.inspect<string[]>('entities.hiddenTypes');
  const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await settings.update('entities.hiddenTypes', [...types], target);
}

/**
 * Adds `value` to `textAnalytics.pii.allowList`: in the workspace when a folder is open (a value
 * one project shares, such as its support address), else in the user's settings. The workspace's
 * list starts from what it has (or, the first time, from the user's, which it then replaces).
 */
export async function addPiiAllowedValue(value: string): Promise<vscode.ConfigurationTarget> {
  const settings = vscode.workspace.getConfiguration(SECTION);
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const inspected = settings.inspect<string[]>('pii.allowList');
  const current = stringList(target === vscode.ConfigurationTarget.Workspace ? (inspected?.workspaceValue ?? inspected?.globalValue) : inspected?.globalValue);
  if (!current.includes(value)) await settings.update('pii.allowList', [...current, value], target);
  return target;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter(Boolean) : [];
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}

