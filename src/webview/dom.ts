import type { DeviceInfo } from '../protocol';
import type { ExportDestination, ExportFormat } from '../views/messages';
import { isSafeAttributeName } from '../validate';
/**
 * The one way the webview builds elements. Text only ever goes in through `textContent` or text
 * nodes, so document-derived strings can never become markup.
 */

export interface ElementProps {
  className?: string;
  /** Set with `textContent`. */
  text?: string;
  /**
   * Attributes such as `role`, `aria-label`, `data-*`; values are plain strings, never markup.
   * Attributes that run code or load something (`on*`, `href`, `src`, `style`…) are refused.
   */
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (!isSafeAttributeName(name)) throw new Error(`h(): refusing the attribute "${name}"`);
    element.setAttribute(name, value);
  }
  element.append(...children); // Strings become text nodes.
  return element;
}

let nextId = 0;
/** A fresh id for `aria-labelledby` and friends. */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * The facts under a view's headline (model, device, counts, time) as a definition list. The
 * reason the GPU was not used is named only when the user asked for the GPU: with `auto` the CPU
 * is an expected outcome, and the reason is in the status bar's tooltip and the log.
 */
export function factList(facts: readonly [string, string][], device: DeviceInfo): HTMLDListElement {
  const list = h(
    'dl',
    { className: 'facts' },
    facts.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })]),
  );
  if (device.fallbackReason && device.requested === 'gpu') {
    list.append(h('dt', { text: 'GPU not used' }), h('dd', { className: 'fallback', text: device.fallbackReason }));
  }
  return list;
}

/** A listbox's rows, as {@link listboxRows} manages them. */
export interface ListboxRows {
  /** The rows now rendered, in order. */
  rows(): HTMLElement[];
  /** Makes `row` the one Tab enters the list at (roving tabindex): the selected row, else the first. */
  activate(row?: HTMLElement | null): void;
}

/**
 * The rows matching `rowSelector` of a listbox, with its mouse and keyboard: focus makes a row the
 * one Tab returns to; a click or Enter/Space selects it (`aria-selected`) and calls `onSelect`
 * with `focusEditor` false, a double click or Ctrl/Cmd+Enter with true (the keyboard follows into
 * the editor); the arrows, Page Up/Down, Home and End move between rows.
 */
export function listboxRows(listbox: HTMLElement, rowSelector: string, onSelect: (row: HTMLElement, focusEditor: boolean) => void): ListboxRows {
  const rows = () => [...listbox.querySelectorAll<HTMLElement>(rowSelector)];
  const activate = (row?: HTMLElement | null) => {
    for (const other of listbox.querySelectorAll<HTMLElement>(`${rowSelector}[tabindex="0"]`)) other.tabIndex = -1;
    const chosen = row === undefined ? (listbox.querySelector<HTMLElement>(`${rowSelector}[aria-selected="true"]`) ?? listbox.querySelector<HTMLElement>(rowSelector)) : row;
    if (chosen) chosen.tabIndex = 0;
  };
  const select = (row: HTMLElement, focusEditor: boolean) => {
    for (const other of listbox.querySelectorAll(`${rowSelector}[aria-selected="true"]`)) other.setAttribute('aria-selected', 'false');
    row.setAttribute('aria-selected', 'true');
    onSelect(row, focusEditor);
  };
  const rowOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>(rowSelector) : null);
  listbox.addEventListener('focusin', (event) => activate(rowOf(event.target)));
  listbox.addEventListener('click', (event) => {
    const row = rowOf(event.target);
    if (row) select(row, false);
  });
  listbox.addEventListener('dblclick', (event) => {
    const row = rowOf(event.target);
    if (row) select(row, true);
  });
  listbox.addEventListener('keydown', (event) => {
    const row = rowOf(event.target);
    if (!row) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault(); // Space would scroll the list.
      select(row, event.key === 'Enter' && (event.ctrlKey || event.metaKey));
      return;
    }
    const all = rows();
    const index = all.indexOf(row);
    const targets: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: all.length - 1, PageDown: index + 10, PageUp: index - 10 };
    const next = targets[event.key];
    if (next === undefined) return;
    event.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, next))]?.focus();
  });
  return { rows, activate };
}

/**
 * A view's export buttons: copy as JSON, save as JSON, save as CSV. `what` names the view in the
 * buttons' classes (`sentiment-export-csv-file`), which tests and styles use.
 */
export function exportToolbar(what: string, onExport: (format: ExportFormat, destination: ExportDestination) => void): HTMLElement {
  const button = (text: string, format: ExportFormat, destination: ExportDestination): HTMLElement => {
    const element = h('button', { className: `secondary ${what}-export-${format}-${destination}`, text, attrs: { type: 'button' } });
    element.addEventListener('click', () => onExport(format, destination));
    return element;
  };
  return h('div', { className: `toolbar export ${what}-export`, attrs: { role: 'group', 'aria-label': 'Export' } }, [
    button('Copy as JSON', 'json', 'clipboard'),
    button('Export JSON…', 'json', 'file'),
    button('Export CSV…', 'csv', 'file'),
  ]);
}
