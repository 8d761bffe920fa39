/**
 * The language server (dist/server.js, `npm run build`) at the protocol level, driven by
 * vscode-jsonrpc's client side over its stdio as an editor drives it, on the fixture models:
 * position encodings, diagnostics checked against the CLI's spans, incremental edits, hover,
 * commands against the CLI's JSON, cancellation, a missing model, a client that vanishes, bad
 * messages. The position conversion and the settings reader are tested directly first.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, Hover, Position, TextEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HUB_URL_ENV } from '../../src/engine/download';
import { fixtureModels, tempDir } from '../helpers';
import { folderFiles, startLoopbackHub } from '../support/hubServer';
import { SERVER, startLspClient, type LspClient } from '../support/lspClient';
import { run, finished } from './cliRun';
import { chooseEncoding, offsetAt, positionAt } from '../../src/server/positions';
import { readSettings } from '../../src/server/settings';
import { defaultAllowListFile } from '../../src/redaction/allowListFile';

type Encoding = 'utf-8' | 'utf-16' | 'utf-32';

/** Emoji (astral: two UTF-16 units, four UTF-8 bytes) and CJK (one unit, three bytes) before every finding. */
const TEXT = [
  '# Notes 😀',
  '日本語のテキスト 🎉👍 Write to anna.smith@example.com or call (415) 555-0132.',
  '東京 😀 Angela Merkel met the press. Mail anna.smith@example.com again.',
  '',
].join('\n');

/** The column of UTF-16 `offset` in its line, counted in `encoding`, computed independently of the server's module. */
function expectedPosition(text: string, offset: number, encoding: Encoding): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const prefix = before.slice(before.lastIndexOf('\n') + 1);
  const character = encoding === 'utf-16' ? prefix.length : encoding === 'utf-8' ? Buffer.byteLength(prefix, 'utf8') : [...prefix].length;
  return { line, character };
}

function cliPii(t: { after(fn: () => void): void }, text: string): Array<{ start: number; end: number; text: string; type: string }> {
  const file = join(tempDir(t), 'doc.md');
  writeFileSync(file, text);
  const result = run('pii', file, '--json', '--models', fixtureModels());
  finished(result, 0);
  return (JSON.parse(result.stdout) as { entities: Array<{ start: number; end: number; text: string; type: string }> }).entities;
}

/** The settings that give the server the fixture models, as --models gives them to the CLI. */
function fixtureSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { server: { modelsDir: fixtureModels() }, ...extra };
}

async function openDocument(client: LspClient, uri: string, text: string, languageId = 'markdown'): Promise<void> {
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
}

const byStart = (a: Diagnostic, b: Diagnostic) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;

// ---- The pure parts --------------------------------------------------------------------------

test('the encoding is the first the client offers that the server knows, UTF-16 when it offers none', () => {
  assert.equal(chooseEncoding(undefined), 'utf-16');
  assert.equal(chooseEncoding([]), 'utf-16');
  assert.equal(chooseEncoding(['utf-8', 'utf-16']), 'utf-8');
  assert.equal(chooseEncoding(['utf-32', 'utf-8']), 'utf-32');
  assert.equal(chooseEncoding(['latin-1', 'utf-16']), 'utf-16');
});

