/**
 * Every message between the extension host (`src/ui/resultsPanel.ts`) and the results webview
 * (`src/webview/panel.ts`), and the state the webview persists. Both sides import this file, so it
 * uses neither the DOM nor `vscode`.
 *
 * Flow: the host sets the webview's HTML; the webview paints whatever it persisted (so a reload
 * shows something at once), then posts `ready`. Only then does the host send `show` with its
 * authoritative state, because messages posted before the script listens are lost, and so are
 * messages posted while the webview is hidden (it is torn down and rebuilt when shown again, and
 * posts `ready` anew).
 */

import { ENTITY_KINDS, readFindOccurrencesArgs, type EntityKind, type FindOccurrencesArgs } from '../entityTypes';
import { resultProblem, type ClassifyResult, type EntitiesResult, type Method, type PiiResult, type SentimentResult, type TopicsResult } from '../protocol';
import type { LanguageResult } from '../tasks/language';
import {
  hasOnlyKeys,
  isArrayOf,
  isFiniteNumber,
  isOffset,
  isRecord,
  isStringArray,
  isUriString,
  oneOf,
  readReveal,
  stringsOf,
} from '../validate';

/** The part of a document an analysis covered, when not the whole: document offsets. */
export interface AnalysedPart {
  start: number;
  end: number;
  /** The lines in view, which the user chose because the document was over the size limit. */
  inView?: boolean;
}

/** One sentiment analysis, as the extension hands it to the panel. */
export interface SentimentView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  result: SentimentResult;
  /** Set when only a selection was analysed; offsets in `result` are document offsets either way. */
  selection?: AnalysedPart;
}

/**
 * One entity recognition, as the extension hands it to the panel. Editor highlighting refreshes it
 * whenever the user pauses typing, so the same document arrives again and again: the webview then
 * updates the shown view in place rather than rebuilding it.
 */
export interface EntitiesView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  /** Offsets are document offsets. */
  result: EntitiesResult;
}

/** Personal data found in a document, as the extension hands it to the panel. */
export interface PiiView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  /** Offsets are document offsets. */
  result: PiiResult;
  /**
   * Per finding of `result.entities`, its line (1-based) in the document when detected, which the
   * list shows. The panel's host fills it in from the open document; absent, no lines are shown.
   */
  lines?: number[];
}

/** The languages of a document's paragraphs, as the extension hands them to the panel. */
export interface LanguageView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  /** Offsets are document offsets. */
  result: LanguageResult;
}

/** One topic classification, as the extension hands it to the panel. */
export interface TopicsView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  /** Offsets in `result` are document offsets. */
  result: TopicsResult;
  /** The labels scored, in the user's order: the panel's label editor starts from them. */
  labels: string[];
  multiLabel: boolean;
  /** Per section of `result.sections`, its first line (1-based) in the document when classified. */
  sectionLines: number[];
  /** Set when only a selection was classified. */
  selection?: AnalysedPart;
}

/** One run of a classifier (`textAnalytics.classifiers`), as the extension hands it to the panel. */
export interface ClassifyView {
  /** `document.uri.toString()` of the analysed document. */
  uri: string;
  /** `document.version` when the text was sent: a different version means the offsets may be stale. */
  version: number;
  /** What the header shows: usually the workspace-relative path. */
  fileName: string;
  /** Offsets in `result` are document offsets; `result.classifier.id` names the classifier to run again. */
  result: ClassifyResult;
  /** Set when only a selection was classified. */
  selection?: AnalysedPart;
}

/**
 * The results panel's views, one per task shown there (its contract's `view` is 'panel'), with
 * what each shows. {@link PanelContent} is derived from it, and the host's and the webview's
 * tables of views are typed by it: a view added here is one they must handle.
 */
export interface PanelViews {
  sentiment: SentimentView;
  entities: EntitiesView;
  topics: TopicsView;
  classify: ClassifyView;
  pii: PiiView;
  language: LanguageView;
}
export type PanelView = keyof PanelViews;

