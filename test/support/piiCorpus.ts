/**
 * A labelled synthetic corpus for the personal-data recognizers: sentences holding valid values of
 * every validated type, generated properly (cards that pass Luhn for several issuers, IBANs with
 * right check digits, phone numbers that the number plans accept, Bitcoin addresses with real
 * base58check and bech32 checksums, GitHub tokens with their CRC32), each with its exact expected
 * span; and negatives that must not be reported: the same values with a broken checksum or an
 * impossible range, and look-alikes (version strings, order numbers, ISBNs, timestamps, hashes,
 * dates, file names, certificates). Seeded (test/seededRandom.ts): the same seed gives the same
 * corpus, so a failing case can be replayed and named.
 *
 * The sentences are joined with CRLF and LF and sprinkled with emoji and CJK text, so that every
 * offset is also a test of UTF-16 arithmetic. `npm run bench:pii` prints the precision and recall
 * the recognizers reach on it; test/unit/piiAccuracy.test.ts holds them to 0.99.
 *
 * @example
 * const corpus = piiCorpus(17);
 * for (const span of corpus.spans) assert.equal(corpus.text.slice(span.start, span.end), span.text);
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { bech32, bech32m, createBase58check } from '@scure/base';
import { composeIBAN, friendlyFormatIBAN, isValidIBAN } from 'ibantools';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { seededRandom } from '../seededRandom';

/** One value the recognizers must report: its exact span in the corpus text and its type. */
export interface LabelledSpan {
  start: number;
  end: number;
  text: string;
  type: string;
  /** What kind of value it is ("visa, spaced"), to name it when it is missed. */
  case: string;
}

/** A value the recognizers must not report, with why, to name it when it is reported. */
export interface Decoy {
  start: number;
  end: number;
  text: string;
  case: string;
}

export interface PiiCorpus {
  text: string;
  /** By start. */
  spans: LabelledSpan[];
  /** By start. */
  decoys: Decoy[];
}

/** The types whose recognizers validate what they match, held to 0.99 precision and recall. */
export const VALIDATED_TYPES = ['CREDIT_CARD', 'IBAN_CODE', 'IP_ADDRESS', 'US_SSN', 'MAC_ADDRESS', 'CRYPTO', 'CREDENTIAL', 'EMAIL_ADDRESS', 'PHONE_NUMBER', 'URL'] as const;

type Random = () => number;
/** A value and the case it stands for; a positive also has its type. */
type Sample = { value: string; case: string };

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const digits = (random: Random, n: number): string => Array.from({ length: n }, () => String(int(random, 0, 9))).join('');
const chars = (random: Random, alphabet: string, n: number): string => Array.from({ length: n }, () => pick(random, [...alphabet])).join('');
const bytes = (random: Random, n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(random, 0, 255));

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const BASE62 = DIGITS + UPPER + LOWER;
const HEX = '0123456789abcdef';

// ---- Cards -------------------------------------------------------------------------------

/** The Luhn check digit that makes `payload` + digit pass. */
export function luhnDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const ISSUERS: { name: string; prefix: (random: Random) => string; length: number; groups: number[] }[] = [
  { name: 'visa', prefix: () => '4', length: 16, groups: [4, 4, 4, 4] },
  { name: 'mastercard', prefix: (r) => String(int(r, 51, 55)), length: 16, groups: [4, 4, 4, 4] },
  { name: 'mastercard 2-series', prefix: (r) => String(int(r, 2221, 2720)), length: 16, groups: [4, 4, 4, 4] },
  { name: 'amex', prefix: (r) => pick(r, ['34', '37']), length: 15, groups: [4, 6, 5] },
  { name: 'discover', prefix: () => '6011', length: 16, groups: [4, 4, 4, 4] },
  { name: 'jcb', prefix: (r) => String(int(r, 3528, 3589)), length: 16, groups: [4, 4, 4, 4] },
];

function groupDigits(number: string, groups: number[], separator: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of groups) parts.push(number.slice(at, (at += size)));
  return parts.join(separator);
}

