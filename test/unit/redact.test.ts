/**
 * Redaction (src/redaction/): what each operator writes in place of a finding, that everything
 * else is left exactly as it was, and that a text redacted as a stream of windows comes out the
 * same as redacted whole, with no finding lost at a seam — not even a PEM key block cut in two.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PiiFinding } from '../../src/protocol';
import { Pseudonyms, redact, redactOptionsProblem, replacement, type RedactOptions } from '../../src/redaction/operators';
import { redactStream, safeCut } from '../../src/redaction/stream';
import { decodedText, encoded, encodingOf } from '../../src/redaction/textStream';

/** A stand-in for the engine: e-mail addresses, card-like numbers, names from a list, PEM private key blocks. */
const FINDER = /(?<pem>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)|(?<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(?<card>\b\d{4}(?:[ -]\d{4}){3}\b)|(?<person>\b(?:Angela Merkel|Ada Lovelace)\b)/g;
const TYPES: Record<string, string> = { pem: 'CREDENTIAL', email: 'EMAIL_ADDRESS', card: 'CREDIT_CARD', person: 'PERSON' };

function findAll(text: string): PiiFinding[] {
  return [...text.matchAll(FINDER)].map((match) => {
    const group = Object.entries(match.groups ?? {}).find(([, value]) => value !== undefined)?.[0] ?? 'email';
    return { start: match.index, end: match.index + match[0].length, text: match[0], type: TYPES[group], score: 0.9, source: 'pattern' };
  });
}

/** The text between the findings: what redaction must leave identical. */
function outside(text: string, findings: readonly PiiFinding[]): string[] {
  const parts: string[] = [];
  let at = 0;
  for (const finding of findings) {
    parts.push(text.slice(at, finding.start));
    at = finding.end;
  }
  parts.push(text.slice(at));
  return parts;
}

/** The text between the replacements (`[...]`) of a redacted text. */
function outsideReplacements(redacted: string): string[] {
  return redacted.split(/\[[A-Z_]+\]/);
}

const TAG: RedactOptions = { operator: 'tag' };

test('tag: each finding becomes its type in brackets, and every other character stays as it was (emoji, CJK, CRLF)', () => {
  const text = '😀 Mail ann@example.com,\r\n東京の Angela Merkel 👩‍👩‍👧 pays with 4111 1111 1111 1111.\r\nend 😀';
  const findings = findAll(text);
  assert.deepEqual(findings.map((f) => f.type), ['EMAIL_ADDRESS', 'PERSON', 'CREDIT_CARD']);
  const redacted = redact(text, findings, TAG);
  assert.equal(redacted, '😀 Mail [EMAIL_ADDRESS],\r\n東京の [PERSON] 👩‍👩‍👧 pays with [CREDIT_CARD].\r\nend 😀');
  assert.deepEqual(outsideReplacements(redacted), outside(text, findings));
});

test('pseudonym: the same value is the same name everywhere, numbered by first appearance; e-mail compared without case', () => {
  const text = 'Ada Lovelace wrote to Angela Merkel. Angela Merkel replied to ada@example.org, cc ADA@Example.org and bob@example.org; Ada Lovelace smiled.';
  assert.equal(
    redact(text, findAll(text), { operator: 'pseudonym' }),
    '[PERSON_1] wrote to [PERSON_2]. [PERSON_2] replied to [EMAIL_ADDRESS_1], cc [EMAIL_ADDRESS_1] and [EMAIL_ADDRESS_2]; [PERSON_1] smiled.',
  );
});

test('pseudonym: one Pseudonyms kept across calls (a stream’s windows, a document’s quick fixes) keeps the names', () => {
  const pseudonyms = new Pseudonyms();
  assert.equal(pseudonyms.name('PERSON', 'Ada Lovelace'), '[PERSON_1]');
  assert.equal(pseudonyms.name('PERSON', 'Angela Merkel'), '[PERSON_2]');
  assert.equal(redact('Hi Ada Lovelace', findAll('Hi Ada Lovelace'), { operator: 'pseudonym' }, pseudonyms), 'Hi [PERSON_1]');
  assert.equal(pseudonyms.name('PERSON', ' Ada Lovelace '), '[PERSON_1]', 'values are compared trimmed');
  assert.equal(pseudonyms.name('PERSON', 'ada lovelace'), '[PERSON_3]', 'names keep their case');
  assert.equal(pseudonyms.name('URL', 'https://Example.com/a'), '[URL_1]');
  assert.equal(pseudonyms.name('URL', 'https://example.com/A'), '[URL_1]');
});

test('mask: every character but separators starred; the last N digits of number types kept when asked', () => {
  const card = { type: 'CREDIT_CARD', text: '4111-1111-1111-1234' };
  const pseudonyms = new Pseudonyms();
  assert.equal(replacement(card, { operator: 'mask' }, pseudonyms), '****-****-****-****');
  assert.equal(replacement(card, { operator: 'mask', maskKeepLast: 4 }, pseudonyms), '****-****-****-1234');
  assert.equal(replacement({ type: 'IBAN_CODE', text: 'DE89 3704 0044 0532 0130 00' }, { operator: 'mask', maskKeepLast: 4 }, pseudonyms), '**** **** **** **** **30 00');
  assert.equal(replacement({ type: 'PHONE_NUMBER', text: '+1 (212) 555-0123' }, { operator: 'mask', maskKeepLast: 2 }, pseudonyms), '** ***** ***-**23');
  // Names and addresses are not numbers: nothing of them stays readable.
  assert.equal(replacement({ type: 'PERSON', text: 'R2D2 Smith' }, { operator: 'mask', maskKeepLast: 4 }, pseudonyms), '**** *****');
  assert.equal(replacement({ type: 'EMAIL_ADDRESS', text: 'a1@b.io' }, { operator: 'mask', maskKeepLast: 4 }, pseudonyms), '****.**');
});

test('mask keeps the masked text as long as the original in characters: 😀 is one star', () => {
  assert.equal(replacement({ type: 'PERSON', text: 'Zoë 😀' }, { operator: 'mask' }, new Pseudonyms()), '*** *');
});

test('hash: [TYPE:16 hex digits], the same for a value under one salt, different under another; e-mail without case', () => {
  const pseudonyms = new Pseudonyms();
  const hashed = (text: string, salt: string, type = 'EMAIL_ADDRESS') => replacement({ type, text }, { operator: 'hash', salt }, pseudonyms);
  const one = hashed('ann@example.com', 'salt-1');
  assert.match(one, /^\[EMAIL_ADDRESS:[0-9a-f]{16}\]$/);
  assert.equal(hashed('ann@example.com', 'salt-1'), one);
  assert.equal(hashed('Ann@Example.COM', 'salt-1'), one);
  assert.notEqual(hashed('ann@example.com', 'salt-2'), one);
  assert.notEqual(hashed('bob@example.com', 'salt-1'), one);
  assert.notEqual(hashed('Ann Smith', 'salt-1', 'PERSON'), hashed('ann smith', 'salt-1', 'PERSON'));
  // The documented format: SHA-256 of salt, NUL, value.
  assert.equal(hashed('x', 's', 'PERSON'), `[PERSON:${createHash('sha256').update('s\0x').digest('hex').slice(0, 16)}]`);
  assert.throws(() => replacement({ type: 'PERSON', text: 'x' }, { operator: 'hash' }, pseudonyms), /needs a salt/);
  assert.equal(redactOptionsProblem({ operator: 'hash' }), 'the hash operator needs a salt');
  assert.equal(redactOptionsProblem({ operator: 'mask', maskKeepLast: 4 }), undefined);
});

test('redact refuses findings that overlap or lie outside the text rather than leak or garble', () => {
  const f = (start: number, end: number): PiiFinding => ({ start, end, text: '', type: 'PERSON', score: 1, source: 'model' });
  assert.throws(() => redact('abcdef', [f(0, 3), f(2, 4)], TAG), RangeError);
  assert.throws(() => redact('abc', [f(1, 9)], TAG), RangeError);
  assert.equal(redact('abc', [], TAG), 'abc');
});

/** The text in pieces of `size` characters, as a stream delivers it. */
function* piecesOf(text: string, size: number): Generator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function streamed(text: string, options: { piece: number; chunk: number; margin: number; context?: number; redact?: RedactOptions; seen?: string[] }): Promise<string> {
  const parts: string[] = [];
  const find = async (window: string) => {
    options.seen?.push(window);
    return findAll(window);
  };
  const stream = redactStream(piecesOf(text, options.piece), { find, redact: options.redact ?? TAG, chunkChars: options.chunk, marginChars: options.margin, contextChars: options.context });
  for await (const part of stream) parts.push(part);
  return parts.join('');
}

/** Lines with findings at every position relative to the seams: e-mails, names, cards, CRLF and LF line ends, emoji. */
function logText(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const who = i % 3 === 0 ? 'Ada Lovelace' : i % 3 === 1 ? 'Angela Merkel' : `user${i % 7}@example.com`;
    out.push(`${'x'.repeat(i % 13)}😀 ${i} ${who} paid 4111 1111 1111 ${String(1000 + (i % 9000))} to ann${i % 5}@example.org${i % 2 ? '\r\n' : '\n'}`);
  }
  return out.join('');
}