/** What the panel's body shows: nothing yet, or one view, under its name (`{ view: 'topics', topics: … }`). */
export type PanelContent = { view: 'empty' } | { [V in PanelView]: { view: V } & { [K in V]: PanelViews[V] } }[PanelView];

/** The document the content describes, if any. */
export function contentUri(content: PanelContent): string | undefined {
  return content.view === 'empty' ? undefined : (content as unknown as PanelViews)[content.view].uri;
}

/** What one tab of the panel shows: one view, never the empty one. */
export type ShownContent = Exclude<PanelContent, { view: 'empty' }>;

/** Results of another task (or another document) kept while the panel shows a different tab. */
export interface PanelTab {
  content: ShownContent;
  /** Its document changed since: offsets may point at other text. */
  stale: boolean;
}

/**
 * Most tabs the panel keeps, the shown one included. Each holds a whole result, which the webview
 * persists with `setState`: past this the tab shown least recently is dropped.
 */
export const MAX_PANEL_TABS = 12;

/**
 * What tells tabs apart: the view, the document and, for a classifier's run, the classifier. A
 * new result with the key of a kept tab replaces it; any other opens a tab of its own.
 *
 * @example
 * tabKey({ view: 'topics', topics }) // → 'topics||file:///notes.md'
 */
export function tabKey(content: ShownContent): string {
  const view = (content as unknown as PanelViews)[content.view];
  const variant = content.view === 'classify' ? content.classify.result.classifier.id : '';
  return `${content.view}|${variant}|${view.uri}`;
}

/** Each view's name in its tab and the panel's title; a classifier's run is named by the classifier. */
const VIEW_TITLES: { [V in PanelView]: (view: PanelViews[V]) => string } = {
  sentiment: () => 'Sentiment',
  entities: () => 'Entities',
  topics: () => 'Topics',
  classify: (view) => view.result.classifier.title,
  pii: () => 'Personal Data',
  language: () => 'Language',
};

/** What a tab is called: "Sentiment", "Entities", or a classifier's title. */
export function tabTitle(content: ShownContent): string {
  return (VIEW_TITLES[content.view] as (view: PanelViews[PanelView]) => string)((content as unknown as PanelViews)[content.view]);
}

/** Every tab of `state`, the shown one included, in the order the tab strip lists them: by view, then by file name. */
export function panelTabs(state: PanelState): { key: string; tab: PanelTab; selected: boolean }[] {
  const order = Object.keys(VIEW_CHECKS);
  const all = state.content.view === 'empty' ? [] : [{ tab: { content: state.content, stale: state.stale }, selected: true }];
  for (const tab of state.kept ?? []) all.push({ tab, selected: false });
  const name = ({ content }: PanelTab) => (content as unknown as PanelViews)[content.view].fileName;
  return all
    .map((entry) => ({ ...entry, key: tabKey(entry.tab.content) }))
    .sort((a, b) => order.indexOf(a.tab.content.view) - order.indexOf(b.tab.content.view) || name(a.tab).localeCompare(name(b.tab)) || a.key.localeCompare(b.key));
}

/**
 * `state` after a new result: with `select`, it becomes the shown tab and the one shown before is
 * kept; without, it only replaces a tab of the same key (a refresh of the highlights must not
 * switch what the user reads, nor open a tab nobody asked for). Tabs past {@link MAX_PANEL_TABS}
 * go, the least recently shown first.
 */
export function withResult(state: PanelState, content: ShownContent, stale: boolean, select: boolean): PanelState {
  const key = tabKey(content);
  const shownKey = state.content.view === 'empty' ? undefined : tabKey(state.content);
  const kept = state.kept ?? [];
  if (!select) {
    if (shownKey === key) return { ...state, content, stale };
    if (!kept.some((tab) => tabKey(tab.content) === key)) return state;
    return { ...state, kept: kept.map((tab) => (tabKey(tab.content) === key ? { content, stale } : tab)) };
  }
  const others = kept.filter((tab) => tabKey(tab.content) !== key);
  if (state.content.view !== 'empty' && shownKey !== key) others.unshift({ content: state.content, stale: state.stale });
  return withKept({ content, stale, ...(state.notice ? { notice: state.notice } : {}) }, others.slice(0, MAX_PANEL_TABS - 1));
}