test('positions round-trip in every encoding on emoji and CJK, and clamp inside a character or past a line', () => {
  const text = 'a😀b\n日本x\n\n😀';
  const document = TextDocument.create('file:///x.txt', 'plaintext', 1, text);
  for (const encoding of ['utf-8', 'utf-16', 'utf-32'] as const) {
    for (let offset = 0; offset <= text.length; offset++) {
      // An offset inside a surrogate pair is not a position a client can name.
      if (/[\uDC00-\uDFFF]/.test(text[offset] ?? '')) continue;
      const position = positionAt(document, offset, encoding);
      assert.deepEqual(position, expectedPosition(text, offset, encoding), `${encoding} offset ${offset}`);
      assert.equal(offsetAt(document, position, encoding), offset, `${encoding} back from ${JSON.stringify(position)}`);
    }
  }
  // "b" after the emoji: UTF-8 column 5, UTF-32 column 2, UTF-16 column 3.
  assert.equal(offsetAt(document, { line: 0, character: 5 }, 'utf-8'), 3);
  assert.equal(offsetAt(document, { line: 0, character: 2 }, 'utf-32'), 3);
  // Inside the emoji's bytes: its start. Past a line's end: the line's end (before CR LF), not the next line.
  assert.equal(offsetAt(document, { line: 0, character: 3 }, 'utf-8'), 1);
  const crlf = TextDocument.create('file:///y.txt', 'plaintext', 1, '日本\r\nx');
  assert.equal(offsetAt(crlf, { line: 0, character: 99 }, 'utf-32'), 2);
  assert.equal(offsetAt(crlf, { line: 0, character: 99 }, 'utf-8'), 2);
  assert.equal(offsetAt(document, { line: 9, character: 0 }, 'utf-8'), text.length);
});

test('settings are read nested or dotted, with the defaults of the VS Code settings where a value is wrong', () => {
  const nested = readSettings({ pii: { minScore: 0.7, diagnosticSeverity: 'error', redact: { operator: 'mask' } }, server: { diagnostics: { entities: true } }, allowDownloads: true });
  const dotted = readSettings({ 'pii.minScore': 0.7, 'pii.diagnosticSeverity': 'error', 'pii.redact.operator': 'mask', 'server.diagnostics.entities': true, allowDownloads: true });
  for (const settings of [nested, dotted]) {
    assert.equal(settings.pii.minScore, 0.7);
    assert.equal(settings.piiSeverity, 'error');
    assert.equal(settings.redact.operator, 'mask');
    assert.deepEqual(settings.diagnostics, { pii: true, entities: true, sentiment: false });
    assert.equal(settings.engine.allowDownloads, true);
    assert.equal(settings.engine.askBeforeDownload, true, 'with downloads allowed the server asks first');
  }
  const defaults = readSettings({ pii: { minScore: 'high', diagnosticSeverity: 'loud' }, device: 'tpu' });
  assert.equal(defaults.pii.minScore, 0.5);
  assert.equal(defaults.piiSeverity, 'warning');
  assert.equal(defaults.engine.device, 'auto');
  assert.equal(defaults.engine.allowDownloads, false, 'downloads are off unless allowed');
  assert.deepEqual(defaults.diagnostics, { pii: true, entities: false, sentiment: false });
  assert.equal(defaults.allowListFile, defaultAllowListFile());
  assert.equal(readSettings({ server: { allowListFile: '~/notes/allow.txt' } }).allowListFile, join(homedir(), 'notes', 'allow.txt'), 'a leading ~ is the home folder');
});

// ---- Over the protocol -----------------------------------------------------------------------

