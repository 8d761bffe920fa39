/**
 * Questions asked about a document, newest last, and how the question box walks them with
 * Up/Down. Pure: the host keeps the lists in `workspaceState` (see `src/ui/questionsView.ts`), the
 * webview recalls from them, and the unit tests use both without `vscode` or a DOM.
 */

/** Questions kept per document; older ones are forgotten first. */
export const MAX_QUESTIONS_PER_DOCUMENT = 50;
/** Documents with a history; the one asked about longest ago is forgotten first. */
export const MAX_DOCUMENTS_WITH_HISTORY = 200;

/** Per document (`uri.toString()`), its questions, oldest first. Object key order is recency. */
export type QuestionHistories = Record<string, string[]>;

/**
 * The histories after asking `question` about `uri`: the question becomes the newest (an earlier
 * identical one moves up rather than repeating), each list is capped, and the document moves to
 * the end so that the least recently used documents are dropped first. Returns a new object.
 *
 * @example
 * rememberQuestion({ 'file:///a.md': ['Who?', 'When?'] }, 'file:///a.md', 'Who?')
 * // → { 'file:///a.md': ['When?', 'Who?'] }
 */
export function rememberQuestion(
  histories: QuestionHistories,
  uri: string,
  question: string,
  limits: { perDocument?: number; documents?: number } = {},
): QuestionHistories {
  const perDocument = limits.perDocument ?? MAX_QUESTIONS_PER_DOCUMENT;
  const documents = limits.documents ?? MAX_DOCUMENTS_WITH_HISTORY;
  const trimmed = question.trim();
  if (!trimmed) return histories;
  const previous = histories[uri] ?? [];
  const list = [...previous.filter((q) => q !== trimmed), trimmed].slice(-perDocument);
  const others = Object.entries(histories).filter(([key]) => key !== uri);
  const kept = others.slice(Math.max(0, others.length - (documents - 1)));
  return Object.fromEntries([...kept, [uri, list]]);
}

/** Reads a value stored by an earlier session (or release) without trusting its shape. */
export function readHistories(value: unknown): QuestionHistories {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const histories: QuestionHistories = {};
  for (const [uri, list] of Object.entries(value)) {
    if (!Array.isArray(list)) continue;
    const questions = list.filter((q): q is string => typeof q === 'string' && q.trim() !== '');
    if (questions.length) histories[uri] = questions.slice(-MAX_QUESTIONS_PER_DOCUMENT);
  }
  return histories;
}

/**
 * Where Up/Down stand in a history, like a shell's: `index` is a position in the list, or its
 * length while the user edits a fresh question, which `draft` keeps while they look back.
 */
export interface RecallCursor {
  index: number;
  draft: string;
}

/** The cursor of a fresh question box: below the newest entry. */
export function freshCursor(history: readonly string[], draft = ''): RecallCursor {
  return { index: history.length, draft };
}

/**
 * Moves through `history` (oldest first) from `cursor`: `up` goes to older questions, `down` to
 * newer ones and finally back to the draft the user was typing. `current` is what the box shows
 * now: it becomes the draft when the user leaves it. Returns undefined at either end (nothing to
 * do, the key may do its usual job).
 *
 * @example
 * let cursor = freshCursor(['a', 'b']);
 * recall(['a', 'b'], cursor, 'up', 'c') // → { text: 'b', cursor: { index: 1, draft: 'c' } }
 */
export function recall(
  history: readonly string[],
  cursor: RecallCursor,
  direction: 'up' | 'down',
  current: string,
): { text: string; cursor: RecallCursor } | undefined {
  // The history may have changed under the cursor (a question asked from another window).
  const index = Math.min(Math.max(0, cursor.index), history.length);
  const draft = index === history.length ? current : cursor.draft;
  const next = direction === 'up' ? index - 1 : index + 1;
  if (next < 0 || next > history.length) return undefined;
  const text = next === history.length ? draft : history[next];
  return { text, cursor: { index: next, draft } };
}