/** `state` showing the kept tab `key`, keeping the one shown before; undefined when no tab has that key. */
export function selectTab(state: PanelState, key: string): PanelState | undefined {
  const kept = state.kept ?? [];
  const chosen = kept.find((tab) => tabKey(tab.content) === key);
  if (!chosen) return state.content.view !== 'empty' && tabKey(state.content) === key ? state : undefined;
  return withResult({ ...state, kept: kept.filter((tab) => tab !== chosen) }, chosen.content, chosen.stale, true);
}

/** `state` without the tab `key`; closing the shown tab shows the one shown most recently before it. */
export function closeTab(state: PanelState, key: string): PanelState {
  const kept = (state.kept ?? []).filter((tab) => tabKey(tab.content) !== key);
  if (state.content.view === 'empty' || tabKey(state.content) !== key) return withKept({ ...state }, kept);
  const [next, ...rest] = kept;
  const notice = state.notice ? { notice: state.notice } : {};
  return withKept(next ? { content: next.content, stale: next.stale, ...notice } : { content: { view: 'empty' }, stale: false, ...notice }, rest);
}

/** `state` with every tab describing `uri` marked stale; the same object when none changes. */
export function markStaleTabs(state: PanelState, uri: string): PanelState {
  const describes = (content: PanelContent) => contentUri(content) === uri;
  const shown = !state.stale && describes(state.content);
  const kept = state.kept?.some((tab) => !tab.stale && describes(tab.content));
  if (!shown && !kept) return state;
  return {
    ...state,
    stale: state.stale || shown,
    ...(state.kept ? { kept: state.kept.map((tab) => (describes(tab.content) ? { ...tab, stale: true } : tab)) } : {}),
  };
}

function withKept(state: PanelState, kept: PanelTab[]): PanelState {
  if (kept.length > 0) return { ...state, kept };
  const rest = { ...state };
  delete rest.kept;
  return rest;
}

/** A transient line above the results: an analysis under way, or one that failed. */
export type PanelNotice = { kind: 'running'; fileName: string } | { kind: 'error'; message: string };

/** Everything the host decides; the webview's own choices live in {@link PanelControls}. */
export interface PanelState {
  /** The tab shown. */
  content: PanelContent;
  /** The shown tab's document changed since: offsets may point at other text. */
  stale: boolean;
  notice?: PanelNotice;
  /**
   * The other tabs: each task's (and classifier's) latest results per document, kept while another
   * is shown, the most recently shown first. Absent when there are none.
   */
  kept?: PanelTab[];
}

/**
 * What the panel takes from the user's settings: the display language numbers are formatted in
 * (`vscode.env.language`), and the entity kinds hidden in the editor
 * (`textAnalytics.entities.hiddenTypes`), which the entities view's checkboxes show and set.
 */
export interface PanelSettings {
  locale: string;
  hiddenEntityKinds: EntityKind[];
}

/** Sent by the host. */
export type HostToWebview =
  /**
   * The whole state; replaces whatever the webview shows, except that an entities view of the same
   * document is updated in place (scroll, filters, folded groups and focus stay).
   */
  | { type: 'show'; state: PanelState }
  /** Only the staleness changed: cheap to send on every edit, keeps row focus and scroll. */
  | { type: 'stale'; stale: boolean }
  /** Only the notice changed (absent: clear it). */
  | { type: 'notice'; notice?: PanelNotice }
  /** Sent after `ready` and whenever they change. */
  | { type: 'settings'; settings: PanelSettings };

