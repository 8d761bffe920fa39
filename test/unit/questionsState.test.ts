import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineIndexOf } from '../../src/ui/offsetRanges';
import { readPersistedQuestions, type QuestionRun } from '../../src/views/questionsMessages';

const SCOPE = { uri: 'file:///bridge.md', fileName: 'docs/bridge.md' };
const RUN: QuestionRun = {
  id: 3,
  question: 'When did the bridge open?',
  scope: SCOPE,
  status: 'done',
  answers: [{ start: 21, end: 25, text: '1932', score: 0.9, line: 3, sentence: { start: 0, end: 50, text: 'The bridge opened in 1932 after four years of work.' } }],
  minScore: 0.1,
  stale: false,
  elapsedMs: 12,
  windows: 1,
};

test('a persisted Questions view comes back as it was', () => {
  const persisted = { schema: 1, state: { scope: SCOPE, history: ['Who?', 'When?'], run: RUN }, draft: 'Where' };
  assert.deepEqual(readPersistedQuestions(persisted), persisted);
});

test('a question that was running when the view went away comes back cancelled, with its answers so far', () => {
  const running = { ...RUN, status: 'running', progress: { done: 1, total: 4 } };
  const restored = readPersistedQuestions({ schema: 1, state: { scope: SCOPE, history: [], run: running }, draft: '' });
  assert.equal(restored?.state.run?.status, 'cancelled');
  assert.equal(restored?.state.run?.progress, undefined);
  assert.deepEqual(restored?.state.run?.answers, RUN.answers);
  const waiting = { ...RUN, status: 'waiting', answers: [] };
  const restoredWaiting = readPersistedQuestions({ schema: 1, state: { scope: SCOPE, history: [], run: waiting }, draft: '' });
  assert.equal(restoredWaiting?.state.run?.status, 'cancelled', 'a download question from a closed window is no longer open');
});

test('unknown or damaged persisted state is dropped, piece by piece', () => {
  assert.equal(readPersistedQuestions(undefined), undefined);
  assert.equal(readPersistedQuestions({ schema: 2, state: {} }), undefined);
  const damaged = readPersistedQuestions({
    schema: 1,
    state: { scope: { uri: 5 }, history: ['ok', 7], run: { ...RUN, answers: [{ text: 'x' }], status: 'weird' } },
    draft: 9,
  });
  assert.deepEqual(damaged, { schema: 1, state: { history: ['ok'] }, draft: '' });
});

test('line numbers of offsets, 1-based, with \\n and \\r\\n line ends', () => {
  const text = 'one\r\ntwo\n\nfour';
  const lines = lineIndexOf(text);
  assert.deepEqual([0, 1, 2, 3].map((line) => lines.lineStart(line)), [0, 5, 9, 10]);
  assert.deepEqual(
    [0, 3, 4, 5, 8, 9, 10, 13].map((offset) => lines.lineAt(offset) + 1),
    [1, 1, 1, 2, 2, 3, 4, 4],
  );
  assert.equal(lineIndexOf('').lineAt(0) + 1, 1);
});
