/**
 * The personal-data view of the results panel: a summary (file, findings, model or recognizers
 * alone, device, time), a row per type with its count, and every finding in document order as a
 * listbox (type, text, line, confidence, where it came from). A type's row narrows the list to
 * that type (again: all); the choice is persisted through `onControlsChange` and restored for a
 * new result that still has the type. Activating a finding (click, Enter or Space) selects it in
 * the editor, as the entities view does; a double click or Ctrl/Cmd+Enter moves the keyboard
 * there too. Arrow keys, Page Up/Down, Home and End walk the findings.
 *
 * The text shown is the document's own: it goes in as text only (see `h`), never as markup.
 *
 * DOM contract kept for the tests:
 * - each type is a `.pii-type` toggle button with `data-type` and `aria-pressed` (whether it is
 *   the filter), holding a `.pii-type-count` (its number of findings);
 * - `.pii-count` says "N of M findings";
 * - each listed finding is a `.pii-finding` with `data-start` and `data-end` (document UTF-16
 *   offsets), `data-type` and `data-source`, holding `.pii-text`, `.pii-line` (empty when the
 *   line is unknown), `.confidence` and `.pii-source`;
 * - findings are rendered {@link ROWS_PER_PAGE} at a time: `.pii-more` renders the next page;
 * - when none is listed, `.below-results` holds a `.empty` paragraph.
 */

import type { PiiFinding } from '../protocol';
import { factList, h, listboxRows } from './dom';
import { baseName, count, describeDevice, describeModel, formatDuration, percent, plural } from './format';
import { findingText, piiSourceName, piiTypeColour, piiTypeName, restoredType, typeCounts, visibleFindings } from './piiItems';
import type { PiiControls, PiiView } from '../views/messages';

export interface PiiViewCallbacks {
  /** The user chose a type to list (or all): persist it. */
  onControlsChange(controls: PiiControls): void;
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
}

/** Findings rendered at first and per "show more": a log file can hold tens of thousands, and beyond a few thousand rows the panel lags. */
export const ROWS_PER_PAGE = 1000;

/** Builds the whole view; the type filter re-renders only the type rows' state and the list. */
export function renderPiiView(view: PiiView, initialControls: PiiControls, callbacks: PiiViewCallbacks): HTMLElement {
  const findings = view.result.entities;
  const counts = typeCounts(findings);
  let type = restoredType(findings, initialControls.type);
  let matching: { finding: PiiFinding; index: number }[] = [];
  let rendered = 0;
  /** The finding selected last, by offsets: it stays selected when the filter changes. */
  let selectedKey: string | undefined;

  const typeButtons = counts.map(({ type: name, count: n }) => {
    const button = h(
      'button',
      {
        className: 'pii-type',
        attrs: {
          type: 'button',
          'aria-pressed': 'false',
          'data-type': name,
          title: `${piiTypeName(name)}${piiTypeName(name) === name ? '' : ` (${name})`}: ${plural(n, 'finding')}. Click to list only those.`,
        },
      },
      [
        h('span', { className: `chip pii-chip pii-${piiTypeColour(name)}`, text: piiTypeName(name) }),
        h('span', { className: 'type-code', text: piiTypeName(name) === name ? '' : name }),
        h('span', { className: 'pii-type-count', text: count(n) }),
      ],
    );
    button.addEventListener('click', () => setType(type === name ? undefined : name));
    return button;
  });
  const typeList = h('div', { className: 'pii-types', attrs: { role: 'group', 'aria-label': 'Findings per type (each toggles the list filter)' } }, typeButtons);
  const matchCount = h('span', { className: 'match-count pii-count', attrs: { role: 'status' } });
  const listbox = h('div', {
    className: 'results pii-findings',
    attrs: { role: 'listbox', 'aria-label': 'Personal data found, in document order (Enter selects one in the editor, Ctrl+Enter goes there)' },
  });
  const below = h('div', { className: 'below-results' });

  function setType(next: string | undefined): void {
    type = next;
    callbacks.onControlsChange(next === undefined ? {} : { type: next });
    renderFindings();
  }

  function renderFindings(): void {
    for (const button of typeButtons) button.setAttribute('aria-pressed', String(button.dataset.type === type));
    matching = visibleFindings(findings, type);
    rendered = 0;
    listbox.replaceChildren();
    appendPage();
    list.activate();
    matchCount.textContent = `${count(matching.length)} of ${plural(findings.length, 'finding')}${type === undefined ? '' : ` (${piiTypeName(type)})`}`;
  }

  function appendPage(): void {
    const page = matching.slice(rendered, rendered + ROWS_PER_PAGE);
    listbox.append(...page.map(({ finding, index }, n) => findingRow(finding, view.lines?.[index], rendered + n, matching.length, keyOf(finding) === selectedKey)));
    rendered += page.length;
    below.replaceChildren(...belowRows());
  }

  /** What follows the list: why it is empty, or a way to render more of a long one. */
  function belowRows(): HTMLElement[] {
    if (findings.length === 0) return [h('p', { className: 'empty', text: 'No personal data found in the analysed text.' })];
    const hidden = matching.length - rendered;
    if (hidden <= 0) return [];
    const more = h('button', {
      className: 'secondary pii-more',
      text: `Show ${count(Math.min(hidden, ROWS_PER_PAGE))} more (${count(hidden)} not shown)`,
      attrs: { type: 'button' },
    });
    more.addEventListener('click', () => {
      const firstNew = rendered;
      appendPage();
      // The button is gone: carry on at the first finding it added.
      list.rows()[firstNew]?.focus();
    });
    return [more];
  }

  const list = listboxRows(listbox, '.pii-finding', (row, focusEditor) => {
    const start = Number(row.dataset.start);
    const end = Number(row.dataset.end);
    selectedKey = `${start}:${end}`;
    callbacks.reveal(start, end, focusEditor);
  });

  renderFindings();
  return h('div', { className: 'pii-view' }, [
    summary(view, counts.length),
    h('h2', { className: 'pii-heading', text: 'Findings per type (click one to list only its findings)' }),
    typeList,
    h('div', { className: 'controls-line' }, [matchCount]),
    h('div', { className: 'pii-columns', attrs: { 'aria-hidden': 'true' } }, [
      h('span', { text: 'Type' }),
      h('span', { text: 'Text' }),
      h('span', { className: 'pii-line', text: 'Line' }),
      h('span', { className: 'confidence', text: 'Score' }),
      h('span', { text: 'Found by' }),
    ]),
    listbox,
    below,
  ]);
}