function card(random: Random, valid: boolean): Sample {
  const issuer = pick(random, ISSUERS);
  const prefix = issuer.prefix(random);
  const payload = prefix + digits(random, issuer.length - prefix.length - 1);
  const check = luhnDigit(payload);
  const number = payload + (valid ? check : String((Number(check) + int(random, 1, 9)) % 10));
  const separator = pick(random, ['', ' ', '-']);
  const formatted = separator === '' ? number : groupDigits(number, issuer.groups, separator);
  return { value: formatted, case: `${issuer.name}${separator === '' ? '' : separator === ' ' ? ', spaced' : ', dashed'}${valid ? '' : ', Luhn fails'}` };
}

// ---- IBANs -------------------------------------------------------------------------------

const IBAN_COUNTRIES: { code: string; bban: (random: Random) => string }[] = [
  { code: 'DE', bban: (r) => digits(r, 18) },
  { code: 'GB', bban: (r) => chars(r, UPPER, 4) + digits(r, 14) },
  { code: 'NL', bban: (r) => chars(r, UPPER, 4) + digits(r, 10) },
  { code: 'FR', bban: (r) => digits(r, 10) + chars(r, DIGITS + UPPER, 11) + digits(r, 2) },
  { code: 'ES', bban: (r) => digits(r, 20) },
  { code: 'IT', bban: (r) => chars(r, UPPER, 1) + digits(r, 10) + chars(r, DIGITS + UPPER, 12) },
  { code: 'CH', bban: (r) => digits(r, 5) + chars(r, DIGITS + UPPER, 12) },
  { code: 'AT', bban: (r) => digits(r, 16) },
];

function iban(random: Random, valid: boolean): Sample {
  const country = pick(random, IBAN_COUNTRIES);
  let electronic: string | null = null;
  // Some countries check their BBAN too (France's RIB key, Spain's control digits): draw until one passes.
  for (let tries = 0; electronic === null || !isValidIBAN(electronic); tries++) {
    if (tries > 10_000) throw new Error(`piiCorpus: no valid ${country.code} IBAN drawn`);
    electronic = composeIBAN({ countryCode: country.code, bban: country.bban(random) });
  }
  if (!valid) {
    // One digit of the BBAN changed: mod-97 catches every single-digit error.
    const positions = [...electronic].map((c, i) => (i >= 4 && /\d/.test(c) ? i : -1)).filter((i) => i >= 0);
    const at = pick(random, positions);
    electronic = electronic.slice(0, at) + String((Number(electronic[at]) + int(random, 1, 9)) % 10) + electronic.slice(at + 1);
  }
  const spaced = random() < 0.5;
  return { value: spaced ? (friendlyFormatIBAN(electronic) ?? electronic) : electronic, case: `${country.code}${spaced ? ', grouped' : ''}${valid ? '' : ', check digits fail'}` };
}

// ---- Phone numbers -----------------------------------------------------------------------

const PHONE_PLANS: { region: CountryCode; national: (random: Random) => string }[] = [
  { region: 'US', national: (r) => `${int(r, 2, 9)}${int(r, 0, 8)}${int(r, 0, 9)}${int(r, 2, 9)}${digits(r, 6)}` },
  { region: 'GB', national: (r) => pick(r, [() => `20${int(r, 3, 8)}${digits(r, 7)}`, () => `7${int(r, 4, 9)}${digits(r, 8)}`])() },
  { region: 'DE', national: (r) => pick(r, [() => `30${int(r, 2, 9)}${digits(r, 7)}`, () => `15${int(r, 1, 9)}${digits(r, 8)}`])() },
  { region: 'FR', national: (r) => `${pick(r, ['1', '6', '7'])}${digits(r, 8)}` },
  { region: 'IN', national: (r) => `${int(r, 7, 9)}${digits(r, 9)}` },
  { region: 'JP', national: (r) => `3${int(r, 1, 9)}${digits(r, 7)}` },
  { region: 'BR', national: (r) => `11${int(r, 2, 5)}${digits(r, 7)}` },
];

