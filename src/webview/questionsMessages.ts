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

export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';

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
  /** The latest question about `scope.uri`, if any in this session. */
  run?: QuestionRun;
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

/**
 * Checks a persisted value before trusting it (it may come from an older release): anything
 * unexpected yields undefined, and the view starts empty until the host's `show` arrives. A run
 * that was running is shown as cancelled: that work ended with the previous webview.
 */
export function readPersistedQuestions(value: unknown): PersistedQuestionsState | undefined {
  if (!isRecord(value) || value.schema !== 1 || !isRecord(value.state)) return undefined;
  const { scope, history, run } = value.state;
  const state: QuestionsState = { history: Array.isArray(history) ? history.filter((q): q is string => typeof q === 'string') : [] };
  const readableScope = readScope(scope);
  if (readableScope) state.scope = readableScope;
  const readableRun = readRun(run);
  // Its progress is not read: it describes work that ended with the previous webview.
  if (readableRun) state.run = readableRun.status === 'running' ? { ...readableRun, status: 'cancelled' } : readableRun;
  return { schema: 1, state, draft: typeof value.draft === 'string' ? value.draft : '' };
}

function readScope(value: unknown): QuestionScope | undefined {
  if (!isRecord(value) || typeof value.uri !== 'string' || typeof value.fileName !== 'string') return undefined;
  const { selection } = value;
  const wellFormedSelection =
    isRecord(selection) && ['start', 'end', 'startLine', 'endLine'].every((key) => typeof selection[key] === 'number');
  const scope: QuestionScope = { uri: value.uri, fileName: value.fileName };
  if (wellFormedSelection) scope.selection = selection as unknown as QuestionScope['selection'];
  return scope;
}

const STATUSES: readonly RunStatus[] = ['running', 'done', 'cancelled', 'failed'];

function readRun(value: unknown): QuestionRun | undefined {
  if (!isRecord(value)) return undefined;
  const scope = readScope(value.scope);
  const status = STATUSES.find((s) => s === value.status);
  const answers = Array.isArray(value.answers) ? value.answers.filter(isAnswerView) : undefined;
  if (!scope || !status || !answers || typeof value.question !== 'string' || typeof value.id !== 'number') return undefined;
  const run: QuestionRun = {
    id: value.id,
    question: value.question,
    scope,
    status,
    answers,
    minScore: typeof value.minScore === 'number' ? value.minScore : 0,
    stale: value.stale === true,
  };
  if (typeof value.error === 'string') run.error = value.error;
  if (typeof value.elapsedMs === 'number') run.elapsedMs = value.elapsedMs;
  if (typeof value.windows === 'number') run.windows = value.windows;
  return run;
}

function isAnswerView(value: unknown): value is AnswerView {
  return (
    isRecord(value) &&
    typeof value.start === 'number' &&
    typeof value.end === 'number' &&
    typeof value.text === 'string' &&
    typeof value.score === 'number' &&
    typeof value.line === 'number' &&
    isRecord(value.sentence) &&
    typeof value.sentence.start === 'number' &&
    typeof value.sentence.text === 'string'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
