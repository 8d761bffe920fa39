/**
 * What hovering a highlighted entity shows: its kind, the model's confidence, how often the same
 * entity occurs in the document, and command links to find those occurrences (in the document, or
 * in every file of the workspace), copy the text, or hide the kind. A pure builder (no `vscode`): it returns Markdown and the commands its links may
 * run; the hover provider wraps them in a `MarkdownString` trusted for exactly those commands.
 *
 * @example
 * const hover = entityHover({ entity, occurrences: 3, uri: document.uri.toString() });
 * const markdown = new vscode.MarkdownString(hover.markdown, true);
 * markdown.isTrusted = { enabledCommands: hover.enabledCommands };
 */
import type { Entity } from '../protocol';
import { isEntityText, type FindOccurrencesArgs } from '../entityTypes';
import { hasOnlyKeys, isRecord, oneOf } from '../validate';
import { ENTITY_KIND_INFO, ENTITY_KINDS, entityKind, type EntityKind } from './entityKinds';

/** The commands behind the hover's links; they take one argument each, below. */
export const ENTITY_LINK_COMMANDS = {
  findOccurrences: 'textAnalytics.findEntityOccurrences',
  /** Takes the same arguments as `findOccurrences`, and searches every Markdown and text file of the workspace (src/ui/findMentions.ts). */
  findMentions: 'textAnalytics.findMentionsInWorkspace',
  copy: 'textAnalytics.copyEntity',
  hideType: 'textAnalytics.hideEntityType',
} as const;

// The arguments of Find All Occurrences and Find Mentions, which the results panel's messages carry too.
export { MAX_LINK_TEXT, readFindOccurrencesArgs, type FindOccurrencesArgs } from '../entityTypes';

export interface CopyEntityArgs {
  text: string;
}

export interface HideEntityTypeArgs {
  kind: EntityKind;
}

export interface EntityHover {
  markdown: string;
  /** Pass to `MarkdownString.isTrusted`: only these command links run. */
  enabledCommands: string[];
}

export interface EntityHoverInput {
  entity: Entity;
  /** How many entities in the document are the same as this one, itself included. */
  occurrences: number;
  /** The document's URI as a string. */
  uri: string;
}

/** Longest entity text quoted in full; longer text is cut with an ellipsis. */
const MAX_QUOTED = 80;

export function entityHover({ entity, occurrences, uri }: EntityHoverInput): EntityHover {
  const kind = entityKind(entity.type);
  const info = ENTITY_KIND_INFO[kind];
  // The model's own name for the type, when it says more than the kind does (e.g. "GPE").
  // It comes from the model's config.json, as untrusted as the document: one line, escaped.
  const modelType = entity.type.trim().toUpperCase() === kind ? kind : `${kind}, model type ${oneLine(entity.type, MAX_QUOTED)}`;
  const times = occurrences === 1 ? 'once' : occurrences === 2 ? 'twice' : `${occurrences} times`;
  const links = [
    commandLink('Find All Occurrences', ENTITY_LINK_COMMANDS.findOccurrences, { uri, start: entity.start, text: entity.text, type: entity.type } satisfies FindOccurrencesArgs),
    commandLink('Find Mentions in Workspace', ENTITY_LINK_COMMANDS.findMentions, { uri, start: entity.start, text: entity.text, type: entity.type } satisfies FindOccurrencesArgs),
    commandLink('Copy', ENTITY_LINK_COMMANDS.copy, { text: entity.text } satisfies CopyEntityArgs),
    commandLink(`Hide ${info.plural}`, ENTITY_LINK_COMMANDS.hideType, { kind } satisfies HideEntityTypeArgs),
  ];
  const markdown = [
    `$(${info.icon}) **${info.label}** (${escapeMarkdown(modelType)}): ${escapeMarkdown(quoted(entity.text))}`,
    `Confidence ${formatPercent(entity.score)} · occurs ${times} in this document`,
    links.join(' · '),
  ].join('\n\n');
  return { markdown, enabledCommands: Object.values(ENTITY_LINK_COMMANDS) };
}

/** "97.3%"; never "100%" for a probability below 1. */
export function formatPercent(probability: number): string {
  const tenths = Math.floor(Math.min(1, Math.max(0, probability)) * 1000) / 10;
  return `${tenths.toFixed(1)}%`;
}

/** The entity text on one line, in quotes, cut to a readable length. */
function quoted(text: string): string {
  return `“${oneLine(text, MAX_QUOTED)}”`;
}

/**
 * `text` on one line (a line break in Markdown could start a heading, a list or a code block),
 * cut to `max` characters with an ellipsis.
 */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/gu, ' ').trim();
  const characters = [...line];
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : line;
}

/**
 * Escapes document text for Markdown: every ASCII punctuation character that Markdown, HTML, an
 * autolink (`http:`) or a theme icon (`$(…)`) could read as syntax gets a backslash, which
 * CommonMark allows before any ASCII punctuation.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~$&:]/g, '\\$&');
}

/** A Markdown link that runs `command` with `args` as its single argument. */
export function commandLink(label: string, command: string, args: unknown): string {
  // Parentheses and quotes stay literal in encodeURIComponent, and would end the link early.
  const query = encodeURIComponent(JSON.stringify([args])).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${escapeMarkdown(label)}](command:${command}?${query})`;
}

// ---- The links' arguments, as the commands receive them ---------------------------------------

/** The argument of a Copy link, if it is what {@link entityHover} writes. */
export function readCopyEntityArgs(value: unknown): CopyEntityArgs | undefined {
  return isRecord(value) && hasOnlyKeys(value, ['text']) && isEntityText(value.text) ? { text: value.text } : undefined;
}

/** The argument of a Hide link, if it is what {@link entityHover} writes: one of the four kinds. */
export function readHideEntityTypeArgs(value: unknown): HideEntityTypeArgs | undefined {
  const kind = isRecord(value) && hasOnlyKeys(value, ['kind']) ? oneOf(value.kind, ENTITY_KINDS) : undefined;
  return kind ? { kind } : undefined;
}
