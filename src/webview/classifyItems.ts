/**
 * What the classify view shows of a {@link ClassifyResult}: which items a label filter keeps, how
 * many items each label has, and item text shortened for display. Pure functions, no DOM, so the
 * webview and plain `node --test` can both import them.
 *
 * @example
 * const label = restoredLabel(result, controls.label); // undefined: this classifier has no such label
 * const shown = visibleItems(result, label);
 * console.log(`${shown.length} of ${result.items.length} items`, shown.map((item) => displayText(item.text)));
 */

import type { ClassifiedItem, ClassifyResult } from '../protocol';
import type { ClassifyControls } from '../views/messages';

/** Characters of an item's text put in its row: the row shows at most two lines of it anyway. */
export const ITEM_TEXT_CHARS = 300;
/**
 * Characters of an item's text in its tooltip. A document-level item is the whole document, which
 * can be megabytes: too much for an attribute, and no tooltip could show it.
 */
export const ITEM_TITLE_CHARS = 2000;

/**
 * Whether `item` counts as labelled `label`. With a softmax the labels compete, so an item is its
 * best label's; with a sigmoid per label each label stands on its own, so an item has every label
 * that passed the classifier's minimum score (those are the only ones it carries).
 */
export function itemHasLabel(item: ClassifiedItem, label: string, multiLabel: boolean): boolean {
  return multiLabel ? item.labels.some((score) => score.label === label) : item.labels[0]?.label === label;
}

/** The items the view lists for a label filter (undefined: all of them), in document order. */
export function visibleItems(result: ClassifyResult, label: string | undefined): ClassifiedItem[] {
  if (label === undefined) return result.items;
  return result.items.filter((item) => itemHasLabel(item, label, result.multiLabel));
}

/**
 * Every label the result knows: the document's, best first, then any an item has that the
 * document's distribution lacks (none, for a well-formed result), in order of first appearance.
 */
export function resultLabels(result: ClassifyResult): string[] {
  const labels = new Set(result.document.labels.map((score) => score.label));
  for (const item of result.items) for (const score of item.labels) labels.add(score.label);
  return [...labels];
}

/** Per label, how many items {@link visibleItems} would list for it. */
export function itemCountsByLabel(result: ClassifyResult): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (label: string): void => {
    counts.set(label, (counts.get(label) ?? 0) + 1);
  };
  for (const item of result.items) {
    if (result.multiLabel) for (const score of item.labels) add(score.label);
    else if (item.labels[0]) add(item.labels[0].label);
  }
  return counts;
}

/**
 * The label filter to apply: the persisted one if it was set on this result's classifier and the
 * result has that label, else none (a new run of another classifier starts unfiltered).
 */
export function restoredLabel(result: ClassifyResult, stored: ClassifyControls): string | undefined {
  const { label, classifier } = stored;
  return label !== undefined && classifier === result.classifier.id && resultLabels(result).includes(label) ? label : undefined;
}

/**
 * An item's text for its row: runs of whitespace (line breaks in a paragraph) as one space, and at
 * most `maxChars` characters, ending in "…" when shortened. Only a prefix of the text is read.
 */
export function displayText(text: string, maxChars = ITEM_TEXT_CHARS): string {
  // Whitespace runs shrink when joined, so read more than will be shown.
  const prefix = text.slice(0, maxChars * 4);
  const flat = prefix.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars && prefix.length === text.length) return flat;
  return `${cutAt(flat, maxChars).trimEnd()}…`;
}

/** An item's text for its tooltip: unchanged, unless over `maxChars`, then shortened with "…". */
export function titleText(text: string, maxChars = ITEM_TITLE_CHARS): string {
  return text.length <= maxChars ? text : `${cutAt(text, maxChars)}…`;
}

/** The first `length` UTF-16 units of `text`, one fewer if that would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  if (text.length <= length) return text;
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
