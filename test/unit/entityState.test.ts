import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entity } from '../../src/protocol';
import { EntityDocumentState } from '../../src/ui/entityState';
import { lineIndexOf, type OffsetRange } from '../../src/ui/offsetRanges';
import type { OffsetEdit } from '../../src/ui/textEdits';

/** What the planted fixture model finds: these words, as these types. */
const PLANTED: Record<string, string> = { Angela: 'PER', Merkel: 'PER', Paris: 'LOC', Berlin: 'LOC', Google: 'ORG', Mozilla: 'ORG', French: 'MISC' };

/** A stand-in for the worker: the planted words inside `regions` of `text`. */
function analyse(text: string, regions: readonly OffsetRange[]): Entity[] {
  const found: Entity[] = [];
  for (const match of text.matchAll(/\p{L}+/gu)) {
    const type = PLANTED[match[0]];
    const start = match.index;
    const end = start + match[0].length;
    if (type && regions.some(([from, to]) => start >= from && end <= to)) found.push({ start, end, text: match[0], type, score: 0.9 });
  }
  return found;
}

function paragraphOf(text: string, regions: readonly OffsetRange[]): string[] {
  return regions.map(([start, end]) => text.slice(start, end).trim());
}

/** Runs passes until nothing is left; returns the regions each pass asked for. */
function analyseAll(state: EntityDocumentState, text: string, visible: OffsetRange[] = []): OffsetRange[][] {
  const asked: OffsetRange[][] = [];
  for (let pass = state.nextPass(lineIndexOf(text), visible); pass; pass = state.nextPass(lineIndexOf(text), visible)) {
    asked.push(pass.regions);
    state.accept(pass.regions, analyse(text, pass.regions));
    assert.ok(asked.length < 10, 'passes end');
  }
  return asked;
}

function edit(text: string, change: OffsetEdit): string {
  return text.slice(0, change.offset) + change.text + text.slice(change.offset + change.length);
}

const PARAGRAPHS = ['Angela Merkel lives in Berlin.', 'Nothing to see here.', 'Google and Mozilla are in Paris.', 'The French are here.'];
const TEXT = PARAGRAPHS.join('\n\n');

test('the visible paragraphs are analysed first, then the rest, and then nothing', () => {
  const state = new EntityDocumentState(TEXT.length);
  const third = TEXT.indexOf('Google');
  const asked = analyseAll(state, TEXT, [[third, third + 5]]);
  assert.equal(asked.length, 2);
  assert.deepEqual(paragraphOf(TEXT, asked[0]), [PARAGRAPHS[2]]);
  assert.deepEqual(state.entities.map((e) => e.text), ['Angela', 'Merkel', 'Berlin', 'Google', 'Mozilla', 'Paris', 'French']);
  assert.equal(state.nextPass(lineIndexOf(TEXT), []), undefined);
  assert.ok(state.isComplete(lineIndexOf(TEXT), []));
});

test('after an edit only its paragraph is asked for again, and the answer replaces what was there', () => {
  const state = new EntityDocumentState(TEXT.length);
  analyseAll(state, TEXT);
  // Rename Mozilla to Siemens (not planted): the third paragraph changes.
  const change = { offset: TEXT.indexOf('Mozilla'), length: 'Mozilla'.length, text: 'Siemens' };
  const text = edit(TEXT, change);
  assert.equal(state.applyEdits([change]), 1, 'Mozilla is dropped at once');
  assert.deepEqual(state.entities.map((e) => text.slice(e.start, e.end)), ['Angela', 'Merkel', 'Berlin', 'Google', 'Paris', 'French']);
  const asked = analyseAll(state, text);
  assert.deepEqual(asked.map((regions) => paragraphOf(text, regions)), [['Google and Siemens are in Paris.']]);
  assert.deepEqual(state.entities.map((e) => e.text), ['Angela', 'Merkel', 'Berlin', 'Google', 'Paris', 'French']);
  for (const entity of state.entities) assert.equal(text.slice(entity.start, entity.end), entity.text);
});

