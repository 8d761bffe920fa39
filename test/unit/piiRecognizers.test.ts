import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recognize, recognizerProblem, resolveOverlaps } from '../../src/engine/pii/recognizers';
import { modelType } from '../../src/engine/pii';
import type { PiiFinding, PiiParams } from '../../src/protocol';

// The recognizers alone, as `text-analytics redact --no-model` and the editor's live detection run
// them: what a user sees reported in a text, and above all what is not (numbers failing their
// checksum, version strings, order numbers, hashes, dates that are not birthdays).

type Params = Pick<PiiParams, 'types' | 'ranges' | 'phoneRegion' | 'patterns' | 'denyList'>;
const DEFAULTS: Params = { phoneRegion: 'US', patterns: [], denyList: {} };

/** What the user is shown: the findings of a text, overlaps resolved, as [text, type]. */
function found(text: string, params: Partial<Params> = {}): Array<[string, string]> {
  return findings(text, params).map((f) => [f.text, f.type]);
}

function findings(text: string, params: Partial<Params> = {}): PiiFinding[] {
  const all = resolveOverlaps(recognize(text, { ...DEFAULTS, ...params }));
  for (const f of all) assert.equal(text.slice(f.start, f.end), f.text, `[${f.start}, ${f.end}) is the finding's text`);
  return all;
}

/** The values of one type found in a text. */
function values(text: string, type: string, params: Partial<Params> = {}): string[] {
  return found(text, { types: [type], ...params }).filter(([, t]) => t === type).map(([value]) => value);
}

