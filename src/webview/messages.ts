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

import type { EntitiesResult, SentimentResult, TopicsResult } from '../protocol';

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
  selection?: { start: number; end: number };
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
  selection?: { start: number; end: number };
}

/**
 * What the panel's body shows. `view` is the discriminant each analysis adds itself to (entities,
 * topics and questions will be further members), so the webview picks a renderer by it.
 */
export type PanelContent =
  | { view: 'empty' }
  | { view: 'sentiment'; sentiment: SentimentView }
  | { view: 'entities'; entities: EntitiesView }
  | { view: 'topics'; topics: TopicsView };

/** The document the content describes, if any. */
export function contentUri(content: PanelContent): string | undefined {
  switch (content.view) {
    case 'empty':
      return undefined;
    case 'sentiment':
      return content.sentiment.uri;
    case 'entities':
      return content.entities.uri;
    case 'topics':
      return content.topics.uri;
  }
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
  | { type: 'exportTopics'; format: TopicsExportFormat; destination: 'clipboard' | 'file' };

export type TopicsExportFormat = 'json' | 'csv';

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

/** The user's view choices; they survive reloads and new results. */
export interface PanelControls {
  groupBy: GroupBy;
  sortBy: SortBy;
  filter: string;
  entities: EntityControls;
}

export const DEFAULT_CONTROLS: PanelControls = {
  groupBy: 'paragraph',
  sortBy: 'document',
  filter: '',
  entities: DEFAULT_ENTITY_CONTROLS,
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

/**
 * Checks a persisted value before trusting it: it comes back from disk, possibly written by an
 * older release, so anything unexpected yields `undefined` (an empty panel) rather than a crash.
 * The result itself is only checked at its outline; it was produced by our own worker.
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

function readContent(content: Record<string, unknown>): PanelContent | undefined {
  if (content.view === 'empty') return { view: 'empty' };
  if (content.view === 'entities') return readEntitiesContent(content);
  if (content.view === 'topics') return readTopicsContent(content);
  if (content.view !== 'sentiment') return undefined;
  const sentiment = content.sentiment;
  const wellFormed =
    isViewOf(sentiment) &&
    isRecord(sentiment.result.document) &&
    Array.isArray(sentiment.result.sentences) &&
    Array.isArray(sentiment.result.paragraphs);
  return wellFormed ? { view: 'sentiment', sentiment: sentiment as unknown as SentimentView } : undefined;
}

function readEntitiesContent(content: Record<string, unknown>): PanelContent | undefined {
  const entities = content.entities;
  const wellFormed = isViewOf(entities) && Array.isArray(entities.result.entities);
  return wellFormed ? { view: 'entities', entities: entities as unknown as EntitiesView } : undefined;
}

function readTopicsContent(content: Record<string, unknown>): PanelContent | undefined {
  const topics = content.topics;
  const wellFormed =
    isViewOf(topics) &&
    Array.isArray(topics.labels) &&
    typeof topics.multiLabel === 'boolean' &&
    Array.isArray(topics.sectionLines) &&
    Array.isArray(topics.result.document) &&
    Array.isArray(topics.result.sections);
  return wellFormed ? { view: 'topics', topics: topics as unknown as TopicsView } : undefined;
}

/** What every view's saved state holds: the document it describes and a result with its model and device. */
function isViewOf(view: unknown): view is Record<string, unknown> & { result: Record<string, unknown> } {
  return (
    isRecord(view) &&
    typeof view.uri === 'string' &&
    typeof view.version === 'number' &&
    typeof view.fileName === 'string' &&
    isRecord(view.result) &&
    isRecord(view.result.model) &&
    isRecord(view.result.device)
  );
}

function readControls(controls: Record<string, unknown>): PanelControls {
  const groupBy = GROUP_BY.find((g) => g === controls.groupBy) ?? DEFAULT_CONTROLS.groupBy;
  const sortBy = SORT_BY.find((s) => s === controls.sortBy) ?? DEFAULT_CONTROLS.sortBy;
  const filter = typeof controls.filter === 'string' ? controls.filter : DEFAULT_CONTROLS.filter;
  // Absent in state persisted before the entities view existed: the defaults then.
  const entities = isRecord(controls.entities) ? readEntityControls(controls.entities) : DEFAULT_ENTITY_CONTROLS;
  return { groupBy, sortBy, filter, entities };
}

function readEntityControls(controls: Record<string, unknown>): EntityControls {
  const { minScore } = controls;
  return {
    hiddenTypes: stringArray(controls.hiddenTypes),
    minScore:
      typeof minScore === 'number' && minScore >= 0 && minScore <= 1 ? minScore : DEFAULT_ENTITY_CONTROLS.minScore,
    collapsedTypes: stringArray(controls.collapsedTypes),
  };
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
