/**
 * Every message between the extension host (`src/ui/questionsView.ts`) and the Questions view's
 * webview (`src/webview/questions.ts`), and the state the webview persists. Both sides import this
 * file, so it uses neither the DOM nor `vscode`.
 *
 * Flow: the host sets the view's HTML whenever VS Code resolves the view (again after it was
 * hidden: webview views are torn down then). The webview paints what it persisted, posts `ready`,
 * and the host answers with `show`: its authoritative state. Messages posted before `ready`, or
 * while the view is hidden, are lost, so the host sends the whole state each time.
 */

import type { Answer } from '../protocol';
import { hasOnlyKeys, isArrayOf, isFiniteNumber, isOffset, isRecord, isSpan, isUriString, oneOf, readReveal, stringsOf } from '../validate';

/** What a question is about: a document, or a selection of it. */
export interface QuestionScope {
  /** `document.uri.toString()`. */
  uri: string;
  /** What the view names: the workspace-relative path (or "Untitled-1"). */
  fileName: string;
  /** Set when the question is about a selection: document offsets and 1-based lines. */
  selection?: { start: number; end: number; startLine: number; endLine: number };
}

/** An answer as the view shows it. Offsets are document offsets. */
export interface AnswerView extends Answer {
  /** 1-based line of the answer's start, in the document as it was asked. */
  line: number;
}

/** `waiting`: its model is not on the machine yet, and the download question is open. */
export type RunStatus = 'running' | 'waiting' | 'done' | 'cancelled' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'waiting', 'done', 'cancelled', 'failed'];

/**
 * Longest question the view sends, in UTF-16 units. The model reads only the first 64 tokens of a
 * question (a few hundred characters); the question box stops at this length.
 */
export const MAX_QUESTION_LENGTH = 2000;

/** One question asked about one scope, with its answers so far. */
export interface QuestionRun {
  /** Increases with every question asked in this host session. */
  id: number;
  question: string;
  scope: QuestionScope;
  status: RunStatus;
  /** Best first: the final answers, or the best so far while running or after a cancel. */
  answers: AnswerView[];
  /** While running, when the worker has said how far it got. */
  progress?: { done: number; total: number };
  /** Why it failed (status `failed`). */
  error?: string;
  /** The threshold it was asked with, to say what "no confident answer" means. */
  minScore: number;
  /** The document changed since it was asked: lines and selections may be off. */
  stale: boolean;
  /** When done: how long it took and how many windows of text the model read. */
  elapsedMs?: number;
  windows?: number;
}

/** Everything the host decides. */
export interface QuestionsState {
  /** What the question box asks about; absent while no text editor has been active. */
  scope?: QuestionScope;
  /** Earlier questions about `scope.uri`, oldest first. */
  history: string[];
  /** The latest question about `scope.uri`: this session's, or the one kept from before a reload. */
  run?: QuestionRun;
  /** The editor's display language (`vscode.env.language`), for numbers written the user's way. */
  locale?: string;
}

/** Sent by the host. */
export type HostToQuestions =
  /** The whole state; the webview keeps the text being typed and its place in the history. */
  | { type: 'show'; state: QuestionsState }
  /** Put the keyboard in the question box (the Ask command); `question` replaces its text. */
  | { type: 'focus'; question?: string };

/** Sent by the webview. */
export type QuestionsToHost =
  /** The script is listening; the host answers with `show`. */
  | { type: 'ready' }
  /** Ask `question` about the current scope; cancels a question still running. */
  | { type: 'ask'; question: string }
  /** Stop the running question; the answers found so far stay. */
  | { type: 'cancel' }
  /**
   * Select [start, end) in the editor showing `uri`. `focusEditor` moves the keyboard there too;
   * otherwise it stays in the view so the user can walk the answers.
   */
  | { type: 'reveal'; uri: string; start: number; end: number; focusEditor: boolean }
  /** Ask about the whole document again instead of the selection. */
  | { type: 'wholeDocument' };

/** What the webview keeps with `setState`: the host's last state and the unsent question. */
export interface PersistedQuestionsState {
  schema: 1;
  state: QuestionsState;
  draft: string;
}

// ---- Checking what crosses the boundary ----------------------------------------------------

/**
 * The webview's message if it is one the Questions view's script can send, as a fresh object;
 * undefined for anything else (the host logs and drops it). The view shows document text, so the
 * host treats what it says as untrusted: a question is non-blank text of bounded length, offsets
 * are non-negative integers with start ≤ end, and a message with keys its type does not have is
 * refused. Whether `uri` is a document the view answered about is the host's check.
 *
 * @example
 * readQuestionsToHost({ type: 'ask', question: 'When?' }) // → { type: 'ask', question: 'When?' }
 * readQuestionsToHost({ type: 'ask', question: 42 })      // → undefined
 */
export function readQuestionsToHost(value: unknown): QuestionsToHost | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'ready':
    case 'cancel':
    case 'wholeDocument':
      return hasOnlyKeys(value, ['type']) ? { type: value.type } : undefined;
    case 'ask': {
      const { question } = value;
      const wellFormed = hasOnlyKeys(value, ['type', 'question']) && typeof question === 'string' && question.trim() !== '' && question.length <= MAX_QUESTION_LENGTH;
      return wellFormed ? { type: 'ask', question } : undefined;
    }
    case 'reveal':
      return readReveal(value);
    default:
      return undefined;
  }
}

/**
 * The host's message if it has the shape the view renders; undefined otherwise (the webview warns
 * on its console and keeps what it shows). The state is checked down to each answer, so that the
 * renderer never meets a missing field.
 */