for (const [name, offered, expected] of [
  ['no encodings offered', undefined, 'utf-16'],
  ['utf-8 offered first', ['utf-8', 'utf-16'], 'utf-8'],
  ['utf-32 offered', ['utf-32', 'utf-16'], 'utf-32'],
] as const) {
  test(`diagnostics sit on the CLI's spans, and move with incremental edits (${name})`, async (t) => {
    const spans = cliPii(t, TEXT);
    assert.deepEqual(
      spans.map((s) => s.type),
      ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'EMAIL_ADDRESS'],
      'the CLI finds an e-mail address, a phone number, a name and the address again',
    );
    const client = await startLspClient(t, { positionEncodings: offered ? [...offered] : undefined, settings: fixtureSettings() });
    assert.equal(client.initializeResult.capabilities.positionEncoding, expected);
    const uri = 'file:///notes.md';
    await openDocument(client, uri, TEXT);
    const first = await client.diagnosticsOf(uri, 'the first diagnostics', (p) => p.diagnostics.length === spans.length);
    const diagnostics = [...first.diagnostics].sort(byStart);
    spans.forEach((span, i) => {
      assert.deepEqual(diagnostics[i].range, { start: expectedPosition(TEXT, span.start, expected), end: expectedPosition(TEXT, span.end, expected) }, `${span.type} ${span.text}`);
      assert.equal(diagnostics[i].code, span.type);
      assert.equal(diagnostics[i].source, 'text-analytics');
      assert.equal(diagnostics[i].severity, 2, 'warning by default');
    });

    // Insert emoji before the phone number, at a column given in the negotiated encoding.
    const phone = spans[1];
    const insertAt = expectedPosition(TEXT, phone.start, expected);
    const inserted = '☎️😀 ';
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: insertAt, end: insertAt }, text: inserted }],
    });
    const edited = TEXT.slice(0, phone.start) + inserted + TEXT.slice(phone.start);
    const movedSpans = cliPii(t, edited);
    const rangesOf = (diagnostics: Diagnostic[]) => JSON.stringify([...diagnostics].sort(byStart).map((d) => [d.code, d.range]));
    const expectedRanges = JSON.stringify(movedSpans.map((span) => [span.type, { start: expectedPosition(edited, span.start, expected), end: expectedPosition(edited, span.end, expected) }]));
    // The findings move at once (the first publish of version 2), and the analysis after the pause agrees.
    const firstMoved = await client.diagnosticsOf(uri, 'the first diagnostics of version 2', (p) => p.version === 2);
    assert.equal(rangesOf(firstMoved.diagnostics), expectedRanges, 'moved with the edit');
    await client.waitFor('a second publish of version 2 (the analysis after the pause)', () => (client.diagnostics.filter((p) => p.uri === uri && p.version === 2).length >= 2 ? true : undefined));
    const latest = await client.diagnosticsOf(uri, 'the latest diagnostics of version 2', (p) => p.version === 2);
    assert.equal(rangesOf(latest.diagnostics), expectedRanges, 'analysed again');

    // Hover on the name: its type, confidence and occurrences; on the address, found twice.
    const name = movedSpans.find((s) => s.type === 'PERSON')!;
    const hover = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: expectedPosition(edited, name.start + 2, expected) });
    const nameHover = (hover?.contents as { value: string }).value;
    assert.match(nameHover, /Personal data: person/);
    assert.match(nameHover, /Angela Merkel/);
    assert.match(nameHover, /Confidence \d+(\.\d)?%/);
    assert.match(nameHover, /occurs once/);
    const email = movedSpans[0];
    const emailHover = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: expectedPosition(edited, email.end, expected) });
    assert.match((emailHover?.contents as { value: string }).value, /e\\-mail address[\s\S]*occurs twice/);
    const nothing = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.equal(nothing, null);
    assert.equal(await client.stop(), 0);
  });
}

test('commands return the CLI\'s JSON; redact applies the edit that makes the CLI\'s redacted text', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doc.md');
  writeFileSync(file, TEXT);
  const cli = (...args: string[]) => {
    const result = run(...args, '--models', fixtureModels());
    finished(result, 0);
    return result.stdout;
  };
  const client = await startLspClient(t, { settings: fixtureSettings() });
  const uri = `file://${file}`;
  await openDocument(client, uri, TEXT);
  const command = (name: string, options: object) => client.connection.sendRequest('workspace/executeCommand', { command: name, arguments: [uri, options] });

  assert.deepEqual(await command('textAnalytics.sentiment', {}), JSON.parse(cli('sentiment', file, '--json')));
  assert.deepEqual(await command('textAnalytics.topics', { labels: ['travel', 'politics, law'] }), JSON.parse(cli('topics', file, '--labels', 'travel,"politics, law"', '--json')));
  assert.deepEqual(await command('textAnalytics.ask', { question: 'Who met the press?' }), JSON.parse(cli('ask', file, '--question', 'Who met the press?', '--json')));
  const classifier = join(fixtureModels(), 'emotion');
  assert.deepEqual(await command('textAnalytics.classify', { model: classifier, level: 'paragraph' }), JSON.parse(cli('classify', file, '--model', classifier, '--level', 'paragraph', '--json')));

  const edit = (await command('textAnalytics.redact', {})) as { changes: Record<string, TextEdit[]> };
  assert.equal(client.appliedEdits.length, 1, 'the edit is applied through workspace/applyEdit');
  assert.deepEqual(client.appliedEdits[0].edit, edit);
  const document = TextDocument.create(uri, 'markdown', 1, TEXT);
  assert.equal(TextDocument.applyEdits(document, edit.changes[uri]), cli('redact', file));

  // Wrong arguments: an error that names what to give, and the server goes on.
  await assert.rejects(command('textAnalytics.topics', {}), (error: { code: number; message: string }) => error.code === -32602 && /needs "labels"/.test(error.message));
  await assert.rejects(command('textAnalytics.ask', { question: 3 }), /"question" must be a string/);
  await assert.rejects(
    client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.sentiment', arguments: ['file:///not-open.md'] }),
    /not open in the server/,
  );
  await assert.rejects(client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.nothing', arguments: [] }), /Unknown command textAnalytics\.nothing/);
  assert.equal(await client.stop(), 0);
});

