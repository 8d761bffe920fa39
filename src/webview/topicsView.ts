/**
 * The topics view of the results panel: a summary, the label editor (labels as removable chips,
 * an input to add one, single/multi-label, "Classify" and "Save as workspace labels"), the export
 * buttons, the document's labels as bars, and each section with its top labels. Activating a
 * section (click, Enter or Space) selects it in the editor.
 *
 * DOM contract kept for the tests: each document label is a `.topic-bar` with `data-label`,
 * holding a `.score` (its percentage); each section a `.topic-section` with `data-start` and
 * `data-end` (document offsets), holding its labels as `.topic-section-label` with `data-label`.
 */

import type { TopicScore } from '../protocol';
import { exportToolbar, factList, h, uniqueId } from './dom';
import { baseName, describeDevice, describeModel, count, formatDuration, percent, plural } from './format';
import { MAX_TOPIC_LABEL_LENGTH, MAX_TOPIC_LABELS, type ExportDestination, type ExportFormat, type TopicsView } from '../views/messages';

export interface TopicsViewCallbacks {
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
  /** Classify the document again with these labels and mode. */
  classify(labels: string[], multiLabel: boolean): void;
  saveLabels(labels: string[]): void;
  exportTopics(format: ExportFormat, destination: ExportDestination): void;
}

/** Labels shown per section. */
const SECTION_TOP_LABELS = 3;
/** Words of a section's text shown when it has no heading. */
const FIRST_WORDS = 8;

export function renderTopicsView(view: TopicsView, callbacks: TopicsViewCallbacks): HTMLElement {
  const { result } = view;
  return h('div', { className: 'topics-view' }, [
    summary(view),
    labelEditor(view, callbacks),
    exportToolbar('topic', (format, destination) => callbacks.exportTopics(format, destination)),
    h('h2', { className: 'topics-heading', text: view.selection ? (view.selection.inView ? 'Part in view' : 'Selection') : 'Document' }),
    documentBars(result.document),
    h('h2', { className: 'topics-heading', text: `Sections (${count(result.sections.length)})` }),
    sectionList(view, callbacks),
  ]);
}

function summary(view: TopicsView): HTMLElement {
  const { result } = view;
  const best = result.document[0];
  const facts: [string, string][] = [
    ['Model', describeModel(result.model)],
    ['Device', describeDevice(result.device)],
    ['Mode', view.multiLabel ? 'Multi-label (each label scored on its own)' : 'Single-label (scores sum to 100%)'],
    ['Read', `${plural(result.pairs, 'window–label pair')} in ${formatDuration(result.elapsedMs)}`],
    // Headings still delimit the sections, but neither they nor code, front matter or tables were classified.
    ...(result.skippedMarkup ? [['Not read', `${plural(result.skippedMarkup, 'Markdown block')} (headings, code, front matter, tables)`] as [string, string]] : []),
  ];
  return h('header', { className: 'document-summary topics-summary', attrs: { 'aria-label': 'Topics' } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', {
        className: 'scope',
        text: `${best ? `mostly ${best.label} · ` : ''}${plural(view.labels.length, 'label')} · ${plural(result.sections.length, 'section')}${view.selection ? (view.selection.inView ? ' · part in view only' : ' · selection only') : ''}`,
      }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    factList(facts, result.device),
  ]);
}

/** The labels to classify against next, edited here; "Classify" sends them. */
function labelEditor(view: TopicsView, callbacks: TopicsViewCallbacks): HTMLElement {
  let labels = [...view.labels];
  let multiLabel = view.multiLabel;

  const chips = h('ul', { className: 'topic-labels', attrs: { 'aria-label': 'Topic labels' } });
  const input = h('input', {
    className: 'filter topic-label-input',
    // The host refuses longer labels; the input stops the user first.
    attrs: { type: 'text', placeholder: 'Add a label…', 'aria-label': 'New topic label (Enter adds it)', maxlength: String(MAX_TOPIC_LABEL_LENGTH) },
  });
  const add = h('button', { className: 'secondary', text: 'Add', attrs: { type: 'button' } });
  const multi = h('input', { className: 'topic-multi-label', attrs: { type: 'checkbox' } });
  const classify = h('button', { className: 'topic-classify', text: 'Classify', attrs: { type: 'button' } });
  const save = h('button', {
    className: 'secondary topic-save-labels',
    text: 'Save as workspace labels',
    attrs: { type: 'button', title: 'Write these labels to textAnalytics.topics.labels in the workspace settings' },
  });
  const changed = h('span', { className: 'match-count topic-draft-state', attrs: { role: 'status' } });
  multi.checked = multiLabel;

  function renderChips(): void {
    chips.replaceChildren(
      ...labels.map((label, index) => {
        const remove = h('button', {
          className: 'chip-remove',
          text: '×',
          attrs: { type: 'button', 'aria-label': `Remove label ${label}`, title: 'Remove' },
        });
        remove.addEventListener('click', () => {
          labels = labels.filter((other) => other !== label);
          renderChips();
          // Keep the keyboard in the list: the next chip's remove button, or the input.
          const next = chips.querySelectorAll<HTMLButtonElement>('.chip-remove')[Math.min(index, labels.length - 1)];
          (next ?? input).focus();
        });
        return h('li', { className: 'chip topic-label-chip', attrs: { 'data-label': label } }, [h('span', { text: label }), remove]);
      }),
    );
    const same = labels.length === view.labels.length && labels.every((label, i) => label === view.labels[i]) && multiLabel === view.multiLabel;
    const problem = labelsProblem(labels);
    const full = labels.length === MAX_TOPIC_LABELS ? `${MAX_TOPIC_LABELS} labels, the most a run takes. ` : '';
    changed.textContent = problem ?? (same ? full : `${full}Changed — Classify to update the results.`);
    classify.disabled = problem !== undefined;
    save.disabled = problem !== undefined;
  }

  function addLabel(): void {
    // One label per entry, as typed: labels may hold commas and spaces.
    const label = input.value.trim();
    if (!label) return;
    if (labels.length >= MAX_TOPIC_LABELS) return; // renderChips already says why.
    if (!labels.includes(label)) labels = [...labels, label];
    input.value = '';
    renderChips();
  }

  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addLabel();
    }
  });
  add.addEventListener('click', () => {
    addLabel();
    input.focus();
  });
  multi.addEventListener('change', () => {
    multiLabel = multi.checked;
    renderChips();
  });
  classify.addEventListener('click', () => {
    addLabel(); // A label typed but not yet added counts.
    if (labelsProblem(labels) === undefined) callbacks.classify(labels, multiLabel);
  });
  save.addEventListener('click', () => {
    addLabel();
    if (labelsProblem(labels) === undefined) callbacks.saveLabels(labels);
  });
  renderChips();

  return h('section', { className: 'topic-editor', attrs: { 'aria-label': 'Labels to classify against' } }, [
    chips,
    h('div', { className: 'controls-line' }, [
      h('span', { className: 'control' }, [input, add]),
      h('label', { className: 'control' }, [multi, h('span', { text: 'Multi-label' })]),
      classify,
      save,
      changed,
    ]),
  ]);
}

