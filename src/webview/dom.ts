import type { DeviceInfo } from '../protocol';
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