/** Sent by the webview. */
export type WebviewToHost =
  /** The script is listening; the host answers with `show`. */
  | { type: 'ready' }
  /**
   * *Find Mentions in Workspace* on an entity row (a button, or Shift+Alt+F12): the row's first
   * mention, as the hover's link carries it.
   */
  | { type: 'findMentions'; entity: FindOccurrencesArgs }
  /**
   * Select [start, end) (UTF-16 offsets) in the editor showing `uri`. `focusEditor` moves the
   * keyboard there too; otherwise focus stays in the panel so the user can keep walking the rows.
   */
  | { type: 'reveal'; uri: string; start: number; end: number; focusEditor: boolean }
  /**
   * Run the shown analysis again on `uri` (the stale banner's button): sentiment, or entity
   * highlighting for the entities view.
   */
  | { type: 'rerun'; uri: string }
  /** The user chose the tab `key` ({@link tabKey}) of the strip; the host shows the same. */
  | { type: 'selectTab'; key: string }
  /** The user closed the tab `key`. */
  | { type: 'closeTab'; key: string }
  /**
   * The entities view's type checkboxes: hide these kinds everywhere (the editor's highlights and
   * hovers too), by writing `textAnalytics.entities.hiddenTypes`.
   */
  | { type: 'setHiddenEntityKinds'; kinds: EntityKind[] }
  /** The Topics view's "Classify": classify `uri` again with the labels and mode edited in the panel. */
  | { type: 'classifyTopics'; uri: string; labels: string[]; multiLabel: boolean }
  /** The Topics view's "Save as workspace labels": write `textAnalytics.topics.labels` for the workspace. */
  | { type: 'saveTopicLabels'; labels: string[] }
  /** Copy the shown topics to the clipboard, or save them to a file the user picks. */
  | { type: 'exportTopics'; format: ExportFormat; destination: ExportDestination }
  /** The sentiment view's export buttons: Export Sentiment… for the sentiment result of `uri`. */
  | { type: 'exportSentiment'; uri: string; format: ExportFormat; destination: ExportDestination };

export type ExportFormat = 'json' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv'];
export type ExportDestination = 'clipboard' | 'file';
export const EXPORT_DESTINATIONS: readonly ExportDestination[] = ['clipboard', 'file'];

/**
 * Most labels the panel sends to classify or save. Each label is scored against every window of
 * the document, so a list this long is already slow; the label editor stops adding at it.
 */
export const MAX_TOPIC_LABELS = 256;
/** Longest label, in UTF-16 units: a label is a few words (the label input stops at it). */
export const MAX_TOPIC_LABEL_LENGTH = 200;

export type GroupBy = 'paragraph' | 'label' | 'none';
export type SortBy = 'document' | 'confidence' | 'label';
export const GROUP_BY: readonly GroupBy[] = ['paragraph', 'label', 'none'];
export const SORT_BY: readonly SortBy[] = ['document', 'confidence', 'label'];

/** The entities view's choices. Types are listed by what is hidden, so a new model's types show. */
export interface EntityControls {
  hiddenTypes: string[];
  /** Mentions scoring below this (0–1) are not shown. */
  minScore: number;
  /** Type groups the user folded. */
  collapsedTypes: string[];
}

export const DEFAULT_ENTITY_CONTROLS: EntityControls = { hiddenTypes: [], minScore: 0, collapsedTypes: [] };

/** The classify view's choices: the label whose items are shown (none: all), and the classifier it was chosen for. */
export interface ClassifyControls {
  label?: string;
  classifier?: string;
}

/** The personal-data view's choice: the one type whose findings are listed (none: all). */
export interface PiiControls {
  type?: string;
}

/** The user's view choices; they survive reloads and new results. */
export interface PanelControls {
  groupBy: GroupBy;
  sortBy: SortBy;
  filter: string;
  entities: EntityControls;
  classify: ClassifyControls;
  pii: PiiControls;
}

export const DEFAULT_CONTROLS: PanelControls = {
  groupBy: 'paragraph',
  sortBy: 'document',
  filter: '',
  entities: DEFAULT_ENTITY_CONTROLS,
  classify: {},
  pii: {},
};

/**
 * What the webview keeps with `setState`, and what VS Code hands the serializer when it restores
 * the panel after a reload. `schema` lets a later release recognise (and drop) an older shape.
 */
