import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editTouches, moveSpans, shiftDirtyRanges, shiftRange, type OffsetEdit, type Spanned } from '../../src/ui/textEdits';

/** `moveSpans` on a copy, for tests that compare before and after. */
function shiftSpans<T extends Spanned>(spans: readonly T[], edits: readonly OffsetEdit[]): { spans: T[]; dropped: number } {
  const copy = spans.map((span) => ({ ...span }));
  const dropped = moveSpans(copy, edits);
  return { spans: copy, dropped };
}

interface Named {
  start: number;
  end: number;
  text: string;
}

function spansOf(text: string, words: string[]): Named[] {
  return words.map((word) => {
    const start = text.indexOf(word);
    return { start, end: start + word.length, text: word };
  });
}

function apply(text: string, edits: readonly OffsetEdit[]): string {
  return edits.reduce((current, edit) => current.slice(0, edit.offset) + edit.text + current.slice(edit.offset + edit.length), text);
}

const TEXT = 'Angela Merkel met Barack Obama in Paris.';

test('entities after an edit move with the text; those before stay', () => {
  const spans = spansOf(TEXT, ['Angela Merkel', 'Barack Obama', 'Paris']);
  const edit: OffsetEdit = { offset: TEXT.indexOf(' met'), length: 0, text: ' later' };
  const { spans: moved, dropped } = shiftSpans(spans, [edit]);
  const after = apply(TEXT, [edit]);
  assert.equal(dropped, 0);
  assert.deepEqual(
    moved.map((s) => after.slice(s.start, s.end)),
    ['Angela Merkel', 'Barack Obama', 'Paris'],
  );
  assert.deepEqual(moved[0], spans[0], 'spans before the edit stay where they were');
});

test('an edit inside or over an entity drops it', () => {
  const spans = spansOf(TEXT, ['Angela Merkel', 'Barack Obama', 'Paris']);
  const inside = shiftSpans(spans, [{ offset: TEXT.indexOf('Obama') + 2, length: 1, text: 'x' }]);
  assert.deepEqual(
    inside.spans.map((s) => s.text),
    ['Angela Merkel', 'Paris'],
  );
  assert.equal(inside.dropped, 1);
  const over = shiftSpans(spans, [{ offset: 0, length: TEXT.indexOf('Paris') + 2, text: '' }]);
  assert.equal(over.dropped, 3);
});

test('typing a letter against an entity drops it, a space or punctuation does not', () => {
  const paris = spansOf(TEXT, ['Paris'])[0];
  assert.equal(editTouches(paris, { offset: paris.end, length: 0, text: 'x' }), true, '"Parisx" is another word');
  assert.equal(editTouches(paris, { offset: paris.start, length: 0, text: 'x' }), true, '"xParis" is another word');
  assert.equal(editTouches(paris, { offset: paris.end, length: 0, text: ' ' }), false);
  assert.equal(editTouches(paris, { offset: paris.start, length: 0, text: '(' }), false);
  assert.equal(editTouches(paris, { offset: paris.end, length: 0, text: 'é' }), true, 'letters beyond ASCII');
  assert.equal(editTouches(paris, { offset: paris.end, length: 1, text: '' }), true, 'a deletion at the edge may join two words');
  assert.equal(editTouches(paris, { offset: paris.end + 1, length: 0, text: 'x' }), false);

  // Kept at the start edge, the entity moves right by what was typed.
  const { spans } = shiftSpans([paris], [{ offset: paris.start, length: 0, text: '"' }]);
  assert.deepEqual(spans[0], { ...paris, start: paris.start + 1, end: paris.end + 1 });
});

test('the edits of one event apply in order, bottom up as VS Code sends a multi-cursor edit', () => {
  const spans = spansOf(TEXT, ['Angela Merkel', 'Barack Obama', 'Paris']);
  // Two cursors, one before "Barack" and one before "Angela", typing "Dr " — VS Code lists the lower one first.
  const edits: OffsetEdit[] = [
    { offset: TEXT.indexOf('in Paris'), length: 0, text: 'today ' },
    { offset: TEXT.indexOf('met'), length: 3, text: 'greeted' },
  ];
  const after = apply(TEXT, edits);
  const { spans: moved, dropped } = shiftSpans(spans, edits);
  assert.equal(dropped, 0);
  assert.deepEqual(
    moved.map((s) => after.slice(s.start, s.end)),
    ['Angela Merkel', 'Barack Obama', 'Paris'],
  );
});

test('random edits never leave a kept entity pointing at other text', () => {
  const words = 'Angela Merkel met Barack Obama and Marie Curie in Paris Berlin Tokyo and Buenos Aires with Google Siemens Mozilla'.split(' ');
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    let text = words.join(' ');
    const spans: Named[] = [];
    let at = 0;
    for (const word of words) {
      if (random(2)) spans.push({ start: at, end: at + word.length, text: word });
      at += word.length + 1;
    }
    for (let step = 0; step < 10; step++) {
      const offset = random(text.length + 1);
      const length = random(Math.min(4, text.length - offset) + 1);
      const edit = { offset, length, text: ['', ' ', 'x', 'ab ', '.', '\n'][random(6)] };
      moveSpans(spans, [edit]);
      text = apply(text, [edit]);
      for (const span of spans) assert.equal(text.slice(span.start, span.end), span.text, `round ${round} step ${step}`);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1].end <= spans[i].start, 'still sorted and apart');
    }
  }
});

test('out-of-date ranges move, stretch over edits inside them, and gain what each edit wrote', () => {
  assert.deepEqual(shiftRange([10, 20], { offset: 0, length: 0, text: 'abc' }), [13, 23]);
  assert.deepEqual(shiftRange([10, 20], { offset: 15, length: 10, text: '' }), [10, 15]);
  assert.deepEqual(shiftRange([10, 20], { offset: 30, length: 0, text: 'abc' }), [10, 20]);
  assert.deepEqual(
    shiftDirtyRanges(
      [[10, 20]],
      [
        { offset: 40, length: 0, text: 'new' },
        { offset: 0, length: 5, text: '' },
      ],
    ),
    [
      [0, 0],
      [5, 15],
      [35, 38],
    ],
  );
});

test('moving spans is cheap enough for every keystroke in a document with 50,000 entities', () => {
  const spans = Array.from({ length: 50_000 }, (_, i) => ({ start: i * 20, end: i * 20 + 8 }));
  const started = performance.now();
  // Typing near the top moves nearly all of them, every time.
  for (let k = 0; k < 200; k++) moveSpans(spans, [{ offset: 10, length: 0, text: ' ' }]);
  const perKeystroke = (performance.now() - started) / 200;
  assert.equal(spans.length, 50_000);
  assert.ok(perKeystroke < 2, `${perKeystroke.toFixed(3)} ms per keystroke`);
});