/** National numbers are reported only near such words (a number with a country code needs none): each has one. */
const PHONE_CONTEXT = ['Call me on', 'Phone:', 'Tel.', 'My mobile is', 'Call the office at', 'Fax'];

/** A phone number the full metadata says is valid, international (E.164 or spaced) or US national. */
function phone(random: Random, national: boolean): Sample & { context: boolean } {
  const plan = national ? PHONE_PLANS[0] : pick(random, PHONE_PLANS);
  for (let tries = 0; tries < 10_000; tries++) {
    const parsed = parsePhoneNumberFromString(plan.national(random), plan.region);
    if (!parsed?.isValid()) continue;
    if (national) {
      const dashed = random() < 0.4;
      const text = dashed ? parsed.formatNational().replace(/^\((\d{3})\) /, '$1-') : parsed.formatNational();
      return { value: text, case: `US national${dashed ? ', dashed' : ''}`, context: true };
    }
    const e164 = random() < 0.3;
    return { value: e164 ? parsed.number : parsed.formatInternational(), case: `${plan.region} international${e164 ? ', E.164' : ''}`, context: random() < 0.5 };
  }
  throw new Error(`piiCorpus: no valid ${plan.region} number drawn`);
}

// ---- US social security numbers ----------------------------------------------------------

function ssn(random: Random, valid: boolean): Sample {
  if (valid) {
    // Areas 100–665 and 667–899 (000, 666 and 9xx were never issued; the 0xx avoid the famous 078-05-1120).
    const area = pick(random, [int(random, 100, 665), int(random, 667, 899)]);
    return { value: `${area}-${String(int(random, 1, 99)).padStart(2, '0')}-${String(int(random, 1, 9999)).padStart(4, '0')}`, case: 'dashed' };
  }
  const group = String(int(random, 1, 99)).padStart(2, '0');
  const serial = String(int(random, 1, 9999)).padStart(4, '0');
  return pick(random, [
    { value: `000-${group}-${serial}`, case: 'area 000' },
    { value: `666-${group}-${serial}`, case: 'area 666' },
    { value: `${int(random, 900, 999)}-${group}-${serial}`, case: 'area 9xx' },
    { value: `${int(random, 100, 665)}-00-${serial}`, case: 'group 00' },
    { value: `${int(random, 100, 665)}-${group}-0000`, case: 'serial 0000' },
  ]);
}

// ---- Network -----------------------------------------------------------------------------

function ipv4(random: Random): Sample {
  return { value: [int(random, 1, 223), int(random, 0, 255), int(random, 0, 255), int(random, 1, 254)].join('.'), case: 'IPv4' };
}

function ipv6(random: Random): Sample {
  const groups = Array.from({ length: 8 }, () => chars(random, HEX, int(random, 1, 4)).replace(/^0+(?=.)/, ''));
  if (random() < 0.5) return { value: groups.join(':'), case: 'IPv6, full' };
  // Compressed: a run of zero groups in the middle written as ::.
  const head = groups.slice(0, int(random, 1, 3));
  const tail = groups.slice(int(random, 5, 7));
  return { value: `${pick(random, ['2001:db8', 'fe80', '2a00:1450'])}${head.length > 1 ? `:${head.slice(1).join(':')}` : ''}::${tail.join(':')}`, case: 'IPv6, compressed' };
}

function mac(random: Random): Sample {
  const separator = pick(random, [':', '-']);
  const upper = random() < 0.5;
  const value = Array.from({ length: 6 }, () => chars(random, HEX, 2)).join(separator);
  return { value: upper ? value.toUpperCase() : value, case: `MAC, ${separator === ':' ? 'colons' : 'dashes'}` };
}

const FIRST = ['anna', 'li.wei', 'j.smith', 'maria-jose', 'o.brien', 'k_tanaka', 'sam+news', 'dev.ops'];
const DOMAINS = ['example.com', 'mail.example.org', 'uni-example.ac.uk', 'example.de', 'corp.example.net'];