describe('PII recognizers: each one against valid, invalid and look-alike values', () => {
  test('e-mail addresses are found whole, without the full stop after them; things with an @ that are not addresses are not', () => {
    assert.deepEqual(values('Write to john.doe+news@example.co.uk. Or <ops@mail.example.org>!', 'EMAIL_ADDRESS'), ['john.doe+news@example.co.uk', 'ops@mail.example.org']);
    assert.deepEqual(values('Not addresses: a@b, user@localhost, @handle, x@-bad.com, name@@example.com', 'EMAIL_ADDRESS'), []);
  });

  test('phone numbers with a country code are reported anywhere; national ones only near a phone word; invalid numbers never', () => {
    assert.deepEqual(values('Reach us: +1 650-253-0000 or +44 20 7946 0958 or +49 30 901820.', 'PHONE_NUMBER'), ['+1 650-253-0000', '+44 20 7946 0958', '+49 30 901820']);
    assert.deepEqual(values('Call me at (650) 253-0000, fax 650.253.0001.', 'PHONE_NUMBER'), ['(650) 253-0000', '650.253.0001']);
    // The same digits without a word about phones: a national number is not told from any other number.
    assert.deepEqual(values('Reference (650) 253-0000 in the ledger.', 'PHONE_NUMBER'), []);
    // 555 numbers and impossible country codes fail the number plan; versions and dates are not numbers at all.
    assert.deepEqual(values('Phone +1 555-555-5555, +999 1234 5678, tel 10.0.19041.1, call on 2024-03-14', 'PHONE_NUMBER'), []);
    // A number followed by other digits is cut back to the valid number.
    assert.deepEqual(values('phone: +1 650 253 0000 2 times', 'PHONE_NUMBER'), ['+1 650 253 0000']);
  });

  test('the phone region reads national numbers in that country', () => {
    assert.deepEqual(values('Telefon (tel): 030 901820', 'PHONE_NUMBER', { phoneRegion: 'DE' }), ['030 901820']);
    assert.deepEqual(values('Telefon (tel): 030 901820', 'PHONE_NUMBER', { phoneRegion: 'US' }), []);
  });

  test('card numbers pass Luhn and an issuer prefix; a failing checksum or an order number is not reported', () => {
    assert.deepEqual(values('Visa 4111 1111 1111 1111, MC 5500-0000-0000-0004, Amex 378282246310005.', 'CREDIT_CARD'), ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005']);
    assert.deepEqual(values('Card 4111 1111 1111 1112; order 1234567812345670; mixed 4111 1111-1111 1111; ISBN 978-3-16-148410-0', 'CREDIT_CARD'), []);
  });

  test('IBANs need their country length and mod-97 check, printed together or in groups of four', () => {
    assert.deepEqual(values('IBAN DE89 3704 0044 0532 0130 00, GB82WEST12345698765432 and FR1420041010050500013M02606.', 'IBAN_CODE'), ['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR1420041010050500013M02606']);
    assert.deepEqual(values('Bad: DE89370400440532013001, DE89 3704 0044 0532 0130, XX89370400440532013000, DE8937040044053201300012', 'IBAN_CODE'), []);
  });

  test('IP addresses: v4 without impossible octets or leading zeros, v6 compressed too; versions and times are not addresses', () => {
    assert.deepEqual(values('From 192.168.1.20 and 8.8.8.8, then 2001:db8::8a2e:370:7334, ::1 and fe80::1%eth0.', 'IP_ADDRESS'), ['192.168.1.20', '8.8.8.8', '2001:db8::8a2e:370:7334', '::1', 'fe80::1%eth0']);
    assert.deepEqual(values('Not: 999.1.1.1, 01.2.3.4, version 1.2.3.4, Version: 4.3.2.1, v10.0.19041.1, 1.2.3.4.5, at 12:30:45, std::map', 'IP_ADDRESS'), []);
  });

  test('URLs stop before the sentence\'s punctuation but keep their own brackets', () => {
    assert.deepEqual(values('See https://example.com/a?b=c. Also (www.example.org), ftp://files.example.net/x, and https://en.wikipedia.org/wiki/Bash_(Unix_shell)).', 'URL'), [
      'https://example.com/a?b=c',
      'www.example.org',
      'ftp://files.example.net/x',
      'https://en.wikipedia.org/wiki/Bash_(Unix_shell)',
    ]);
    assert.deepEqual(values('Not: http://localhost:8080, https://999.1.1.1/x, wwwexample.com, file:///etc/passwd', 'URL'), []);
  });

  test('US social security numbers outside the ranges never issued; nine bare digits only near "SSN"', () => {
    assert.deepEqual(values('SSN 536-22-5470 and 536 22 5471.', 'US_SSN'), ['536-22-5470', '536 22 5471']);
    assert.deepEqual(values('Her SSN: 536225470', 'US_SSN'), ['536225470']);
    assert.deepEqual(values('Order 536225470 shipped; ticket 536-22-54701', 'US_SSN'), []);
    assert.deepEqual(values('SSN 000-12-3456, 666-12-3456, 900-12-3456, 536-00-5470, 536-22-0000, 078-05-1120, 219-09-9999, 123-45-6789, 111-11-1111', 'US_SSN'), []);
  });

  test('MAC addresses in colon, dash and Cisco forms; the all-zero and broadcast ones and hex hashes are not reported', () => {
    assert.deepEqual(values('NIC 00:1A:2B:3C:4D:5E, 00-1a-2b-3c-4d-5f, 001a.2b3c.4d60.', 'MAC_ADDRESS'), ['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5f', '001a.2b3c.4d60']);
    assert.deepEqual(values('00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 00:1A:2B:3C:4D 00:1A-2B:3C:4D:5E d41d8cd98f00b204e9800998ecf8427e 12:30:45:10:20:30:40', 'MAC_ADDRESS'), []);
  });

  test('Bitcoin addresses whose base58check or bech32/bech32m checksum holds', () => {
    const valid = ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'];
    assert.deepEqual(values(`Donate: ${valid.join(', ')}.`, 'CRYPTO'), valid);
    // One character changed each: the checksums fail. A bech32m checksum on a v0 address fails too.
    const broken = ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzmgmm3h'];
    assert.deepEqual(values(broken.join(' '), 'CRYPTO'), []);
  });

  test('credentials: AWS key ids, GitHub tokens with their checksum, GitLab and Slack tokens, JWTs, PEM private keys', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const pem = '-----BEGIN RSA PRIVATE KEY-----\r\nMIIEowIBAAKCAQEAvN3nEXAMPLEKEYBODYONLY0123456789abcdefABCDEF+/==\r\nProc-Type: 4,ENCRYPTED\r\n-----END RSA PRIVATE KEY-----';
    const text = [
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      'GITHUB_TOKEN=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',
      `fine-grained: github_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`,
      'gitlab: glpat-abcdefghij0123456789',
      'slack: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      `Authorization: Bearer ${jwt}`,
      pem,
    ].join('\n');
    assert.deepEqual(values(text, 'CREDENTIAL'), [
      'AKIAIOSFODNN7EXAMPLE',
      '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',
      `github_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`,
      'glpat-abcdefghij0123456789',
      'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      jwt,
      pem,
    ]);
    // A GitHub token whose checksum is wrong, a key id too short, JSON that is not a JWT header, a PEM block never closed.
    const fakes = 'ghp_R4nd0mT0k3nB0dyF0rT3st1ngOnly92c0X2b AKIAIOSFODNN7EXAMP eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.c2ln -----BEGIN PRIVATE KEY-----\nMIIE';
    assert.deepEqual(values(fakes, 'CREDENTIAL'), []);
  });

  test('dates only when DATE_TIME is asked for, and only days the calendar has', () => {
    const text = 'Born 14 March 1990, on 2024-02-29T10:30:00Z, 03/14/2024, March 14, 2024 and 31.12.1999; not 2023-02-29, 31/04/2024, build 1.2.24.';
    assert.deepEqual(values(text, 'DATE_TIME'), ['14 March 1990', '2024-02-29T10:30:00Z', '03/14/2024', 'March 14, 2024', '31.12.1999']);
    assert.deepEqual(found(text).filter(([, type]) => type === 'DATE_TIME'), [], 'DATE_TIME is off unless asked for');
  });
});