test('joining two paragraphs re-analyses the joined one; deleting text leaves a point that still counts', () => {
  const state = new EntityDocumentState(TEXT.length);
  analyseAll(state, TEXT);
  const breakAt = TEXT.indexOf('\n\nGoogle');
  const change = { offset: breakAt, length: 2, text: ' ' };
  const text = edit(TEXT, change);
  state.applyEdits([change]);
  assert.deepEqual(analyseAll(state, text).map((regions) => paragraphOf(text, regions)), [[`${PARAGRAPHS[1]} ${PARAGRAPHS[2]}`]]);

  const deletion = { offset: text.indexOf(' are here'), length: ' are here'.length, text: '' };
  const shorter = edit(text, deletion);
  state.applyEdits([deletion]);
  assert.deepEqual(state.pending.edited, [[deletion.offset, deletion.offset]]);
  assert.deepEqual(analyseAll(state, shorter).map((regions) => paragraphOf(shorter, regions)), [['The French.']]);
});

test('pressing Enter at the end of a line splits its paragraph, and both halves are analysed again', () => {
  const text = 'Angela Merkel visited\nParis with Google.\n\nThe French are here.';
  const state = new EntityDocumentState(text.length);
  analyseAll(state, text);
  const change = { offset: text.indexOf('\nParis'), length: 0, text: '\n' };
  const split = edit(text, change);
  state.applyEdits([change]);
  assert.deepEqual(analyseAll(state, split).map((regions) => paragraphOf(split, regions)), [['Angela Merkel visited\n\nParis with Google.']]);
});

test('the visible scope analyses only what is in view, and more as it scrolls', () => {
  const state = new EntityDocumentState(TEXT.length, { kind: 'visible' });
  const first = analyseAll(state, TEXT, [[0, 5]]);
  assert.deepEqual(first.map((regions) => paragraphOf(TEXT, regions)), [[PARAGRAPHS[0]]]);
  assert.equal(state.isComplete(lineIndexOf(TEXT), [[0, 5]]), true);
  const last = TEXT.indexOf('French');
  assert.deepEqual(analyseAll(state, TEXT, [[last, last]]).map((regions) => paragraphOf(TEXT, regions)), [[PARAGRAPHS[3]]]);
  assert.deepEqual(state.entities.map((e) => e.text), ['Angela', 'Merkel', 'Berlin', 'French']);
});

test('a range scope (a selection) moves with edits before it', () => {
  const start = TEXT.indexOf('Google');
  const state = new EntityDocumentState(TEXT.length, { kind: 'range', range: [start, start + 6] });
  analyseAll(state, TEXT);
  assert.deepEqual(state.entities.map((e) => e.text), ['Google', 'Mozilla', 'Paris']);
  const change = { offset: 0, length: 0, text: 'Hello. ' };
  state.applyEdits([change]);
  assert.deepEqual(state.scope, { kind: 'range', range: [start + 7, start + 13] });
});

test('the entity under an offset, and its occurrences by kind and normalised text', () => {
  const text = 'Paris is nice. PARIS again, and  Paris\nHilton.';
  const state = new EntityDocumentState(text.length);
  const at = (word: string, from = 0) => text.indexOf(word, from);
  state.accept(
    [[0, text.length]],
    [
      { start: at('Paris'), end: at('Paris') + 5, text: 'Paris', type: 'LOC', score: 0.9 },
      { start: at('PARIS'), end: at('PARIS') + 5, text: 'PARIS', type: 'B-LOC'.slice(2), score: 0.8 },
      { start: at('Paris\n'), end: at('Hilton') + 6, text: 'Paris\nHilton', type: 'PER', score: 0.7 },
    ],
  );
  assert.equal(state.entityAt(at('Paris') + 4)?.text, 'Paris');
  assert.equal(state.entityAt(at('Paris') + 5), undefined, 'the end is not inside');
  assert.equal(state.occurrences({ text: 'paris', type: 'LOC' }).length, 2, 'case does not matter');
  assert.equal(state.occurrences({ text: 'Paris Hilton', type: 'PERSON' }).length, 1, 'a line break reads as a space; PERSON is PER');
});
