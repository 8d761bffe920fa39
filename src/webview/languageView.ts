/**
 * The language view of the results panel: a summary (file, the document's language and its share
 * of the letters, model, device, time), a row per language with its paragraphs and letters, and
 * every paragraph in document order as a listbox (language, how it was told — the model's
 * confidence, "by script", or no letters —, its opening words). Activating a paragraph (click,
 * Enter or Space) selects it in the editor; a double click or Ctrl/Cmd+Enter moves the keyboard
 * there too.
 *
 * The text shown is the document's own: it goes in as text only (see `h`), never as markup.
 *
 * DOM contract kept for the tests:
 * - `.language-document` holds the document's language code in `data-language`;
 * - each language is a `.language-share` with `data-language`, holding `.language-paragraphs`;
 * - each paragraph is a `.language-paragraph` with `data-start`, `data-end` (document UTF-16
 *   offsets), `data-language` and `data-source` (model, script or none).
 */

import type { ParagraphLanguage } from '../tasks/language';
import { languageName, UNDETERMINED } from '../tasks/languages';
import type { LanguageView } from '../views/messages';
import { factList, h, listboxRows } from './dom';
import { baseName, count, describeModel, formatDuration, percent, plural } from './format';

export interface LanguageViewCallbacks {
  /** Select [start, end) in the editor. */
  reveal(start: number, end: number, focusEditor: boolean): void;
}

/** How much of a paragraph its row shows. */
const SHOWN_CHARS = 160;

export function renderLanguageView(view: LanguageView, callbacks: LanguageViewCallbacks): HTMLElement {
  const { result } = view;
  const listbox = h(
    'div',
    { className: 'results language-paragraphs', attrs: { role: 'listbox', 'aria-label': 'Paragraphs and their languages, in document order (Enter selects one in the editor)' } },
    result.paragraphs.map((paragraph) => paragraphRow(paragraph)),
  );
  const list = listboxRows(listbox, '.language-paragraph', (row, focusEditor) => callbacks.reveal(Number(row.dataset.start), Number(row.dataset.end), focusEditor));
  list.activate();
  return h('div', { className: 'language-view' }, [
    summary(view),
    h('h2', { text: 'Languages' }),
    h(
      'div',
      { className: 'language-shares' },
      result.languages.map((share) =>
        h('div', { className: 'language-share', attrs: { 'data-language': share.language } }, [
          h('span', { className: 'chip', text: named(share.language) }),
          h('span', { className: 'language-paragraphs', text: plural(share.paragraphs, 'paragraph') }),
          h('span', { className: 'language-letters', text: plural(share.characters, 'letter') }),
        ]),
      ),
    ),
    h('h2', { text: 'Paragraphs' }),
    listbox,
    ...(result.paragraphs.length === 0 ? [h('p', { className: 'empty', text: 'No paragraphs in the analysed text.' })] : []),
  ]);
}

/** "German (de)", "undetermined". */
function named(language: string): string {
  return language === UNDETERMINED ? 'undetermined' : `${languageName(language)} (${language})`;
}

function how(paragraph: ParagraphLanguage): string {
  if (paragraph.source === 'script') return 'by script';
  if (paragraph.source === 'none') return 'no letters';
  return percent(paragraph.score);
}

function summary(view: LanguageView): HTMLElement {
  const { result } = view;
  const { language, share } = result.document;
  const facts: [string, string][] = [
    ['Language', language === UNDETERMINED ? 'undetermined' : `${named(language)}, ${percent(share)} of the letters`],
    ['Paragraphs', count(result.paragraphs.length)],
    ['Model', describeModel(result.model)],
    ['Time', formatDuration(result.elapsedMs)],
  ];
  return h('header', { className: 'document-summary language-summary', attrs: { 'aria-label': 'Language' } }, [
    h('div', { className: 'summary-title' }, [
      h('h1', { className: 'file-name', text: baseName(view.fileName), attrs: { title: view.fileName } }),
      h('span', { className: 'scope language-document', text: `Language · ${named(language)}`, attrs: { 'data-language': language } }),
    ]),
    h('div', { className: 'file-path', text: view.fileName }),
    factList(facts, result.device),
  ]);
}

function paragraphRow(paragraph: ParagraphLanguage): HTMLElement {
  const text = paragraph.text.length > SHOWN_CHARS ? `${paragraph.text.slice(0, SHOWN_CHARS)}…` : paragraph.text;
  return h(
    'div',
    {
      className: 'language-paragraph',
      attrs: {
        role: 'option',
        tabindex: '-1',
        'aria-selected': 'false',
        'aria-label': `${named(paragraph.language)}, ${how(paragraph)}: ${text}`,
        'data-start': String(paragraph.start),
        'data-end': String(paragraph.end),
        'data-language': paragraph.language,
        'data-source': paragraph.source,
      },
    },
    [h('span', { className: 'chip', text: paragraph.language }), h('span', { className: 'score confidence', text: how(paragraph) }), h('span', { className: 'language-text', text })],
  );
}