describe('PII recognizers: scores, types, ranges and offsets', () => {
  test('a context word near a match raises its score', () => {
    const [plain] = findings('It went to 10.1.2.3 yesterday.', { types: ['IP_ADDRESS'] });
    const [near] = findings('The server IP is 10.1.2.3 now.', { types: ['IP_ADDRESS'] });
    assert.ok(near.score > plain.score, `${near.score} > ${plain.score}`);
    assert.ok(near.score <= 1 && plain.score > 0);
  });

  test('only the types asked for are reported; by default every built-in type but DATE_TIME', () => {
    const text = 'Mail ann@example.com from 10.0.0.1 on 2024-03-14.';
    assert.deepEqual(found(text, { types: ['IP_ADDRESS'] }), [['10.0.0.1', 'IP_ADDRESS']]);
    assert.deepEqual(found(text), [['ann@example.com', 'EMAIL_ADDRESS'], ['10.0.0.1', 'IP_ADDRESS']]);
  });

  test('ranges: only findings wholly inside them, with offsets into the whole text', () => {
    const text = 'a@example.com | b@example.com | c@example.com';
    const inRange = findings(text, { ranges: [[14, 32]] });
    assert.deepEqual(inRange.map((f) => [f.text, f.start]), [['b@example.com', 16]]);
    assert.deepEqual(findings(text, { ranges: [[0, 5]] }), [], 'an address cut by the range is not reported');
  });

  test('offsets are exact UTF-16 with emoji, CJK and CRLF around findings', () => {
    const text = '😀👩‍👩‍👧 邮件：ann@example.com\r\n電話 call (650) 253-0000\r\n🇩🇪 IBAN DE89 3704 0044 0532 0130 00\r\n';
    const all = findings(text);
    assert.deepEqual(all.map((f) => [f.text, f.type]), [
      ['ann@example.com', 'EMAIL_ADDRESS'],
      ['(650) 253-0000', 'PHONE_NUMBER'],
      ['DE89 3704 0044 0532 0130 00', 'IBAN_CODE'],
    ]);
    assert.equal(all[0].start, text.indexOf('ann@'));
    assert.equal(all[2].end, text.indexOf('\r\n', all[2].start));
  });

  test('overlaps: a URL that contains an e-mail address is one finding', () => {
    assert.deepEqual(found('Open https://example.com/u/ann@example.com/profile now'), [['https://example.com/u/ann@example.com/profile', 'URL']]);
  });

  test('a cancelled request stops', () => {
    const controller = new AbortController();
    controller.abort();
    assert.throws(() => recognize('ann@example.com '.repeat(10_000), DEFAULTS, controller.signal), /cancel/i);
  });
});

