/**
 * The entities view of the results panel: a summary (file, mentions per type, model and device),
 * filters (types shown, minimum confidence), and a tree of entity types whose rows are the
 * entities, one per normalised text (see `normaliseEntityText`). Activating a row selects its
 * next mention in the editor, cycling through them ("2 of 5").
 *
 * Highlighting refreshes the results each time the user pauses typing, so {@link
 * EntitiesViewHandle.update} patches the existing elements (keyed by type and text) instead of
 * rebuilding them: scroll position, focus, folded groups, the selected row and each row's place
 * in its cycle survive, and unchanged text is not even rewritten.
 *
 * DOM contract kept for the tests: each type is an `.entity-group` with `data-type` (the model's
 * type name, e.g. `PER`); each entity an `.entity-row` with `data-type` and `data-text` (the
 * normalised text), holding a `.count` whose text is the number of mentions shown.
 */

import { ENTITY_KINDS, entityKind, type EntityKind } from '../entityTypes';
import type { Entity } from '../protocol';
import { factList, h, uniqueId } from './dom';
import {
  countByType,
  entityKey,
  entityTypeColour,
  entityTypeName,
  groupEntities,
  nextOccurrenceIndex,
  type EntityRow,
  type EntityTypeGroup,
} from './entityGroups';
import { baseName, describeDevice, describeModel, count as formatCount, formatDuration, percent, plural } from './format';
import type { EntitiesView, EntityControls } from '../views/messages';

export interface EntitiesViewCallbacks {
  /**
   * The user changed a filter or folded a group: persist it. `hiddenTypes` holds entity kinds
   * (`textAnalytics.entities.hiddenTypes`): a type's checkbox hides its whole kind, in the editor
   * too, so the panel, the highlights and the hover always agree.
   */
  onControlsChange(controls: EntityControls): void;
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
}

export interface EntitiesViewHandle {
  readonly element: HTMLElement;
  /** The document shown: an update for another one needs a fresh view. */
  readonly uri: string;
  /** New results for the same document: patches the view in place. */
  update(view: EntitiesView): void;
  /** The kinds hidden in the editor changed (the hover's "Hide" link, the settings): the checkboxes follow. */
  setHiddenKinds(kinds: readonly EntityKind[]): void;
}

/** Whether the model's `type` is hidden by `hidden`: its kind is, or (as persisted by older releases) the type itself. */
function isHiddenType(type: string, hidden: readonly string[]): boolean {
  return hidden.includes(entityKind(type)) || hidden.includes(type);
}

/** Rows rendered per type at first and per "show more": beyond a few thousand nodes, updates lag. */
const ROWS_PER_PAGE = 300;

interface RowParts {
  element: HTMLElement;
  label: HTMLElement;
  variants: HTMLElement;
  position: HTMLElement;
  count: HTMLElement;
  mean: HTMLElement;
  max: HTMLElement;
}

interface GroupParts {
  element: HTMLElement;
  name: HTMLElement;
  code: HTMLElement;
  count: HTMLElement;
  rowList: HTMLElement;
  more: HTMLElement;
  rows: Map<string, RowParts>;
}

