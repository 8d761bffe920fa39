/**
 * The results panel's script (bundled to `dist/webview/panel.js`). It paints what it persisted,
 * says `ready`, then renders whatever the host sends. The host owns the results; this script owns
 * only the user's view choices, and keeps both with `setState` so a reload (or VS Code restoring
 * the panel through its serializer) shows the same thing.
 *
 * Each task's results have a tab (a WAI-ARIA tablist: the arrows, Home and End move between tabs
 * and show them, Delete closes one); choosing a tab shows it at once and tells the host.
 */

import { renderClassifyView } from './classifyView';
import { h } from './dom';
import { renderEntitiesView, type EntitiesViewHandle } from './entitiesView';
import { baseName, setNumberLocale } from './format';
import {
  closeTab,
  contentUri,
  DEFAULT_CONTROLS,
  panelTabs,
  readHostToWebview,
  readPersistedState,
  selectTab,
  tabTitle,
  type PanelSettings,
  type PanelControls,
  type PanelNotice,
  type PanelView,
  type PanelViews,
  type PanelState,
  type PersistedPanelState,
  type WebviewToHost,
} from '../views/messages';
import { renderPiiView } from './piiView';
import { renderLanguageView } from './languageView';
import { renderSentimentView } from './sentimentView';
import { renderTopicsView } from './topicsView';
import { describeValue } from '../validate';
import { normaliseEntityText } from '../entityTypes';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PersistedPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let persisted: PersistedPanelState = readPersistedState(vscode.getState()) ?? {
  schema: 1,
  state: { content: { view: 'empty' }, stale: false },
  controls: DEFAULT_CONTROLS,
};

if (persisted.settings) setNumberLocale(persisted.settings.locale);

// Separate slots, so a notice, the tabs or the stale banner can change without rebuilding the
// results (which would lose the focused row and the scroll position).
const noticeSlot = h('div', { className: 'notice-slot', attrs: { 'aria-live': 'polite' } });
const tabStrip = h('div', { className: 'tab-strip', attrs: { role: 'tablist', 'aria-label': 'Results by task' } });
const bannerSlot = h('div', { className: 'banner-slot' });
const contentSlot = h('div', { className: 'content-slot', attrs: { id: 'results-tabpanel', role: 'tabpanel' } });
(document.getElementById('app') ?? document.body).replaceChildren(noticeSlot, tabStrip, bannerSlot, contentSlot);

function save(): void {
  vscode.setState(persisted);
}

function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

/** The entities view on screen, which new results for the same document update in place. */
let entitiesView: EntitiesViewHandle | undefined;

/** Keeps the user's choices for a view (they survive reloads and new results). */
function saveControls(controls: Partial<PanelControls>): void {
  const hiddenBefore = persisted.controls.entities.hiddenTypes;
  persisted = { ...persisted, controls: { ...persisted.controls, ...controls } };
  save();
  // The type checkboxes hide kinds in the editor too: the host writes the setting, and every
  // panel and the highlights follow it.
  const hidden = persisted.controls.entities.hiddenTypes;
  if (controls.entities && JSON.stringify(hidden) !== JSON.stringify(hiddenBefore)) {
    post({ type: 'setHiddenEntityKinds', kinds: hidden as PanelSettings['hiddenEntityKinds'] });
  }
}