function email(random: Random): Sample {
  return { value: `${pick(random, FIRST)}${random() < 0.3 ? int(random, 1, 99) : ''}@${pick(random, DOMAINS)}`, case: 'e-mail' };
}

function url(random: Random): Sample {
  const host = pick(random, ['www.example.com', 'example.org', 'docs.example.net', 'shop.example.co.uk', 'example.de']);
  const path = pick(random, ['', '/', '/about', '/path/to/page', '/search?q=privacy&lang=en', '/a/b#section-2', `/users/${digits(random, 5)}`]);
  if (random() < 0.2 && host.startsWith('www.')) return { value: `${host}${path}`, case: 'URL, www without a scheme' };
  return { value: `${pick(random, ['https', 'http'])}://${host}${path}`, case: 'URL' };
}

// ---- Crypto and credentials --------------------------------------------------------------

const base58check = createBase58check((data: Uint8Array) => createHash('sha256').update(data).digest());

function bitcoin(random: Random, valid: boolean): Sample {
  const kind = int(random, 0, 3);
  let value: string;
  let name: string;
  if (kind < 2) {
    value = base58check.encode(Uint8Array.from([kind === 0 ? 0x00 : 0x05, ...bytes(random, 20)]));
    name = kind === 0 ? 'P2PKH' : 'P2SH';
  } else if (kind === 2) {
    value = bech32.encode('bc', [0, ...bech32.toWords(bytes(random, 20))]);
    name = 'bech32 P2WPKH';
  } else {
    value = bech32m.encode('bc', [1, ...bech32m.toWords(bytes(random, 32))]);
    name = 'bech32m taproot';
  }
  if (valid) return { value, case: name };
  // One character changed inside the data part: the checksum no longer holds.
  const alphabet = kind < 2 ? '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz' : 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const at = int(random, 5, value.length - 8);
  const replacement = pick(random, [...alphabet].filter((c) => c !== value[at]));
  return { value: value.slice(0, at) + replacement + value.slice(at + 1), case: `${name}, checksum fails` };
}

/** GitHub's token checksum: CRC32 of the random part, in base62, six characters. */
export function githubChecksum(entropy: string): string {
  let n = crc32(entropy);
  let out = '';
  while (n > 0) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(6, '0');
}

const base64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

