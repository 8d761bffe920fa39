/**
 * The checks on what crosses between the extension host and its webviews (results panel and
 * Questions view), both ways: every message a webview script can send passes, as a fresh copy;
 * malformed ones (wrong types, missing or extra fields, bad offsets, prototype-pollution keys,
 * extra nesting) are refused, so that the hosts log and drop them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SentimentResult } from '../../src/protocol';
import {
  MAX_TOPIC_LABEL_LENGTH,
  MAX_TOPIC_LABELS,
  readHostToWebview,
  readPersistedState,
  readWebviewToHost,
  type EntitiesView,
  type SentimentView,
  type TopicsView,
  type WebviewToHost,
} from '../../src/views/messages';
import {
  MAX_QUESTION_LENGTH,
  readHostToQuestions,
  readQuestionsToHost,
  type QuestionRun,
  type QuestionsToHost,
} from '../../src/views/questionsMessages';
import { describeValue, isSafeAttributeName, MAX_OFFSET } from '../../src/validate';

const URI = 'file:///work/notes.md';
const MODEL = { task: 'sentiment', id: 'sst2', source: 'bundled', dir: '/m', file: 'onnx/model.onnx', precision: 'int8' } as const;
const DEVICE = { requested: 'auto', used: 'cpu' } as const;

const SENTIMENT: SentimentView = {
  uri: URI,
  version: 2,
  fileName: 'notes.md',
  result: {
    document: { label: 'POSITIVE', score: 0.9, positive: 0.9 },
    paragraphs: [{ start: 0, end: 11, text: 'Good day.', label: 'POSITIVE', score: 0.9, positive: 0.9 }],
    sentences: [{ start: 0, end: 11, text: 'Good day.', label: 'POSITIVE', score: 0.9, positive: 0.9, paragraph: 0 }],
    model: MODEL,
    device: DEVICE,
    cachedSentences: 0,
    elapsedMs: 3,
  },
};

const ENTITIES: EntitiesView = {
  uri: URI,
  version: 2,
  fileName: 'notes.md',
  result: {
    entities: [{ start: 0, end: 6, text: 'Merkel', type: 'PER', score: 0.97 }],
    model: { ...MODEL, task: 'entities' },
    device: { requested: 'gpu', used: 'cpu', fallbackReason: 'no CUDA' },
    paragraphsAnalysed: 1,
    paragraphsCached: 0,
    elapsedMs: 4,
  },
};

const TOPICS: TopicsView = {
  uri: URI,
  version: 2,
  fileName: 'notes.md',
  labels: ['sports', 'business'],
  multiLabel: false,
  sectionLines: [1],
  result: {
    document: [{ label: 'sports', score: 0.8 }, { label: 'business', score: 0.2 }],
    sections: [{ start: 0, end: 20, text: '# Match\nA goal.', heading: 'Match', labels: [{ label: 'sports', score: 0.8 }] }],
    model: { ...MODEL, task: 'topics' },
    device: DEVICE,
    pairs: 2,
    elapsedMs: 5,
  },
};

const RUN: QuestionRun = {
  id: 1,
  question: 'When?',
  scope: { uri: URI, fileName: 'notes.md' },
  status: 'done',
  answers: [{ start: 21, end: 25, text: '1932', score: 0.9, line: 3, sentence: { start: 0, end: 50, text: 'The bridge opened in 1932 after four years of work.' } }],
  minScore: 0.1,
  stale: false,
};

/** Every message the results panel's script sends (src/webview/panel.ts). */
const PANEL_MESSAGES: WebviewToHost[] = [
  { type: 'ready' },
  { type: 'reveal', uri: URI, start: 0, end: 11, focusEditor: false },
  { type: 'reveal', uri: 'untitled:Untitled-1', start: 5, end: 5, focusEditor: true },
  { type: 'rerun', uri: URI },
  { type: 'classifyTopics', uri: URI, labels: ['sports', 'Wirtschaft, Märkte'], multiLabel: true },
  { type: 'saveTopicLabels', labels: ['science'] },
  { type: 'exportTopics', format: 'json', destination: 'clipboard' },
  { type: 'exportTopics', format: 'csv', destination: 'file' },
  { type: 'exportSentiment', uri: 'file:///work/notes.md', format: 'csv', destination: 'file' },
  { type: 'findMentions', entity: { uri: 'file:///work/notes.md', start: 12, text: 'Angela Merkel', type: 'PER' } },
];

