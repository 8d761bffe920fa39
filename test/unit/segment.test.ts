import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paragraphs, sentences } from '../../src/engine/segment';
import { codePointToUtf16 } from '../../src/unicode';

function assertSlices(text: string, spans: { start: number; end: number; text: string }[]): void {
  for (const span of spans) assert.equal(text.slice(span.start, span.end), span.text);
}

test('paragraphs split at blank lines with LF, CRLF and CR line ends', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = `First one. Second one.${eol}${eol}  Third paragraph here.${eol}  ${eol}${eol}Last.${eol}`;
    const found = paragraphs(text);
    assert.deepEqual(
      found.map((p) => p.text),
      [`First one. Second one.`, 'Third paragraph here.', 'Last.'],
      `line end ${JSON.stringify(eol)}`,
    );
    assert.deepEqual(
      found[0].sentences.map((s) => s.text),
      ['First one.', 'Second one.'],
    );
    assertSlices(text, found);
    found.forEach((p) => assertSlices(text, p.sentences));
  }
});

test('a single line break, LF, CRLF or CR, does not end a paragraph', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = `One line.${eol}Another line.${eol}${eol}Second paragraph.`;
    assert.deepEqual(paragraphs(text).map((p) => p.text), [`One line.${eol}Another line.`, 'Second paragraph.'], JSON.stringify(eol));
  }
});

test('a single line break ends a sentence but not a paragraph', () => {
  const text = '# Heading\n- first item\n- second item';
  const [only] = paragraphs(text);
  assert.deepEqual(only.sentences.map((s) => s.text), ['# Heading', '- first item', '- second item']);
});

test('sentence spans are exact slices in text with emoji, CJK and combining accents', () => {
  const text = 'Tōkyō 😀 is great! 東京は素晴らしい。Cafe\u0301 au lait… is good? 👩‍👩‍👧 family.';
  const found = sentences(text);
  assert.ok(found.length >= 3);
  assertSlices(text, found);
});

test('empty and whitespace-only text has no paragraphs', () => {
  assert.deepEqual(paragraphs(''), []);
  assert.deepEqual(paragraphs(' \n\r\n\t  \n'), []);
});

test('NEL (U+0085), white space to Unicode though not to trim(), is trimmed and makes a line blank', () => {
  assert.deepEqual(paragraphs('\u0085 \u0085\n\u0085'), []);
  const text = '\u0085One.\u0085\n\u0085\nTwo\u0085';
  const found = paragraphs(text);
  assert.deepEqual(found.map((p) => p.text), ['One.', 'Two']);
  assertSlices(text, found);
});

test('code point offsets convert to UTF-16 offsets after astral characters', () => {
  const text = 'Tōkyō 😀 in';
  const toUtf16 = codePointToUtf16(text);
  // In code points "in" is [8, 10); the emoji takes two UTF-16 units, so it is [9, 11) there.
  assert.equal(text.slice(toUtf16(8), toUtf16(10)), 'in');
  assert.equal(codePointToUtf16('plain')(3), 3);
});

test('a trailing emoji or symbol stays with its sentence, on the same line', () => {
  const text = 'Next one. The best update this year! 😀\n🎉';
  assert.deepEqual(sentences(text).map((s) => s.text), ['Next one.', 'The best update this year! 😀', '🎉']);
});

test('long texts are segmented in chunks exactly as in one piece', () => {
  const kinds = [
    (i: number) => `Mr. Smith met Dr. Jones at ${i} p.m. on the dock.`,
    (i: number) => `"Is it ${i}?" she asked. `,
    (i: number) => `A ${'very '.repeat(i % 900)}long sentence without an end`,
    (i: number) => `e.g. lower case after an abbreviation ${i}... then more!!! `,
    (i: number) => `東京${i}です。`,
  ];
  const text = Array.from({ length: 700 }, (_, i) => kinds[i % kinds.length](i)).join(' ');
  // UAX #29 on the whole text, with the breaks after a title joined as a reader would (sentenceBoundaries.test.ts).
  const whole = [...new Intl.Segmenter('en', { granularity: 'sentence' }).segment(text)]
    .map((s) => s.segment)
    .reduce<string[]>((joined, piece) => (/\b(Mr|Dr)\. $/.test(joined.at(-1) ?? '') ? [...joined.slice(0, -1), joined.at(-1) + piece] : [...joined, piece]), [])
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  assert.ok(text.length > 40_000);
  assert.deepEqual(sentences(text).map((s) => s.text), whole);
});