function credential(random: Random): Sample {
  switch (int(random, 0, 5)) {
    case 0:
      return { value: `${pick(random, ['AKIA', 'ASIA'])}${chars(random, `${UPPER}234567`, 16)}`, case: 'AWS access key id' };
    case 1: {
      const entropy = chars(random, BASE62, 30);
      return { value: `${pick(random, ['ghp', 'gho', 'ghs'])}_${entropy}${githubChecksum(entropy)}`, case: 'GitHub token' };
    }
    case 2:
      return { value: `glpat-${chars(random, `${BASE62}_-`, 20)}`, case: 'GitLab token' };
    case 3:
      return { value: `xoxb-${digits(random, 12)}-${digits(random, 13)}-${chars(random, BASE62, 24)}`, case: 'Slack token' };
    case 4: {
      const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const payload = base64url(JSON.stringify({ sub: digits(random, 10), name: pick(random, FIRST), iat: int(random, 1_600_000_000, 1_800_000_000) }));
      return { value: `${header}.${payload}.${base64url(bytes(random, 32))}`, case: 'JWT' };
    }
    default: {
      const label = pick(random, ['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
      const body = Buffer.from(bytes(random, int(random, 90, 200))).toString('base64').match(/.{1,64}/g)!.join('\n');
      return { value: `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`, case: 'PEM private key' };
    }
  }
}

// ---- Look-alikes -------------------------------------------------------------------------

/** Values that look like personal data and are not, each with the type it might be taken for. */
function lookAlike(random: Random): Sample {
  const entropy = chars(random, BASE62, 30);
  const wrongChecksum = githubChecksum(entropy).split('').reverse().join('');
  const cases: (() => Sample)[] = [
    () => ({ value: `${int(random, 1, 30)}.${int(random, 0, 20)}.${int(random, 0, 99)}`, case: 'version string (IP?)' }),
    () => ({ value: `v${int(random, 1, 9)}.${int(random, 0, 20)}.${int(random, 0, 99)}-beta.${int(random, 1, 9)}`, case: 'semver (IP?)' }),
    () => ({ value: `10.0.${int(random, 10000, 22999)}.${int(random, 1000, 9999)}`, case: 'Windows build number (IP?)' }),
    () => ({ value: `${int(random, 256, 999)}.${int(random, 0, 255)}.${int(random, 0, 255)}.${int(random, 0, 255)}`, case: 'octet over 255 (IP?)' }),
    () => ({ value: `#${digits(random, 8)}`, case: 'order number (phone?)' }),
    () => ({ value: `INV-${int(random, 2015, 2030)}-${digits(random, 6)}`, case: 'invoice number (phone?)' }),
    () => ({ value: `978-${int(random, 0, 9)}-${digits(random, 2)}-${digits(random, 6)}-${int(random, 0, 9)}`, case: 'ISBN (phone?)' }),
    () => ({ value: `${int(random, 2000, 2030)}-${String(int(random, 1, 12)).padStart(2, '0')}-${String(int(random, 1, 28)).padStart(2, '0')}T${String(int(random, 0, 23)).padStart(2, '0')}:${String(int(random, 0, 59)).padStart(2, '0')}:${String(int(random, 0, 59)).padStart(2, '0')}Z`, case: 'ISO timestamp (phone? MAC?)' }),
    () => ({ value: `${int(random, 1_500_000_000, 1_800_000_000)}${digits(random, 3)}`, case: 'epoch milliseconds (card? phone?)' }),
    () => ({ value: `${String(int(random, 1, 12)).padStart(2, '0')}/${String(int(random, 1, 28)).padStart(2, '0')}/${int(random, 1990, 2030)}`, case: 'date (phone? SSN?)' }),
    () => ({ value: chars(random, HEX, 40), case: 'git SHA-1 (crypto? credential?)' }),
    () => ({ value: chars(random, HEX, 64), case: 'SHA-256 (crypto? credential?)' }),
    () => ({ value: `${chars(random, HEX, 8)}-${chars(random, HEX, 4)}-4${chars(random, HEX, 3)}-a${chars(random, HEX, 3)}-${chars(random, HEX, 12)}`, case: 'UUID (MAC? credential?)' }),
    () => ({ value: `${String(int(random, 0, 23)).padStart(2, '0')}:${String(int(random, 0, 59)).padStart(2, '0')}:${String(int(random, 0, 59)).padStart(2, '0')}`, case: 'time of day (MAC? IPv6?)' }),
    () => ({ value: `${pick(random, ['lodash', 'react', 'typescript'])}@${int(random, 1, 18)}.${int(random, 0, 20)}.${int(random, 0, 9)}`, case: 'package@version (e-mail?)' }),
    () => ({ value: `${pick(random, ['report', 'photo', 'data', 'minutes'])}.${pick(random, ['pdf', 'jpeg', 'csv', 'docx'])}`, case: 'file name (URL?)' }),
    () => ({ value: `$${int(random, 1, 999)},${digits(random, 3)},${digits(random, 3)}.${digits(random, 2)}`, case: 'amount (phone? card?)' }),
    () => ({ value: `${pick(random, ['ghp'])}_${entropy}${wrongChecksum === githubChecksum(entropy) ? 'zzzzzz' : wrongChecksum}`, case: 'GitHub token, checksum fails' }),
    () => ({ value: `-----BEGIN CERTIFICATE-----\n${Buffer.from(bytes(random, 96)).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`, case: 'PEM certificate (public, not a credential)' }),
    () => ({ value: `AKIA${chars(random, UPPER, 8)}`, case: 'AKIA too short (credential?)' }),
    () => ({ value: `${digits(random, 3)}-${digits(random, 3)}`, case: 'short dashed number (phone? SSN?)' }),
    () => ({ value: `+1 (${int(random, 0, 1)}${digits(random, 2)}) ${digits(random, 3)}-${digits(random, 4)}`, case: 'US number with an area code starting 0 or 1 (phone?)' }),
  ];
  return pick(random, cases)();
}

// ---- Sentences ---------------------------------------------------------------------------

type Part = string | { sample: Sample; type?: string };

/** What goes around a sentence: plain, emoji and CJK before or after, so offsets cross surrogate pairs. */
const LEADS = ['', '', '', 'Note: ', '📎 ', '备注：', 'Hinweis – ', '👩‍💼 FYI ', '「重要」'];
const TAILS = ['', '', ' 🙂', ' 谢谢', ' — thanks', ' ✅'];

function sentenceFor(random: Random, type: string | undefined, sample: Sample, context: boolean): Part[] {
  const value: Part = { sample, type };
  switch (type) {
    case 'CREDIT_CARD':
      return [pick(random, ['Paid with card ', 'Card number: ', 'The customer used ', 'Visa ending? No, the whole number: ']), value, pick(random, ['.', ' yesterday.', ', expiry 09/27.'])];
    case 'IBAN_CODE':
      return [pick(random, ['Please transfer to IBAN ', 'Bank account: ', 'Beneficiary ', 'Pay into ']), value, pick(random, ['.', ' by Friday.', ' (SEPA).'])];
    case 'PHONE_NUMBER':
      return context ? [pick(random, PHONE_CONTEXT), ' ', value, pick(random, ['.', ' after 6pm.', ' any time.'])] : ['Reached ', value, pick(random, [' twice.', ', no answer.'])];
    case 'US_SSN':
      return [pick(random, ['SSN: ', 'Her social security number is ', 'SSN ']), value, '.'];
    case 'IP_ADDRESS':
      return [pick(random, ['Login from ', 'The server listens on ', 'Blocked IP ', 'Client address ']), value, pick(random, ['.', ' at 10:42.', ', port 8443.'])];
    case 'MAC_ADDRESS':
      return [pick(random, ['Device MAC ', 'The laptop (hw address ', 'Wi-Fi adapter ']), value, pick(random, [' joined.', ') joined.', ' was seen.'])];
    case 'EMAIL_ADDRESS':
      return [pick(random, ['Write to ', 'Contact: ', 'cc ', 'Sent by ']), value, pick(random, ['.', ' please.', ', or call.'])];
    case 'URL':
      return [pick(random, ['See ', 'Her profile: ', 'Docs at ', 'Link: ']), value, pick(random, ['.', ' for more.', ' (login needed).'])];
    case 'CRYPTO':
      return [pick(random, ['Send BTC to ', 'Bitcoin wallet ', 'Donations: ']), value, pick(random, ['.', ' today.'])];
    case 'CREDENTIAL':
      return sample.value.includes('\n')
        ? ['Key leaked in the ticket:\n', value, '\nRotate it.']
        : [pick(random, ['token=', 'Authorization: Bearer ', 'export SECRET=', 'The key ']), value, pick(random, ['', ' was committed.', ' (revoked).'])];
    default:
      return [pick(random, ['Reference ', 'See item ', 'Built ', 'Logged ', 'Value: ', 'Code ']), value, pick(random, ['.', ' in the log.', ' again.'])];
  }
}

/**
 * The corpus: `perType` valid values of each validated type and as many checksum-invalid or
 * impossible ones where the type has a check, plus look-alikes, in random order, one sentence a
 * line, lines ending in LF or CRLF.
 */
export function piiCorpus(seed = 17, perType = 120): PiiCorpus {
  const random = seededRandom(seed);
  const sentences: { parts: Part[] }[] = [];
  const add = (type: string | undefined, sample: Sample, context = true) => sentences.push({ parts: sentenceFor(random, type, sample, context) });
  for (let i = 0; i < perType; i++) {
    add('CREDIT_CARD', card(random, true));
    add(undefined, card(random, false));
    add('IBAN_CODE', iban(random, true));
    add(undefined, iban(random, false));
    const international = phone(random, false);
    add('PHONE_NUMBER', international, international.context);
    add('PHONE_NUMBER', phone(random, true));
    add('US_SSN', ssn(random, true));
    add(undefined, ssn(random, false));
    add('IP_ADDRESS', random() < 0.6 ? ipv4(random) : ipv6(random));
    add('MAC_ADDRESS', mac(random));
    add('EMAIL_ADDRESS', email(random));
    add('URL', url(random));
    add('CRYPTO', bitcoin(random, true));
    add(undefined, bitcoin(random, false));
    add('CREDENTIAL', credential(random));
    add(undefined, lookAlike(random));
    add(undefined, lookAlike(random));
  }
  // Shuffled (Fisher–Yates), so no recognizer sees its values in a row.
  for (let i = sentences.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sentences[i], sentences[j]] = [sentences[j], sentences[i]];
  }
  let text = '';
  const spans: LabelledSpan[] = [];
  const decoys: Decoy[] = [];
  for (const { parts } of sentences) {
    text += pick(random, LEADS);
    for (const part of parts) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      const start = text.length;
      text += part.sample.value;
      const labelled = { start, end: text.length, text: part.sample.value, case: part.sample.case };
      if (part.type) spans.push({ ...labelled, type: part.type });
      else decoys.push(labelled);
    }
    text += pick(random, TAILS) + (random() < 0.5 ? '\r\n' : '\n');
  }
  return { text, spans, decoys };
}