/**
 * Why these labels cannot be sent, or undefined when they can. The host accepts only what
 * `isTopicLabels` does; labels from the settings may break its limits, so the editor says so
 * instead of sending a message the host would drop.
 */
function labelsProblem(labels: readonly string[]): string | undefined {
  if (labels.length === 0) return 'Add at least one label.';
  if (labels.length > MAX_TOPIC_LABELS) return `At most ${MAX_TOPIC_LABELS} labels: remove ${labels.length - MAX_TOPIC_LABELS}.`;
  if (labels.some((label) => label.length > MAX_TOPIC_LABEL_LENGTH)) return `Labels are at most ${MAX_TOPIC_LABEL_LENGTH} characters: shorten the long one.`;
  return undefined;
}

/** A label's score as a bar; screen readers get the label and percentage from the meter. */
function scoreBar(className: string, { label, score }: TopicScore): HTMLElement {
  const value = Math.floor(score * 100);
  const fill = h('div', { className: 'bar-fill' });
  fill.style.width = `${Math.max(0, Math.min(100, score * 100))}%`;
  return h('div', { className, attrs: { 'data-label': label } }, [
    h('span', { className: 'topic-name', text: label, attrs: { title: label } }),
    h('div', {
      className: 'bar topic-meter',
      attrs: {
        role: 'meter',
        'aria-label': label,
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': String(value),
        'aria-valuetext': percent(score),
      },
    }, [fill]),
    h('span', { className: 'score confidence', text: percent(score) }),
  ]);
}

function documentBars(scores: readonly TopicScore[]): HTMLElement {
  return h(
    'div',
    { className: 'topic-bars', attrs: { role: 'list', 'aria-label': 'Topics of the analysed text' } },
    scores.map((score) => {
      const bar = scoreBar('topic-bar', score);
      bar.setAttribute('role', 'listitem');
      return bar;
    }),
  );
}

function sectionList(view: TopicsView, callbacks: TopicsViewCallbacks): HTMLElement {
  const list = h('div', {
    className: 'topic-sections',
    attrs: { role: 'list', 'aria-label': 'Sections (Enter selects the section in the editor)' },
  });
  view.result.sections.forEach((section, index) => {
    const title = section.heading?.trim() || firstWords(section.text);
    const line = view.sectionLines[index];
    const titleId = uniqueId('topic-section');
    const element = h(
      'div',
      {
        className: 'topic-section',
        attrs: {
          role: 'listitem',
          tabindex: '0',
          'aria-labelledby': titleId,
          'data-start': String(section.start),
          'data-end': String(section.end),
        },
      },
      [
        h('div', { className: 'topic-section-header' }, [
          h('span', { className: `topic-section-title${section.heading ? ' heading' : ''}`, text: title, attrs: { id: titleId, title } }),
          h('span', { className: 'topic-section-line', text: line !== undefined ? `line ${line}` : '' }),
        ]),
        ...section.labels.slice(0, SECTION_TOP_LABELS).map((score) => scoreBar('topic-section-label', score)),
      ],
    );
    const reveal = (focusEditor: boolean): void => {
      for (const other of list.querySelectorAll('.topic-section.selected')) other.classList.remove('selected');
      element.classList.add('selected');
      callbacks.reveal(section.start, section.end, focusEditor);
    };
    element.addEventListener('click', () => reveal(false));
    element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        reveal(event.key === 'Enter' && (event.ctrlKey || event.metaKey));
      }
    });
    list.append(element);
  });
  if (view.result.sections.length === 0) list.append(h('p', { className: 'empty', text: 'No sections.' }));
  return list;
}

function firstWords(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length > FIRST_WORDS ? `${words.slice(0, FIRST_WORDS).join(' ')}…` : words.join(' ');
}
