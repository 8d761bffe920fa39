/**
 * The Questions view's script (bundled to `dist/webview/questions.js`). It paints what it
 * persisted, says `ready`, then renders whatever the host sends. The host owns the scope, the
 * history and the answers; this script owns the question being typed and the place in the
 * history that Up/Down reached, and keeps them with `setState` so hiding and showing the view (which
 * rebuilds the webview) loses nothing.
 *
 * Keyboard: Enter asks, Up/Down recall earlier questions, Escape cancels a running question.
 * In the answers: Up/Down/Home/End move, Enter or Space selects the answer in the editor (the
 * keyboard stays here), a double click goes to the editor.
 */

import { highlightAnswer } from './answerHighlight';
import { h } from './dom';
import { baseName, formatDuration, percent, plural } from './format';
import { freshCursor, recall, type RecallCursor } from '../views/questionHistory';
import {
  MAX_QUESTION_LENGTH,
  readHostToQuestions,
  readPersistedQuestions,
  type AnswerView,
  type PersistedQuestionsState,
  type QuestionRun,
  type QuestionScope,
  type QuestionsToHost,
} from '../views/questionsMessages';
import { describeValue } from '../validate';

interface VsCodeApi {
  postMessage(message: QuestionsToHost): void;
  getState(): unknown;
  setState(state: PersistedQuestionsState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let persisted: PersistedQuestionsState = readPersistedQuestions(vscode.getState()) ?? { schema: 1, state: { history: [] }, draft: '' };
let cursor: RecallCursor = freshCursor(persisted.state.history, persisted.draft);

function save(): void {
  vscode.setState(persisted);
}

function post(message: QuestionsToHost): void {
  vscode.postMessage(message);
}

// ---- The fixed parts: what it answers about, the question box, the live status line. ------------

const aboutSlot = h('div', { className: 'about-slot' });

const questionBox = h('input', {
  attrs: {
    id: 'question',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'true',
    placeholder: 'Ask a question about this document',
    'aria-describedby': 'question-keys',
    // The host refuses longer questions; the box stops the user first.
    maxlength: String(MAX_QUESTION_LENGTH),
  },
});
questionBox.value = persisted.draft;
const askButton = h('button', { text: 'Ask', attrs: { type: 'submit' } });
const form = h('form', { className: 'ask-form' }, [
  h('label', { text: 'Question', attrs: { for: 'question' } }),
  h('div', { className: 'ask-row' }, [questionBox, askButton]),
  h('p', {
    className: 'hint',
    text: 'Enter asks · ↑ ↓ earlier questions · Esc cancels',
    attrs: { id: 'question-keys' },
  }),
]);

/** Progress and Cancel while a question runs; not announced (it changes often). */
const progressSlot = h('div', { className: 'progress-slot' });
/** One sentence on what happened, for screen readers as much as for the eye. */
const statusLine = h('p', { className: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
const resultsSlot = h('section', { className: 'results', attrs: { 'aria-label': 'Answers' } });
(document.getElementById('app') ?? document.body).replaceChildren(aboutSlot, form, progressSlot, statusLine, resultsSlot);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  ask();
});

questionBox.addEventListener('keydown', (event) => {
  if (event.isComposing) return;
  if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
    const recalled = recall(persisted.state.history, cursor, event.key === 'ArrowUp' ? 'up' : 'down', questionBox.value);
    if (!recalled) return;
    event.preventDefault();
    cursor = recalled.cursor;
    questionBox.value = recalled.text;
    questionBox.setSelectionRange(recalled.text.length, recalled.text.length);
    rememberDraft();
  }
});

questionBox.addEventListener('input', rememberDraft);

// Escape anywhere in the view stops a running question.
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && persisted.state.run?.status === 'running') {
    event.preventDefault();
    post({ type: 'cancel' });
  }
});

function rememberDraft(): void {
  persisted = { ...persisted, draft: questionBox.value };
  save();
}

function ask(): void {
  const question = questionBox.value.trim();
  if (!question || !persisted.state.scope) return;
  post({ type: 'ask', question });
  // The host adds it to the history; the next Up starts from the newest question.
  cursor = freshCursor([...persisted.state.history.filter((q) => q !== question), question], questionBox.value);
}

// ---- Rendering ---------------------------------------------------------------------------------

let aboutShown = '';