/** Every message the Questions view's script sends (src/webview/questions.ts). */
const QUESTIONS_MESSAGES: QuestionsToHost[] = [
  { type: 'ready' },
  { type: 'ask', question: 'When did the bridge open?' },
  { type: 'cancel' },
  { type: 'reveal', uri: URI, start: 21, end: 25, focusEditor: false },
  { type: 'wholeDocument' },
];

const reveal = { type: 'reveal', uri: URI, start: 0, end: 11, focusEditor: false };

/** Malformed messages either webview could be made to send, with what is wrong with each. */
const MALFORMED_REVEALS: [string, unknown][] = [
  ['a negative start', { ...reveal, start: -1 }],
  ['a fractional offset', { ...reveal, end: 11.5 }],
  ['NaN', { ...reveal, start: Number.NaN }],
  ['Infinity', { ...reveal, end: Number.POSITIVE_INFINITY }],
  ['an offset no string can reach', { ...reveal, end: MAX_OFFSET + 1 }],
  ['an unsafe integer', { ...reveal, end: 2 ** 60 }],
  ['start after end', { ...reveal, start: 12, end: 11 }],
  ['an offset as a string', { ...reveal, start: '0' }],
  ['a missing end', { type: 'reveal', uri: URI, start: 0, focusEditor: false }],
  ['focusEditor as a string', { ...reveal, focusEditor: 'true' }],
  ['a uri that is not a string', { ...reveal, uri: { scheme: 'file', path: '/etc/passwd' } }],
  ['a uri without a scheme', { ...reveal, uri: '/etc/passwd' }],
  ['a uri of a megabyte', { ...reveal, uri: `file:///${'a'.repeat(1_000_000)}` }],
  ['an extra field', { ...reveal, command: 'workbench.action.quit' }],
  ['extra nesting', { type: 'reveal', payload: reveal }],
  ['a __proto__ key', JSON.parse(`{"type":"reveal","uri":"${URI}","start":0,"end":1,"focusEditor":false,"__proto__":{"polluted":true}}`)],
  ['a constructor key', { ...reveal, constructor: { prototype: { polluted: true } } }],
];

const COMMON_MALFORMED: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['a string', 'ready'],
  ['a number', 7],
  ['an array', [{ type: 'ready' }]],
  ['no type', {}],
  ['an unknown type', { type: 'runCommand', command: 'workbench.action.quit' }],
  ['a type of another case', { type: 'READY' }],
  ['a type that is not a string', { type: ['ready'] }],
  ['ready with an extra field', { type: 'ready', then: 'quit' }],
  ['ready with a __proto__ key', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
  ...MALFORMED_REVEALS,
];

