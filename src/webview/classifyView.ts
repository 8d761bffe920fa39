/**
 * The classify view of the results panel: one run of a classifier the user declared in
 * `textAnalytics.classifiers`. A summary (classifier, level, single- or multi-label, model,
 * device, items and time), the document's labels as bars, and the classified items (sentences,
 * paragraphs or the document) as a listbox, which a label filter narrows. Activating an item
 * (click, Enter or Space) selects it in the editor; a double click or Ctrl/Cmd+Enter moves the
 * keyboard there too. Arrow keys, Page Up/Down, Home and End walk the items.
 *
 * The label filter is set by clicking a bar (again: cleared) or with the select; it is persisted
 * through `onControlsChange` with the classifier it was chosen for, and restored for a new result
 * of the same classifier that has the label; another classifier's result starts unfiltered.
 * A single-label item counts as its top label's; a multi-label item as each label it carries
 * (those at or above the classifier's `minScore`).
 *
 * DOM contract kept for the tests:
 * - each label of the document is a `.classify-bar` (a toggle button) with `data-label` and
 *   `aria-pressed` (whether it is the filter), holding a `.score` (its percentage);
 * - the filter is the `select.classify-filter`, whose value is the label or '' (all items);
 * - `.classify-count` says "N of M items";
 * - each listed item is a `.classify-item` with `data-start` and `data-end` (document UTF-16
 *   offsets) and `data-label` (its top label, or '' when no label passed `minScore`), holding up
 *   to three `.classify-item-label` chips with `data-label`, each with a `.score`, and a
 *   `.classify-item-text` (shortened; the full text, up to 2,000 characters, in its `title`);
 * - items are rendered {@link ROWS_PER_PAGE} at a time: `.classify-more` renders the next page;
 * - when no item is listed, `.below-results` holds a `.empty` paragraph.
 */

import type { ClassifiedItem, ClassifierLevel, LabelScore } from '../protocol';
import {
  displayText,
  itemCountsByLabel,
  restoredLabel,
  resultLabels,
  titleText,
  visibleItems,
} from './classifyItems';
import { listboxRows, factList, h } from './dom';
import { baseName, describeDevice, describeModel, count, formatDuration, percent, plural } from './format';
import type { ClassifyControls, ClassifyView } from '../views/messages';

export interface ClassifyViewCallbacks {
  /** The user changed the label filter: persist it. */
  onControlsChange(controls: ClassifyControls): void;
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
}

/**
 * Items rendered at first and per "show more", as the sentiment view does: a sentence-level run
 * on a big document has 100,000 items, and beyond a few thousand rows the panel lags.
 */
export const ROWS_PER_PAGE = 1000;
/** Labels shown per item. */
const ITEM_TOP_LABELS = 3;
/** Bars shown before "Show all labels": some models have hundreds (intents); the select lists all. */
const BARS_SHOWN = 20;

const LEVEL_NOUNS: Record<ClassifierLevel, string> = { sentence: 'sentence', paragraph: 'paragraph', document: 'document' };
const LEVEL_TEXT: Record<ClassifierLevel, string> = {
  sentence: 'Sentence (each sentence scored)',
  paragraph: 'Paragraph (each paragraph scored)',
  document: 'Document (scored as a whole)',
};