test('code actions redact one finding or all of its type, or stop reporting the value, after a restart too', async (t) => {
  const configHome = tempDir(t, 'ls-config-');
  const client = await startLspClient(t, { settings: fixtureSettings(), configHome });
  const uri = 'file:///actions.md';
  await openDocument(client, uri, TEXT);
  const published = await client.diagnosticsOf(uri, 'the diagnostics', (p) => p.diagnostics.length === 4);
  const email = published.diagnostics.find((d) => d.code === 'EMAIL_ADDRESS')!;
  const actions = await client.connection.sendRequest<Array<{ title: string; edit?: { changes: Record<string, TextEdit[]> }; command?: { command: string; arguments: unknown[] } }>>(
    'textDocument/codeAction',
    { textDocument: { uri }, range: email.range, context: { diagnostics: [email] } },
  );
  assert.deepEqual(
    actions.map((a) => a.title),
    ['Redact This', 'Redact All E-mail Addresses', 'Never Report This Value'],
  );
  assert.deepEqual(actions[0].edit!.changes[uri], [{ range: email.range, newText: '[EMAIL_ADDRESS]' }]);
  assert.equal(actions[1].edit!.changes[uri].length, 2, 'both addresses');
  const allow = actions[2].command!;
  await client.connection.sendRequest('workspace/executeCommand', { command: allow.command, arguments: allow.arguments });
  const without = await client.diagnosticsOf(uri, 'diagnostics without the allowed address', (p) => p.diagnostics.length === 2);
  assert.deepEqual(without.diagnostics.map((d) => d.code).sort(), ['PERSON', 'PHONE_NUMBER']);
  const file = join(configHome, 'local-text-analytics', 'allow-list.txt');
  const told = await client.waitFor('the message about the allow-list', () => client.messages.find((m) => m.message.includes(file)));
  assert.match(told.message, /no longer reported: it is saved in/);
  assert.equal(readFileSync(file, 'utf8'), 'anna.smith@example.com\n', 'the value, one a line, as --allow reads it');
  assert.equal(await client.stop(), 0);

  // A new server run reads the file: the address stays unreported, and is saved once.
  const again = await startLspClient(t, { settings: fixtureSettings(), configHome });
  await openDocument(again, uri, TEXT);
  const restarted = await again.diagnosticsOf(uri, 'the names after a restart', (p) => p.diagnostics.some((d) => d.code === 'PERSON'));
  assert.deepEqual(restarted.diagnostics.map((d) => d.code).sort(), ['PERSON', 'PHONE_NUMBER']);
  assert.equal(await again.stop(), 0);
});

