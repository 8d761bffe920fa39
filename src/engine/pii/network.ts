/**
 * Addresses on a network: e-mail addresses, URLs, IP (v4 and v6) and MAC addresses. Each candidate
 * is validated by a library (validator, node:net, the WHATWG URL parser) rather than trusted
 * because a pattern matched.
 */
import { isIPv4, isIPv6 } from 'node:net';
import isEmail from 'validator/lib/isEmail';
import { contextWords, isWordCode, memoized, withContext, type Recognizer } from './scan';

const EMAIL_CONTEXT = contextWords(['email', 'e-mail', 'mail', 'contact', 'reply', 'sender', 'recipient']);
const URL_CONTEXT = contextWords(['url', 'link', 'website', 'site', 'web', 'page', 'homepage', 'profile']);
const IP_CONTEXT = contextWords(['ip', 'ipv4', 'ipv6', 'address', 'host', 'server', 'client', 'from', 'src', 'dst', 'source', 'remote', 'peer', 'gateway']);
const MAC_CONTEXT = contextWords(['mac', 'ethernet', 'hardware', 'wifi', 'wlan', 'nic', 'bssid', 'device']);

/** Characters of an e-mail address's local part (the common ASCII ones; quoted local parts are not looked for). */
function isLocalCode(code: number): boolean {
  return isWordCode(code) || code === 46 /* . */ || code === 43 /* + */ || code === 45 /* - */ || code === 37 /* % */ || code === 39 /* ' */;
}

/** Characters of a domain name. */
function isDomainCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45 || code === 46;
}

const validEmail = memoized((address) => isEmail(address));

/**
 * E-mail addresses: every `@` is a candidate (found with indexOf, far faster than a pattern that
 * could start at any letter), grown to the local part before it and the domain after it, trimmed
 * of the dots and dashes that end sentences, and validated with validator's isEmail.
 */
export const emailRecognizer: Recognizer = {
  types: ['EMAIL_ADDRESS'],
  scan(text, emit, { tick }) {
    let at = text.indexOf('@');
    while (at !== -1) {
      tick();
      let start = at;
      while (start > 0 && isLocalCode(text.charCodeAt(start - 1))) start--;
      while (start < at && text.charCodeAt(start) === 46) start++;
      let end = at + 1;
      while (end < text.length && isDomainCode(text.charCodeAt(end))) end++;
      while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
      if (start < at && end > at + 1 && validEmail(text.slice(start, end))) {
        emit(start, end, 'EMAIL_ADDRESS', withContext(0.9, text, start, end, EMAIL_CONTEXT));
        at = text.indexOf('@', end);
      } else {
        at = text.indexOf('@', at + 1);
      }
    }
  },
};

/** A URL candidate: a scheme or `www.`, then everything up to white space or a character URLs do not hold unescaped. */
const URL_CANDIDATE = /(?:(?:https?|ftp):\/\/|www\.)(?<![\w.@-](?:(?:https?|ftp):\/\/|www\.))[^\s<>"'`{}|\\^]+/gi;

/** Punctuation that ends the sentence around a URL rather than the URL. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '"', '*', '_']);

/** Cuts the sentence's punctuation off a URL candidate: a trailing `.` or `,`, and a `)` or `]` it did not open. */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url.at(-1) ?? '';
    if (TRAILING.has(last)) url = url.slice(0, -1);
    else if ((last === ')' && count(url, '(') < count(url, ')')) || (last === ']' && count(url, '[') < count(url, ']'))) url = url.slice(0, -1);
    else return url;
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/** A host name with a top-level domain (`example.com`, `xn--80ak6aa92e.xn--p1ai`), as the URL parser writes it. */
const DOMAIN = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * Whether the platform's URL parser (WHATWG, the browsers' own) reads the candidate, and its host
 * is a domain with a top-level domain or an IP address: `http://localhost` and `http://999.1.1.1`
 * are not reported. Three times faster than validator's isURL, with the parser browsers use.
 */
function isWebUrl(candidate: string): boolean {
  if (!URL.canParse(candidate)) return false;
  const { hostname } = new URL(candidate);
  return DOMAIN.test(hostname) || isIPv4(hostname) || (hostname.startsWith('[') && isIPv6(hostname.slice(1, -1)));
}

/** URLs with http, https or ftp, or starting `www.`, whose host is a domain with a TLD, or an IP. */
export const urlRecognizer: Recognizer = {
  types: ['URL'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(URL_CANDIDATE)) {
      tick();
      const url = trimUrl(match[0]);
      const hasScheme = !/^www\./i.test(url);
      if (url.length < 5 || !isWebUrl(hasScheme ? url : `http://${url}`)) continue;
      emit(match.index, match.index + url.length, 'URL', withContext(0.6, text, match.index, match.index + url.length, URL_CONTEXT));
    }
  },
};