const MALFORMED_PANEL: [string, unknown][] = [
  ...COMMON_MALFORMED,
  ['rerun without a uri', { type: 'rerun' }],
  ['rerun of a number', { type: 'rerun', uri: 42 }],
  ['no labels', { type: 'classifyTopics', uri: URI, labels: [], multiLabel: false }],
  ['labels as a string', { type: 'classifyTopics', uri: URI, labels: 'sports', multiLabel: false }],
  ['a label that is not a string', { type: 'classifyTopics', uri: URI, labels: ['sports', 3], multiLabel: false }],
  ['a nested label list', { type: 'saveTopicLabels', labels: [['sports']] }],
  ['a blank label', { type: 'saveTopicLabels', labels: ['sports', '   '] }],
  ['an untrimmed label', { type: 'saveTopicLabels', labels: [' sports'] }],
  ['a label too long', { type: 'saveTopicLabels', labels: ['x'.repeat(MAX_TOPIC_LABEL_LENGTH + 1)] }],
  ['too many labels', { type: 'saveTopicLabels', labels: Array.from({ length: MAX_TOPIC_LABELS + 1 }, (_, i) => `label ${i}`) }],
  ['multiLabel as a number', { type: 'classifyTopics', uri: URI, labels: ['sports'], multiLabel: 1 }],
  ['an export format not offered', { type: 'exportTopics', format: 'html', destination: 'file' }],
  ['an export destination not offered', { type: 'exportTopics', format: 'json', destination: '/etc/passwd' }],
  ['an export destination inherited from Object', { type: 'exportTopics', format: 'json', destination: 'toString' }],
  ['a sentiment export with no document', { type: 'exportSentiment', format: 'csv', destination: 'file' }],
  ['a Questions message', { type: 'ask', question: 'When?' }],
  ['find mentions of a blank entity', { type: 'findMentions', entity: { uri: URI, start: 0, text: '  ', type: 'PER' } }],
  ['find mentions at a negative offset', { type: 'findMentions', entity: { uri: URI, start: -1, text: 'Paris', type: 'LOC' } }],
  ['find mentions with an extra field', { type: 'findMentions', entity: { uri: URI, start: 0, text: 'Paris', type: 'LOC' }, command: 'x' }],
];

const MALFORMED_QUESTIONS: [string, unknown][] = [
  ...COMMON_MALFORMED,
  ['a blank question', { type: 'ask', question: '  \n ' }],
  ['a question that is not a string', { type: 'ask', question: { toString: 'When?' } }],
  ['a question too long', { type: 'ask', question: 'Why? '.repeat(MAX_QUESTION_LENGTH) }],
  ['cancel with an extra field', { type: 'cancel', id: 3 }],
  ['a panel message', { type: 'rerun', uri: URI }],
];

describe('messages from the results panel webview', () => {
  test('every message the panel sends passes, as a fresh copy', () => {
    for (const message of PANEL_MESSAGES) {
      const read = readWebviewToHost(message);
      assert.deepEqual(read, message);
      assert.notEqual(read, message, 'a copy, not the object received');
    }
    const classify = readWebviewToHost(PANEL_MESSAGES[4]);
    assert.ok(classify?.type === 'classifyTopics');
    assert.notEqual(classify.labels, (PANEL_MESSAGES[4] as { labels: string[] }).labels, 'the label list is copied too');
  });

  test('the most labels the editor allows pass, one more does not', () => {
    const labels = Array.from({ length: MAX_TOPIC_LABELS }, (_, i) => `label ${i}`);
    assert.ok(readWebviewToHost({ type: 'saveTopicLabels', labels }));
    assert.ok(readWebviewToHost({ type: 'saveTopicLabels', labels: ['x'.repeat(MAX_TOPIC_LABEL_LENGTH)] }));
  });

  for (const [what, message] of MALFORMED_PANEL) {
    test(`refused: ${what}`, () => {
      assert.equal(readWebviewToHost(message), undefined);
    });
  }
});

describe('messages from the Questions view webview', () => {
  test('every message the view sends passes, as a fresh copy', () => {
    for (const message of QUESTIONS_MESSAGES) {
      const read = readQuestionsToHost(message);
      assert.deepEqual(read, message);
      assert.notEqual(read, message);
    }
    assert.ok(readQuestionsToHost({ type: 'ask', question: 'x'.repeat(MAX_QUESTION_LENGTH) }), 'the longest question the box takes');
  });

  for (const [what, message] of MALFORMED_QUESTIONS) {
    test(`refused: ${what}`, () => {
      assert.equal(readQuestionsToHost(message), undefined);
    });
  }
});

