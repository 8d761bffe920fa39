import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshCursor, readHistories, recall, rememberQuestion, type RecallCursor } from '../../src/views/questionHistory';

const A = 'file:///a.md';
const B = 'file:///b.md';

test('a question becomes the newest of its document; asking it again moves it up instead of repeating it', () => {
  let histories = rememberQuestion({}, A, 'Who built it?');
  histories = rememberQuestion(histories, A, '  When did it open? ');
  histories = rememberQuestion(histories, B, 'Where?');
  histories = rememberQuestion(histories, A, 'Who built it?');
  assert.deepEqual(histories, { [B]: ['Where?'], [A]: ['When did it open?', 'Who built it?'] });
});

test('an empty question is not remembered', () => {
  const histories = { [A]: ['Who?'] };
  assert.equal(rememberQuestion(histories, A, '   '), histories);
});

test('histories are capped per document and by documents, forgetting the oldest first', () => {
  let histories = {};
  for (let i = 0; i < 8; i++) histories = rememberQuestion(histories, A, `q${i}`, { perDocument: 5 });
  assert.deepEqual(rememberQuestion(histories, A, 'q8', { perDocument: 5 })[A], ['q4', 'q5', 'q6', 'q7', 'q8']);

  let many = {};
  for (const uri of ['u1', 'u2', 'u3', 'u4']) many = rememberQuestion(many, uri, 'q', { documents: 3 });
  assert.deepEqual(Object.keys(many), ['u2', 'u3', 'u4']);
  // Asking about u2 again makes it the most recent, so u3 goes next.
  many = rememberQuestion(many, 'u2', 'again', { documents: 3 });
  many = rememberQuestion(many, 'u5', 'q', { documents: 3 });
  assert.deepEqual(Object.keys(many), ['u4', 'u2', 'u5']);
});

test('stored histories are read without trusting their shape', () => {
  assert.deepEqual(readHistories(undefined), {});
  assert.deepEqual(readHistories(['x']), {});
  assert.deepEqual(readHistories({ [A]: ['ok', 3, '', null, 'fine'], [B]: 'nope' }), { [A]: ['ok', 'fine'] });
});

/** Presses keys in a box showing `typed`, returning what the box shows after each. */
function press(history: string[], typed: string, keys: ('up' | 'down')[]): string[] {
  let cursor: RecallCursor = freshCursor(history);
  let text = typed;
  const shown: string[] = [];
  for (const key of keys) {
    const next = recall(history, cursor, key, text);
    if (next) {
      cursor = next.cursor;
      text = next.text;
    }
    shown.push(text);
  }
  return shown;
}

test('Up recalls older questions, Down newer ones and then the draft being typed', () => {
  const history = ['first', 'second', 'third'];
  assert.deepEqual(press(history, 'draft', ['up', 'up', 'down', 'down']), ['third', 'second', 'third', 'draft']);
});

test('Up stops at the oldest question and Down at the draft', () => {
  const history = ['first', 'second'];
  assert.deepEqual(press(history, '', ['up', 'up', 'up', 'down', 'down', 'down']), ['second', 'first', 'first', 'second', '', '']);
  assert.equal(recall(history, freshCursor(history), 'down', 'x'), undefined, 'Down on the draft does nothing');
  assert.equal(recall([], freshCursor([]), 'up', 'x'), undefined, 'no history: Up does nothing');
});

test('a cursor left past the end of a shorter history starts again from its newest', () => {
  const next = recall(['only'], { index: 7, draft: 'old draft' }, 'up', 'typed');
  assert.deepEqual(next, { text: 'only', cursor: { index: 0, draft: 'typed' } });
});
