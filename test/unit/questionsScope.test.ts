/**
 * The Questions view's scope and status, without an editor: which selections narrow a question
 * (the user's, not a panel's), the status said once, numbers in the user's locale, and the answers
 * kept across a reload.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SelectionScopes } from '../../src/ui/questionScope';
import { readHostToQuestions, readStoredRuns, STORED_RUNS_LIMIT, type QuestionRun } from '../../src/views/questionsMessages';
import { numberText, runFactsText, runStatusText, scopeText } from '../../src/views/questionsText';

const DOC = 'file:///ws/report.md';
const SENTENCE = { start: 120, end: 190 };

describe('which selections narrow the next question', () => {
  test('a selection the user makes narrows it; when it goes, the whole document again', () => {
    const scopes = new SelectionScopes();
    scopes.changed(DOC, { start: 10, end: 40 }, true);
    assert.equal(scopes.counts(DOC, { start: 10, end: 40 }), true);
    scopes.changed(DOC, { start: 25, end: 25 }, true);
    assert.equal(scopes.counts(DOC, { start: 25, end: 25 }), false);
  });

  test('a sentence selected by a click in a results panel does not narrow it', () => {
    const scopes = new SelectionScopes();
    scopes.changed(DOC, SENTENCE, false);
    assert.equal(scopes.counts(DOC, SENTENCE), false);
    // Nor does it when it replaces a selection the user had made.
    scopes.changed(DOC, { start: 0, end: 5 }, true);
    scopes.changed(DOC, SENTENCE, false);
    assert.equal(scopes.counts(DOC, SENTENCE), false);
    // The user selecting that same sentence afterwards is their choice.
    scopes.changed(DOC, SENTENCE, true);
    assert.equal(scopes.counts(DOC, SENTENCE), true);
  });

  test('an editor restoring the selection the user made (back to its tab) keeps it', () => {
    const scopes = new SelectionScopes();
    scopes.changed(DOC, { start: 10, end: 40 }, true);
    scopes.changed(DOC, { start: 10, end: 40 }, false);
    assert.equal(scopes.counts(DOC, { start: 10, end: 40 }), true);
  });

  test('"Ask about the whole document" sets the selection aside until the user selects again', () => {
    const scopes = new SelectionScopes();
    scopes.changed(DOC, { start: 10, end: 40 }, true);
    scopes.setAsideSelection(DOC, { start: 10, end: 40 });
    assert.equal(scopes.counts(DOC, { start: 10, end: 40 }), false);
    scopes.changed(DOC, { start: 10, end: 41 }, true);
    assert.equal(scopes.counts(DOC, { start: 10, end: 41 }), true);
  });

  test('a selection made before the view was watching is the one the user sees, and counts; documents are apart', () => {
    const scopes = new SelectionScopes();
    assert.equal(scopes.counts(DOC, { start: 3, end: 9 }), true);
    scopes.changed(DOC, { start: 3, end: 9 }, false);
    assert.equal(scopes.counts('file:///ws/other.md', { start: 3, end: 9 }), true);
    scopes.forget(DOC);
    assert.equal(scopes.counts(DOC, { start: 3, end: 9 }), true);
  });
});

const SCOPE = { uri: DOC, fileName: 'notes/report.md' };
function run(patch: Partial<QuestionRun>): QuestionRun {
  return { id: 4, question: 'When was the election held?', scope: SCOPE, status: 'done', answers: [], minScore: 0.1, stale: false, ...patch };
}
const ANSWER = { start: 500, end: 504, text: '1998', score: 0.876, line: 1234, sentence: { start: 480, end: 530, text: 'The election was held in 1998.' } };

describe('what became of a question, said once', () => {
  const en = numberText('en');
  const cases: [string, QuestionRun][] = [
    ['running', run({ status: 'running' })],
    ['waiting for its model', run({ status: 'waiting' })],
    ['done with answers', run({ answers: [ANSWER] })],
    ['done without one', run({})],
    ['cancelled without one', run({ status: 'cancelled' })],
    ['cancelled with answers', run({ status: 'cancelled', answers: [ANSWER] })],
    ['failed', run({ status: 'failed', error: 'The question-answering model is not on this machine.' })],
  ];
  for (const [name, shown] of cases) {
    test(`${name}: one sentence, and a hint that does not repeat it`, () => {
      const status = runStatusText(en, shown, 'report.md');
      assert.ok(status.sentence.length > 0);
      if (status.hint) assert.ok(!status.hint.includes(status.sentence) && !status.sentence.includes(status.hint), JSON.stringify(status));
    });
  }

  test('no confident answer: says so, with the threshold, and suggests the other scope', () => {
    const whole = runStatusText(en, run({}), 'report.md');
    assert.equal(whole.tone, 'no-answer');
    assert.equal(whole.sentence, 'No confident answer in report.md.');
    assert.match(whole.hint ?? '', /scored 10% or more .*or about a selection\.$/);
    const narrowed = runStatusText(en, run({ scope: { ...SCOPE, selection: { start: 0, end: 40, startLine: 3, endLine: 3 } } }), 'report.md');
    assert.match(narrowed.hint ?? '', /or about the whole document\.$/);
  });

  test('waiting for a model being set up is not an error: it says the question will be asked once the model is there', () => {
    const waiting = runStatusText(en, run({ status: 'waiting' }), 'report.md');
    assert.equal(waiting.tone, 'info');
    assert.match(waiting.sentence, /Waiting for the question-answering model/);
    assert.match(waiting.hint ?? '', /asked as soon as the model is there/);
  });

  test('a failure is an error with its reason; an answer names the best one', () => {
    const failed = runStatusText(en, run({ status: 'failed', error: 'The worker stopped.' }), 'report.md');
    assert.deepEqual(failed, { tone: 'error', sentence: 'The question could not be answered: The worker stopped.' });
    assert.equal(runStatusText(en, run({ answers: [ANSWER] }), 'report.md').sentence, '1 answer. Best: “1998”, 87%, line 1,234.');
  });
});

describe('numbers in the user’s locale', () => {
  test('scores round down and read as the locale writes percentages and counts', () => {
    const en = numberText('en');
    assert.equal(en.percent(0.998), '99%', 'never a 100% the model does not claim');
    assert.equal(en.percent(0.29), '29%', 'not 28% from binary floating point');
    const de = numberText('de');
    assert.equal(de.percent(0.876), '87\u00a0%');
    assert.equal(de.count(1234), '1.234');
    assert.equal(runStatusText(de, run({ answers: [ANSWER] }), 'report.md').sentence, '1 answer. Best: “1998”, 87\u00a0%, line 1.234.');
    assert.equal(runFactsText(de, run({ windows: 1200, elapsedMs: 1500 })), '1.200 passages read in 1,5 s');
    assert.equal(runFactsText(en, run({ windows: 1, elapsedMs: 34 })), '1 passage read in 34 ms');
  });

  test('the scope is said before asking, its lines in the locale', () => {
    const fr = numberText('fr');
    assert.equal(scopeText(fr, SCOPE), 'the whole document');
    assert.equal(scopeText(fr, { ...SCOPE, selection: { start: 0, end: 9, startLine: 3, endLine: 5 } }), 'the selection (lines 3–5)');
    assert.equal(scopeText(fr, { ...SCOPE, selection: { start: 0, end: 9, startLine: 1200, endLine: 1200 } }), 'the selection (line 1\u202f200)');
  });

  test('a malformed locale never blanks the view: it is dropped at the boundary, and a bad one falls back', () => {
    const shown = readHostToQuestions({ type: 'show', state: { history: [], locale: 'de' } });
    assert.deepEqual(shown, { type: 'show', state: { history: [], locale: 'de' } });
    const bad = readHostToQuestions({ type: 'show', state: { history: [], locale: '<script>' } });
    assert.deepEqual(bad, { type: 'show', state: { history: [] } });
    assert.match(numberText('!!').count(7), /^7$/);
  });
});

describe('answers kept across a reload', () => {
  test('each document’s last answers come back, older than any new question', () => {
    const restored = readStoredRuns([[DOC, run({ id: 9, answers: [ANSWER] })]]);
    assert.deepEqual(restored.get(DOC), run({ id: 0, answers: [ANSWER] }));
  });

  test('a question still running comes back cancelled; errors and damaged entries do not come back', () => {
    const other = 'file:///ws/other.md';
    const restored = readStoredRuns([
      [DOC, run({ status: 'running', progress: { done: 1, total: 9 }, answers: [ANSWER] })],
      [other, run({ status: 'failed', error: 'no model', scope: { uri: other, fileName: 'other.md' } })],
      ['file:///ws/third.md', run({})], // filed under another document than its own
      ['not a uri', run({})],
      [DOC],
    ]);
    assert.deepEqual([...restored.keys()], [DOC]);
    assert.equal(restored.get(DOC)?.status, 'cancelled');
    assert.equal(restored.get(DOC)?.progress, undefined);
    assert.equal(readStoredRuns(undefined).size, 0);
    assert.equal(readStoredRuns({ [DOC]: run({}) }).size, 0);
  });

  test(`only the last ${STORED_RUNS_LIMIT} documents are kept`, () => {
    const stored = Array.from({ length: STORED_RUNS_LIMIT + 5 }, (_, i) => {
      const uri = `file:///ws/doc${i}.md`;
      return [uri, run({ scope: { uri, fileName: `doc${i}.md` } })];
    });
    const restored = readStoredRuns(stored);
    assert.equal(restored.size, STORED_RUNS_LIMIT);
    assert.ok(restored.has(`file:///ws/doc${STORED_RUNS_LIMIT + 4}.md`) && !restored.has('file:///ws/doc0.md'));
  });
});
