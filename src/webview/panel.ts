/**
 * The results panel's script (bundled to `dist/webview/panel.js`). It paints what it persisted,
 * says `ready`, then renders whatever the host sends. The host owns the results; this script owns
 * only the user's view choices, and keeps both with `setState` so a reload (or VS Code restoring
 * the panel through its serializer) shows the same thing.
 */

import { renderClassifyView } from './classifyView';
import { h } from './dom';
import { renderEntitiesView, type EntitiesViewHandle } from './entitiesView';
import { baseName } from './format';
import {
  contentUri,
  DEFAULT_CONTROLS,
  readHostToWebview,
  readPersistedState,
  type PanelControls,
  type PanelNotice,
  type PanelView,
  type PanelViews,
  type PanelState,
  type PersistedPanelState,
  type WebviewToHost,
} from '../views/messages';
import { renderSentimentView } from './sentimentView';
import { renderTopicsView } from './topicsView';
import { describeValue } from '../validate';

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

// Three slots, so a notice or the stale banner can change without rebuilding the results (which
// would lose the focused row and the scroll position).
const noticeSlot = h('div', { className: 'notice-slot', attrs: { 'aria-live': 'polite' } });
const bannerSlot = h('div', { className: 'banner-slot' });
const contentSlot = h('div', { className: 'content-slot' });
(document.getElementById('app') ?? document.body).replaceChildren(noticeSlot, bannerSlot, contentSlot);

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
  persisted = { ...persisted, controls: { ...persisted.controls, ...controls } };
  save();
}

/** Each view's renderer (a view of PanelViews missing here does not compile); `reveal` selects a span of its document. */
const VIEWS: { [V in PanelView]: (view: PanelViews[V], reveal: (start: number, end: number, focusEditor: boolean) => void) => HTMLElement } = {
  sentiment: (view, reveal) => renderSentimentView(view, persisted.controls, { onControlsChange: (controls) => saveControls(controls), reveal }),
  entities: (view, reveal) => {
    entitiesView = renderEntitiesView(view, persisted.controls.entities, { onControlsChange: (entities) => saveControls({ entities }), reveal });
    return entitiesView.element;
  },
  topics: (view, reveal) =>
    renderTopicsView(view, {
      reveal,
      classify: (labels, multiLabel) => post({ type: 'classifyTopics', uri: view.uri, labels, multiLabel }),
      saveLabels: (labels) => post({ type: 'saveTopicLabels', labels }),
      exportTopics: (format, destination) => post({ type: 'exportTopics', format, destination }),
    }),
  classify: (view, reveal) => renderClassifyView(view, persisted.controls.classify, { onControlsChange: (classify) => saveControls({ classify }), reveal }),
};

function renderContent(): void {
  const { content } = persisted.state;
  if (content.view === 'entities' && entitiesView?.uri === content.entities.uri) {
    entitiesView.update(content.entities);
    return;
  }
  entitiesView = undefined;
  if (content.view === 'empty') {
    contentSlot.replaceChildren(renderEmpty());
    return;
  }
  const view = (content as unknown as PanelViews)[content.view];
  const render = VIEWS[content.view] as (view: PanelViews[PanelView], reveal: (start: number, end: number, focusEditor: boolean) => void) => HTMLElement;
  contentSlot.replaceChildren(render(view, (start, end, focusEditor) => post({ type: 'reveal', uri: view.uri, start, end, focusEditor })));
}

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
  renderBanner();
  renderContent();
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
      renderBanner();
      break;
    case 'notice':
      persisted = { ...persisted, state: { ...persisted.state, notice: message.notice } };
      renderNotice();
      break;
  }
  save();
});

renderAll();
post({ type: 'ready' });
