/**
 * How a document's text is read: as Markdown, whose markup (headings, code, front matter, tables'
 * pipes, link targets) is not prose, or as plain text. Sentiment and topics take it in their
 * requests; the editor says it by the document's language, the command line by the file's
 * extension or `--format`. Pure: no `vscode`, no Node.
 */
import { allOf } from './checks';

export type TextFormat = 'markdown' | 'plaintext';
export const TEXT_FORMATS = allOf<TextFormat>({ markdown: true, plaintext: true });

/** The extensions of Markdown files (those VS Code opens as Markdown, and MDX). */
const MARKDOWN_FILE = /\.(md|markdown|mdx|mdown|mdwn|mkd|mkdn|mkdown|ronn|workbook)$/i;

/** The format of a file by its name: Markdown by its extension, else plain text. */
export function formatOfPath(path: string): TextFormat {
  return MARKDOWN_FILE.test(path) ? 'markdown' : 'plaintext';
}

/** The format of an editor's document by its language id. */
export function formatOfLanguage(languageId: string): TextFormat {
  return languageId === 'markdown' || languageId === 'mdx' ? 'markdown' : 'plaintext';
}