test('"Never Report This Value" with an allow-list file it cannot write keeps the value for the session and says why', async (t) => {
  const blocker = join(tempDir(t), 'a-file');
  writeFileSync(blocker, '');
  const client = await startLspClient(t, { settings: { server: { modelsDir: fixtureModels(), allowListFile: join(blocker, 'allow-list.txt') } } });
  const uri = 'file:///blocked.md';
  await openDocument(client, uri, TEXT);
  const published = await client.diagnosticsOf(uri, 'the diagnostics', (p) => p.diagnostics.length === 4);
  assert.ok(published.diagnostics.some((d) => d.code === 'EMAIL_ADDRESS'));
  await client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.allowValue', arguments: [uri, { type: 'EMAIL_ADDRESS', text: 'anna.smith@example.com' }] });
  await client.diagnosticsOf(uri, 'diagnostics without the allowed address', (p) => p.diagnostics.length === 2);
  const told = await client.waitFor('the warning', () => client.messages.find((m) => /until the server restarts/.test(m.message)));
  assert.equal(told.type, 2, 'a warning');
  assert.match(told.message, /could not take it \(.*ENOTDIR/);
  assert.equal(await client.stop(), 0);
});

test('a long command reports progress and stops when cancelled, and the server answers meanwhile', async (t) => {
  const client = await startLspClient(t, { settings: fixtureSettings({ server: { modelsDir: fixtureModels(), diagnostics: { pii: false } } }) });
  const uri = 'file:///long.md';
  const paragraph = 'Angela Merkel spoke about the economy in Berlin and the markets moved. '.repeat(8);
  await openDocument(client, uri, Array.from({ length: 4000 }, () => paragraph).join('\n\n'));
  const labels = Array.from({ length: 30 }, (_, i) => `topic ${i}`);
  const source = new CancellationTokenSource();
  const reply = client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.topics', arguments: [uri, { labels }], workDoneToken: 'long-1' }, source.token);
  await client.waitFor('a progress report of the long command', () => client.progress.find((p) => p.token === 'long-1' && p.value.kind === 'report'));
  // The server's own event loop is free: a hover is answered while the worker works.
  const hoverStarted = Date.now();
  await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 2 } });
  assert.ok(Date.now() - hoverStarted < 5000, 'the hover was answered while the command ran');
  source.cancel();
  await assert.rejects(reply, (error: { code: number }) => error.code === -32800);
  const begin = client.progress.find((p) => p.token === 'long-1' && p.value.kind === 'begin');
  assert.equal((begin?.value as { cancellable?: boolean }).cancellable, true);
  await client.waitFor('the end of the progress', () => client.progress.find((p) => p.token === 'long-1' && p.value.kind === 'end'));
  // The worker stopped: a short command is answered at once rather than after the long one.
  const short = 'file:///short.md';
  await openDocument(client, short, 'A fine day.');
  const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.sentiment', arguments: [short, {}] })) as { sentences: unknown[] };
  assert.equal(result.sentences.length, 1);
  assert.equal(await client.stop(), 0);
});

