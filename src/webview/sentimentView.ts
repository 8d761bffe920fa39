/**
 * The sentiment view of the results panel: a summary of the document, view controls, and the
 * sentences as a listbox (grouped, sorted, filtered). Rows select their sentence in the editor.
 *
 * DOM contract kept for the end-to-end tests: each sentence is a `.sentence-row` with `data-start`
 * and `data-end` (UTF-16 offsets) and children `.label` (the label) and `.text` (the sentence);
 * the summary is `.document-summary` with a child `.label`.
 */

import type {
  ParagraphSentiment,
  SentenceSentiment,
  SentimentLabel,
  SentimentResult,
  SentimentScore,
} from '../protocol';
import { exportToolbar, listboxRows, factList, h, uniqueId } from './dom';
import { baseName, describeDevice, describeModel, count, decimal, formatDuration, percent, plural } from './format';
import type { ExportDestination, ExportFormat, GroupBy, PanelControls, SentimentView, SortBy } from '../views/messages';

export interface SentimentViewCallbacks {
  /** The user changed grouping, sorting or the filter: persist it. */
  onControlsChange(controls: PanelControls): void;
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
  /** Copy or save the shown result (the host's Export Sentiment…). */
  exportSentiment(format: ExportFormat, destination: ExportDestination): void;
}

/** Rows rendered at first and per "show more": beyond a few thousand nodes, filtering lags. */
const ROWS_PER_PAGE = 1000;

/** Spectrum order, used for label groups and the label sort. */
const LABEL_ORDER: Record<SentimentLabel, number> = { POSITIVE: 0, NEUTRAL: 1, NEGATIVE: 2 };

const COMPARE: Record<SortBy, (a: SentenceSentiment, b: SentenceSentiment) => number> = {
  document: (a, b) => a.start - b.start,
  confidence: (a, b) => b.score - a.score || a.start - b.start,
  label: (a, b) => LABEL_ORDER[a.label] - LABEL_ORDER[b.label] || a.start - b.start,
};

interface SentenceGroup {
  /** Absent when not grouping: the rows sit directly in the listbox. */
  header?: () => HTMLElement;
  sentences: SentenceSentiment[];
}

const GROUPERS: Record<GroupBy, (sentences: SentenceSentiment[], result: SentimentResult) => SentenceGroup[]> = {
  none: (sentences) => [{ sentences }],
  paragraph: (sentences, result) => {
    const byParagraph = new Map<number, SentenceSentiment[]>();
    for (const sentence of sentences) {
      const members = byParagraph.get(sentence.paragraph) ?? [];
      members.push(sentence);
      byParagraph.set(sentence.paragraph, members);
    }
    return [...byParagraph.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, members]) => ({
        header: () => paragraphHeader(index, result.paragraphs[index], members.length),
        sentences: members,
      }));
  },
  label: (sentences) =>
    (Object.keys(LABEL_ORDER) as SentimentLabel[])
      .map((label) => {
        const members = sentences.filter((s) => s.label === label);
        return { header: () => labelHeader(label, members.length), sentences: members };
      })
      .filter((group) => group.sentences.length > 0),
};

