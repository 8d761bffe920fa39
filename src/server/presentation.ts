/**
 * What the language server shows of a document's findings: the diagnostics (personal data, and
 * optionally entities and negative sentences), the hover's Markdown and the semantic tokens'
 * legend. Pure builders over UTF-16 spans and a position converter, so the words and ranges are
 * tested without a connection. The words are the VS Code extension's (src/ui/piiPresentation.ts,
 * src/ui/entityKinds.ts); its hover is not reused whole because its links are VS Code `command:`
 * URIs, which other editors do not run: here the same actions are code actions.
 */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Entity, PiiFinding, SentenceSentiment } from '../protocol';
import { entityKind, type EntityKind } from '../entityTypes';
import { ENTITY_KIND_INFO, occurrencesOf } from '../ui/entityKinds';
import { escapeMarkdown, formatPercent, oneLine } from '../ui/entityHover';
import { piiDiagnosticMessage, piiTypeInfo, sameValue } from '../ui/piiPresentation';
import type { Severity } from './settings';

/** Every diagnostic's `source`: what clients show beside the message, and how code actions know theirs. */
export const DIAGNOSTIC_SOURCE = 'text-analytics';

/** `data` of a personal-data diagnostic: which finding it is, so a code action acts on exactly it. */
export interface PiiDiagnosticData {
  kind: 'pii';
  start: number;
  end: number;
}

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

type RangeOf = (span: { start: number; end: number }) => Range;

export function piiDiagnostics(findings: readonly PiiFinding[], severity: Severity, rangeOf: RangeOf): Diagnostic[] {
  return findings.map((finding) => ({
    range: rangeOf(finding),
    severity: SEVERITIES[severity],
    code: finding.type,
    source: DIAGNOSTIC_SOURCE,
    message: piiDiagnosticMessage(finding),
    data: { kind: 'pii', start: finding.start, end: finding.end } satisfies PiiDiagnosticData,
  }));
}

/** Entities as hints: "Person (97.1%)", the model's type as the code. */
export function entityDiagnostics(entities: readonly Entity[], rangeOf: RangeOf): Diagnostic[] {
  return entities.map((entity) => ({
    range: rangeOf(entity),
    severity: DiagnosticSeverity.Hint,
    code: entity.type,
    source: DIAGNOSTIC_SOURCE,
    message: `${ENTITY_KIND_INFO[entityKind(entity.type)].label} (${formatPercent(entity.score)})`,
  }));
}

/** Negative sentences as information. */
export function negativeDiagnostics(sentences: readonly SentenceSentiment[], rangeOf: RangeOf): Diagnostic[] {
  return sentences
    .filter((sentence) => sentence.label === 'NEGATIVE')
    .map((sentence) => ({
      range: rangeOf(sentence),
      severity: DiagnosticSeverity.Information,
      code: 'NEGATIVE',
      source: DIAGNOSTIC_SOURCE,
      message: `Negative sentence (${formatPercent(sentence.score)})`,
    }));
}

/** Longest finding text quoted in a hover. */
const MAX_QUOTED = 80;

function times(n: number): string {
  return n <= 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** What a hover is written in: the client's first choice of `textDocument.hover.contentFormat`. */
export type HoverFormat = 'markdown' | 'plaintext';

/**
 * A hover in `format`: its title (bold in Markdown: our `prefix`, then the `label`, which may come
 * from a user's type name) and type, the quoted text, then its details.
 */
function hoverText(format: HoverFormat, prefix: string, label: string, type: string, quoted: string, details: string): string {
  const quote = `“${oneLine(quoted, MAX_QUOTED)}”`;
  if (format === 'plaintext') return `${prefix}${label} (${type}): ${quote}\n\n${details}`;
  return `**${prefix}${escapeMarkdown(label)}** (${escapeMarkdown(type)}): ${escapeMarkdown(quote)}\n\n${details}`;
}

/** The hover of a personal-data finding: type, the text, confidence, where it came from, occurrences. */
export function piiHover(finding: PiiFinding, findings: readonly PiiFinding[], format: HoverFormat): string {
  const info = piiTypeInfo(finding.type);
  const source = finding.source === 'model' ? 'a model' : finding.source === 'custom' ? 'your own pattern or deny-list' : 'a validating recognizer';
  return hoverText(
    format,
    'Personal data: ',
    info.label,
    oneLine(finding.type, 64),
    finding.text,
    `Confidence ${formatPercent(finding.score)} · found by ${source} · occurs ${times(sameValue(findings, finding).length)} in this document`,
  );
}

/** The hover of an entity: kind (and the model's own type when it says more), confidence, occurrences. */
export function entityHover(entity: Entity, entities: readonly Entity[], format: HoverFormat): string {
  const kind = entityKind(entity.type);
  const modelType = entity.type.trim().toUpperCase() === kind ? kind : `${kind}, model type ${oneLine(entity.type, 64)}`;
  return hoverText(
    format,
    '',
    ENTITY_KIND_INFO[kind].label,
    modelType,
    entity.text,
    `Confidence ${formatPercent(entity.score)} · occurs ${times(occurrencesOf(entities, entity).length)} in this document`,
  );
}

/**
 * Semantic tokens: one token type per entity kind. Editors colour them from their themes; most
 * map these names themselves, and a theme may name them (`@lsp.type.person` in Neovim).
 */
export const SEMANTIC_TOKEN_TYPES: readonly string[] = ['person', 'organization', 'location', 'miscellaneous'];
const TOKEN_TYPE_OF: Record<EntityKind, number> = { PER: 0, ORG: 1, LOC: 2, MISC: 3 };

export function tokenTypeOf(entityType: string): number {
  return TOKEN_TYPE_OF[entityKind(entityType)];
}