/** Each view's renderer (a view of PanelViews missing here does not compile); `reveal` selects a span of its document. */
const VIEWS: { [V in PanelView]: (view: PanelViews[V], reveal: (start: number, end: number, focusEditor: boolean) => void) => HTMLElement } = {
  sentiment: (view, reveal) =>
    renderSentimentView(view, persisted.controls, {
      onControlsChange: (controls) => saveControls(controls),
      reveal,
      exportSentiment: (format, destination) => post({ type: 'exportSentiment', uri: view.uri, format, destination }),
    }),
  entities: (view, reveal) => {
    entitiesView = renderEntitiesView(view, persisted.controls.entities, { onControlsChange: (entities) => saveControls({ entities }), reveal });
    return withFindMentions(entitiesView.element);
  },
  topics: (view, reveal) =>
    renderTopicsView(view, {
      reveal,
      classify: (labels, multiLabel) => post({ type: 'classifyTopics', uri: view.uri, labels, multiLabel }),
      saveLabels: (labels) => post({ type: 'saveTopicLabels', labels }),
      exportTopics: (format, destination) => post({ type: 'exportTopics', format, destination }),
    }),
  classify: (view, reveal) => renderClassifyView(view, persisted.controls.classify, { onControlsChange: (classify) => saveControls({ classify }), reveal }),
  pii: (view, reveal) => renderPiiView(view, persisted.controls.pii, { onControlsChange: (pii) => saveControls({ pii }), reveal }),
  language: (view, reveal) => renderLanguageView(view, { reveal }),
};

/** VS Code's Find All References key, which on a focused entity row finds its mentions in the workspace. */
const isFindReferencesKey = (event: KeyboardEvent) => event.key === 'F12' && event.shiftKey && event.altKey;

/**
 * *Find Mentions in Workspace* in the entities view: a button beside the filters for the selected
 * row (the one activated last), and Shift+Alt+F12 on a focused row. The host runs the command
 * with the row's first mention, as the hover's link does.
 */
function withFindMentions(element: HTMLElement): HTMLElement {
  const button = h('button', { className: 'secondary find-mentions', text: 'Find Mentions in Workspace', attrs: { type: 'button' } });
  const selectedRow = () => element.querySelector<HTMLElement>('.entity-row[aria-selected="true"]');
  const refresh = () => {
    const row = selectedRow();
    button.disabled = row === null;
    button.title = row ? `Every Markdown and text file of the workspace that mentions “${row.title.split(' · ')[0]}” (Shift+Alt+F12 on a row)` : 'Select an entity first';
  };
  const findMentions = (row: HTMLElement) => {
    const { content } = persisted.state;
    if (content.view !== 'entities') return;
    const first = content.entities.result.entities.find((entity) => entity.type === row.dataset.type && normaliseEntityText(entity.text) === row.dataset.text);
    if (first) post({ type: 'findMentions', entity: { uri: content.entities.uri, start: first.start, text: first.text, type: first.type } });
  };
  button.addEventListener('click', () => {
    const row = selectedRow();
    if (row) findMentions(row);
  });
  element.addEventListener('click', refresh);
  element.addEventListener('keyup', refresh);
  element.addEventListener('keydown', (event) => {
    const row = event.target instanceof Element ? event.target.closest<HTMLElement>('.entity-row') : null;
    if (!row || !isFindReferencesKey(event)) return;
    event.preventDefault();
    findMentions(row);
  });
  (element.querySelector('.controls-line') ?? element).append(button);
  refresh();
  return element;
}

/** The content the slot was built from, so that a `show` that leaves it as it was rebuilds nothing. */
let contentShown: string | undefined;

function renderContent(): void {
  const { content } = persisted.state;
  const serialised = JSON.stringify(content);
  if (serialised === contentShown) return;
  contentShown = serialised;
  if (content.view === 'entities' && entitiesView?.uri === content.entities.uri) {
    entitiesView.update(content.entities);
    return;
  }
  entitiesView = undefined;
  if (content.view === 'empty') {
    contentSlot.removeAttribute('aria-labelledby');
    contentSlot.replaceChildren(renderEmpty());
    return;
  }
  const view = (content as unknown as PanelViews)[content.view];
  const render = VIEWS[content.view] as (view: PanelViews[PanelView], reveal: (start: number, end: number, focusEditor: boolean) => void) => HTMLElement;
  contentSlot.replaceChildren(render(view, (start, end, focusEditor) => post({ type: 'reveal', uri: view.uri, start, end, focusEditor })));
}

/** What the tab strip shows now, so that an unchanged strip is not rebuilt (it may hold the focus). */
let tabsShown: string | undefined;