export function readHostToQuestions(value: unknown): HostToQuestions | undefined {
  if (!isRecord(value)) return undefined;
  if (value.type === 'focus') {
    return value.question === undefined || typeof value.question === 'string' ? { type: 'focus', question: value.question } : undefined;
  }
  if (value.type !== 'show' || !isRecord(value.state)) return undefined;
  const state = readState(value.state);
  return state ? { type: 'show', state } : undefined;
}

/** The state the host sent, rebuilt from its checked parts; undefined when a part is malformed. */
function readState(value: Record<string, unknown>): QuestionsState | undefined {
  const scope = value.scope === undefined ? undefined : readScope(value.scope);
  const run = value.run === undefined ? undefined : readRun(value.run);
  if ((value.scope !== undefined && !scope) || (value.run !== undefined && !run) || !isArrayOf(value.history, (q) => typeof q === 'string')) {
    return undefined;
  }
  const state: QuestionsState = { history: [...(value.history as string[])] };
  if (scope) state.scope = scope;
  if (run) state.run = run;
  if (isLocale(value.locale)) state.locale = value.locale;
  return state;
}

/** A BCP 47 tag's shape ("en", "pt-br", "zh-Hant-TW"); Intl checks the rest and falls back. */
function isLocale(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(value);
}

/**
 * Checks a persisted value before trusting it (it may come from an older release): anything
 * unexpected yields undefined, and the view starts empty until the host's `show` arrives. A run
 * that was running is shown as cancelled: that work ended with the previous webview.
 */
export function readPersistedQuestions(value: unknown): PersistedQuestionsState | undefined {
  if (!isRecord(value) || value.schema !== 1 || !isRecord(value.state)) return undefined;
  const { scope, history, run, locale } = value.state;
  const state: QuestionsState = { history: stringsOf(history) };
  const readableScope = readScope(scope);
  if (readableScope) state.scope = readableScope;
  const readableRun = readRun(run);
  if (readableRun) state.run = endedRun(readableRun);
  if (isLocale(locale)) state.locale = locale;
  return { schema: 1, state, draft: typeof value.draft === 'string' ? value.draft : '' };
}

/** A run read back after the work behind it ended: one that was running or waiting for its model counts as cancelled. */
function endedRun(run: QuestionRun): QuestionRun {
  // Its progress describes work that ended with the previous webview (or window).
  delete run.progress;
  return run.status === 'running' || run.status === 'waiting' ? { ...run, status: 'cancelled' } : run;
}

/**
 * The latest run of each document that the host keeps in `workspaceState` across reloads, as
 * `[uri, run]` pairs, oldest first. Read back with {@link readStoredRuns}.
 */
export type StoredRuns = [string, QuestionRun][];

/** How many documents' last answers are kept across reloads. */
export const STORED_RUNS_LIMIT = 20;

/**
 * Stored runs read back after a reload, each checked as the webview's own state is (it may come
 * from an older release): damaged entries are dropped, a run that was running counts as
 * cancelled, and failures are not kept, since what failed (a model, the worker) may be fixed now.
 * Ids restart with each session, so a restored run gets id 0: any new question is newer.
 */
export function readStoredRuns(value: unknown): Map<string, QuestionRun> {
  const runs = new Map<string, QuestionRun>();
  if (!Array.isArray(value)) return runs;
  for (const entry of value.slice(-STORED_RUNS_LIMIT)) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isUriString(entry[0])) continue;
    const run = readRun(entry[1]);
    if (!run || run.status === 'failed' || run.scope.uri !== entry[0]) continue;
    runs.set(entry[0], { ...endedRun(run), id: 0 });
  }
  return runs;
}

function readScope(value: unknown): QuestionScope | undefined {
  if (!isRecord(value) || !isUriString(value.uri) || typeof value.fileName !== 'string') return undefined;
  const scope: QuestionScope = { uri: value.uri, fileName: value.fileName };
  const selection = readSelection(value.selection);
  if (selection) scope.selection = selection;
  return scope;
}

function readSelection(value: unknown): QuestionScope['selection'] {
  if (!isRecord(value)) return undefined;
  const { start, end, startLine, endLine } = value;
  const wellFormed = isOffset(start) && isOffset(end) && start <= end && isFiniteNumber(startLine) && isFiniteNumber(endLine);
  return wellFormed ? { start, end, startLine, endLine } : undefined;
}

function readRun(value: unknown): QuestionRun | undefined {
  if (!isRecord(value)) return undefined;
  const scope = readScope(value.scope);
  const status = oneOf(value.status, RUN_STATUSES);
  const answers = Array.isArray(value.answers) ? value.answers.filter(isAnswerView) : undefined;
  if (!scope || !status || !answers || typeof value.question !== 'string' || !isFiniteNumber(value.id)) return undefined;
  const run: QuestionRun = {
    id: value.id,
    question: value.question,
    scope,
    status,
    answers,
    minScore: isFiniteNumber(value.minScore) ? value.minScore : 0,
    stale: value.stale === true,
  };
  if (isRecord(value.progress) && isFiniteNumber(value.progress.done) && isFiniteNumber(value.progress.total)) {
    run.progress = { done: value.progress.done, total: value.progress.total };
  }
  if (typeof value.error === 'string') run.error = value.error;
  if (isFiniteNumber(value.elapsedMs)) run.elapsedMs = value.elapsedMs;
  if (isFiniteNumber(value.windows)) run.windows = value.windows;
  return run;
}

function isAnswerView(value: unknown): value is AnswerView {
  return isSpan(value) && isFiniteNumber(value.score) && isFiniteNumber(value.line) && isSpan(value.sentence);
}
