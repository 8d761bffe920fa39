import assert from 'node:assert/strict';
import { test } from 'node:test';
import { highlightAnswer } from '../../src/webview/answerHighlight';

const DOCUMENT = '# Bridges\n\nThe bridge opened in 1932 after four years of work. It is still in use.';
const SENTENCE_START = DOCUMENT.indexOf('The bridge');
const SENTENCE_END = DOCUMENT.indexOf(' It is');
const sentence = { start: SENTENCE_START, end: SENTENCE_END, text: DOCUMENT.slice(SENTENCE_START, SENTENCE_END) };

function span(text: string, from = 0) {
  const start = DOCUMENT.indexOf(text, from);
  return { start, end: start + text.length, text };
}

test('the answer is cut out of its sentence by document offsets', () => {
  assert.deepEqual(highlightAnswer(span('1932'), sentence), {
    before: 'The bridge opened in ',
    answer: '1932',
    after: ' after four years of work.',
  });
});

test('an answer at the start or the end of its sentence leaves that side empty', () => {
  assert.deepEqual(highlightAnswer(span('The bridge'), sentence), { before: '', answer: 'The bridge', after: ' opened in 1932 after four years of work.' });
  assert.deepEqual(highlightAnswer(span('work.'), sentence), { before: 'The bridge opened in 1932 after four years of ', answer: 'work.', after: '' });
});

test('the highlighted part is exactly the answer text, also across surrogate pairs', () => {
  const text = 'Café 🎉 opened in 1932.';
  const s = { start: 100, end: 100 + text.length, text };
  const at = text.indexOf('1932');
  const parts = highlightAnswer({ start: 100 + at, end: 104 + at, text: '1932' }, s);
  assert.equal(parts.before + parts.answer + parts.after, text);
  assert.equal(parts.answer, '1932');
});

test('offsets that disagree with the text fall back to the occurrence nearest to where they point', () => {
  const text = 'In 1932 it was planned; in 1932 it was not yet open.';
  const s = { start: 0, end: text.length, text };
  const second = text.lastIndexOf('1932');
  // Off by one: the text at [second + 1, second + 5) is "932 ", so the nearest "1932" is used.
  const parts = highlightAnswer({ start: second + 1, end: second + 5, text: '1932' }, s);
  assert.equal(parts.before, text.slice(0, second));
  assert.equal(parts.after, text.slice(second + 4));
});

test('an answer not in its sentence is shown alone rather than wrongly marked', () => {
  assert.deepEqual(highlightAnswer({ start: 0, end: 4, text: '1850' }, sentence), { before: '', answer: '1850', after: '' });
});

test('long context is shortened at word boundaries with an ellipsis; the answer never is', () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const text = `${words} 1932 ${words}.`;
  const s = { start: 0, end: text.length, text };
  const at = text.indexOf('1932');
  const parts = highlightAnswer({ start: at, end: at + 4, text: '1932' }, s, 40);
  assert.equal(parts.answer, '1932');
  assert.ok(parts.before.startsWith('…word') && parts.before.endsWith(' ') && parts.before.length <= 41, JSON.stringify(parts.before));
  assert.ok(parts.after.endsWith('…') && parts.after.startsWith(' word0') && parts.after.length <= 41, JSON.stringify(parts.after));
  assert.ok(text.includes(parts.before.slice(1)) && text.includes(parts.after.slice(0, -1)));
});