export function renderEntitiesView(
  initialView: EntitiesView,
  initialControls: EntityControls,
  callbacks: EntitiesViewCallbacks,
): EntitiesViewHandle {
  let view = initialView;
  let controls = initialControls;
  /** Every entity, unfiltered: recomputed per update, not per filter change. */
  let allGroups = groupEntities(view.result.entities);
  /** The rows shown now, by key, for the click handlers. */
  let shownRows = new Map<string, EntityRow>();
  /** Per row key, the index of the mention revealed last: the next activation goes on from it. */
  const revealed = new Map<string, number>();
  /** Per type, how many rows are rendered. */
  const rowLimits = new Map<string, number>();
  let selectedKey: string | undefined;
  let belowState = '';

  const summarySlot = h('div', { className: 'summary-slot' });
  const typeToggles = h('div', {
    className: 'type-toggles',
    attrs: { role: 'group', 'aria-label': 'Entity types shown' },
  });
  const toggles = new Map<string, { element: HTMLElement; box: HTMLInputElement; name: HTMLElement }>();
  const slider = h('input', {
    className: 'min-score',
    attrs: { type: 'range', min: '0', max: '100', step: '5', 'aria-label': 'Minimum confidence' },
  });
  const sliderValue = h('output', { className: 'min-score-value confidence' });
  const matchCount = h('span', { className: 'match-count' });
  // Announces what the user's own actions did; updates while typing stay silent.
  const announcer = h('div', { className: 'visually-hidden', attrs: { role: 'status' } });
  const tree = h('div', {
    className: 'entity-tree',
    attrs: {
      role: 'tree',
      'aria-label': 'Entities by type (Enter selects the next mention in the editor, Shift+Enter the previous)',
    },
  });
  const groups = new Map<string, GroupParts>();
  const below = h('div', { className: 'below-results' });

  slider.value = String(Math.round(controls.minScore * 100));
  slider.addEventListener('input', () => {
    setControls({ minScore: Number(slider.value) / 100 });
    announce(matchCount.textContent ?? '');
  });

  function setControls(patch: Partial<EntityControls>): void {
    controls = { ...controls, ...patch };
    callbacks.onControlsChange(controls);
    render();
  }

  function announce(text: string): void {
    announcer.textContent = text;
  }

  function render(): void {
    sliderValue.textContent = `≥ ${percent(controls.minScore)}`;
    renderToggles();
    const shown = groupEntities(view.result.entities, {
      minScore: controls.minScore,
      hiddenTypes: countByType(view.result.entities)
        .map(([type]) => type)
        .filter((type) => isHiddenType(type, controls.hiddenTypes)),
    });
    shownRows = new Map(shown.flatMap((group) => group.entities.map((row) => [row.key, row] as const)));
    const focus = rememberFocus();
    placeChildren(
      tree,
      shown.map((group) => renderGroup(group)),
    );
    for (const type of groups.keys()) {
      if (!shown.some((group) => group.type === type)) groups.delete(type);
    }
    restoreFocus(focus);
    keepTabStop();
    renderCounts(shown);
  }

  function renderToggles(): void {
    const types = countByType(view.result.entities).map(([type]) => type);
    for (const type of toggles.keys()) if (!types.includes(type)) toggles.delete(type);
    const elements = types.map((type) => {
      let toggle = toggles.get(type);
      if (!toggle) {
        const box = h('input', { attrs: { type: 'checkbox' } });
        const name = h('span', { className: `chip entity-chip entity-${entityTypeColour(type)}` });
        const element = h('label', { className: 'type-toggle', attrs: { 'data-type': type } }, [box, name]);
        box.addEventListener('change', () => {
          // Kinds only: a type name of the model's own would mean nothing to the editor's setting.
          const hidden = new Set(controls.hiddenTypes.filter((kind): kind is EntityKind => (ENTITY_KINDS as readonly string[]).includes(kind)));
          if (box.checked) hidden.delete(entityKind(type));
          else hidden.add(entityKind(type));
          setControls({ hiddenTypes: ENTITY_KINDS.filter((kind) => hidden.has(kind)) });
          announce(matchCount.textContent ?? '');
        });
        toggle = { element, box, name };
        toggles.set(type, toggle);
      }
      setText(toggle.name, entityTypeName(type));
      toggle.box.checked = !isHiddenType(type, controls.hiddenTypes);
      return toggle.element;
    });
    placeChildren(typeToggles, elements);
  }

  function renderGroup(group: EntityTypeGroup): HTMLElement {
    const { type } = group;
    let parts = groups.get(type);
    if (!parts) {
      parts = createGroup(type);
      groups.set(type, parts);
    }
    const expanded = !controls.collapsedTypes.includes(type);
    setAttr(parts.element, 'aria-expanded', String(expanded));
    setText(parts.count, `${plural(group.entities.length, 'entity', 'entities')} · ${plural(group.mentions, 'mention')}`);

    const rows = new Map<string, RowParts>();
    const elements: HTMLElement[] = [];
    if (expanded) {
      const limit = rowLimits.get(type) ?? ROWS_PER_PAGE;
      for (const row of group.entities.slice(0, limit)) {
        const rowParts = parts.rows.get(row.key) ?? createRow(row);
        updateRow(rowParts, row);
        rows.set(row.key, rowParts);
        elements.push(rowParts.element);
      }
      const hidden = group.entities.length - limit;
      if (hidden > 0) {
        setText(parts.more, `Show ${Math.min(hidden, ROWS_PER_PAGE)} more (${hidden} not shown)`);
        elements.push(parts.more);
      }
    }
    parts.rows = rows;
    parts.rowList.hidden = !expanded;
    placeChildren(parts.rowList, elements);
    return parts.element;
  }

  function createGroup(type: string): GroupParts {
    const headerId = uniqueId('entity-type');
    const name = h('span', { className: `chip entity-chip entity-${entityTypeColour(type)}`, attrs: { id: headerId } });
    setText(name, entityTypeName(type));
    // The model's own name too when the friendly one differs (PER → Person): it is what the
    // hovers and the settings say.
    const code = h('span', { className: 'type-code', text: entityTypeName(type) === type ? '' : type });
    const count = h('span', { className: 'group-count' });
    const header = h('div', { className: 'group-header entity-group-header' }, [
      h('span', { className: 'twistie', attrs: { 'aria-hidden': 'true' } }),
      name,
      code,
      count,
    ]);
    const rowList = h('div', { className: 'entity-rows', attrs: { role: 'group' } });
    const more = h('div', {
      className: 'entity-more',
      attrs: { role: 'treeitem', 'aria-level': '2', tabindex: '-1' },
    });
    const element = h(
      'div',
      {
        className: 'entity-group',
        attrs: {
          role: 'treeitem',
          'aria-level': '1',
          'aria-labelledby': headerId,
          'aria-expanded': 'true',
          tabindex: '-1',
          'data-type': type,
        },
      },
      [header, rowList],
    );
    return { element, name, code, count, rowList, more, rows: new Map() };
  }

  function createRow(row: EntityRow): RowParts {
    const parts: RowParts = {
      element: h('div', {
        className: 'entity-row',
        attrs: {
          role: 'treeitem',
          'aria-level': '2',
          'aria-selected': 'false',
          tabindex: '-1',
          'data-type': row.type,
          'data-text': row.text,
        },
      }),
      label: h('span', { className: `entity-text entity-${entityTypeColour(row.type)}` }),
      variants: h('span', { className: 'variants' }),
      position: h('span', { className: 'position' }),
      count: h('span', { className: 'count' }),
      mean: h('span', { className: 'confidence mean' }),
      max: h('span', { className: 'confidence max' }),
    };
    parts.element.append(
      h('span', { className: 'entity-name' }, [parts.label, parts.variants]),
      parts.position,
      parts.count,
      parts.mean,
      parts.max,
    );
    return parts;
  }

  function updateRow(parts: RowParts, row: EntityRow): void {
    const total = row.occurrences.length;
    setText(parts.label, row.label);
    setText(parts.variants, row.variants.length > 0 ? `also ${row.variants.join(', ')}` : '');
    setAttr(parts.element, 'title', [row.label, ...row.variants].join(' · '));
    setText(parts.count, String(total));
    setText(parts.mean, percent(row.meanScore));
    setText(parts.max, percent(row.maxScore));
    setText(parts.position, positionText(row));
    setAttr(parts.element, 'aria-selected', String(row.key === selectedKey));
    setAttr(
      parts.element,
      'aria-label',
      `${row.label}, ${plural(total, 'mention')}, confidence ${percent(row.meanScore)} on average, ${percent(row.maxScore)} at most`,
    );
  }

  function positionText(row: EntityRow): string {
    const index = revealed.get(row.key);
    const total = row.occurrences.length;
    return index !== undefined && index < total ? `${index + 1} of ${total}` : '';
  }

  function renderCounts(shown: EntityTypeGroup[]): void {
    const totalRows = allGroups.reduce((sum, group) => sum + group.entities.length, 0);
    const totalMentions = view.result.entities.length;
    const shownRowCount = shown.reduce((sum, group) => sum + group.entities.length, 0);
    const shownMentions = shown.reduce((sum, group) => sum + group.mentions, 0);
    const filtered = shownMentions < totalMentions;
    setText(
      matchCount,
      filtered
        ? `${shownRowCount} of ${plural(totalRows, 'entity', 'entities')} shown (${shownMentions} of ${plural(totalMentions, 'mention')})`
        : `${plural(totalRows, 'entity', 'entities')}, ${plural(totalMentions, 'mention')}`,
    );

    // Rebuilt only when what it says changes: it may hold the focused button.
    const state = totalMentions === 0 ? 'none' : shownMentions === 0 ? 'filtered' : '';
    if (state === belowState) return;
    belowState = state;
    if (state === 'none') {
      below.replaceChildren(h('p', { className: 'empty', text: 'No entities found in the analysed text.' }));
    } else if (state === 'filtered') {
      const reset = h('button', { className: 'secondary', text: 'Show all', attrs: { type: 'button' } });
      reset.addEventListener('click', () => {
        slider.value = '0';
        setControls({ hiddenTypes: [], minScore: 0 });
        tree.querySelector<HTMLElement>('[role="treeitem"]')?.focus();
      });
      below.replaceChildren(h('p', { className: 'empty', text: 'No entity passes the filters. ' }, [reset]));
    } else {
      below.replaceChildren();
    }
  }

  // ---- Activation and keyboard ------------------------------------------------------------

  function cycle(rowElement: HTMLElement, direction: 1 | -1): void {
    const key = entityKey(rowElement.dataset.type ?? '', rowElement.dataset.text ?? '');
    const row = shownRows.get(key);
    if (!row) return;
    const index = nextOccurrenceIndex(row.occurrences.length, revealed.get(key), direction);
    const mention: Entity | undefined = row.occurrences[index];
    if (!mention) return;
    revealed.set(key, index);
    const previous = selectedKey;
    selectedKey = key;
    for (const type of [previous, key]) {
      const other = type === undefined ? undefined : shownRows.get(type);
      const parts = other && groups.get(other.type)?.rows.get(other.key);
      if (other && parts) updateRow(parts, other);
    }
    announce(`${row.label}: ${formatCount(index + 1)} of ${formatCount(row.occurrences.length)}`);
    callbacks.reveal(mention.start, mention.end, false);
  }

  function toggleGroup(groupElement: HTMLElement, expand?: boolean): void {
    const type = groupElement.dataset.type ?? '';
    const expanded = groupElement.getAttribute('aria-expanded') === 'true';
    if (expand === expanded) return;
    const collapsed = new Set(controls.collapsedTypes);
    if (expanded) collapsed.add(type);
    else collapsed.delete(type);
    setControls({ collapsedTypes: [...collapsed] });
  }

  function showMore(groupElement: HTMLElement): void {
    const type = groupElement.dataset.type ?? '';
    rowLimits.set(type, (rowLimits.get(type) ?? ROWS_PER_PAGE) + ROWS_PER_PAGE);
    const firstNew = groups.get(type)?.rows.size ?? 0;
    render();
    // Carry on where "show more" was: at the first row it added.
    groups.get(type)?.rowList.querySelectorAll<HTMLElement>('.entity-row')[firstNew]?.focus();
  }

  /** Every treeitem the user can reach: groups, and the rows of expanded groups. */
  function visibleItems(): HTMLElement[] {
    return [...tree.querySelectorAll<HTMLElement>('[role="treeitem"]')].filter(
      (item) => !item.parentElement?.closest('[hidden]'),
    );
  }

  function itemOf(target: EventTarget | null): HTMLElement | null {
    return target instanceof Element ? target.closest<HTMLElement>('[role="treeitem"]') : null;
  }

  /** Roving tabindex: Tab enters the tree at one item; arrows move within it. */
  function setTabStop(item: HTMLElement | null): void {
    for (const other of tree.querySelectorAll<HTMLElement>('[role="treeitem"][tabindex="0"]')) {
      if (other !== item) other.tabIndex = -1;
    }
    if (item) item.tabIndex = 0;
  }

  function keepTabStop(): void {
    const current = tree.querySelector<HTMLElement>('[role="treeitem"][tabindex="0"]');
    const items = visibleItems();
    if (!current || !items.includes(current)) setTabStop(items[0] ?? null);
  }

  /** Where the focus was before a re-render, so it can be put back if the element moved or went. */
  function rememberFocus(): { element: HTMLElement; index: number } | undefined {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !tree.contains(active)) return undefined;
    return { element: active, index: visibleItems().indexOf(active) };
  }

  function restoreFocus(focus: { element: HTMLElement; index: number } | undefined): void {
    // Only while the panel has the focus: a refresh must never pull it out of the editor.
    if (!focus || document.activeElement === focus.element || !document.hasFocus()) return;
    if (focus.element.isConnected && !focus.element.closest('[hidden]')) {
      focus.element.focus({ preventScroll: true });
      return;
    }
    // Its entity went away: the item now at its place, so the keyboard user is not thrown out.
    const items = visibleItems();
    items[Math.min(focus.index, items.length - 1)]?.focus({ preventScroll: true });
  }

  tree.addEventListener('focusin', (event) => setTabStop(itemOf(event.target)));
  tree.addEventListener('click', (event) => {
    const item = itemOf(event.target);
    if (!item) return;
    if (item.classList.contains('entity-row')) cycle(item, event.shiftKey ? -1 : 1);
    else if (item.classList.contains('entity-more')) showMore(item.closest<HTMLElement>('.entity-group') ?? item);
    else if (item.classList.contains('entity-group') && event.target instanceof Element) {
      // A click inside a group's rows bubbles here too; only its header folds it.
      if (event.target.closest('.entity-group-header')) toggleGroup(item);
    }
  });
  tree.addEventListener('keydown', (event) => {
    const item = itemOf(event.target);
    if (!item) return;
    const isGroup = item.classList.contains('entity-group');
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault(); // Space would scroll the list.
      if (item.classList.contains('entity-row')) cycle(item, event.shiftKey ? -1 : 1);
      else if (item.classList.contains('entity-more')) showMore(item.closest<HTMLElement>('.entity-group') ?? item);
      else toggleGroup(item);
      return;
    }
    const items = visibleItems();
    const index = items.indexOf(item);
    const expanded = item.getAttribute('aria-expanded') === 'true';
    const parentGroup = isGroup ? null : item.closest<HTMLElement>('.entity-group');
    let target: HTMLElement | null | undefined;
    switch (event.key) {
      case 'ArrowDown':
        target = items[Math.min(items.length - 1, index + 1)];
        break;
      case 'ArrowUp':
        target = items[Math.max(0, index - 1)];
        break;
      case 'PageDown':
        target = items[Math.min(items.length - 1, index + 10)];
        break;
      case 'PageUp':
        target = items[Math.max(0, index - 10)];
        break;
      case 'Home':
        target = items[0];
        break;
      case 'End':
        target = items[items.length - 1];
        break;
      case 'ArrowRight':
        if (isGroup && !expanded) toggleGroup(item, true);
        else if (isGroup) target = items[index + 1];
        break;
      case 'ArrowLeft':
        if (isGroup && expanded) toggleGroup(item, false);
        else target = parentGroup;
        break;
      default:
        return;
    }
    event.preventDefault();
    target?.focus();
  });

  function renderSummary(): void {
    summarySlot.replaceChildren(summary(view, allGroups));
  }

  renderSummary();
  render();
  const element = h('div', { className: 'entities-view' }, [
    summarySlot,
    h('div', { className: 'controls-line' }, [
      typeToggles,
      h('label', { className: 'control' }, [h('span', { text: 'Min. confidence' }), slider, sliderValue]),
      matchCount,
    ]),
    h('div', { className: 'entity-columns', attrs: { 'aria-hidden': 'true' } }, [
      h('span', { text: 'Entity' }),
      h('span', { className: 'position' }),
      h('span', { className: 'count', text: 'Mentions' }),
      h('span', { className: 'confidence', text: 'Mean' }),
      h('span', { className: 'confidence', text: 'Max' }),
    ]),
    tree,
    below,
    announcer,
  ]);

  return {
    element,
    uri: view.uri,
    update(next: EntitiesView): void {
      view = next;
      allGroups = groupEntities(view.result.entities);
      renderSummary();
      render();
    },
    setHiddenKinds(kinds: readonly EntityKind[]): void {
      if (JSON.stringify(kinds) === JSON.stringify(controls.hiddenTypes)) return;
      controls = { ...controls, hiddenTypes: [...kinds] };
      render();
    },
  };
}