test('settings are re-read on a change: severity, and entities, negative sentences and semantic tokens when turned on', async (t) => {
  const text = '# Notes 😀\n\n日本 The service was terrible and the food was awful. I loved the garden. Angela Merkel visited Berlin.\n';
  const file = join(tempDir(t), 'review.md');
  writeFileSync(file, text);
  const json = (...args: string[]) => {
    const result = run(...args, file, '--json', '--models', fixtureModels());
    finished(result, 0);
    return JSON.parse(result.stdout) as { entities: Array<{ start: number; end: number; type: string }>; sentences: Array<{ start: number; end: number; label: string }> };
  };
  const entities = json('entities').entities;
  const negatives = json('sentiment').sentences.filter((s) => s.label === 'NEGATIVE');
  assert.ok(entities.length >= 2 && negatives.length >= 1, 'the fixture models find entities and a negative sentence here');

  const client = await startLspClient(t, { positionEncodings: ['utf-8'], settings: fixtureSettings() });
  const uri = `file://${file}`;
  await openDocument(client, uri, text);
  const before = await client.diagnosticsOf(uri, 'personal data as warnings', (p) => p.diagnostics.length > 0);
  assert.ok(before.diagnostics.every((d) => d.severity === 2));
  const tokensOf = () => client.connection.sendRequest<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
  assert.deepEqual((await tokensOf()).data, [], 'no entities are analysed by default');

  client.settings = fixtureSettings({ server: { modelsDir: fixtureModels(), diagnostics: { entities: true, sentiment: true } }, pii: { diagnosticSeverity: 'error', types: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON'] } });
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  const after = await client.diagnosticsOf(uri, 'entities and negative sentences', (p) => p.diagnostics.some((d) => d.severity === 3) && p.diagnostics.some((d) => d.severity === 4));
  const range = (span: { start: number; end: number }) => ({ start: expectedPosition(text, span.start, 'utf-8'), end: expectedPosition(text, span.end, 'utf-8') });
  assert.deepEqual(after.diagnostics.filter((d) => d.severity === 4).map((d) => [d.code, d.range]), entities.map((e) => [e.type, range(e)]), 'entities as hints');
  assert.deepEqual(after.diagnostics.filter((d) => d.severity === 3).map((d) => d.range), negatives.map(range), 'negative sentences as information');
  assert.ok(after.diagnostics.filter((d) => d.code === 'PERSON').every((d) => d.severity === 1), 'personal data now as errors');

  // Hover on an entity that is not personal data (LOCATION is not among the types now), and the semantic tokens.
  const tokens = await tokensOf();
  const legend = client.initializeResult.capabilities.semanticTokensProvider!.legend.tokenTypes;
  const decoded: Array<[string, Position, number]> = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < tokens.data.length; i += 5) {
    const [deltaLine, deltaStart, length, type] = tokens.data.slice(i, i + 4);
    line += deltaLine;
    character = deltaLine === 0 ? character + deltaStart : deltaStart;
    decoded.push([legend[type], { line, character }, length]);
  }
  const kinds: Record<string, string> = { PER: 'person', ORG: 'organization', LOC: 'location', MISC: 'miscellaneous' };
  assert.deepEqual(
    decoded,
    entities.map((e) => [kinds[e.type], expectedPosition(text, e.start, 'utf-8'), Buffer.byteLength(text.slice(e.start, e.end))]),
  );
  const berlin = entities.find((e) => e.type === 'LOC')!;
  const hover = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: expectedPosition(text, berlin.start + 1, 'utf-8') });
  assert.match((hover?.contents as { value: string }).value, /\*\*Location\*\* \(LOC\)[\s\S]*Confidence [\d.]+%[\s\S]*occurs once/);

  // Semantic tokens alone: the entities are analysed, but published as no diagnostics.
  client.settings = fixtureSettings({ server: { modelsDir: fixtureModels(), semanticTokens: true } });
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  await client.diagnosticsOf(uri, 'personal data alone again', (p) => p.diagnostics.every((d) => d.severity === 2) && client.diagnostics.at(-1) === p);
  assert.deepEqual((await tokensOf()).data, tokens.data);
  assert.equal(await client.stop(), 0);
});

test('a client without workspace/configuration gives the settings at initialize, and pushes changes', async (t) => {
  const client = await startLspClient(t, { initializationOptions: { textAnalytics: fixtureSettings({ pii: { types: ['PHONE_NUMBER'] } }) } });
  const uri = 'file:///pushed.md';
  await openDocument(client, uri, TEXT);
  const published = await client.diagnosticsOf(uri, 'the phone number alone', (p) => p.diagnostics.length > 0);
  assert.deepEqual(published.diagnostics.map((d) => d.code), ['PHONE_NUMBER']);
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { textAnalytics: fixtureSettings({ pii: { types: ['EMAIL_ADDRESS'] } }) } });
  const changed = await client.diagnosticsOf(uri, 'the e-mail addresses alone', (p) => p.diagnostics.length > 0 && p.diagnostics.every((d) => d.code === 'EMAIL_ADDRESS'));
  assert.equal(changed.diagnostics.length, 2);
  assert.equal(await client.stop(), 0);
});