/** Builds the whole view; the label filter re-renders only the bars' state and the items. */
export function renderClassifyView(
  view: ClassifyView,
  initialControls: ClassifyControls,
  callbacks: ClassifyViewCallbacks,
): HTMLElement {
  const { result } = view;
  const noun = LEVEL_NOUNS[result.level];
  const counts = itemCountsByLabel(result);
  let label = restoredLabel(result, initialControls);
  let matching: ClassifiedItem[] = [];
  let rendered = 0;
  /** The item selected last, by offsets: it stays selected when the filter changes. */
  let selectedKey: string | undefined;

  const filter = h(
    'select',
    { className: 'classify-filter', attrs: { 'aria-label': 'Show the items with label' } },
    [
      h('option', { text: `All labels (${plural(result.items.length, noun)})`, attrs: { value: '' } }),
      ...resultLabels(result).map((name) =>
        h('option', { text: `${name} (${count(counts.get(name) ?? 0)})`, attrs: { value: name } }),
      ),
    ],
  );
  filter.addEventListener('change', () => setLabel(filter.value === '' ? undefined : filter.value));

  const bars = labelBars(result.document.labels, counts, result.multiLabel, (clicked) =>
    setLabel(clicked === label ? undefined : clicked),
  );
  const matchCount = h('span', { className: 'match-count classify-count', attrs: { role: 'status' } });
  const listbox = h('div', {
    className: 'results classify-items',
    attrs: {
      role: 'listbox',
      'aria-label': `${capitalise(noun)}s and their labels (Enter selects one in the editor, Ctrl+Enter goes there)`,
    },
  });
  const below = h('div', { className: 'below-results' });

  function setLabel(next: string | undefined): void {
    label = next;
    callbacks.onControlsChange(next === undefined ? {} : { label: next, classifier: result.classifier.id });
    renderItems();
  }

  function renderItems(): void {
    filter.value = label ?? '';
    bars.show(label);
    matching = visibleItems(result, label);
    rendered = 0;
    listbox.replaceChildren();
    appendPage();
    list.activate();
    matchCount.textContent = `${count(matching.length)} of ${plural(result.items.length, 'item')}`;
  }

  /** Renders the next page of matching items after those shown, and what goes below them. */
  function appendPage(): void {
    const page = matching.slice(rendered, rendered + ROWS_PER_PAGE);
    listbox.append(
      ...page.map((item, index) => itemRow(item, rendered + index, matching.length, itemKey(item) === selectedKey, label)),
    );
    rendered += page.length;
    below.replaceChildren(...belowRows());
  }

  /** What follows the list: why it is empty, or a way to render more of a long one. */
  function belowRows(): HTMLElement[] {
    if (result.items.length === 0) {
      return [h('p', { className: 'empty', text: `No ${noun}s in the analysed text.` })];
    }
    if (matching.length === 0 && label !== undefined) {
      const why = result.multiLabel
        ? `No ${noun} has “${label}” at or above the classifier’s minimum score. `
        : `No ${noun} has “${label}” as its top label. `;
      const all = h('button', { className: 'secondary', text: 'Show all', attrs: { type: 'button' } });
      all.addEventListener('click', () => {
        setLabel(undefined);
        filter.focus();
      });
      return [h('p', { className: 'empty', text: why }, [all])];
    }
    const hidden = matching.length - rendered;
    if (hidden <= 0) return [];
    const more = h('button', {
      className: 'secondary classify-more',
      text: `Show ${Math.min(hidden, ROWS_PER_PAGE)} more (${hidden} not shown)`,
      attrs: { type: 'button' },
    });
    more.addEventListener('click', () => {
      const firstNew = rendered;
      appendPage();
      // The button is gone: carry on at the first item it added.
      list.rows()[firstNew]?.focus();
    });
    return [more];
  }

  const list = listboxRows(listbox, '.classify-item', (row, focusEditor) => {
    const start = Number(row.dataset.start);
    const end = Number(row.dataset.end);
    selectedKey = `${start}:${end}`;
    callbacks.reveal(start, end, focusEditor);
  });

  renderItems();
  return h('div', { className: 'classify-view' }, [
    summary(view),
    h('h2', { className: 'classify-heading', text: scopeHeading(view) }),
    bars.element,
    h('div', { className: 'controls-line' }, [
      h('label', { className: 'control' }, [h('span', { text: 'Label' }), filter]),
      matchCount,
    ]),
    listbox,
    below,
  ]);
}

function summary(view: ClassifyView): HTMLElement {
  const { result } = view;
  const { id, title } = result.classifier;
  const noun = LEVEL_NOUNS[result.level];
  const best = result.document.labels[0];
  const cached = result.cachedItems;
  const facts: [string, string][] = [
    ['Classifier', title === id ? id : `${title} (${id})`],
    ['Level', LEVEL_TEXT[result.level]],
    ['Mode', result.multiLabel ? 'Multi-label (each label on its own)' : 'Single-label (scores sum to 100%)'],
    ['Model', describeModel(result.model)],
    ['Device', describeDevice(result.device)],
    ['Items', `${plural(result.items.length, noun)}${cached > 0 ? `, ${cached} reused from the cache` : ''}`],
    ['Time', formatDuration(result.elapsedMs)],
  ];
  const scope = [
    title,
    ...(best ? [`mostly ${best.label}`] : []),
    plural(result.items.length, noun),
    ...(view.selection ? [view.selection.inView ? 'part in view only' : 'selection only'] : []),
  ].join(' · ');
  return h('header', { className: 'document-summary classify-summary', attrs: { 'aria-label': `Classifier ${title}` } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', { className: 'scope', text: scope }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    factList(facts, result.device),
  ]);
}

