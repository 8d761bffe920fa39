/**
 * What the editor shows of personal data, without an editor: the Problems panel's message, the
 * hover and its links, the arguments the quick actions accept, the colour group of each type,
 * and how the pattern and deny-list settings are read (a malformed entry is left out and named,
 * instead of making the worker refuse every request).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PiiFinding } from '../../src/protocol';
import { PII_TYPES } from '../../src/tasks/pii';
import {
  findingAt,
  PII_ACTION_COMMANDS,
  PII_COLOUR_GROUPS,
  piiColourId,
  piiCountsByType,
  piiDiagnosticMessage,
  piiHover,
  piiTypeInfo,
  readPiiFindingArgs,
  sameValue,
  withAllowedValue,
} from '../../src/ui/piiPresentation';
import { readPiiDenyList, readPiiPatterns } from '../../src/ui/piiSettings';

const EMAIL: PiiFinding = { start: 8, end: 23, text: 'ann@example.com', type: 'EMAIL_ADDRESS', score: 0.982, source: 'pattern' };
const URI = 'file:///notes.md';

/** The command links of hover Markdown, decoded as VS Code decodes them. */
function links(markdown: string): { label: string; command: string; args: unknown[] }[] {
  return [...markdown.matchAll(/\[((?:\\.|[^\]\\])+)\]\(command:([\w.]+)\?([^)\s]*)\)/g)].map(([, label, command, query]) => ({
    label: label.replace(/\\(.)/g, '$1'),
    command,
    args: JSON.parse(decodeURIComponent(query)) as unknown[],
  }));
}

test('the Problems panel says what was found and how sure, in words', () => {
  assert.equal(piiDiagnosticMessage({ type: 'EMAIL_ADDRESS', score: 0.982 }), 'Personal data: e-mail address (98.2%)');
  assert.equal(piiDiagnosticMessage({ type: 'CREDIT_CARD', score: 1 }), 'Personal data: card number (100.0%)');
  assert.equal(piiDiagnosticMessage({ type: 'US_SSN', score: 0.85 }), 'Personal data: US social security number (85.0%)');
  // A user's own type keeps its name.
  assert.equal(piiDiagnosticMessage({ type: 'EMPLOYEE_ID', score: 0.6 }), 'Personal data: EMPLOYEE_ID (60.0%)');
});

test('every built-in type has its own words and a colour group that package.json contributes', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { colors: { id: string; defaults: Record<string, string> }[] };
  };
  for (const group of PII_COLOUR_GROUPS) {
    const colour = manifest.contributes.colors.find((entry) => entry.id === piiColourId(group));
    assert.ok(colour, `${piiColourId(group)} is contributed`);
    for (const theme of ['dark', 'light', 'highContrast', 'highContrastLight']) {
      // Translucent, so that the selection and the find highlights show through.
      assert.match(colour.defaults[theme] ?? '', /^#[0-9a-f]{6}[0-9a-f]{2}$/i, `${colour.id} ${theme}`);
      assert.ok(parseInt(colour.defaults[theme].slice(7), 16) < 0xc0, `${colour.id} ${theme} is translucent`);
    }
  }
  for (const type of PII_TYPES) assert.ok(!piiTypeInfo(type).plural.endsWith(' Findings'), `${type} has words of its own`);
  assert.equal(piiTypeInfo('PERSON').group, 'person');
  assert.equal(piiTypeInfo('CREDENTIAL').group, 'credential');
  assert.equal(piiTypeInfo('EMPLOYEE_ID').group, 'other');
});

test('the hover names the finding and links to redact it, redact its type, or never report its value', () => {
  const hover = piiHover(EMAIL, URI, 2);
  assert.match(hover.markdown, /\*\*Personal data: e\\-mail address\*\* \(EMAIL\\_ADDRESS\): “ann@example\\\.com”/);
  assert.match(hover.markdown, /Confidence 98\.2% · found by a validating recognizer · occurs twice in this document/);
  const args = { uri: URI, start: 8, end: 23, text: 'ann@example.com', type: 'EMAIL_ADDRESS' };
  assert.deepEqual(
    links(hover.markdown).map(({ label, command, args: carried }) => [label, command, carried]),
    [
      ['Redact This', PII_ACTION_COMMANDS.redactOne, [args]],
      ['Redact All E-mail Addresses', PII_ACTION_COMMANDS.redactType, [args]],
      ['Never Report This Value', PII_ACTION_COMMANDS.allowValue, [args]],
    ],
  );
  assert.deepEqual([...hover.enabledCommands].sort(), Object.values(PII_ACTION_COMMANDS).sort());
  // What the links carry is what the commands accept.
  for (const link of links(hover.markdown)) assert.deepEqual(readPiiFindingArgs(link.args[0]), args);
});