/** Four dot-separated groups of digits that are not part of a longer dotted number (`1.2.3.4.5`). */
const IPV4_CANDIDATE = /\d(?<!(?:[\w.]|\d\.)\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g;

/**
 * Where an IPv6 address may be (the address is grown around it): `::`, or six colons with hex
 * groups between them, as every uncompressed form has — a time's two (12:30:45) or a MAC
 * address's five never start the slower growing.
 */
const IPV6_SEED = /:(?::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:)/g;

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** Words that, just before four dotted numbers, make them a version, not an address. */
const VERSION_BEFORE = /(?:^|[^\p{L}\p{N}_])(?:v|ver|version|versions|build|release|rel|rev|revision|firmware|fw|kb|update|patch|sdk|api)\.?\s*[:=#]?\s*$/iu;

/** IPv4 (node:net's isIPv4: no `999.1.1.1`, no leading zeros) and IPv6 (isIPv6, compressed forms and zones too). */
export const ipRecognizer: Recognizer = {
  types: ['IP_ADDRESS'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(IPV4_CANDIDATE)) {
      tick();
      const start = match.index;
      const end = start + match[0].length;
      if (!isIPv4(match[0]) || VERSION_BEFORE.test(text.slice(Math.max(0, start - 16), start))) continue;
      emit(start, end, 'IP_ADDRESS', withContext(0.6, text, start, end, IP_CONTEXT));
    }
    // Every two colons close together are grown into the hex groups, colons and dots around them (and a %zone).
    IPV6_SEED.lastIndex = 0;
    for (let seed = IPV6_SEED.exec(text); seed; seed = IPV6_SEED.exec(text)) {
      tick();
      let start = seed.index;
      while (start > 0 && (isHexCode(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === 58)) start--;
      let end = seed.index + 1;
      while (end < text.length && (isHexCode(text.charCodeAt(end)) || text.charCodeAt(end) === 58 || text.charCodeAt(end) === 46)) end++;
      // A sentence's full stop or a "host: addr:" colon after the address is not part of it.
      while (text.charCodeAt(end - 1) === 46 || (text.charCodeAt(end - 1) === 58 && text.charCodeAt(end - 2) !== 58)) end--;
      if (text.charCodeAt(end) === 37 /* %zone */) {
        const zone = /%[\w.-]*[\w-]/y;
        zone.lastIndex = end;
        if (zone.exec(text)) end = zone.lastIndex;
      }
      IPV6_SEED.lastIndex = Math.max(end, seed.index + 1);
      if (isWordCode(text.charCodeAt(start - 1)) || isWordCode(text.charCodeAt(end)) || text.charCodeAt(start - 1) === 46) continue;
      const candidate = text.slice(start, end);
      // A time (12:30:45) never passes isIPv6; a compressed pair of words (`ab::cd`) would, so a compressed form needs a digit.
      if (!isIPv6(candidate) || !/\d/.test(candidate)) continue;
      emit(start, end, 'IP_ADDRESS', withContext(0.6, text, start, end, IP_CONTEXT));
    }
  },
};

/**
 * Six hex pairs joined by `:` or `-` (the same one throughout), and Cisco's three dotted groups of
 * four: two patterns, as one alternation is twice as slow over hex-heavy logs. The look-behind
 * comes after the first character so that it runs only where a hex digit is.
 */
const MAC_CANDIDATES = [
  /[0-9A-Fa-f](?<![\w:.-][0-9A-Fa-f])[0-9A-Fa-f]([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w]|[:.-][0-9A-Fa-f])/g,
  /[0-9A-Fa-f](?<![\w:.-][0-9A-Fa-f])[0-9A-Fa-f]{3}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w]|[:.-][0-9A-Fa-f])/g,
];

/** MAC addresses; the all-zero and broadcast addresses identify no device, so they are not reported. */
export const macRecognizer: Recognizer = {
  types: ['MAC_ADDRESS'],
  scan(text, emit, { tick }) {
    for (const pattern of MAC_CANDIDATES) {
      for (const match of text.matchAll(pattern)) {
        tick();
        const hex = match[0].replace(/[:.-]/g, '').toLowerCase();
        if (hex === '000000000000' || hex === 'ffffffffffff') continue;
        const start = match.index;
        const end = start + match[0].length;
        emit(start, end, 'MAC_ADDRESS', withContext(0.6, text, start, end, MAC_CONTEXT));
      }
    }
  },
};