test('with downloads allowed, a missing model is offered for download once, without blocking the recognizers', async (t) => {
  const empty = tempDir(t);
  const client = await startLspClient(t, { settings: { server: { modelsDir: empty }, modelCacheDir: join(empty, 'cache'), allowDownloads: true }, messageRequestAnswer: null });
  const uri = 'file:///ask.md';
  await openDocument(client, uri, TEXT);
  const published = await client.diagnosticsOf(uri, 'diagnostics from the recognizers', (p) => p.diagnostics.length > 0);
  assert.deepEqual(published.diagnostics.map((d) => d.code).sort(), ['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'PHONE_NUMBER']);
  const asked = await client.waitFor('window/showMessageRequest', () => client.messageRequests[0]);
  assert.match(asked.message, /named-entity model .* from the Hugging Face Hub\. Download it now\?$/);
  assert.deepEqual(asked.actions?.map((a) => a.title), ['Download', 'Not Now']);
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${TEXT}More.\n` }] });
  await client.diagnosticsOf(uri, 'diagnostics after the edit', (p) => p.version === 2 && p.diagnostics.length === 3);
  assert.equal(client.messageRequests.length, 1, 'asked once');
  assert.equal(await client.stop(), 0);
});

test('answered "Download", the missing model comes from the (loopback) Hub and the names follow the recognizers\' findings', async (t) => {
  const repo = 'test-owner/tiny-entities';
  const hub = await startLoopbackHub({ [repo]: folderFiles(join(fixtureModels(), 'entities')) });
  t.after(() => hub.close());
  // The server's worker inherits the server's environment, where the Hub's address is read.
  process.env[HUB_URL_ENV] = hub.url;
  t.after(() => delete process.env[HUB_URL_ENV]);
  const empty = tempDir(t);
  const cache = join(empty, 'cache');
  const client = await startLspClient(t, {
    settings: { server: { modelsDir: empty }, models: { entities: repo }, modelCacheDir: cache, allowDownloads: true },
    messageRequestAnswer: 'Download',
  });
  const uri = 'file:///download.md';
  await openDocument(client, uri, TEXT);
  const recognized = await client.diagnosticsOf(uri, 'diagnostics from the recognizers', (p) => p.diagnostics.length > 0);
  assert.ok(!recognized.diagnostics.some((d) => d.code === 'PERSON'), 'no name before the model is there');
  const asked = await client.waitFor('window/showMessageRequest', () => client.messageRequests[0]);
  assert.match(asked.message, new RegExp(`${repo}.*Download it now\\?$`));
  assert.equal(hub.requests.length, 0, 'nothing was fetched before the user agreed');
  // Downloaded, then analysed again: the planted name is found by the model.
  const named = await client.diagnosticsOf(uri, 'the model\'s name after the download', (p) => p.diagnostics.some((d) => d.code === 'PERSON'), 60_000);
  const document = TextDocument.create(uri, 'markdown', 1, TEXT);
  assert.deepEqual(named.diagnostics.filter((d) => d.code === 'PERSON').map((d) => document.getText(d.range)), ['Angela Merkel']);
  assert.ok(hub.requests.length > 0, 'the model came from the Hub');
  assert.ok(readdirSync(cache, { recursive: true }).some((file) => String(file).endsWith('.onnx')), `the model is in the cache folder ${cache}`);
  assert.ok(client.messages.some((m) => m.type === 3 && /model is downloaded/.test(m.message)), `said so: ${JSON.stringify(client.messages)}`);
  assert.equal(client.messageRequests.length, 1, 'asked once');
  assert.equal(await client.stop(), 0);
});

test('a missing model is told once, and personal data is still found by the recognizers', async (t) => {
  const empty = tempDir(t);
  const client = await startLspClient(t, { settings: { server: { modelsDir: empty }, modelCacheDir: join(empty, 'cache') } });
  const uri = 'file:///nomodel.md';
  await openDocument(client, uri, TEXT);
  const published = await client.diagnosticsOf(uri, 'diagnostics from the recognizers', (p) => p.diagnostics.length > 0);
  assert.deepEqual(published.diagnostics.map((d) => d.code).sort(), ['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'PHONE_NUMBER']);
  // The recognizers' findings come first (a document just opened), then the model's trouble is told.
  const message = await client.waitFor('the missing model told', () => client.messages[0]);
  assert.equal(message.type, 1, 'an error message');
  assert.match(message.message, /textAnalytics\.models\.entities/);
  assert.match(message.message, /textAnalytics\.allowDownloads/);
  assert.ok(message.message.includes(join(empty, 'cache')), 'it names the folder');
  assert.doesNotMatch(message.message, /\n/);
  // Typing does not repeat it, and nothing is asked while downloads are off.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${TEXT}More text.\n` }] });
  await client.diagnosticsOf(uri, 'diagnostics after the edit', (p) => p.version === 2 && p.diagnostics.length === 3);
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(client.messages.length, 1);
  assert.equal(client.messageRequests.length, 0);
  assert.equal(await client.stop(), 0);
});