/** Builds the whole view; it re-renders only its rows when the controls change. */
export function renderSentimentView(
  view: SentimentView,
  initialControls: PanelControls,
  callbacks: SentimentViewCallbacks,
): HTMLElement {
  const { result } = view;
  let controls = initialControls;
  let rowLimit = ROWS_PER_PAGE;
  let selectedStart: number | undefined;
  // Lower-cased once: the filter runs on every keystroke.
  const searchText = new Map(result.sentences.map((s) => [s, s.text.toLowerCase()]));

  const matchCount = h('span', { className: 'match-count', attrs: { role: 'status' } });
  const listbox = h('div', {
    className: 'results',
    attrs: { role: 'listbox', 'aria-label': 'Sentences (Enter selects the sentence in the editor)' },
  });
  const below = h('div', { className: 'below-results' });

  // Re-rendering a full page of rows takes tens of milliseconds: on big results, wait for a pause.
  const filterDelayMs = result.sentences.length > ROWS_PER_PAGE ? 150 : 0;
  const toolbar = renderToolbar(controls, filterDelayMs, (next) => {
    controls = next;
    rowLimit = ROWS_PER_PAGE;
    callbacks.onControlsChange(next);
    renderRows();
  });

  function renderRows(): void {
    const needle = controls.filter.trim().toLowerCase();
    const matching = needle
      ? result.sentences.filter((s) => searchText.get(s)?.includes(needle))
      : result.sentences;
    const groups = GROUPERS[controls.groupBy](matching, result);
    let budget = rowLimit;
    const children: HTMLElement[] = [];
    for (const group of groups) {
      if (budget <= 0) break;
      const shown = [...group.sentences].sort(COMPARE[controls.sortBy]).slice(0, budget);
      budget -= shown.length;
      const rows = shown.map((s) => sentenceRow(s, s.start === selectedStart));
      if (!group.header) {
        children.push(...rows);
        continue;
      }
      const header = group.header();
      header.id = uniqueId('group');
      children.push(
        h('div', { className: 'group', attrs: { role: 'group', 'aria-labelledby': header.id } }, [header, ...rows]),
      );
    }
    listbox.replaceChildren(...children);
    list.activate();

    const total = result.sentences.length;
    matchCount.textContent = needle
      ? `${count(matching.length)} of ${plural(total, 'sentence')} match`
      : `${plural(total, 'sentence')} in ${plural(result.paragraphs.length, 'paragraph')}`;
    below.replaceChildren(...belowRows(matching.length, needle));
  }

  /** What follows the list: why it is empty, or a way to render more of a huge document. */
  function belowRows(matchingCount: number, needle: string): HTMLElement[] {
    if (result.sentences.length === 0) {
      return [h('p', { className: 'empty', text: 'No sentences found in the analysed text.' })];
    }
    if (matchingCount === 0) {
      return [h('p', { className: 'empty', text: `No sentence contains “${needle}”.` })];
    }
    const hidden = matchingCount - rowLimit;
    if (hidden <= 0) return [];
    const more = h('button', {
      className: 'secondary',
      text: `Show ${Math.min(hidden, ROWS_PER_PAGE)} more (${hidden} not shown)`,
      attrs: { type: 'button' },
    });
    more.addEventListener('click', () => {
      rowLimit += ROWS_PER_PAGE;
      renderRows();
    });
    return [more];
  }

  const list = listboxRows(listbox, '.sentence-row', (row, focusEditor) => {
    const start = Number(row.dataset.start);
    selectedStart = start;
    callbacks.reveal(start, Number(row.dataset.end), focusEditor);
  });

  renderRows();
  return h('div', { className: 'sentiment-view' }, [
    renderSummary(view),
    h('div', { className: 'controls-line' }, [toolbar, matchCount]),
    listbox,
    below,
    exportToolbar('sentiment', (format, destination) => callbacks.exportSentiment(format, destination)),
  ]);
}

function sentenceRow(sentence: SentenceSentiment, selected: boolean): HTMLElement {
  return h(
    'div',
    {
      className: 'sentence-row',
      attrs: {
        role: 'option',
        tabindex: '-1',
        'aria-selected': String(selected),
        'data-start': String(sentence.start),
        'data-end': String(sentence.end),
      },
    },
    [
      h('span', { className: `label chip ${labelClass(sentence.label)}`, text: shownLabel(sentence) }),
      h('span', { className: 'confidence', text: percent(sentence.score) }),
      h('span', { className: 'text', text: sentence.text, attrs: { title: sentence.text } }),
    ],
  );
}

function paragraphHeader(index: number, paragraph: ParagraphSentiment | undefined, count: number): HTMLElement {
  const parts: (Node | string)[] = [h('span', { className: 'group-title', text: `Paragraph ${index + 1}` })];
  if (paragraph) parts.push(...scoreChip(paragraph));
  parts.push(h('span', { className: 'group-count', text: plural(count, 'sentence') }));
  return h('div', { className: 'group-header' }, parts);
}

function labelHeader(label: SentimentLabel, count: number): HTMLElement {
  return h('div', { className: 'group-header' }, [
    h('span', { className: `chip ${labelClass(label)}`, text: label }),
    h('span', { className: 'group-count', text: plural(count, 'sentence') }),
  ]);
}

function scoreChip(score: SentimentScore): HTMLElement[] {
  return [
    h('span', { className: `chip ${labelClass(score.label)}`, text: shownLabel(score) }),
    h('span', { className: 'confidence', text: percent(score.score) }),
  ];
}

/** What the model calls its answer ("4 stars", "neutral"), or the polarity for a two-label model. */
function shownLabel(score: SentimentScore): string {
  return score.modelLabel ?? score.label;
}