test('reading hostile messages pollutes no prototype', () => {
  for (const [, message] of [...MALFORMED_PANEL, ...MALFORMED_QUESTIONS]) {
    readWebviewToHost(message);
    readQuestionsToHost(message);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

describe('messages from the extension host to the results panel', () => {
  test('each kind of content, the staleness and the notices pass', () => {
    const shows = [
      { type: 'show', state: { content: { view: 'empty' }, stale: false } },
      { type: 'show', state: { content: { view: 'sentiment', sentiment: SENTIMENT }, stale: true, notice: { kind: 'running', fileName: 'a.md' } } },
      { type: 'show', state: { content: { view: 'sentiment', sentiment: { ...SENTIMENT, selection: { start: 0, end: 5 } } }, stale: false } },
      { type: 'show', state: { content: { view: 'entities', entities: ENTITIES }, stale: false } },
      { type: 'show', state: { content: { view: 'topics', topics: TOPICS }, stale: false, notice: { kind: 'error', message: 'no model' } } },
      { type: 'stale', stale: true },
      { type: 'notice', notice: { kind: 'running', fileName: 'notes.md' } },
      { type: 'notice', notice: undefined },
    ];
    for (const message of shows) assert.deepEqual(readHostToWebview(message), message);
  });

  const sentimentWith = (result: Partial<Record<keyof SentimentResult, unknown>>) => ({
    type: 'show',
    state: { content: { view: 'sentiment', sentiment: { ...SENTIMENT, result: { ...SENTIMENT.result, ...result } } }, stale: false },
  });
  const sentence = SENTIMENT.result.sentences[0];
  const malformed: [string, unknown][] = [
    ['an unknown type', { type: 'eval', code: 'alert(1)' }],
    ['show without a state', { type: 'show' }],
    ['an unknown view', { type: 'show', state: { content: { view: 'html', html: '<img src=x>' }, stale: false } }],
    ['stale as a string', { type: 'stale', stale: 'yes' }],
    ['a notice of an unknown kind', { type: 'notice', notice: { kind: 'html', message: '<b>x</b>' } }],
    ['a sentence whose text is not a string', sentimentWith({ sentences: [{ ...sentence, text: { nodeType: 1 } }] })],
    ['a sentence without a score', sentimentWith({ sentences: [{ ...sentence, score: undefined }] })],
    ['a NaN score', sentimentWith({ sentences: [{ ...sentence, score: Number.NaN }] })],
    ['a label outside the three', sentimentWith({ sentences: [{ ...sentence, label: 'x" onmouseover="alert(1)' }] })],
    ['a negative offset', sentimentWith({ sentences: [{ ...sentence, start: -4 }] })],
    ['sentences that are not an array', sentimentWith({ sentences: { length: 1, 0: sentence } })],
    ['no model', sentimentWith({ model: undefined })],
    ['a device without its name', sentimentWith({ device: { requested: 'auto' } })],
    ['a fallback reason that is not text', sentimentWith({ device: { ...DEVICE, fallbackReason: ['<b>'] } })],
    ['a uri without a scheme', { type: 'show', state: { content: { view: 'entities', entities: { ...ENTITIES, uri: 'notes.md' } }, stale: false } }],
    [
      'an entity type that is not text',
      { type: 'show', state: { content: { view: 'entities', entities: { ...ENTITIES, result: { ...ENTITIES.result, entities: [{ ...ENTITIES.result.entities[0], type: 7 }] } } }, stale: false } },
    ],
    ['topic labels that are not text', { type: 'show', state: { content: { view: 'topics', topics: { ...TOPICS, labels: [{}] } }, stale: false } }],
    [
      'a section heading that is not text',
      {
        type: 'show',
        state: { content: { view: 'topics', topics: { ...TOPICS, result: { ...TOPICS.result, sections: [{ ...TOPICS.result.sections[0], heading: 5 }] } } }, stale: false },
      },
    ],
  ];
  for (const [what, message] of malformed) {
    test(`refused: ${what}`, () => {
      assert.equal(readHostToWebview(message), undefined);
    });
  }

  test('persisted state is checked as thoroughly: a damaged sentence drops the saved results', () => {
    const controls = { groupBy: 'label', sortBy: 'document', filter: '' };
    const saved = (sentiment: unknown) => ({ schema: 1, state: { content: { view: 'sentiment', sentiment }, stale: false }, controls });
    assert.ok(readPersistedState(saved(SENTIMENT)));
    assert.equal(readPersistedState(saved({ ...SENTIMENT, result: { ...SENTIMENT.result, sentences: [{ ...sentence, text: 5 }] } })), undefined);
  });
});

describe('messages from the extension host to the Questions view', () => {
  test('show and focus pass', () => {
    const show = { type: 'show', state: { scope: RUN.scope, history: ['When?'], run: RUN } };
    assert.deepEqual(readHostToQuestions(show), show);
    assert.deepEqual(readHostToQuestions({ type: 'show', state: { history: [] } }), { type: 'show', state: { history: [] } });
    assert.deepEqual(readHostToQuestions({ type: 'focus' }), { type: 'focus', question: undefined });
    assert.deepEqual(readHostToQuestions({ type: 'focus', question: 'Who?' }), { type: 'focus', question: 'Who?' });
  });

  test('an answer the view could not render is left out; the rest shows', () => {
    const broken = { ...RUN.answers[0], sentence: { start: 0, end: 3 } };
    const read = readHostToQuestions({ type: 'show', state: { history: [], run: { ...RUN, answers: [broken, RUN.answers[0]] } } });
    assert.ok(read?.type === 'show');
    assert.deepEqual(read.state.run?.answers, RUN.answers);
  });

  const malformed: [string, unknown][] = [
    ['an unknown type', { type: 'html', html: '<script>' }],
    ['show without a state', { type: 'show' }],
    ['a history that is not text', { type: 'show', state: { history: [1, 2] } }],
    ['a scope without a uri', { type: 'show', state: { history: [], scope: { fileName: 'a.md' } } }],
    ['a run of an unknown status', { type: 'show', state: { history: [], run: { ...RUN, status: 'hacked' } } }],
    ['a run whose question is not text', { type: 'show', state: { history: [], run: { ...RUN, question: ['When?'] } } }],
    ['focus with a question that is not text', { type: 'focus', question: 42 }],
  ];
  for (const [what, message] of malformed) {
    test(`refused: ${what}`, () => {
      assert.equal(readHostToQuestions(message), undefined);
    });
  }
});

test('a refused message is described for the log by its type and keys, never its content', () => {
  const described = describeValue({ type: 'ask', question: 'the private text of my document' });
  assert.equal(described, '"ask" with keys "type", "question"');
  assert.doesNotMatch(described, /private/);
  assert.equal(describeValue({ type: 'x\nFAKE LOG LINE' }), '"x\\nFAKE LOG LINE" with keys "type"', 'control characters stay quoted');
  assert.equal(describeValue([1, 2]), 'an array of 2');
  assert.equal(describeValue(null), 'null');
});

test('the webview builds no element with an attribute that runs, loads or navigates', () => {
  for (const name of ['role', 'title', 'aria-label', 'data-start', 'data-type', 'tabindex', 'maxlength', 'type', 'value', 'for', 'id']) {
    assert.ok(isSafeAttributeName(name), name);
  }
  for (const name of ['onclick', 'ONERROR', 'onmouseover', 'href', 'src', 'srcdoc', 'style', 'formaction', 'xlink:href', 'data', 'x y', '"', '']) {
    assert.equal(isSafeAttributeName(name), false, name);
  }
});
