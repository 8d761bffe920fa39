import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PiiFinding, PiiResult } from '../../src/protocol';
import { DEFAULT_CONTROLS, readPersistedState, tabTitle, type PiiView } from '../../src/views/messages';
import { findingText, piiTypeName, restoredType, typeCounts, visibleFindings } from '../../src/webview/piiItems';

const TEXT = 'Mail angela@example.com or call +49 30 901820. Angela Merkel 👩‍💼 paid with 4111 1111 1111 1111; bob@example.org';

function finding(text: string, type: string, source: PiiFinding['source'] = 'pattern', score = 0.9): PiiFinding {
  const start = TEXT.indexOf(text);
  assert.ok(start >= 0, `${text} is in the text`);
  return { start, end: start + text.length, text, type, score, source };
}

const FINDINGS = [
  finding('angela@example.com', 'EMAIL_ADDRESS'),
  finding('+49 30 901820', 'PHONE_NUMBER'),
  finding('Angela Merkel', 'PERSON', 'model', 0.97),
  finding('4111 1111 1111 1111', 'CREDIT_CARD'),
  finding('bob@example.org', 'EMAIL_ADDRESS'),
];

function result(entities: PiiFinding[]): PiiResult {
  return { entities, models: [], model: null, device: null, elapsedMs: 3 };
}

function persisted(view: unknown, controls: unknown = DEFAULT_CONTROLS) {
  return readPersistedState({ schema: 1, state: { content: { view: 'pii', pii: view }, stale: false }, controls });
}

test('the personal-data view counts findings per type, the most frequent type first', () => {
  assert.deepEqual(typeCounts(FINDINGS), [
    { type: 'EMAIL_ADDRESS', count: 2 },
    { type: 'PHONE_NUMBER', count: 1 },
    { type: 'PERSON', count: 1 },
    { type: 'CREDIT_CARD', count: 1 },
  ]);
  assert.deepEqual(typeCounts([]), []);
});

test('the list is in document order, and a type narrows it to that type', () => {
  const shuffled = [FINDINGS[3], FINDINGS[0], FINDINGS[4], FINDINGS[2], FINDINGS[1]];
  assert.deepEqual(visibleFindings(shuffled, undefined).map(({ finding }) => finding.text), FINDINGS.map((f) => f.text));
  // Each keeps its index in the result, which is what its line is looked up by.
  assert.deepEqual(visibleFindings(shuffled, 'EMAIL_ADDRESS').map(({ finding, index }) => [finding.text, index]), [['angela@example.com', 1], ['bob@example.org', 2]]);
  assert.deepEqual(visibleFindings(shuffled, 'IBAN_CODE'), []);
});

test('a persisted type filter comes back only while the new result still has that type', () => {
  assert.equal(restoredType(FINDINGS, 'PERSON'), 'PERSON');
  assert.equal(restoredType(FINDINGS, 'IBAN_CODE'), undefined, 'a filter that would list nothing is dropped');
  assert.equal(restoredType(FINDINGS, undefined), undefined);
});

test('types read as people say them; a type of the user’s own patterns as they named it', () => {
  assert.equal(piiTypeName('EMAIL_ADDRESS'), 'E-mail address');
  assert.equal(piiTypeName('CREDIT_CARD'), 'Card number');
  assert.equal(piiTypeName('EMPLOYEE_ID'), 'EMPLOYEE_ID');
});

test('a long finding (a PEM key) shows on one line, shortened, never cutting an emoji in half', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(200)}\n-----END PRIVATE KEY-----`;
  const shown = findingText(pem);
  assert.ok(shown.startsWith('-----BEGIN PRIVATE KEY-----⏎AAA'));
  assert.ok(shown.endsWith('⏎-----END PRIVATE KEY-----'.slice(-20)));
  assert.ok([...shown].length <= 80);
  assert.ok(!shown.includes('\n'));
  const emoji = '😀'.repeat(100);
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(findingText(emoji)), 'no lone surrogate');
});

test('the panel reads back a persisted personal-data tab, with its lines and its type filter', () => {
  const view: PiiView = { uri: 'file:///notes.md', version: 3, fileName: 'notes.md', result: result(FINDINGS), lines: [1, 1, 1, 2, 2] };
  const restored = persisted(view, { ...DEFAULT_CONTROLS, pii: { type: 'PERSON' } });
  assert.equal(restored?.state.content.view, 'pii');
  assert.deepEqual(restored?.controls.pii, { type: 'PERSON' });
  assert.equal(tabTitle(restored!.state.content as never), 'Personal Data');
  // Without lines (the document was not open), still a view.
  assert.equal(persisted({ ...view, lines: undefined })?.state.content.view, 'pii');
  // Older state without the view's controls: all types.
  assert.deepEqual(persisted(view, { groupBy: 'paragraph', sortBy: 'document', filter: '' })?.controls.pii, {});
});

test('a persisted personal-data tab that does not read is refused rather than rendered', () => {
  const view = { uri: 'file:///notes.md', version: 3, fileName: 'notes.md', result: result(FINDINGS) };
  assert.equal(persisted({ ...view, lines: [1, 2] }), undefined, 'a line per finding, or none');
  assert.equal(persisted({ ...view, result: result([{ ...FINDINGS[0], source: 'guess' as never }]) }), undefined, 'an unknown source');
  assert.equal(persisted({ ...view, result: result([{ ...FINDINGS[0], start: -1 }]) }), undefined, 'a negative offset');
});