function renderAbout(): void {
  const { scope } = persisted.state;
  const key = JSON.stringify(scope ?? null);
  if (key === aboutShown) return;
  aboutShown = key;
  askButton.disabled = !scope;
  if (!scope) {
    aboutSlot.replaceChildren(h('p', { className: 'answering-about empty', text: 'Open a text document to ask questions about it.' }));
    return;
  }
  const about = h('p', { className: 'answering-about', attrs: { title: scope.fileName } }, [
    'Answering about ',
    h('strong', { className: 'file-name', text: baseName(scope.fileName) }),
  ]);
  const children: HTMLElement[] = [about];
  if (scope.selection) {
    const whole = h('button', { className: 'link', text: 'Ask about the whole document', attrs: { type: 'button' } });
    whole.addEventListener('click', () => post({ type: 'wholeDocument' }));
    children.push(h('p', { className: 'selection-scope' }, [h('span', { text: `about the selection (${linesLabel(scope)})` }), ' ', whole]));
  }
  aboutSlot.replaceChildren(...children);
}

function linesLabel(scope: QuestionScope): string {
  const { startLine, endLine } = scope.selection ?? { startLine: 0, endLine: 0 };
  return startLine === endLine ? `line ${startLine}` : `lines ${startLine}–${endLine}`;
}

let progressShown = '';

function renderProgress(): void {
  const { run } = persisted.state;
  const running = run?.status === 'running';
  const key = running ? JSON.stringify(run.progress ?? null) : '';
  if (key === progressShown) return;
  progressShown = key;
  if (!running) {
    progressSlot.replaceChildren();
    return;
  }
  const { done, total } = run.progress ?? { done: 0, total: 0 };
  const bar = h('div', { className: 'progress-bar', attrs: { role: 'progressbar', 'aria-label': 'Reading the document' } });
  const fill = h('div', { className: 'progress-fill' });
  if (total > 0) {
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', String(total));
    bar.setAttribute('aria-valuenow', String(done));
    fill.style.width = `${Math.round((100 * done) / total)}%`;
  } else {
    bar.classList.add('indeterminate');
  }
  bar.append(fill);
  const cancel = h('button', { className: 'secondary', text: 'Cancel', attrs: { type: 'button', 'aria-keyshortcuts': 'Escape' } });
  cancel.addEventListener('click', () => post({ type: 'cancel' }));
  const label = total > 0 ? `${done} of ${plural(total, 'passage')} read…` : 'Reading…';
  progressSlot.replaceChildren(
    h('div', { className: 'progress' }, [h('div', { className: 'progress-row' }, [h('span', { className: 'progress-label', text: label }), cancel]), bar]),
  );
}

function renderStatus(): void {
  const text = statusText(persisted.state.run);
  if (statusLine.textContent !== text) statusLine.textContent = text;
}

function statusText(run: QuestionRun | undefined): string {
  if (!run) return '';
  const file = baseName(run.scope.fileName);
  const best = run.answers[0];
  const bestText = best ? `Best: “${best.text}”, ${percent(best.score)}, line ${best.line}.` : '';
  switch (run.status) {
    case 'running':
      return `Looking for answers in ${file}…`;
    case 'done':
      return run.answers.length === 0
        ? `No confident answer in ${file}.`
        : `${plural(run.answers.length, 'answer')}. ${bestText}`;
    case 'cancelled':
      return run.answers.length === 0 ? 'Cancelled before an answer was found.' : `Cancelled. ${bestText}`;
    case 'failed':
      return `The question could not be answered: ${run.error ?? 'unknown error'}`;
  }
}

let resultsShown = '';

