import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closeTab,
  markStaleTabs,
  MAX_PANEL_TABS,
  panelTabs,
  readHostToWebview,
  readPersistedState,
  readWebviewToHost,
  selectTab,
  tabKey,
  tabTitle,
  withResult,
  type EntitiesView,
  type PanelState,
  type SentimentView,
  type ShownContent,
} from '../../src/views/messages';
import { count, decimal, percent, plural, setNumberLocale } from '../../src/webview/format';

const MODEL = { task: 'entities', id: 'ner', source: 'bundled', dir: '/m', file: 'onnx/model.onnx', precision: 'int8' } as const;
const DEVICE = { requested: 'auto', used: 'cpu' } as const;

function entities(uri: string, names: string[]): ShownContent {
  const view: EntitiesView = {
    uri,
    version: 1,
    fileName: uri.replace('file:///', ''),
    result: {
      entities: names.map((text, i) => ({ start: i * 10, end: i * 10 + text.length, text, type: 'PER', score: 0.9 })),
      model: MODEL,
      device: DEVICE,
      paragraphsAnalysed: 1,
      paragraphsCached: 0,
      elapsedMs: 5,
    },
  };
  return { view: 'entities', entities: view };
}

function sentiment(uri: string): ShownContent {
  const score = { label: 'POSITIVE' as const, score: 0.9, positive: 0.9 };
  const view: SentimentView = {
    uri,
    version: 1,
    fileName: uri.replace('file:///', ''),
    result: {
      document: score,
      paragraphs: [{ start: 0, end: 5, text: 'Good.', ...score }],
      sentences: [{ start: 0, end: 5, text: 'Good.', paragraph: 0, ...score }],
      cachedSentences: 0,
      model: { ...MODEL, task: 'sentiment', id: 'sst2' },
      device: DEVICE,
      elapsedMs: 5,
    },
  };
  return { view: 'sentiment', sentiment: view };
}

const EMPTY: PanelState = { content: { view: 'empty' }, stale: false };

test('running another task keeps the results of the first in a tab of their own', () => {
  let state = withResult(EMPTY, sentiment('file:///a.md'), false, true);
  state = withResult(state, entities('file:///a.md', ['Merkel']), false, true);
  assert.equal(state.content.view, 'entities', 'the newest results are shown');
  assert.deepEqual(
    panelTabs(state).map(({ tab, selected }) => [tabTitle(tab.content), selected]),
    [
      ['Sentiment', false],
      ['Entities', true],
    ],
  );
  // Choosing the sentiment tab shows it, whole, and keeps the entities.
  const back = selectTab(state, tabKey(sentiment('file:///a.md')));
  assert.deepEqual(back?.content, sentiment('file:///a.md'));
  assert.deepEqual(back?.kept?.map((tab) => tab.content.view), ['entities']);
});

test('a new result of a task replaces its tab for the same document, and opens another for another document', () => {
  let state = withResult(EMPTY, entities('file:///a.md', ['Merkel']), false, true);
  state = withResult(state, entities('file:///a.md', ['Merkel', 'Paris']), false, true);
  assert.equal(panelTabs(state).length, 1);
  assert.equal(state.content.view === 'entities' && state.content.entities.result.entities.length, 2);
  state = withResult(state, entities('file:///b.md', ['Bonn']), false, true);
  assert.deepEqual(
    panelTabs(state).map(({ tab }) => tab.content.view === 'entities' && tab.content.entities.fileName),
    ['a.md', 'b.md'],
  );
});

test('a refresh of the highlights updates its tab without showing it, and opens none', () => {
  let state = withResult(EMPTY, entities('file:///a.md', ['Merkel']), false, true);
  state = withResult(state, sentiment('file:///a.md'), false, true);
  const refreshed = withResult(state, entities('file:///a.md', ['Merkel', 'Bonn']), false, false);
  assert.equal(refreshed.content.view, 'sentiment', 'the sentiment the user reads stays shown');
  const kept = refreshed.kept?.[0]?.content;
  assert.equal(kept?.view === 'entities' && kept.entities.result.entities.length, 2);
  assert.equal(withResult(state, entities('file:///other.md', ['X']), false, false), state, 'no tab for a document the user never asked about');
});

