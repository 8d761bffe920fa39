import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entity } from '../../src/protocol';
import { ENTITY_LINK_COMMANDS, entityHover, escapeMarkdown, formatPercent } from '../../src/ui/entityHover';
import { entityKind, normaliseEntityText, occurrencesOf } from '../../src/ui/entityKinds';

const MERKEL: Entity = { start: 10, end: 23, text: 'Angela Merkel', type: 'PER', score: 0.9731 };

/** The arguments each command link carries, decoded as VS Code decodes them. */
function links(markdown: string): { label: string; command: string; args: unknown[] }[] {
  return [...markdown.matchAll(/\[([^\]]+)\]\(command:([\w.]+)\?([^)\s]*)\)/g)].map(([, label, command, query]) => ({
    label,
    command,
    args: JSON.parse(decodeURIComponent(query)) as unknown[],
  }));
}

test('the hover names the kind, the confidence, the count, and links to the three commands', () => {
  const hover = entityHover({ entity: MERKEL, occurrences: 3, uri: 'file:///notes.md' });
  assert.match(hover.markdown, /\$\(person\) \*\*Person\*\* \(PER\): “Angela Merkel”/);
  assert.match(hover.markdown, /Confidence 97\.3% · occurs 3 times in this document/);
  assert.deepEqual(
    links(hover.markdown).map(({ label, command, args }) => [label, command, args]),
    [
      ['Find All Occurrences', ENTITY_LINK_COMMANDS.findOccurrences, [{ uri: 'file:///notes.md', start: 10, text: 'Angela Merkel', type: 'PER' }]],
      ['Copy', ENTITY_LINK_COMMANDS.copy, [{ text: 'Angela Merkel' }]],
      ['Hide People', ENTITY_LINK_COMMANDS.hideType, [{ kind: 'PER' }]],
    ],
  );
  assert.deepEqual([...hover.enabledCommands].sort(), Object.values(ENTITY_LINK_COMMANDS).sort());
  assert.match(entityHover({ entity: MERKEL, occurrences: 1, uri: 'u' }).markdown, /occurs once/);
  assert.match(entityHover({ entity: MERKEL, occurrences: 2, uri: 'u' }).markdown, /occurs twice/);
});

test("a type the model names its own way shows both the kind and the model's name", () => {
  const hover = entityHover({ entity: { ...MERKEL, type: 'GPE', text: 'Texas' }, occurrences: 1, uri: 'u' });
  assert.match(hover.markdown, /\*\*Location\*\* \(LOC, model type GPE\)/);
  assert.match(hover.markdown, /Hide Locations/);
});

test('document text cannot inject markup, links, icons or HTML into the hover', () => {
  const nasty = '[run](command:workbench.action.terminal.new) $(zap) <img src=x> *bold* `code`\n# heading';
  const hover = entityHover({ entity: { ...MERKEL, text: nasty }, occurrences: 1, uri: 'file:///a (1).md' });
  const quoted = /“(.*)”/su.exec(hover.markdown)?.[1] ?? '';
  assert.ok(quoted.startsWith('\\[run\\]'), quoted);
  assert.doesNotMatch(quoted, /(?<!\\)[[\]()<>*`#$]/u, 'every syntax character of the text is escaped');
  assert.doesNotMatch(quoted, /\n/, 'on one line');
  assert.deepEqual(links(hover.markdown).map((link) => link.command), Object.values(ENTITY_LINK_COMMANDS), 'no link but ours');
  // The text travels intact in the links' arguments, parentheses in the URI included.
  assert.equal((links(hover.markdown)[1].args[0] as { text: string }).text, nasty);
  assert.equal((links(hover.markdown)[0].args[0] as { uri: string }).uri, 'file:///a (1).md');
});

test('long entity text is cut in the headline', () => {
  const hover = entityHover({ entity: { ...MERKEL, text: 'Organisation '.repeat(20) }, occurrences: 1, uri: 'u' });
  assert.match(hover.markdown.split('\n\n')[0], /…”$/);
});

test('percentages round down, so that a probability below 1 never reads 100%', () => {
  assert.equal(formatPercent(0.9999), '99.9%');
  assert.equal(formatPercent(1), '100.0%');
  assert.equal(formatPercent(0.5), '50.0%');
});

test('escaping keeps letters, digits and spaces as they are', () => {
  assert.equal(escapeMarkdown('Tōkyō 東京 2024'), 'Tōkyō 東京 2024');
  assert.equal(escapeMarkdown('U.S. (Army)'), 'U\\.S\\. \\(Army\\)');
});

test('entity kinds: model type names map to the four kinds, unknown ones to MISC', () => {
  assert.deepEqual(['PER', 'person', 'ORG', 'Organization', 'LOC', 'GPE', 'MISC', 'EVENT'].map(entityKind), ['PER', 'PER', 'ORG', 'ORG', 'LOC', 'LOC', 'MISC', 'MISC']);
});

test('occurrences: same kind and same text, ignoring case, width and spacing', () => {
  assert.equal(normaliseEntityText(' Angela\n  MERKEL '), 'angela merkel');
  assert.equal(normaliseEntityText('Ｇｏｏｇｌｅ'), 'google', 'full-width letters');
  const entities = [
    { text: 'Paris', type: 'LOC' },
    { text: 'paris', type: 'LOC' },
    { text: 'Paris', type: 'PER' },
    { text: 'Berlin', type: 'LOC' },
  ];
  assert.equal(occurrencesOf(entities, { text: 'PARIS', type: 'LOC' }).length, 2);
});