function renderResults(): void {
  const { run } = persisted.state;
  const key = JSON.stringify(run ? { ...run, progress: undefined } : null);
  if (key === resultsShown) return;
  resultsShown = key;
  if (!run) {
    resultsSlot.replaceChildren();
    return;
  }
  // A rebuild must not throw the keyboard out of the list.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('.answer') : null;
  const focusedStart = focused?.dataset.start;

  const children: HTMLElement[] = [h('h2', { className: 'asked', text: run.question, attrs: { title: 'The question asked' } })];
  if (run.scope.selection) children.push(h('p', { className: 'asked-scope', text: `About the selection (${linesLabel(run.scope)}) of ${baseName(run.scope.fileName)}` }));
  if (run.stale && run.answers.length) {
    children.push(
      h('p', { className: 'stale-note', attrs: { role: 'note' } }, [
        h('span', { className: 'stale-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
        ' The document changed since this question was asked: these answers may be out of date, and their lines may be off.',
      ]),
    );
  }
  if (run.status === 'failed') {
    children.push(h('p', { className: 'error', attrs: { role: 'alert' }, text: run.error ?? 'The question could not be answered.' }));
  } else if (run.answers.length) {
    children.push(answerList(run));
  } else if (run.status === 'done') {
    children.push(
      h('div', { className: 'no-answer' }, [
        h('p', { text: `No confident answer in ${baseName(run.scope.fileName)}.` }),
        h('p', {
          className: 'hint',
          text: `Nothing the model found scored ${percent(run.minScore)} or more (textAnalytics.qa.minScore). Try asking in other words, or about a selection.`,
        }),
      ]),
    );
  } else if (run.status === 'cancelled') {
    children.push(h('p', { className: 'hint', text: 'Cancelled before an answer was found.' }));
  }
  if (run.status === 'done' && run.elapsedMs !== undefined) {
    const parts = run.windows !== undefined ? `${plural(run.windows, 'passage')} read in ` : '';
    children.push(h('p', { className: 'facts', text: `${parts}${formatDuration(run.elapsedMs)}` }));
  }
  resultsSlot.replaceChildren(...children);
  if (focusedStart !== undefined) {
    const again = resultsSlot.querySelector<HTMLElement>(`.answer[data-start="${CSS.escape(focusedStart)}"]`) ?? resultsSlot.querySelector<HTMLElement>('.answer');
    again?.focus();
  }
}

function answerList(run: QuestionRun): HTMLOListElement {
  const list = h('ol', { className: 'answers', attrs: { 'aria-label': run.status === 'running' ? 'Best answers so far' : 'Answers' } });
  list.append(...run.answers.map((answer) => answerItem(run, answer)));

  const items = () => [...list.querySelectorAll<HTMLElement>('.answer')];
  const itemOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>('.answer') : null);
  const select = (item: HTMLElement, focusEditor: boolean) => {
    for (const other of items()) other.classList.toggle('selected', other === item);
    post({ type: 'reveal', uri: run.scope.uri, start: Number(item.dataset.start), end: Number(item.dataset.end), focusEditor });
  };
  list.addEventListener('click', (event) => {
    const item = itemOf(event.target);
    if (item) select(item, false);
  });
  // A double click means "take me there": the keyboard follows into the editor.
  list.addEventListener('dblclick', (event) => {
    const item = itemOf(event.target);
    if (item) select(item, true);
  });
  list.addEventListener('keydown', (event) => {
    const item = itemOf(event.target);
    if (!item) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      select(item, false);
      return;
    }
    const all = items();
    const index = all.indexOf(item);
    const next = ({ ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: all.length - 1 } as Record<string, number>)[event.key];
    if (next === undefined) return;
    event.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, next))]?.focus();
  });
  return list;
}

function answerItem(run: QuestionRun, answer: AnswerView): HTMLLIElement {
  const parts = highlightAnswer(answer, answer.sentence);
  return h(
    'li',
    {
      className: 'answer',
      attrs: {
        tabindex: '0',
        'data-start': String(answer.start),
        'data-end': String(answer.end),
        title: run.stale ? 'Select in the editor (the document changed since: it may be off)' : 'Select in the editor',
      },
    },
    [
      h('p', { className: 'sentence' }, [parts.before, h('mark', { className: 'answer-text', text: parts.answer }), parts.after]),
      h('p', { className: 'meta' }, [
        h('span', { className: 'score', text: percent(answer.score), attrs: { title: 'The model’s confidence in this answer' } }),
        h('span', { className: 'separator', text: ' · ', attrs: { 'aria-hidden': 'true' } }),
        h('span', { className: 'line', text: `line ${answer.line}` }),
      ]),
    ],
  );
}

function renderAll(): void {
  renderAbout();
  renderProgress();
  renderStatus();
  renderResults();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Checked before use: a malformed message is dropped and the view keeps showing what it had.
  const message = readHostToQuestions(event.data);
  if (!message) {
    console.warn('Text Analytics: dropped a malformed message from the extension:', describeValue(event.data));
    return;
  }
  switch (message.type) {
    case 'show': {
      const historyChanged = JSON.stringify(message.state.history) !== JSON.stringify(persisted.state.history);
      const scopeChanged = message.state.scope?.uri !== persisted.state.scope?.uri;
      persisted = { ...persisted, state: message.state };
      // Another document's history, or a new question: Up starts again from the newest.
      if (historyChanged || scopeChanged) cursor = freshCursor(message.state.history, questionBox.value);
      renderAll();
      break;
    }
    case 'focus':
      if (message.question !== undefined) {
        questionBox.value = message.question;
        rememberDraft();
      }
      questionBox.focus();
      questionBox.select();
      break;
  }
  save();
});

renderAll();
post({ type: 'ready' });