/** Id of a tab's element: `aria-labelledby` of the panel names the shown tab by it. */
function tabId(index: number): string {
  return `results-tab-${index}`;
}

function renderTabs(): void {
  const tabs = panelTabs(persisted.state);
  const described = JSON.stringify(tabs.map(({ key, tab, selected }) => [key, tab.stale, selected, fileNameOf(tab.content)]));
  if (described === tabsShown) return;
  tabsShown = described;
  const focused = tabStrip.contains(document.activeElement);
  // One tab needs no strip: the panel's own title names it.
  tabStrip.hidden = tabs.length < 2;
  const elements = tabs.map(({ key, tab, selected }, index) => {
    const name = `${tabTitle(tab.content)} · ${baseName(fileNameOf(tab.content))}`;
    const element = h(
      'button',
      {
        className: `tab${selected ? ' selected' : ''}${tab.stale ? ' stale' : ''}`,
        attrs: {
          type: 'button',
          role: 'tab',
          id: tabId(index),
          'aria-selected': String(selected),
          'aria-controls': 'results-tabpanel',
          'data-key': key,
          'data-view': tab.content.view,
          title: `${name}${tab.stale ? ' (stale: the document changed since)' : ''} — Delete closes it`,
        },
      },
      [h('span', { className: 'tab-name', text: name }), ...(tab.stale ? [h('span', { className: 'tab-stale', text: ' ⚠', attrs: { 'aria-label': ', stale' } })] : [])],
    );
    element.tabIndex = selected ? 0 : -1;
    if (selected) contentSlot.setAttribute('aria-labelledby', tabId(index));
    return element;
  });
  tabStrip.replaceChildren(...elements);
  if (focused) tabStrip.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
}

function fileNameOf(content: Exclude<PanelState['content'], { view: 'empty' }>): string {
  return (content as unknown as PanelViews)[content.view].fileName;
}

/** Shows the tab `key` here at once, and tells the host, which follows. */
function chooseTab(key: string): void {
  const next = selectTab(persisted.state, key);
  if (!next || next === persisted.state) return;
  persisted = { ...persisted, state: next };
  save();
  renderAll();
  post({ type: 'selectTab', key });
}

function removeTab(key: string): void {
  persisted = { ...persisted, state: closeTab(persisted.state, key) };
  save();
  renderAll();
  post({ type: 'closeTab', key });
}

tabStrip.addEventListener('click', (event) => {
  const tab = event.target instanceof Element ? event.target.closest<HTMLElement>('[role="tab"]') : null;
  if (tab?.dataset.key) chooseTab(tab.dataset.key);
});
tabStrip.addEventListener('keydown', (event) => {
  const tabs = [...tabStrip.querySelectorAll<HTMLElement>('[role="tab"]')];
  const index = tabs.findIndex((tab) => tab === document.activeElement);
  if (index < 0) return;
  if (event.key === 'Delete') {
    event.preventDefault();
    const key = tabs[index].dataset.key;
    if (key) removeTab(key);
    tabStrip.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
    return;
  }
  const targets: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
  const target = targets[event.key];
  if (target === undefined) return;
  event.preventDefault();
  // Wraps around, as VS Code's own tab lists do.
  const key = tabs[(target + tabs.length) % tabs.length].dataset.key;
  if (key) chooseTab(key);
  tabStrip.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
});

function renderEmpty(): HTMLElement {
  return h('div', { className: 'empty-state' }, [
    h('p', { text: 'No results yet.' }),
    h('p', {
      className: 'hint',
      text: 'Run “Text Analytics: Analyze Sentiment”, “Text Analytics: Highlight Entities”, “Text Analytics: Classify Topics” or “Text Analytics: Classify With…” from the Command Palette or the editor’s context menu.',
    }),
  ]);
}

/**
 * How long the entities view waits before saying it is stale. Highlighting refreshes it after
 * each pause in typing, so every keystroke makes it stale for a moment: announcing each of those
 * would make the banner blink and the list jump.
 */