test('a stream redacted in small windows equals the text redacted whole: no finding lost or split at a seam', async () => {
  const text = logText(400);
  const whole = redact(text, findAll(text), TAG);
  for (const [piece, chunk, margin] of [
    [7, 50, 120],
    [100, 300, 200],
    [1, 80, 100],
    [4096, 1000, 150],
  ]) {
    const seen: string[] = [];
    assert.equal(await streamed(text, { piece, chunk, margin, seen }), whole, `pieces of ${piece}, windows of ${chunk} + ${margin}`);
    assert.ok(seen.length > 5, 'it was cut into windows');
    // Bounded: no window is longer than a chunk, the margin, a piece and the look-behind.
    assert.ok(Math.max(...seen.map((w) => w.length)) <= chunk + margin + piece + 256);
  }
});

test('pseudonyms stay the same across windows', async () => {
  const text = logText(200);
  const whole = redact(text, findAll(text), { operator: 'pseudonym' });
  assert.equal(await streamed(text, { piece: 33, chunk: 200, margin: 150, redact: { operator: 'pseudonym' } }), whole);
  assert.match(whole, /\[PERSON_1\].*\[PERSON_2\]/s);
});

test('a PEM private key block that a window cuts in two is found whole in the next one', async () => {
  const body = Array.from({ length: 26 }, (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC${String(i).padStart(13, 'x')}`).join('\r\n');
  const pem = `-----BEGIN PRIVATE KEY-----\r\n${body}\r\n-----END PRIVATE KEY-----`;
  const text = `${'log line\r\n'.repeat(300)}key: ${pem}\r\n${'more\r\n'.repeat(50)}`;
  assert.ok(pem.length > 1600);
  const whole = redact(text, findAll(text), TAG);
  assert.equal(whole, `${'log line\r\n'.repeat(300)}key: [CREDENTIAL]\r\n${'more\r\n'.repeat(50)}`);
  for (const chunk of [300, 700, 1000]) {
    const seen: string[] = [];
    assert.equal(await streamed(text, { piece: 64, chunk, margin: 2000, seen }), whole, `windows of ${chunk}`);
    assert.ok(seen.some((w) => w.includes('-----BEGIN') && !w.includes('-----END')), 'some window saw only the start of the block');
  }
});

test('CRLF and surrogate pairs are never cut apart, and line breaks come out as they came', async () => {
  const text = '😀\r\n'.repeat(5000);
  assert.equal(await streamed(text, { piece: 3, chunk: 10, margin: 5 }), text);
  assert.equal(safeCut('ab\r\ncd\r\nef', [], 3), 8, 'after a whole CRLF, not between its CR and LF');
  assert.equal(safeCut('abcde\r\nfghij', [], 3), 7, 'at the line break before the limit');
  assert.equal(safeCut('ab\r\ncdefghijklmn', [], 5), 11, 'at the limit when the last line break is far before it');
  assert.equal(safeCut('x'.repeat(20) + '😀' + 'y'.repeat(4), [], 5), 20, 'not inside the emoji');
  const finding: PiiFinding = { start: 3, end: 15, text: '', type: 'PERSON', score: 1, source: 'model' };
  assert.equal(safeCut('x'.repeat(20), [finding], 10), 3, 'before a finding that crosses the cut');
});

test('a context word just before a seam still reaches the finding just after it (the look-behind)', async () => {
  // This finder reports a number only after the word "card": a context word, as the recognizers use.
  const text = `${'filler\n'.repeat(40)}card\n1234\n${'filler\n'.repeat(40)}`;
  const seamAfterCard = text.indexOf('1234');
  const pieces = [text.slice(0, seamAfterCard), text.slice(seamAfterCard)];
  const find = async (window: string): Promise<PiiFinding[]> =>
    [...window.matchAll(/(?<=card\s+)\d{4}/g)].map((m) => ({ start: m.index, end: m.index + 4, text: m[0], type: 'CREDIT_CARD', score: 1, source: 'pattern' }));
  const parts: string[] = [];
  for await (const part of redactStream(pieces, { find, redact: TAG, chunkChars: seamAfterCard - 10, marginChars: 10 })) parts.push(part);
  assert.equal(parts.join(''), text.replace('1234', '[CREDIT_CARD]'));
  assert.ok(parts.length > 1);
});

test('50 MB streamed through in windows: what it keeps stays a few MiB, flat with the size', async () => {
  // The heap after a full collection is what the stream holds on to; the resident size only says
  // how much V8 chose to keep reserved, and grows with the garbage a busy loop makes.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const line = 'GET /a?user=ann@example.com from 4111 1111 1111 1111 ok 😀 東京\n';
  const lines = Math.ceil((50 * 2 ** 20) / line.length);
  async function* source(): AsyncGenerator<string> {
    const piece = line.repeat(1000);
    for (let i = 0; i < lines; i += 1000) yield piece;
  }
  const find = async (window: string) => findAll(window);
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const kept: number[] = [];
  let length = 0;
  for await (const part of redactStream(source(), { find, redact: TAG })) {
    length += part.length;
    if (kept.length < 1000) {
      gc();
      kept.push(process.memoryUsage().heapUsed - baseline);
    }
  }
  const redactedLine = line.replace('ann@example.com', '[EMAIL_ADDRESS]').replace('4111 1111 1111 1111', '[CREDIT_CARD]');
  assert.equal(length, redactedLine.length * Math.ceil(lines / 1000) * 1000);
  assert.ok(kept.length >= 40, `${kept.length} windows`);
  const mostMiB = Math.max(...kept) / 2 ** 20;
  assert.ok(mostMiB < 16, `the stream kept up to ${mostMiB.toFixed(1)} MiB for a 50 MB text (100 MiB as JavaScript strings)`);
  // Flat: the last windows keep no more than the first ones.
  assert.ok(Math.max(...kept.slice(-10)) < Math.max(...kept.slice(0, 10)) + 4 * 2 ** 20);
});

test('the input keeps its encoding: a UTF-8 BOM, UTF-16LE and UTF-16BE come out as they came', async () => {
  const text = 'Mail ann@example.com 😀\r\n';
  const inputs: Array<[string, Buffer]> = [
    ['utf-8', Buffer.from(text)],
    ['utf-8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
  ];
  for (const [name, bytes] of inputs) {
    assert.equal(encodingOf(bytes), name);
    let found = '';
    // A byte at a time, as a slow pipe may deliver it.
    async function* byteByByte() {
      for (const byte of bytes) yield Buffer.from([byte]);
    }
    const decoded: string[] = [];
    for await (const piece of decodedText(byteByByte(), (e) => (found = e), () => new Error('bad'))) decoded.push(piece);
    assert.equal(found, name);
    assert.equal(decoded.join(''), text);
    const encoding = encoded(found as never);
    const written = Buffer.from(encoding.bom + encoding.piece(decoded.join('')), encoding.streamEncoding);
    assert.deepEqual(written, bytes, name);
  }
});