function summary(view: EntitiesView, groups: EntityTypeGroup[]): HTMLElement {
  const { result } = view;
  const distinct = groups.reduce((sum, group) => sum + group.entities.length, 0);
  const typeCounts = countByType(result.entities).map(([type, count]) =>
    h('span', { className: 'type-count', attrs: { 'data-type': type } }, [
      h('span', { className: `chip entity-chip entity-${entityTypeColour(type)}`, text: entityTypeName(type) }),
      h('span', { className: 'type-count-value', text: formatCount(count) }),
    ]),
  );
  const { paragraphsAnalysed, paragraphsCached } = result;
  const facts: [string, string][] = [
    ['Model', describeModel(result.model)],
    ['Device', describeDevice(result.device)],
    [
      'Paragraphs',
      paragraphsCached > 0
        ? `${formatCount(paragraphsAnalysed)} analysed, ${formatCount(paragraphsCached)} unchanged (reused)`
        : `${formatCount(paragraphsAnalysed)} analysed`,
    ],
    ['Time', formatDuration(result.elapsedMs)],
  ];
  return h('header', { className: 'document-summary entities-summary', attrs: { 'aria-label': 'Entities found' } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', {
        className: 'scope',
        text: `${plural(distinct, 'entity', 'entities')} in ${plural(result.entities.length, 'mention')}`,
      }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    h('div', { className: 'type-counts' }, typeCounts),
    factList(facts, result.device),
  ]);
}

/**
 * Makes `parent`'s children exactly `children`, in order, moving only what is out of place: an
 * element that stays where it was keeps its focus, hover and selection.
 */
function placeChildren(parent: HTMLElement, children: readonly HTMLElement[]): void {
  const wanted = new Set<Element>(children);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  let previous: Element | null = null;
  for (const child of children) {
    const expected: Element | null = previous ? previous.nextElementSibling : parent.firstElementChild;
    if (expected !== child) parent.insertBefore(child, expected);
    previous = child;
  }
}

/** Writes only changes: most of a refresh is unchanged text, and every write costs a layout. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function setAttr(element: HTMLElement, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}