function scopeHeading(view: ClassifyView): string {
  const part = view.selection ? (view.selection.inView ? 'Part in view' : 'Selection') : 'Document';
  return `${part} (click a label to list only its items)`;
}

interface LabelBars {
  element: HTMLElement;
  /** Marks `label`'s bar as the filter (undefined: none), showing it if it was beyond the first bars. */
  show(label: string | undefined): void;
}

/** The document's labels as toggle buttons, each a bar of its score; clicking one filters by it. */
function labelBars(
  scores: readonly LabelScore[],
  counts: ReadonlyMap<string, number>,
  multiLabel: boolean,
  onClick: (label: string) => void,
): LabelBars {
  const list = h('div', {
    className: 'classify-bars',
    attrs: { role: 'group', 'aria-label': 'Labels of the analysed text (each toggles the item filter)' },
  });
  const bars = scores.map((score) => {
    const bar = labelBar(score, counts.get(score.label) ?? 0, multiLabel);
    bar.addEventListener('click', () => onClick(score.label));
    return bar;
  });
  let expanded = bars.length <= BARS_SHOWN;
  let active: string | undefined;
  const more = h('button', {
    className: 'secondary classify-more-labels',
    text: `Show all ${count(bars.length)} labels`,
    attrs: { type: 'button' },
  });
  more.addEventListener('click', () => {
    expanded = true;
    hideBeyondFirst();
    bars[BARS_SHOWN]?.focus();
  });
  list.append(...bars, more);

  // Hidden rather than removed, so that the bar the user just pressed keeps the focus.
  function hideBeyondFirst(): void {
    bars.forEach((bar, index) => {
      bar.hidden = !expanded && index >= BARS_SHOWN && bar.dataset.label !== active;
    });
    more.hidden = expanded;
  }

  return {
    element: list,
    show(label) {
      active = label;
      for (const bar of bars) bar.setAttribute('aria-pressed', String(bar.dataset.label === label));
      hideBeyondFirst();
    },
  };
}

function labelBar({ label, score }: LabelScore, count: number, multiLabel: boolean): HTMLButtonElement {
  const fill = h('span', { className: 'bar-fill' });
  fill.style.width = `${Math.max(0, Math.min(100, score * 100))}%`; // CSSOM, which the CSP allows.
  return h(
    'button',
    {
      className: 'classify-bar',
      attrs: {
        type: 'button',
        'aria-pressed': 'false',
        'data-label': label,
        title: `${label}: ${percent(score)} of the text; ${plural(count, 'item')} ${multiLabel ? 'with it' : 'with it on top'}. Click to list only those.`,
      },
    },
    [
      h('span', { className: 'classify-label-name', text: label }),
      h('span', { className: 'bar classify-meter', attrs: { 'aria-hidden': 'true' } }, [fill]),
      h('span', { className: 'score confidence', text: percent(score) }),
      h('span', { className: 'classify-bar-count', text: plural(count, 'item') }),
    ],
  );
}

function itemRow(
  item: ClassifiedItem,
  index: number,
  total: number,
  selected: boolean,
  filterLabel: string | undefined,
): HTMLElement {
  const chips =
    item.labels.length > 0
      ? item.labels.slice(0, ITEM_TOP_LABELS).map(({ label, score }) =>
          h(
            'span',
            {
              className: `chip classify-item-label${label === filterLabel ? ' active' : ''}`,
              attrs: { 'data-label': label },
            },
            [h('span', { className: 'classify-label-name', text: label }), h('span', { className: 'score confidence', text: percent(score) })],
          ),
        )
      : [
          h('span', {
            className: 'classify-item-none',
            text: 'no label',
            attrs: { title: 'No label scored at or above the classifier’s minimum score' },
          }),
        ];
  return h(
    'div',
    {
      className: 'classify-item',
      attrs: {
        role: 'option',
        tabindex: '-1',
        'aria-selected': String(selected),
        // Only a page of the items is in the DOM: say where this one is among all that match.
        'aria-posinset': String(index + 1),
        'aria-setsize': String(total),
        'data-start': String(item.start),
        'data-end': String(item.end),
        'data-label': item.labels[0]?.label ?? '',
      },
    },
    [
      h('span', { className: 'classify-item-labels' }, chips),
      h('span', { className: 'classify-item-text', text: displayText(item.text), attrs: { title: titleText(item.text) } }),
    ],
  );
}

function itemKey(item: ClassifiedItem): string {
  return `${item.start}:${item.end}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
