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

import { resultProblem, type ClassifyResult, type EntitiesResult, type Method, type SentimentResult, type TopicsResult } from '../protocol';
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
}
export type PanelView = keyof PanelViews;

/** What the panel's body shows: nothing yet, or one view, under its name (`{ view: 'topics', topics: … }`). */
export type PanelContent = { view: 'empty' } | { [V in PanelView]: { view: V } & { [K in V]: PanelViews[V] } }[PanelView];

/** The document the content describes, if any. */
export function contentUri(content: PanelContent): string | undefined {
  return content.view === 'empty' ? undefined : (content as unknown as PanelViews)[content.view].uri;
}

/** A transient line above the results: an analysis under way, or one that failed. */
export type PanelNotice = { kind: 'running'; fileName: string } | { kind: 'error'; message: string };

/** Everything the host decides; the webview's own choices live in {@link PanelControls}. */
export interface PanelState {
  content: PanelContent;
  /** The analysed document changed since: offsets may point at other text. */
  stale: boolean;
  notice?: PanelNotice;
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
  | { type: 'notice'; notice?: PanelNotice };

/** Sent by the webview. */
export type WebviewToHost =
  /** The script is listening; the host answers with `show`. */
  | { type: 'ready' }
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
  /** The Topics view's "Classify": classify `uri` again with the labels and mode edited in the panel. */
  | { type: 'classifyTopics'; uri: string; labels: string[]; multiLabel: boolean }
  /** The Topics view's "Save as workspace labels": write `textAnalytics.topics.labels` for the workspace. */
  | { type: 'saveTopicLabels'; labels: string[] }
  /** Copy the shown topics to the clipboard, or save them to a file the user picks. */
  | { type: 'exportTopics'; format: TopicsExportFormat; destination: TopicsExportDestination };

export type TopicsExportFormat = 'json' | 'csv';
export const TOPICS_EXPORT_FORMATS: readonly TopicsExportFormat[] = ['json', 'csv'];
export type TopicsExportDestination = 'clipboard' | 'file';
export const TOPICS_EXPORT_DESTINATIONS: readonly TopicsExportDestination[] = ['clipboard', 'file'];

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

/** The user's view choices; they survive reloads and new results. */
export interface PanelControls {
  groupBy: GroupBy;
  sortBy: SortBy;
  filter: string;
  entities: EntityControls;
  classify: ClassifyControls;
}

export const DEFAULT_CONTROLS: PanelControls = {
  groupBy: 'paragraph',
  sortBy: 'document',
  filter: '',
  entities: DEFAULT_ENTITY_CONTROLS,
  classify: {},
};

/**
 * What the webview keeps with `setState`, and what VS Code hands the serializer when it restores
 * the panel after a reload. `schema` lets a later release recognise (and drop) an older shape.
 */
export interface PersistedPanelState {
  schema: 1;
  state: PanelState;
  controls: PanelControls;
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
    case 'reveal':
      return readReveal(value);
    case 'rerun':
      return hasOnlyKeys(value, ['type', 'uri']) && isUriString(value.uri) ? { type: 'rerun', uri: value.uri } : undefined;
    case 'classifyTopics': {
      const { uri, labels, multiLabel } = value;
      const wellFormed =
        hasOnlyKeys(value, ['type', 'uri', 'labels', 'multiLabel']) && isUriString(uri) && isTopicLabels(labels) && typeof multiLabel === 'boolean';
      return wellFormed ? { type: 'classifyTopics', uri, labels: [...labels], multiLabel } : undefined;
    }
    case 'saveTopicLabels':
      return hasOnlyKeys(value, ['type', 'labels']) && isTopicLabels(value.labels) ? { type: 'saveTopicLabels', labels: [...value.labels] } : undefined;
    case 'exportTopics': {
      const format = oneOf(value.format, TOPICS_EXPORT_FORMATS);
      const destination = oneOf(value.destination, TOPICS_EXPORT_DESTINATIONS);
      return hasOnlyKeys(value, ['type', 'format', 'destination']) && format && destination ? { type: 'exportTopics', format, destination } : undefined;
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
    default:
      return undefined;
  }
}

function isPanelState(value: unknown): value is PanelState {
  return (
    isRecord(value) &&
    isRecord(value.content) &&
    readContent(value.content) !== undefined &&
    typeof value.stale === 'boolean' &&
    (value.notice === undefined || isNotice(value.notice))
  );
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
  return {
    schema: 1,
    // A notice describes work of the previous host session; it is never still true after a reload.
    state: { content, stale: state.stale === true },
    controls: readControls(controls),
  };
}

/** Each view's check of what it shows (a view of PanelViews missing here does not compile). */
const VIEW_CHECKS: { [V in PanelView]: (view: unknown) => view is PanelViews[V] } = {
  sentiment: isSentimentView,
  entities: isEntitiesView,
  topics: isTopicsView,
  classify: isClassifyView,
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
  return { groupBy, sortBy, filter, entities, classify };
}

function readEntityControls(controls: Record<string, unknown>): EntityControls {
  const { minScore } = controls;
  return {
    hiddenTypes: stringsOf(controls.hiddenTypes),
    minScore: isFiniteNumber(minScore) && minScore >= 0 && minScore <= 1 ? minScore : DEFAULT_ENTITY_CONTROLS.minScore,
    collapsedTypes: stringsOf(controls.collapsedTypes),
  };
}
