import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entity } from '../../src/protocol';
import {
  ENTITY_LINK_COMMANDS,
  entityHover,
  escapeMarkdown,
  formatPercent,
  MAX_LINK_TEXT,
  readCopyEntityArgs,
  readFindOccurrencesArgs,
  readHideEntityTypeArgs,
} from '../../src/ui/entityHover';
import { inertMessageText, inertStatusText } from '../../src/ui/inertText';
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

test('the hover names the kind, the confidence, the count, and links to the four commands', () => {
  const hover = entityHover({ entity: MERKEL, occurrences: 3, uri: 'file:///notes.md' });
  assert.match(hover.markdown, /\$\(person\) \*\*Person\*\* \(PER\): “Angela Merkel”/);
  assert.match(hover.markdown, /Confidence 97\.3% · occurs 3 times in this document/);
  assert.deepEqual(
    links(hover.markdown).map(({ label, command, args }) => [label, command, args]),
    [
      ['Find All Occurrences', ENTITY_LINK_COMMANDS.findOccurrences, [{ uri: 'file:///notes.md', start: 10, text: 'Angela Merkel', type: 'PER' }]],
      ['Find Mentions in Workspace', ENTITY_LINK_COMMANDS.findMentions, [{ uri: 'file:///notes.md', start: 10, text: 'Angela Merkel', type: 'PER' }]],
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

// ---- Hostile text ------------------------------------------------------------------------------

/** Entity texts a document (or a tampered model) could produce, each trying to get out of its quotes. */
const HOSTILE_TEXTS = [
  '](command:workbench.action.quit)',
  '[x](command:textAnalytics.restartWorker)',
  '[x]: command:workbench.action.quit',
  '<a href="command:workbench.action.quit">quit</a>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '[click](javascript:alert(1))',
  'https://example.com/x www.example.com',
  '``code`` ```fence',
  '$(zap) $(loading~spin)',
  'first line\n\n# Heading\n- item\n    code block',
  '&lt;b&gt; &#x3C;script&#x3E;',
  '\\](command:workbench.action.quit)',
  '"><svg onload=alert(1)>',
  `Organisation ${'[x](command:workbench.action.quit) '.repeat(500)}`,
];

/** The Markdown text between the headline's quotes, and that text with its escapes undone. */
function quotedPart(markdown: string): { escaped: string; shown: string } {
  const escaped = /“(.*)”/su.exec(markdown.split('\n\n')[0] ?? '')?.[1] ?? '';
  return { escaped, shown: escaped.replace(/\\([!-/:-@[-`{-~])/g, '$1') };
}

for (const text of HOSTILE_TEXTS) {
  test(`hostile entity text stays text: ${JSON.stringify(text.slice(0, 50))}`, () => {
    const hover = entityHover({ entity: { ...MERKEL, text }, occurrences: 2, uri: 'file:///notes.md' });
    // Exactly our four links, in the last paragraph, and no other command anywhere.
    assert.deepEqual(links(hover.markdown).map((link) => link.command), Object.values(ENTITY_LINK_COMMANDS));
    assert.equal(hover.markdown.match(/command:/g)?.length, 4, 'no "command:" but in our four links');
    assert.deepEqual([...hover.enabledCommands].sort(), Object.values(ENTITY_LINK_COMMANDS).sort());
    // Three paragraphs: the text cannot start a heading, a list or a code block of its own.
    assert.equal(hover.markdown.split('\n').length, 5, hover.markdown);
    // No syntax character of the text is left unescaped: no HTML, link, code span or icon.
    const { escaped, shown } = quotedPart(hover.markdown);
    assert.doesNotMatch(escaped, /(?<!\\)[[\]()<>`*_$!:&#|~]/u, escaped);
    // Nor an autolink or HTML outside the links' (URI-encoded) destinations.
    const prose = hover.markdown.split('\n\n').slice(0, 2).join('\n\n');
    assert.doesNotMatch(prose, /(?<!\\)<|javascript:|https?:|www\./i, prose);
    // Once escapes are undone it reads as the text did (on one line, cut if long).
    const line = text.replace(/\s+/g, ' ').trim();
    assert.equal(shown, line.length > 80 ? `${[...line].slice(0, 79).join('')}…` : line);
    // The links carry the whole text, intact.
    const [find, mentions, copy] = links(hover.markdown);
    assert.equal((find.args[0] as { text: string }).text, text);
    assert.equal((mentions.args[0] as { text: string }).text, text);
    assert.equal((copy.args[0] as { text: string }).text, text);
  });
}

test("a hostile type name in the model's config stays text, on one line", () => {
  const type = 'GPE](command:workbench.action.quit)\n\n<img src=x onerror=alert(1)> $(zap)';
  const hover = entityHover({ entity: { ...MERKEL, type }, occurrences: 1, uri: 'file:///notes.md' });
  const headline = hover.markdown.split('\n\n')[0];
  assert.match(headline, /^\$\(tag\) \*\*Miscellaneous\*\* \(MISC, model type GPE\\\]\\\(command\\:workbench\\\.action\\\.quit\\\) \\<img/);
  assert.equal(hover.markdown.match(/command:/g)?.length, 4);
  assert.doesNotMatch(headline, /(?<!\\)[<>[\]]|\$\((?!tag\))/);
  assert.equal(hover.markdown.split('\n').length, 5);
  assert.deepEqual(links(hover.markdown).map((link) => link.command), Object.values(ENTITY_LINK_COMMANDS));
});

test('a uri with Markdown and link syntax travels only inside the link arguments', () => {
  const uri = 'file:///a/[x](command:workbench.action.quit) (1).md';
  const hover = entityHover({ entity: MERKEL, occurrences: 1, uri });
  assert.equal(hover.markdown.match(/command:/g)?.length, 4);
  assert.equal((links(hover.markdown)[0].args[0] as { uri: string }).uri, uri);
});

// ---- The links' arguments, as the commands receive them ------------------------------------------

test('the arguments our hover writes are the arguments the commands accept', () => {
  const hover = entityHover({ entity: { ...MERKEL, text: '[x](command:workbench.action.quit)' }, occurrences: 1, uri: 'file:///notes.md' });
  const [find, mentions, copy, hide] = links(hover.markdown);
  assert.deepEqual(readFindOccurrencesArgs(find.args[0]), find.args[0]);
  // Find Mentions in Workspace takes the same arguments as Find All Occurrences.
  assert.deepEqual(readFindOccurrencesArgs(mentions.args[0]), mentions.args[0]);
  assert.deepEqual(readCopyEntityArgs(copy.args[0]), copy.args[0]);
  assert.deepEqual(readHideEntityTypeArgs(hide.args[0]), hide.args[0]);
});

const FIND = { uri: 'file:///notes.md', start: 10, text: 'Angela Merkel', type: 'PER' };
const TAMPERED_FIND: [string, unknown][] = [
  ['no arguments', undefined],
  ['an array', [FIND]],
  ['a string', JSON.stringify(FIND)],
  ['a negative start', { ...FIND, start: -1 }],
  ['a fractional start', { ...FIND, start: 1.5 }],
  ['a start past any document', { ...FIND, start: 2 ** 40 }],
  ['a start as text', { ...FIND, start: '10' }],
  ['a uri that is not a uri', { ...FIND, uri: '../../etc/passwd' }],
  ['a uri that is an object', { ...FIND, uri: { scheme: 'file', path: '/etc/passwd' } }],
  ['blank text', { ...FIND, text: '   ' }],
  ['text of a megabyte', { ...FIND, text: 'x'.repeat(1_000_000) }],
  ['no type', { uri: FIND.uri, start: 10, text: 'Angela Merkel' }],
  ['an extra key', { ...FIND, command: 'workbench.action.quit' }],
  ['a __proto__ key', JSON.parse(`{"uri":"file:///notes.md","start":10,"text":"Angela Merkel","type":"PER","__proto__":{"x":1}}`)],
];
for (const [what, args] of TAMPERED_FIND) {
  test(`Find All Occurrences ignores tampered arguments: ${what}`, () => {
    assert.equal(readFindOccurrencesArgs(args), undefined);
  });
}

test('Copy and Hide ignore tampered arguments', () => {
  for (const args of [undefined, null, 'Merkel', { text: 5 }, { text: '' }, { text: 'x'.repeat(MAX_LINK_TEXT + 1) }, { text: 'a', extra: 1 }, [{ text: 'a' }]]) {
    assert.equal(readCopyEntityArgs(args), undefined, JSON.stringify(args)?.slice(0, 60));
  }
  for (const args of [undefined, { kind: 'per' }, { kind: 'toString' }, { kind: '__proto__' }, { kind: ['PER'] }, { kind: 'PER', also: 'ORG' }, 'PER']) {
    assert.equal(readHideEntityTypeArgs(args), undefined, JSON.stringify(args));
  }
  assert.deepEqual(readHideEntityTypeArgs({ kind: 'MISC' }), { kind: 'MISC' });
});

// ---- Notifications and the status bar ------------------------------------------------------------

/**
 * How VS Code finds links in a notification's message (`parseLinkedText` in
 * src/vs/base/common/linkedText.ts of VS Code 1.100): Markdown escapes do not stop it.
 */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
/** How the status bar finds theme icons (`$(name)`, `$(name~spin)`). */
const STATUS_ICON = /\$\([a-z0-9-]+(?:~[a-z0-9-]+)?\)/gi;

test('document text quoted in a notification makes no link, and reads the same', () => {
  for (const text of ['[x](command:workbench.action.quit)', '[docs](https://example.com)', '[f](file:///etc/passwd "t")', 'a ]( b', 'plain']) {
    const inert = inertMessageText(text);
    assert.equal(inert.match(NOTIFICATION_LINK), null, inert);
    assert.equal(inert.replace(/\u200b/g, ''), text, 'only invisible characters added');
  }
  assert.ok('[x](command:workbench.action.quit)'.match(NOTIFICATION_LINK), 'the pattern does find links in raw text');
});

test('document text quoted in the status bar draws no icon, and reads the same', () => {
  const text = '$(zap) $(loading~spin) costs $(5)';
  const inert = inertStatusText(text);
  assert.equal(inert.match(STATUS_ICON), null, inert);
  assert.equal(inert.replace(/\u200b/g, ''), text);
  assert.ok(text.match(STATUS_ICON));
});