/** The processes whose parent is `pid` (Linux: /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by whoever adopted it, does not). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

test('when the client vanishes, the server and its worker exit', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const client = await startLspClient(t, { settings: fixtureSettings() });
  const uri = 'file:///vanish.md';
  await openDocument(client, uri, TEXT);
  await client.diagnosticsOf(uri, 'diagnostics (the worker is running)', (p) => p.diagnostics.length > 0);
  const [worker] = childrenOf(client.child.pid!);
  assert.ok(worker, 'the server runs a worker');
  // onnxruntime's telemetry is off in the worker, whatever the environment the editor gave.
  assert.ok(readFileSync(`/proc/${worker}/environ`, 'utf8').split('\0').includes('ORT_DISABLE_TELEMETRY=1'));
  // The editor is gone: its end of the pipes closes without shutdown or exit.
  client.child.stdin.end();
  assert.equal(await client.exited(), 1, 'exit code 1: no shutdown came first');
  await client.waitFor('the worker to exit', () => (alive(worker) ? undefined : true), 10_000);
});

test('--node-ipc and --socket=PORT speak the same protocol', async (t) => {
  const initialize = async (connection: MessageConnection) => {
    connection.listen();
    const result = await connection.sendRequest<{ capabilities: { positionEncoding?: string; hoverProvider?: boolean } }>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { general: { positionEncodings: ['utf-32'] } },
    });
    assert.equal(result.capabilities.positionEncoding, 'utf-32');
    assert.equal(result.capabilities.hoverProvider, true);
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  };
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The server did not exit within 15 s of "exit".')), 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });

  const ipc = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  t.after(() => ipc.kill('SIGKILL'));
  const ipcExit = exited(ipc);
  const viaIpc = createMessageConnection(new IPCMessageReader(ipc), new IPCMessageWriter(ipc));
  t.after(() => viaIpc.dispose());
  await initialize(viaIpc);
  assert.equal(await ipcExit, 0);

  // --socket: the editor listens on a loopback port and the server connects to it.
  const listener = createServer();
  t.after(() => listener.close());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const socketServer = spawn(process.execPath, [SERVER, `--socket=${(listener.address() as AddressInfo).port}`], { stdio: 'ignore' });
  t.after(() => socketServer.kill('SIGKILL'));
  const socketExit = exited(socketServer);
  const socket = await accepted;
  const viaSocket = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  t.after(() => viaSocket.dispose());
  await initialize(viaSocket);
  assert.equal(await socketExit, 0);
});

test('without a transport it says how to start it, in one line', () => {
  const result = spawnSync(process.execPath, [SERVER], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^text-analytics-ls: say how the editor talks to the server\. Usage: text-analytics-ls --stdio/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});

test('bad messages are answered with errors and the server goes on', async (t) => {
  const client = await startLspClient(t, { settings: fixtureSettings() });
  await assert.rejects(client.connection.sendRequest('textAnalytics/nothing', {}), (error: { code: number }) => error.code === -32601);
  await assert.rejects(client.connection.sendRequest('workspace/executeCommand', { command: 'textAnalytics.sentiment', arguments: [42] }), (error: { code: number; message: string }) => error.code === -32602 && /URI first/.test(error.message));
  // A message that is not JSON at all, written between two good ones.
  const body = '{"jsonrpc":"2.0","id":';
  client.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const uri = 'file:///after.md';
  await openDocument(client, uri, 'Write to bob@example.com please.');
  const published = await client.diagnosticsOf(uri, 'diagnostics after the bad message', (p) => p.diagnostics.length === 1);
  assert.equal(published.diagnostics[0].code, 'EMAIL_ADDRESS');
  assert.equal(await client.stop(), 0);
});
