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
import { baseName } from './format';
import { freshCursor, recall, type RecallCursor } from '../views/questionHistory';
import {
  MAX_QUESTION_LENGTH,
  readHostToQuestions,
  readPersistedQuestions,
  type AnswerView,
  type PersistedQuestionsState,
  type QuestionRun,
  type QuestionsToHost,
} from '../views/questionsMessages';
import { counted, linesText, numberText, runFactsText, runStatusText, scopeText, type NumberText } from '../views/questionsText';
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
/** Numbers in the editor's language, as the host last said it. */
let numbers: NumberText = numberText(persisted.state.locale);

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
    // A screen reader says what the question will read, with the keys, on entering the box.
    'aria-describedby': 'question-scope question-keys',
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

/** The question asked, what it was about, and whether the document changed since. */
const askedSlot = h('div', { className: 'asked-slot' });
/** Progress and Cancel while a question runs; not announced (it changes often). */
const progressSlot = h('div', { className: 'progress-slot' });
/**
 * What became of the question, said once — for screen readers (a live region, so it stays in the
 * page) as much as for the eye: "No confident answer" with what to try, an error, or the best answer.
 */
const statusBox = h('div', { className: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
/** The answers, and how long finding them took. */
const answersSlot = h('div', { className: 'answers-slot' });
const resultsSlot = h('section', { className: 'results', attrs: { 'aria-label': 'Answers' } }, [askedSlot, progressSlot, statusBox, answersSlot]);
(document.getElementById('app') ?? document.body).replaceChildren(aboutSlot, form, resultsSlot);

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
  const key = JSON.stringify([scope ?? null, persisted.state.locale ?? null]);
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
  // Said before asking, and kept up to date as the user selects: what the next question reads.
  const scopeLine = h('p', { className: scope.selection ? 'question-scope selection-scope' : 'question-scope document-scope', attrs: { id: 'question-scope' } }, [
    h('span', { text: `about ${scopeText(numbers, scope)}` }),
  ]);
  if (scope.selection) {
    const whole = h('button', {
      className: 'link clear-scope',
      text: 'Ask about the whole document',
      attrs: { type: 'button', title: 'The selection stays in the editor; select again to ask about a selection' },
    });
    whole.addEventListener('click', () => post({ type: 'wholeDocument' }));
    scopeLine.append(' ', whole);
  }
  aboutSlot.replaceChildren(about, scopeLine);
}

let progressShown = '';

function renderProgress(): void {
  const { run } = persisted.state;
  const running = run?.status === 'running';
  const key = running ? JSON.stringify([run.progress ?? null, persisted.state.locale ?? null]) : '';
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
  const label = total > 0 ? `${numbers.count(done)} of ${counted(numbers, total, 'passage')} read…` : 'Reading…';
  progressSlot.replaceChildren(
    h('div', { className: 'progress' }, [h('div', { className: 'progress-row' }, [h('span', { className: 'progress-label', text: label }), cancel]), bar]),
  );
}

let statusShown = '';

/** One element says what became of the question: no line above repeating a card below it. */
function renderStatus(): void {
  const { run } = persisted.state;
  const status = run ? runStatusText(numbers, run, baseName(run.scope.fileName)) : undefined;
  const key = JSON.stringify(status ?? null);
  if (key === statusShown) return;
  statusShown = key;
  statusBox.className = status ? `status ${status.tone}` : 'status';
  if (!status) {
    statusBox.replaceChildren();
    return;
  }
  const children = [h('p', { className: 'status-sentence', text: status.sentence })];
  if (status.hint) children.push(h('p', { className: 'hint', text: status.hint }));
  statusBox.replaceChildren(...children);
}

let askedShown = '';

function renderAsked(): void {
  const { run } = persisted.state;
  const key = JSON.stringify(run ? [run.id, run.question, run.scope, run.stale && run.answers.length > 0, persisted.state.locale ?? null] : null);
  if (key === askedShown) return;
  askedShown = key;
  if (!run) {
    askedSlot.replaceChildren();
    return;
  }
  const children: HTMLElement[] = [h('h2', { className: 'asked', text: run.question, attrs: { title: 'The question asked' } })];
  if (run.scope.selection) {
    children.push(h('p', { className: 'asked-scope', text: `About the selection (${linesText(numbers, run.scope.selection)}) of ${baseName(run.scope.fileName)}` }));
  }
  if (run.stale && run.answers.length) {
    children.push(
      h('p', { className: 'stale-note', attrs: { role: 'note' } }, [
        h('span', { className: 'stale-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
        ' The document changed since this question was asked: these answers may be out of date, and their lines may be off.',
      ]),
    );
  }
  askedSlot.replaceChildren(...children);
}

let answersShown = '';

function renderAnswers(): void {
  const { run } = persisted.state;
  const key = JSON.stringify(run ? [{ ...run, progress: undefined }, persisted.state.locale ?? null] : null);
  if (key === answersShown) return;
  answersShown = key;
  // A failed run's answers so far are not shown under its error; a later run replaces both.
  if (!run || run.status === 'failed') {
    answersSlot.replaceChildren();
    return;
  }
  // A rebuild must not throw the keyboard out of the list.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('.answer') : null;
  const focusedStart = focused?.dataset.start;

  const children: HTMLElement[] = [];
  if (run.answers.length) children.push(answerList(run));
  const facts = runFactsText(numbers, run);
  if (facts) children.push(h('p', { className: 'facts', text: facts }));
  answersSlot.replaceChildren(...children);
  if (focusedStart !== undefined) {
    const again = answersSlot.querySelector<HTMLElement>(`.answer[data-start="${CSS.escape(focusedStart)}"]`) ?? answersSlot.querySelector<HTMLElement>('.answer');
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
        h('span', { className: 'score', text: numbers.percent(answer.score), attrs: { title: 'The model’s confidence in this answer' } }),
        h('span', { className: 'separator', text: ' · ', attrs: { 'aria-hidden': 'true' } }),
        h('span', { className: 'line', text: `line ${numbers.count(answer.line)}` }),
      ]),
    ],
  );
}

let numbersLocale = persisted.state.locale;

function renderAll(): void {
  if (persisted.state.locale !== numbersLocale) {
    numbersLocale = persisted.state.locale;
    numbers = numberText(numbersLocale);
  }
  renderAbout();
  renderAsked();
  renderProgress();
  renderStatus();
  renderAnswers();
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
