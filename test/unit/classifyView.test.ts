import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClassifiedItem, ClassifyResult } from '../../src/protocol';
import {
  displayText,
  itemCountsByLabel,
  itemHasLabel,
  restoredLabel,
  resultLabels,
  titleText,
  visibleItems,
} from '../../src/webview/classifyItems';

const TEXT = 'I love it. This is awful. Fine, I guess. Nothing to say';

/** An item at its real offsets in TEXT, with labels given best first. */
function item(sentence: string, labels: [label: string, score: number][]): ClassifiedItem {
  const start = TEXT.indexOf(sentence);
  assert.ok(start >= 0, `${sentence} not in the text`);
  return { start, end: start + sentence.length, text: sentence, labels: labels.map(([label, score]) => ({ label, score })) };
}

function result(multiLabel: boolean, items: ClassifiedItem[]): ClassifyResult {
  return {
    classifier: { id: 'emotion', title: 'Emotion' },
    level: 'sentence',
    multiLabel,
    document: { labels: [{ label: 'joy', score: 0.5 }, { label: 'anger', score: 0.3 }, { label: 'neutral', score: 0.2 }] },
    items,
    cachedItems: 0,
    model: { task: 'classify', id: 'emotion', source: 'setting', dir: '/m', file: 'onnx/model.onnx', precision: 'int8' },
    device: { requested: 'auto', used: 'cpu' },
    elapsedMs: 12,
  };
}

const SINGLE = result(false, [
  item('I love it.', [['joy', 0.9], ['neutral', 0.08], ['anger', 0.02]]),
  item('This is awful.', [['anger', 0.7], ['joy', 0.2], ['neutral', 0.1]]),
  item('Fine, I guess.', [['neutral', 0.5], ['joy', 0.45], ['anger', 0.05]]),
]);

// Multi-label, minScore 0.4: each item keeps only the labels at or above it, possibly none.
const MULTI = result(true, [
  item('I love it.', [['joy', 0.95]]),
  item('This is awful.', [['anger', 0.8], ['joy', 0.41]]),
  item('Fine, I guess.', [['neutral', 0.6], ['joy', 0.45]]),
  item('Nothing to say', []),
]);

test('single-label: an item is listed under its top label only', () => {
  assert.deepEqual(visibleItems(SINGLE, 'joy').map((i) => i.text), ['I love it.']);
  assert.deepEqual(visibleItems(SINGLE, 'neutral').map((i) => i.text), ['Fine, I guess.']);
  assert.equal(itemHasLabel(SINGLE.items[2]!, 'joy', false), false, 'joy is only second');
  assert.deepEqual(Object.fromEntries(itemCountsByLabel(SINGLE)), { joy: 1, anger: 1, neutral: 1 });
});

test('multi-label: an item is listed under every label that passed minScore, in document order', () => {
  assert.deepEqual(visibleItems(MULTI, 'joy').map((i) => i.text), ['I love it.', 'This is awful.', 'Fine, I guess.']);
  assert.deepEqual(visibleItems(MULTI, 'anger').map((i) => i.text), ['This is awful.']);
  assert.deepEqual(Object.fromEntries(itemCountsByLabel(MULTI)), { joy: 3, anger: 1, neutral: 1 });
  assert.equal(itemHasLabel(MULTI.items[3]!, 'joy', true), false, 'an item without labels has none');
});

test('no filter lists every item, including those without labels; the array is not copied', () => {
  assert.equal(visibleItems(MULTI, undefined), MULTI.items);
  assert.equal(visibleItems(MULTI, undefined).length, 4);
});

test('a stored label is applied only to the classifier it was chosen for, when the result has it', () => {
  const id = SINGLE.classifier.id;
  assert.equal(restoredLabel(SINGLE, { label: 'anger', classifier: id }), 'anger');
  assert.equal(restoredLabel(SINGLE, { label: 'anger', classifier: `${id}-other` }), undefined, 'chosen on another classifier');
  assert.equal(restoredLabel(SINGLE, { label: 'toxic', classifier: id }), undefined, 'a label the result does not have');
  assert.equal(restoredLabel(SINGLE, {}), undefined);
  // A label only some item has (not in the document's distribution) still counts.
  const extra = { ...SINGLE, items: [...SINGLE.items, item('Nothing to say', [['surprise', 0.6]])] };
  assert.equal(restoredLabel(extra, { label: 'surprise', classifier: id }), 'surprise');
  assert.deepEqual(resultLabels(extra), ['joy', 'anger', 'neutral', 'surprise']);
});

test('filtering 100,000 items is quick enough for each click', () => {
  const many = result(
    false,
    Array.from({ length: 100_000 }, (_, n) => ({
      start: n * 10,
      end: n * 10 + 9,
      text: 'Some text',
      labels: [{ label: n % 3 === 0 ? 'joy' : 'anger', score: 0.9 }],
    })),
  );
  const started = performance.now();
  const shown = visibleItems(many, 'joy');
  const counts = itemCountsByLabel(many);
  const elapsed = performance.now() - started;
  assert.equal(shown.length, 33_334);
  assert.equal(counts.get('anger'), 66_666);
  assert.ok(elapsed < 500, `took ${elapsed} ms`);
});

test('item text is shown on one run of spaces, shortened with an ellipsis', () => {
  assert.equal(displayText('Short  and\n\nsweet. '), 'Short and sweet.');
  const long = 'word '.repeat(200);
  const shown = displayText(long, 50);
  assert.ok(shown.endsWith('…'));
  assert.ok(shown.length <= 51);
  // Only a prefix is read: a whole document as one item costs no more than a sentence.
  assert.equal(displayText(`${'a'.repeat(100)}${' '.repeat(1000)}b`, 20), `${'a'.repeat(20)}…`);
});

test('shortening never splits a surrogate pair', () => {
  const emoji = '😀'; // Two UTF-16 units.
  const shown = displayText(`abc${emoji}def`, 4);
  assert.equal(shown, 'abc…');
  assert.equal(titleText(`abc${emoji}def`, 4), 'abc…');
  assert.equal(titleText(`ab${emoji}def`, 4), `ab${emoji}…`);
});

test('the tooltip keeps the text as it is, up to its limit', () => {
  assert.equal(titleText('Line one.\nLine two.'), 'Line one.\nLine two.');
  const huge = 'x'.repeat(5000);
  assert.equal(titleText(huge).length, 2001);
});