test('document text in the hover cannot become a link or markup', () => {
  const sneaky: PiiFinding = { start: 0, end: 31, text: '[x](command:workbench.action.x)', type: 'URL', score: 0.9, source: 'pattern' };
  const hover = piiHover(sneaky, URI, 1);
  assert.deepEqual(
    links(hover.markdown).map((link) => link.command),
    Object.values(PII_ACTION_COMMANDS),
    'only the three action links',
  );
  assert.match(hover.markdown, /occurs once/);
});

test('the quick actions accept only a well-formed finding', () => {
  const good = { uri: URI, start: 3, end: 6, text: 'abc', type: 'PERSON' };
  assert.deepEqual(readPiiFindingArgs(good), good);
  assert.equal(readPiiFindingArgs({ ...good, extra: 1 }), undefined, 'unknown keys');
  assert.equal(readPiiFindingArgs({ ...good, end: 7 }), undefined, 'text of another length than its span');
  assert.equal(readPiiFindingArgs({ ...good, start: -1 }), undefined, 'a negative offset');
  assert.equal(readPiiFindingArgs({ ...good, type: 'lower' }), undefined, 'not a type name');
  assert.equal(readPiiFindingArgs({ ...good, uri: 'not a uri' }), undefined, 'not a URI');
  assert.equal(readPiiFindingArgs(undefined), undefined);
  assert.equal(readPiiFindingArgs('abc'), undefined);
});

test('the same value: e-mail addresses and URLs in any case, other types exactly', () => {
  const findings = [
    { type: 'EMAIL_ADDRESS', text: 'Ann@Example.com' },
    { type: 'EMAIL_ADDRESS', text: 'ann@example.com' },
    { type: 'PERSON', text: 'Ann' },
    { type: 'PERSON', text: 'ann' },
  ];
  assert.deepEqual(sameValue(findings, { type: 'EMAIL_ADDRESS', text: 'ANN@example.com' }), findings.slice(0, 2));
  assert.deepEqual(sameValue(findings, { type: 'PERSON', text: 'Ann' }), [findings[2]]);
});

test('the allow-list gets a value once, after the ones it has', () => {
  assert.deepEqual(withAllowedValue(['a'], 'b'), ['a', 'b']);
  assert.deepEqual(withAllowedValue(['a', 'b'], 'a'), ['a', 'b']);
});

test('the finding under the cursor, its end included; none between findings', () => {
  const findings = [
    { start: 0, end: 4 },
    { start: 10, end: 20 },
    { start: 30, end: 31 },
  ];
  assert.equal(findingAt(findings, 0), findings[0]);
  assert.equal(findingAt(findings, 4), findings[0]);
  assert.equal(findingAt(findings, 5), undefined);
  assert.equal(findingAt(findings, 15), findings[1]);
  assert.equal(findingAt(findings, 31), findings[2]);
  assert.equal(findingAt(findings, 32), undefined);
  assert.equal(findingAt([], 0), undefined);
});

test('counts by type, the commonest first', () => {
  assert.deepEqual(piiCountsByType([{ type: 'URL' }, { type: 'EMAIL_ADDRESS' }, { type: 'URL' }]), [
    ['URL', 2],
    ['EMAIL_ADDRESS', 1],
  ]);
});

test('a malformed pattern is left out and named; the others are sent as written', () => {
  const { patterns, problems } = readPiiPatterns([
    { type: 'EMPLOYEE_ID', regex: '\\bE-\\d{6}\\b', context: ['employee'], score: 0.7 },
    { type: 'lower', regex: 'x' },
    { type: 'TICKET', regex: 'T-\\d+', comment: 'an extra key the worker would refuse' },
    { type: 'NO_REGEX' },
    { type: 'BAD_SCORE', regex: 'x', score: 2 },
    'not an object',
  ]);
  assert.deepEqual(patterns, [
    { type: 'EMPLOYEE_ID', regex: '\\bE-\\d{6}\\b', context: ['employee'], score: 0.7 },
    { type: 'TICKET', regex: 'T-\\d+' },
  ]);
  assert.deepEqual(
    problems.map((problem) => /^textAnalytics\.pii\.patterns\[(\d)\]/.exec(problem)?.[1]),
    ['1', '3', '4', '5'],
  );
  assert.ok(problems.every((problem) => problem.endsWith('so it is ignored.')));
  assert.deepEqual(readPiiPatterns(undefined), { patterns: [], problems: [] });
  assert.equal(readPiiPatterns({}).problems.length, 1);
});

test('the deny-list keeps the types with lists of values, trimmed', () => {
  const { denyList, problems } = readPiiDenyList({ PROJECT: [' Bluebird ', 'Nightjar', ''], lower: ['x'], BAD: 'x' });
  assert.deepEqual(denyList, { PROJECT: ['Bluebird', 'Nightjar'] });
  assert.equal(problems.length, 2);
  assert.deepEqual(readPiiDenyList(undefined), { denyList: {}, problems: [] });
});