export interface PersistedPanelState {
  schema: 1;
  state: PanelState;
  controls: PanelControls;
  /** The last settings the host sent, so that a reload paints with them before it sends them again. */
  settings?: PanelSettings;
}

// ---- Checking what crosses the boundary ----------------------------------------------------

/**
 * The webview's message if it is one the panel's script can send, as a fresh object; undefined
 * for anything else (the host logs and drops it). A webview renders document text, so the host
 * treats what it says as untrusted input: types, enums, offsets (non-negative integers, start ≤
 * end), URIs and label lists are checked, and a message with keys its type does not have is
 * refused. Whether `uri` is the document the panel shows is the host's check (it alone knows).
 *
 * @example
 * readWebviewToHost({ type: 'reveal', uri: 'file:///a.md', start: 3, end: 9, focusEditor: false }) // → the same, copied
 * readWebviewToHost({ type: 'reveal', uri: 'file:///a.md', start: -1, end: 9, focusEditor: false }) // → undefined
 */
export function readWebviewToHost(value: unknown): WebviewToHost | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return hasOnlyKeys(value, ['type']) ? { type: 'ready' } : undefined;
    case 'findMentions': {
      const entity = hasOnlyKeys(value, ['type', 'entity']) ? readFindOccurrencesArgs(value.entity) : undefined;
      return entity ? { type: 'findMentions', entity } : undefined;
    }
    case 'reveal':
      return readReveal(value);
    case 'rerun':
      return hasOnlyKeys(value, ['type', 'uri']) && isUriString(value.uri) ? { type: 'rerun', uri: value.uri } : undefined;
    case 'selectTab':
    case 'closeTab':
      return hasOnlyKeys(value, ['type', 'key']) && typeof value.key === 'string' && value.key.length <= MAX_TAB_KEY_LENGTH ? { type: value.type, key: value.key } : undefined;
    case 'setHiddenEntityKinds': {
      const kinds = isStringArray(value.kinds) ? value.kinds.map((kind) => oneOf(kind, ENTITY_KINDS)) : undefined;
      const wellFormed = hasOnlyKeys(value, ['type', 'kinds']) && kinds !== undefined && kinds.every((kind) => kind !== undefined);
      return wellFormed ? { type: 'setHiddenEntityKinds', kinds: [...new Set(kinds as EntityKind[])] } : undefined;
    }
    case 'classifyTopics': {
      const { uri, labels, multiLabel } = value;
      const wellFormed =
        hasOnlyKeys(value, ['type', 'uri', 'labels', 'multiLabel']) && isUriString(uri) && isTopicLabels(labels) && typeof multiLabel === 'boolean';
      return wellFormed ? { type: 'classifyTopics', uri, labels: [...labels], multiLabel } : undefined;
    }
    case 'saveTopicLabels':
      return hasOnlyKeys(value, ['type', 'labels']) && isTopicLabels(value.labels) ? { type: 'saveTopicLabels', labels: [...value.labels] } : undefined;
    case 'exportTopics': {
      const format = oneOf(value.format, EXPORT_FORMATS);
      const destination = oneOf(value.destination, EXPORT_DESTINATIONS);
      return hasOnlyKeys(value, ['type', 'format', 'destination']) && format && destination ? { type: 'exportTopics', format, destination } : undefined;
    }
    case 'exportSentiment': {
      const format = oneOf(value.format, EXPORT_FORMATS);
      const destination = oneOf(value.destination, EXPORT_DESTINATIONS);
      const wellFormed = hasOnlyKeys(value, ['type', 'uri', 'format', 'destination']) && isUriString(value.uri);
      return wellFormed && format && destination ? { type: 'exportSentiment', uri: value.uri as string, format, destination } : undefined;
    }
    default:
      return undefined;
  }
}

/** What the label editor can produce: 1 to {@link MAX_TOPIC_LABELS} labels, each trimmed text of bounded length. */
export function isTopicLabels(value: unknown): value is string[] {
  return (
    isStringArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_TOPIC_LABELS &&
    value.every((label) => label.length <= MAX_TOPIC_LABEL_LENGTH && label.trim() === label && label !== '')
  );
}