// ---- Scoring -----------------------------------------------------------------------------

/** What the scorer needs of a finding. */
export interface ScoredFinding {
  start: number;
  end: number;
  type: string;
  text: string;
}

export interface TypeScore {
  type: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** The values missed, and those reported wrongly (with the case of the decoy they hit, if any). */
  missed: LabelledSpan[];
  wrong: { finding: ScoredFinding; case: string }[];
}

/**
 * Precision and recall per type: a finding counts only when its type and its span are exactly an
 * expected one's (the issue asks for exact offsets). A finding of one type on a value of another
 * is a false positive of its type and a miss of the other.
 */
export function scoreFindings(corpus: PiiCorpus, findings: readonly ScoredFinding[], types: readonly string[] = VALIDATED_TYPES): TypeScore[] {
  const expected = new Map(corpus.spans.map((span) => [`${span.type}|${span.start}|${span.end}`, span]));
  const found = new Set(findings.map((f) => `${f.type}|${f.start}|${f.end}`));
  /** What a wrong finding overlaps: a decoy, another type's value, or plain text. */
  const caseAt = (finding: ScoredFinding): string => {
    const overlaps = (s: { start: number; end: number }) => s.start < finding.end && finding.start < s.end;
    const decoy = corpus.decoys.find(overlaps);
    if (decoy) return `decoy: ${decoy.case}`;
    const other = corpus.spans.find(overlaps);
    return other ? `${other.type} value (${other.case}) ${other.text === finding.text ? 'typed wrongly' : 'cut wrongly'}` : 'plain text';
  };
  return types.map((type) => {
    const mine = findings.filter((f) => f.type === type);
    const wrong = mine.filter((f) => !expected.has(`${type}|${f.start}|${f.end}`)).map((finding) => ({ finding, case: caseAt(finding) }));
    const spans = corpus.spans.filter((s) => s.type === type);
    const missed = spans.filter((s) => !found.has(`${type}|${s.start}|${s.end}`));
    const truePositives = spans.length - missed.length;
    return {
      type,
      truePositives,
      falsePositives: wrong.length,
      falseNegatives: missed.length,
      precision: truePositives + wrong.length === 0 ? 1 : truePositives / (truePositives + wrong.length),
      recall: spans.length === 0 ? 1 : truePositives / spans.length,
      missed,
      wrong,
    };
  });
}