function summary(view: PiiView, types: number): HTMLElement {
  const { result } = view;
  const models = result.models.length > 0 ? result.models.map(describeModel).join('; ') : 'None: the recognizers alone';
  const facts: [string, string][] = [
    ['Findings', `${plural(result.entities.length, 'finding')} of ${plural(types, 'type')}`],
    [result.models.length > 1 ? 'Models' : 'Model', models],
    ...(result.device ? [['Device', describeDevice(result.device)] as [string, string]] : []),
    ['Time', formatDuration(result.elapsedMs)],
  ];
  const list = result.device ? factList(facts, result.device) : h('dl', { className: 'facts' }, facts.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })]));
  return h('header', { className: 'document-summary pii-summary', attrs: { 'aria-label': 'Personal data' } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', { className: 'scope', text: `Personal data · ${plural(result.entities.length, 'finding')}` }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    list,
  ]);
}

function findingRow(finding: PiiFinding, line: number | undefined, index: number, total: number, selected: boolean): HTMLElement {
  const name = piiTypeName(finding.type);
  const source = piiSourceName(finding.source);
  return h(
    'div',
    {
      className: 'pii-finding',
      attrs: {
        role: 'option',
        tabindex: '-1',
        'aria-selected': String(selected),
        // Only a page of the findings is in the DOM: say where this one is among all that match.
        'aria-posinset': String(index + 1),
        'aria-setsize': String(total),
        'aria-label': `${name}: ${findingText(finding.text)}${line === undefined ? '' : `, line ${count(line)}`}, ${percent(finding.score)}, found by ${source}`,
        'data-start': String(finding.start),
        'data-end': String(finding.end),
        'data-type': finding.type,
        'data-source': finding.source,
      },
    },
    [
      h('span', { className: `chip pii-chip pii-${piiTypeColour(finding.type)}`, text: name }),
      h('span', { className: 'pii-text', text: findingText(finding.text), attrs: { title: finding.text.slice(0, 2000) } }),
      h('span', { className: 'pii-line', text: line === undefined ? '' : count(line) }),
      h('span', { className: 'score confidence', text: percent(finding.score) }),
      h('span', { className: 'pii-source', text: source }),
    ],
  );
}

function keyOf(finding: PiiFinding): string {
  return `${finding.start}:${finding.end}`;
}