/**
 * The host's message if it has the shape the panel renders; undefined otherwise (the webview
 * warns on its console and keeps what it shows). Results are checked all the way down to each
 * sentence, entity and section, so that a renderer never meets a missing field or a non-number
 * where it does arithmetic. Unlike {@link readWebviewToHost} it returns the value itself: the
 * renderers read only the fields checked here, and only ever as text.
 */
export function readHostToWebview(value: unknown): HostToWebview | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'show':
      return isPanelState(value.state) ? { type: 'show', state: value.state } : undefined;
    case 'stale':
      return typeof value.stale === 'boolean' ? { type: 'stale', stale: value.stale } : undefined;
    case 'notice':
      return value.notice === undefined || isNotice(value.notice) ? { type: 'notice', notice: value.notice } : undefined;
    case 'settings':
      return isSettings(value.settings) ? { type: 'settings', settings: value.settings } : undefined;
    default:
      return undefined;
  }
}

/** A tab key is a view, a classifier id and a URI: longer is not one. */
const MAX_TAB_KEY_LENGTH = 10_000;

function isPanelState(value: unknown): value is PanelState {
  return (
    isRecord(value) &&
    isRecord(value.content) &&
    readContent(value.content) !== undefined &&
    typeof value.stale === 'boolean' &&
    (value.notice === undefined || isNotice(value.notice)) &&
    (value.kept === undefined || (Array.isArray(value.kept) && value.kept.length < MAX_PANEL_TABS && value.kept.every((tab) => readTab(tab) !== undefined)))
  );
}

function readTab(value: unknown): PanelTab | undefined {
  if (!isRecord(value) || !isRecord(value.content) || typeof value.stale !== 'boolean') return undefined;
  const content = readContent(value.content);
  return content && content.view !== 'empty' ? { content, stale: value.stale } : undefined;
}

function isSettings(value: unknown): value is PanelSettings {
  return (
    isRecord(value) &&
    typeof value.locale === 'string' &&
    isLocale(value.locale) &&
    isStringArray(value.hiddenEntityKinds) &&
    value.hiddenEntityKinds.every((kind) => oneOf(kind, ENTITY_KINDS) !== undefined)
  );
}

/** Whether `Intl` takes `locale` (a malformed tag would make every number formatter throw). */
export function isLocale(locale: string): boolean {
  if (locale.length === 0 || locale.length > 100) return false;
  try {
    Intl.NumberFormat.supportedLocalesOf([locale]); // Throws a RangeError for a malformed tag.
    return true;
  } catch {
    return false;
  }
}

function isNotice(value: unknown): value is PanelNotice {
  if (!isRecord(value)) return false;
  if (value.kind === 'running') return typeof value.fileName === 'string';
  return value.kind === 'error' && typeof value.message === 'string';
}

/**
 * Checks a persisted value before trusting it: it comes back from disk, possibly written by an
 * older release, so anything unexpected yields `undefined` (an empty panel) rather than a crash.
 * The content is checked as thoroughly as the host's messages are.
 */
export function readPersistedState(value: unknown): PersistedPanelState | undefined {
  if (!isRecord(value) || value.schema !== 1) return undefined;
  const { state, controls } = value;
  if (!isRecord(state) || !isRecord(state.content) || !isRecord(controls)) return undefined;
  const content = readContent(state.content);
  if (!content) return undefined;
  // A kept tab that no longer reads is dropped alone: the others are still worth having.
  const kept = Array.isArray(state.kept) ? state.kept.map(readTab).filter((tab) => tab !== undefined).slice(0, MAX_PANEL_TABS - 1) : [];
  return {
    schema: 1,
    // A notice describes work of the previous host session; it is never still true after a reload.
    state: { content, stale: state.stale === true, ...(kept.length > 0 ? { kept } : {}) },
    controls: readControls(controls),
    ...(isSettings(value.settings) ? { settings: value.settings } : {}),
  };
}