test('editing a document marks every tab of it stale, and only those', () => {
  let state = withResult(EMPTY, entities('file:///a.md', ['Merkel']), false, true);
  state = withResult(state, sentiment('file:///b.md'), false, true);
  state = withResult(state, sentiment('file:///a.md'), false, true);
  const marked = markStaleTabs(state, 'file:///a.md');
  assert.deepEqual(
    panelTabs(marked).map(({ tab }) => [tab.content.view, (tab.content as unknown as Record<string, { fileName: string }>)[tab.content.view].fileName, tab.stale]),
    [
      ['sentiment', 'a.md', true],
      ['sentiment', 'b.md', false],
      ['entities', 'a.md', true],
    ],
  );
  assert.equal(markStaleTabs(marked, 'file:///a.md'), marked, 'marking again changes nothing');
});

test('closing the shown tab shows the one shown just before it; closing the last leaves the empty panel', () => {
  let state = withResult(EMPTY, sentiment('file:///a.md'), false, true);
  state = withResult(state, entities('file:///a.md', ['Merkel']), false, true);
  state = closeTab(state, tabKey(state.content as ShownContent));
  assert.equal(state.content.view, 'sentiment');
  assert.equal(state.kept, undefined);
  assert.deepEqual(closeTab(state, tabKey(state.content as ShownContent)).content, { view: 'empty' });
});

test(`at most ${MAX_PANEL_TABS} tabs are kept: the one shown least recently goes first`, () => {
  let state = EMPTY;
  for (let i = 0; i <= MAX_PANEL_TABS; i++) state = withResult(state, sentiment(`file:///${i}.md`), false, true);
  const names = panelTabs(state).map(({ tab }) => (tab.content.view === 'sentiment' ? tab.content.sentiment.fileName : ''));
  assert.equal(names.length, MAX_PANEL_TABS);
  assert.ok(!names.includes('0.md') && names.includes(`${MAX_PANEL_TABS}.md`), names.join());
});

test('tabs survive a reload: persisted, read back, and a broken kept tab is dropped alone', () => {
  let state = withResult(EMPTY, sentiment('file:///a.md'), false, true);
  state = withResult(state, entities('file:///a.md', ['Merkel']), true, true);
  const broken = { content: { view: 'sentiment', sentiment: { uri: 'file:///x.md' } }, stale: false };
  const restored = readPersistedState({ schema: 1, state: { ...state, kept: [...(state.kept ?? []), broken] }, controls: {} });
  assert.deepEqual(restored?.state, state);
  // The message the host sends with them reads too; a tab strip of junk does not.
  assert.ok(readHostToWebview({ type: 'show', state }));
  assert.equal(readHostToWebview({ type: 'show', state: { ...state, kept: [broken] } }), undefined);
});

test('the webview may choose, close a tab, and set hidden kinds; nothing else passes', () => {
  assert.deepEqual(readWebviewToHost({ type: 'selectTab', key: 'entities||file:///a.md' }), { type: 'selectTab', key: 'entities||file:///a.md' });
  assert.deepEqual(readWebviewToHost({ type: 'closeTab', key: 'k' }), { type: 'closeTab', key: 'k' });
  assert.equal(readWebviewToHost({ type: 'selectTab', key: 5 }), undefined);
  assert.deepEqual(readWebviewToHost({ type: 'setHiddenEntityKinds', kinds: ['LOC', 'PER', 'LOC'] }), { type: 'setHiddenEntityKinds', kinds: ['LOC', 'PER'] });
  assert.equal(readWebviewToHost({ type: 'setHiddenEntityKinds', kinds: ['GPE'] }), undefined, 'only the setting’s kinds');
  assert.ok(readHostToWebview({ type: 'settings', settings: { locale: 'de', hiddenEntityKinds: ['MISC'] } }));
  assert.equal(readHostToWebview({ type: 'settings', settings: { locale: 'not a tag!', hiddenEntityKinds: [] } }), undefined);
});

test('numbers are written in the language the host names', () => {
  setNumberLocale('de');
  assert.equal(count(1234567), '1.234.567');
  assert.equal(decimal(3.25, 1), '3,3');
  assert.equal(plural(1234, 'sentence'), '1.234 sentences');
  assert.equal(percent(0.998), '99\u00a0%', 'rounded down, never 100 % for less than certain');
  setNumberLocale('en');
  assert.equal(count(1234567), '1,234,567');
  assert.equal(percent(0.5), '50%');
  setNumberLocale('???');
  assert.equal(count(1234), '1,234', 'a tag Intl refuses keeps the language before');
});