describe('PII recognizers: the user\'s patterns, deny-list and problems', () => {
  test('a user\'s pattern reports its type as source custom, its score raised by its context words', () => {
    const patterns = [{ type: 'EMPLOYEE_ID', regex: 'EMP-[0-9]{6}', context: ['employee', 'staff'] }];
    const all = findings('Badge EMP-123456 was issued at the gate on Monday. Employee EMP-654321.', { patterns });
    assert.deepEqual(all.map((f) => [f.text, f.type, f.source, f.score]), [
      ['EMP-123456', 'EMPLOYEE_ID', 'custom', 0.6],
      ['EMP-654321', 'EMPLOYEE_ID', 'custom', 0.95],
    ]);
    assert.deepEqual(found('EMP-123456', { patterns, types: ['EMAIL_ADDRESS'] }), [], 'not reported when its type is not asked for');
  });

  test('a pathological pattern runs in linear time and cannot hang the worker', () => {
    const text = `${'a'.repeat(200_000)}!`;
    const started = performance.now();
    assert.deepEqual(findings(text, { patterns: [{ type: 'EVIL', regex: '(a+)+$' }] }), []);
    assert.ok(performance.now() - started < 5000, 'finished in well under five seconds');
  });

  test('a pattern RE2 cannot compile, a bad type name and an unknown region each give a clear message', () => {
    const base = { ...DEFAULTS, types: undefined };
    assert.equal(recognizerProblem(base), undefined);
    const problem = recognizerProblem({ ...base, patterns: [{ type: 'ORDER', regex: '(ab)\\1' }] });
    assert.match(problem ?? '', /pattern for ORDER, \/\(ab\)\\1\/, is not an RE2 regular expression/);
    assert.match(recognizerProblem({ ...base, patterns: [{ type: 'ORDER', regex: '(?=x)y' }] }) ?? '', /lookaround/);
    assert.match(recognizerProblem({ ...base, denyList: { 'bad type': ['x'] } }) ?? '', /"bad type" is not a personal-data type name/);
    assert.match(recognizerProblem({ ...base, phoneRegion: 'XX' }) ?? '', /phone region "XX".*ISO 3166/);
    assert.equal(recognizerProblem({ ...base, phoneRegion: 'gb' }), undefined, 'a region in lower case is read');
  });

  test('the deny-list reports every whole-word occurrence of its values, ignoring case', () => {
    const all = findings('Project Bluebird: BLUEBIRD ships; bluebirds and Bluebird2 are other words.', { denyList: { PROJECT: ['Bluebird'] } });
    assert.deepEqual(all.map((f) => [f.text, f.type, f.source, f.score]), [
      ['Bluebird', 'PROJECT', 'custom', 1],
      ['BLUEBIRD', 'PROJECT', 'custom', 1],
    ]);
  });
});

test("a model's labels become types: the named-entity model's people, places and organisations only; a PII model's by name", () => {
  const cases: Array<[string, boolean, string | undefined]> = [
    ['PER', false, 'PERSON'],
    ['pers', false, 'PERSON'],
    ['GPE', false, 'LOCATION'],
    ['ORGANISATION', false, 'ORGANIZATION'],
    ['MISC', false, undefined],
    ['EMAIL', false, undefined],
    ['NAME', false, 'PERSON'],
    ['EMAIL', true, 'EMAIL_ADDRESS'],
    ['phone-num', true, 'PHONE_NUMBER'],
    ['IBAN_CODE', true, 'IBAN_CODE'],
    ['STREET_ADDRESS', true, 'STREET_ADDRESS'],
    ['MISC', true, 'MISC'],
    ['123', true, undefined],
  ];
  assert.deepEqual(
    cases.map(([label, dedicated]) => modelType(label, dedicated)),
    cases.map(([, , type]) => type),
  );
});