const ENTITIES_STALE_DELAY_MS = 2000;
let staleTimer: ReturnType<typeof setTimeout> | undefined;
/** What the banner slot shows now, so an unchanged banner is not rebuilt (it may hold the focus). */
let bannerShown: string | undefined;

function renderBanner(): void {
  const { stale, content } = persisted.state;
  const uri = contentUri(content);
  clearTimeout(staleTimer);
  if (!stale || uri === undefined) {
    showBanner(undefined);
    return;
  }
  if (content.view === 'entities' && bannerShown !== uri) {
    staleTimer = setTimeout(() => showBanner(uri), ENTITIES_STALE_DELAY_MS);
    return;
  }
  showBanner(uri);
}

function showBanner(uri: string | undefined): void {
  if (bannerShown === uri) return;
  bannerShown = uri;
  if (uri === undefined) {
    bannerSlot.replaceChildren();
    return;
  }
  const rerun = h('button', { text: 'Re-run analysis', attrs: { type: 'button' } });
  rerun.addEventListener('click', () => post({ type: 'rerun', uri }));
  bannerSlot.replaceChildren(
    h('div', { className: 'stale-banner', attrs: { role: 'status' } }, [
      h('span', { className: 'stale-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
      h('span', {
        className: 'stale-message',
        text: 'Stale — the document changed since this analysis; positions may be off.',
      }),
      rerun,
    ]),
  );
}

let noticeShown: PanelState['notice'];

function renderNotice(): void {
  const { notice } = persisted.state;
  if (JSON.stringify(notice) === JSON.stringify(noticeShown)) return;
  noticeShown = notice;
  noticeSlot.replaceChildren(...noticeElements(notice));
}

function noticeElements(notice: PanelNotice | undefined): HTMLElement[] {
  if (!notice) return [];
  switch (notice.kind) {
    case 'running':
      return [
        h('div', { className: 'notice notice-running', attrs: { 'aria-busy': 'true' } }, [
          h('div', { className: 'progress', attrs: { 'aria-hidden': 'true' } }),
          h('span', { text: `Analysing ${baseName(notice.fileName)}…`, attrs: { title: notice.fileName } }),
        ]),
      ];
    case 'error':
      return [
        h('div', { className: 'notice notice-error', attrs: { role: 'alert' } }, [
          h('span', { className: 'notice-title', text: 'Analysis failed: ' }),
          h('span', { text: notice.message }),
        ]),
      ];
  }
}

function renderAll(): void {
  renderNotice();
  renderTabs();
  renderBanner();
  renderContent();
}

function applySettings(settings: PanelSettings): void {
  const localeChanged = settings.locale !== persisted.settings?.locale;
  setNumberLocale(settings.locale);
  persisted = { ...persisted, settings, controls: { ...persisted.controls, entities: { ...persisted.controls.entities, hiddenTypes: [...settings.hiddenEntityKinds] } } };
  entitiesView?.setHiddenKinds(settings.hiddenEntityKinds);
  if (localeChanged) {
    // Every number on screen is in the old language: build the view again.
    contentShown = undefined;
    entitiesView = undefined;
    renderContent();
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Checked before use, like everything that crosses into the page: a malformed message is
  // dropped and the panel keeps showing what it had.
  const message = readHostToWebview(event.data);
  if (!message) {
    console.warn('Text Analytics: dropped a malformed message from the extension:', describeValue(event.data));
    return;
  }
  switch (message.type) {
    case 'show':
      persisted = { ...persisted, state: message.state };
      renderAll();
      break;
    case 'stale':
      persisted = { ...persisted, state: { ...persisted.state, stale: message.stale } };
      renderTabs();
      renderBanner();
      break;
    case 'notice':
      persisted = { ...persisted, state: { ...persisted.state, notice: message.notice } };
      renderNotice();
      break;
    case 'settings':
      applySettings(message.settings);
      break;
  }
  save();
});

renderAll();
post({ type: 'ready' });