function renderSummary(view: SentimentView): HTMLElement {
  const { result } = view;
  const overall = result.document;
  const fill = h('div', { className: `bar-fill ${labelClass(overall.label)}` });
  fill.style.width = percent(overall.score); // CSSOM, which the CSP allows (unlike style attributes).

  const scope = view.selection
    ? `${view.selection.inView ? 'Part in view' : 'Selection'}, characters ${view.selection.start}–${view.selection.end}`
    : 'Whole document';
  const labelCounts = (Object.keys(LABEL_ORDER) as SentimentLabel[])
    .map((label) => `${count(result.sentences.filter((s) => s.label === label).length)} ${label.toLowerCase()}`)
    .join(', ');
  const cached = result.cachedSentences;

  const facts: [string, string][] = [
    ['Model', describeModel(result.model)],
    ['Device', describeDevice(result.device)],
    ['Sentences', `${count(result.sentences.length)} (${labelCounts}) in ${plural(result.paragraphs.length, 'paragraph')}`],
    // Markdown's headings, code, front matter and tables were not scored: say how much was left out.
    ...(result.skippedMarkup ? [['Not read', `${plural(result.skippedMarkup, 'Markdown block')} (headings, code, front matter, tables)`] as [string, string]] : []),
    // A model of more than two labels: what it says of the whole document, label by label.
    ...(overall.labels ? [['Labels', overall.labels.map((l) => `${l.label} ${percent(l.score)}`).join(', ')] as [string, string]] : []),
    ...(overall.stars !== undefined ? [['Stars', `${decimal(overall.stars, 1)} on average`] as [string, string]] : []),
    ['Cache', cached > 0 ? `${cached} of ${plural(result.sentences.length, 'sentence')} reused` : 'none reused'],
    ['Time', formatDuration(result.elapsedMs)],
  ];
  return h('header', { className: 'document-summary', attrs: { 'aria-label': 'Document sentiment' } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', { className: 'scope', text: scope }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    h('div', { className: 'summary-score' }, [
      h('span', { className: `label chip ${labelClass(overall.label)}`, text: shownLabel(overall) }),
      h('span', { className: 'confidence', text: `${percent(overall.score)} confidence` }),
      h('div', { className: 'bar', attrs: { 'aria-hidden': 'true' } }, [fill]),
    ]),
    factList(facts, result.device),
  ]);
}

function renderToolbar(
  initial: PanelControls,
  filterDelayMs: number,
  onChange: (controls: PanelControls) => void,
): HTMLElement {
  let controls = initial;
  const update = (patch: Partial<PanelControls>): void => {
    controls = { ...controls, ...patch };
    onChange(controls);
  };

  const groupBy = select<GroupBy>('Group', controls.groupBy, [
    ['paragraph', 'By paragraph'],
    ['label', 'By label'],
    ['none', 'None'],
  ], (value) => update({ groupBy: value }));
  const sortBy = select<SortBy>('Sort', controls.sortBy, [
    ['document', 'Document order'],
    ['confidence', 'Confidence'],
    ['label', 'Label'],
  ], (value) => update({ sortBy: value }));

  const filter = h('input', {
    className: 'filter',
    attrs: { type: 'search', placeholder: 'Filter sentences', 'aria-label': 'Filter sentences by text' },
  });
  filter.value = controls.filter;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const applyFilter = (delayMs: number): void => {
    clearTimeout(pending);
    if (delayMs === 0) update({ filter: filter.value });
    else pending = setTimeout(() => update({ filter: filter.value }), delayMs);
  };
  filter.addEventListener('input', () => applyFilter(filterDelayMs));
  filter.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && filter.value) {
      filter.value = '';
      applyFilter(0);
    }
  });

  return h('div', { className: 'toolbar', attrs: { role: 'group', 'aria-label': 'View options' } }, [
    groupBy,
    sortBy,
    filter,
  ]);
}

function select<T extends string>(
  caption: string,
  value: T,
  options: [T, string][],
  onChange: (value: T) => void,
): HTMLElement {
  const control = h(
    'select',
    {},
    options.map(([optionValue, text]) => h('option', { text, attrs: { value: optionValue } })),
  );
  control.value = value;
  control.addEventListener('change', () => {
    const chosen = options.find(([optionValue]) => optionValue === control.value);
    if (chosen) onChange(chosen[0]);
  });
  return h('label', { className: 'control' }, [h('span', { text: caption }), control]);
}

function labelClass(label: SentimentLabel): string {
  return `label-${label.toLowerCase()}`;
}