/** Each view's check of what it shows (a view of PanelViews missing here does not compile). */
const VIEW_CHECKS: { [V in PanelView]: (view: unknown) => view is PanelViews[V] } = {
  sentiment: isSentimentView,
  entities: isEntitiesView,
  topics: isTopicsView,
  classify: isClassifyView,
  pii: isPiiView,
  language: (view): view is LanguageView => isViewOf(view, 'language'),
};

function readContent(content: Record<string, unknown>): PanelContent | undefined {
  if (content.view === 'empty') return { view: 'empty' };
  const view = oneOf(content.view, Object.keys(VIEW_CHECKS) as PanelView[]);
  if (view === undefined || !VIEW_CHECKS[view](content[view])) return undefined;
  return { view, [view]: content[view] } as PanelContent;
}

// The analyses' results are read by the same rules as when they came from the worker (protocol.ts);
// the views add what the extension host put around them.

function isSentimentView(view: unknown): view is SentimentView {
  return isViewOf(view, 'sentiment') && (view.selection === undefined || isPart(view.selection));
}

function isEntitiesView(view: unknown): view is EntitiesView {
  return isViewOf(view, 'entities');
}

function isTopicsView(view: unknown): view is TopicsView {
  return (
    isViewOf(view, 'topics') &&
    isStringArray(view.labels) &&
    typeof view.multiLabel === 'boolean' &&
    isArrayOf(view.sectionLines, isFiniteNumber) &&
    (view.selection === undefined || isPart(view.selection))
  );
}

function isClassifyView(view: unknown): view is ClassifyView {
  return isViewOf(view, 'classify') && (view.selection === undefined || isPart(view.selection));
}

function isPiiView(view: unknown): view is PiiView {
  return isViewOf(view, 'pii') && (view.lines === undefined || (isArrayOf(view.lines, isFiniteNumber) && view.lines.length === (view.result as PiiResult).entities.length));
}

function isPart(value: unknown): value is AnalysedPart {
  return (
    isRecord(value) &&
    isOffset(value.start) &&
    isOffset(value.end) &&
    value.start <= value.end &&
    (value.inView === undefined || typeof value.inView === 'boolean')
  );
}

/** What every view holds: the document it describes, and a well-formed result of `method`. */
function isViewOf(view: unknown, method: Method): view is Record<string, unknown> {
  return (
    isRecord(view) &&
    isUriString(view.uri) &&
    isFiniteNumber(view.version) &&
    typeof view.fileName === 'string' &&
    resultProblem(method, view.result) === undefined
  );
}

function readControls(controls: Record<string, unknown>): PanelControls {
  const groupBy = oneOf(controls.groupBy, GROUP_BY) ?? DEFAULT_CONTROLS.groupBy;
  const sortBy = oneOf(controls.sortBy, SORT_BY) ?? DEFAULT_CONTROLS.sortBy;
  const filter = typeof controls.filter === 'string' ? controls.filter : DEFAULT_CONTROLS.filter;
  // Absent in state persisted before the entities view existed: the defaults then.
  const entities = isRecord(controls.entities) ? readEntityControls(controls.entities) : DEFAULT_ENTITY_CONTROLS;
  const { label, classifier } = isRecord(controls.classify) ? controls.classify : {};
  const classify = typeof label === 'string' && typeof classifier === 'string' ? { label, classifier } : {};
  const piiType = isRecord(controls.pii) ? controls.pii.type : undefined;
  const pii = typeof piiType === 'string' ? { type: piiType } : {};
  return { groupBy, sortBy, filter, entities, classify, pii };
}

function readEntityControls(controls: Record<string, unknown>): EntityControls {
  const { minScore } = controls;
  return {
    hiddenTypes: stringsOf(controls.hiddenTypes),
    minScore: isFiniteNumber(minScore) && minScore >= 0 && minScore <= 1 ? minScore : DEFAULT_ENTITY_CONTROLS.minScore,
    collapsedTypes: stringsOf(controls.collapsedTypes),
  };
}
