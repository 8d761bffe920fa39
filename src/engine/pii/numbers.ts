/**
 * Numbers that identify a person or an account: card numbers (Luhn and issuer prefixes), IBANs
 * (country length and mod-97), US social security numbers (the ranges never issued refused) and
 * phone numbers (validated against the number plans of libphonenumber's full metadata). A number
 * that fails its check is never reported, however well it is formatted.
 */
import { electronicFormatIBAN, getCountrySpecifications, isValidIBAN } from 'ibantools';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import isCreditCard from 'validator/lib/isCreditCard';
import { AFTER, BEFORE, contextWords, hasContext, isWordCode, memoized, withContext, type Recognizer } from './scan';

const CARD_CONTEXT = contextWords(['credit', 'card', 'visa', 'mastercard', 'amex', 'american express', 'discover', 'diners', 'jcb', 'maestro', 'cc', 'debit', 'payment', 'pan']);
const IBAN_CONTEXT = contextWords(['iban', 'bank', 'account', 'acct', 'transfer', 'swift', 'bic', 'sepa', 'payee', 'beneficiary']);
const SSN_CONTEXT = contextWords(['ssn', 'ssns', 'ss#', 'social security', 'social sec', 'social security number', 'taxpayer', 'tin']);
const PHONE_CONTEXT = contextWords(['phone', 'telephone', 'tel', 'mobile', 'mob', 'cell', 'cellphone', 'fax', 'call', 'called', 'calling', 'contact', 'whatsapp', 'sms', 'text me', 'landline', 'ph', 'dial', 'number', 'hotline']);

/**
 * 13 to 19 digits, in groups joined by single spaces or dashes, not inside a longer number or
 * word. Every issuer's format starts with four digits together (4-4-4-4, Amex's 4-6-5, Diners'
 * 4-6-4, or none): asking for them first makes the pattern fail twice as fast on a log's dates.
 */
const CARD_CANDIDATE = /\d(?<!(?:[\w.]|\d[ -])\d)\d{3}(?:[ -]?\d){9,15}(?![\w]|[ -.]\d)/g;

/** Card numbers that pass validator's isCreditCard (known issuer prefix and length, Luhn), one separator throughout. */
export const cardRecognizer: Recognizer = {
  types: ['CREDIT_CARD'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(CARD_CANDIDATE)) {
      tick();
      const value = match[0];
      if (value.includes(' ') && value.includes('-')) continue;
      if (!isCreditCard(value.replace(/[ -]/g, ''))) continue;
      const start = match.index;
      const end = start + value.length;
      emit(start, end, 'CREDIT_CARD', withContext(0.8, text, start, end, CARD_CONTEXT));
    }
  },
};

/** The start of an IBAN: a country code, two check digits, and the first character of the account. */
const IBAN_START = /[A-Z](?<![\w][A-Z])[A-Z]\d\d ?[A-Z0-9]/g;

const COUNTRY_LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries(getCountrySpecifications())
    .filter(([, spec]) => typeof spec.chars === 'number' && spec.chars > 4)
    .map(([country, spec]) => [country, spec.chars as number]),
);

/**
 * The end of the IBAN that starts at `start` with the given length: its characters are read
 * together, or in groups of four with single spaces between (as IBANs are printed); undefined
 * when the text there is not one of those two shapes or goes on in the same word.
 */
function ibanEnd(text: string, start: number, length: number): number | undefined {
  const spaced = text.charCodeAt(start + 4) === 32;
  let read = 0;
  let i = start;
  while (read < length) {
    if (spaced && read > 0 && read % 4 === 0) {
      if (text.charCodeAt(i) !== 32) return undefined;
      i++;
    }
    const code = text.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 90))) return undefined;
    read++;
    i++;
  }
  return isWordCode(text.charCodeAt(i)) ? undefined : i;
}

/** IBANs of known countries, of exactly that country's length, whose mod-97 check ibantools confirms. */
export const ibanRecognizer: Recognizer = {
  types: ['IBAN_CODE'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(IBAN_START)) {
      tick();
      const start = match.index;
      const length = COUNTRY_LENGTHS.get(match[0].slice(0, 2));
      if (length === undefined) continue;
      const end = ibanEnd(text, start, length);
      if (end === undefined) continue;
      const iban = electronicFormatIBAN(text.slice(start, end));
      if (!iban || !isValidIBAN(iban)) continue;
      emit(start, end, 'IBAN_CODE', withContext(0.9, text, start, end, IBAN_CONTEXT));
    }
  },
};

/** AAA-GG-SSSS, with dashes, spaces or nothing between (the same throughout), not inside a longer number. */
const SSN_CANDIDATE = /(\d(?<!(?:[\w.]|\d[ -])\d)\d\d)([- ]?)(\d\d)\2(\d{4})(?![\w]|[ -.]\d)/g;

/** Numbers printed in advertisements and examples so often that they identify nobody. */
const FAKE_SSNS = new Set(['078051120', '219099999', '123456789']);

/** Whether a social security number could have been issued: no area 000, 666 or 900–999, no group 00, no serial 0000. */
export function isIssuableSsn(digits: string): boolean {
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !FAKE_SSNS.has(digits) && !/^(\d)\1{8}$/.test(digits);
}

/**
 * US social security numbers. Dashed, the shape is telling enough; spaced it is less so; nine
 * bare digits are reported only with a context word near (a random nine-digit number is not an SSN).
 */
export const ssnRecognizer: Recognizer = {
  types: ['US_SSN'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(SSN_CANDIDATE)) {
      tick();
      const [value, area, separator, group, serial] = match;
      if (!isIssuableSsn(area + group + serial)) continue;
      const start = match.index;
      const end = start + value.length;
      const near = hasContext(text, start, end, SSN_CONTEXT);
      if (separator === '' && !near) continue;
      const base = separator === '-' ? 0.5 : 0.4;
      emit(start, end, 'US_SSN', near ? Math.min(1, base + 0.35) : base);
    }
  },
};

/**
 * A number with its country code: `+`, digits, then more groups each after one separator (or in
 * brackets). Each group is all the digits there are, so the pattern cannot backtrack over ways to
 * split a long run of digits.
 */
const INTERNATIONAL_PHONE = /\+(?<![\w+]\+)\d+(?:[ .\-/]?\(\d+\)|[ .\-/]\d+)*(?!\w)/g;

/** A number in national format: groups of digits joined by single separators, the first maybe in brackets. */
const NATIONAL_PHONE = /(?:\((?<![\w+.\-/]\()\d{1,5}\)[ .-]?\d|\d(?<!(?:[\w+.\-/]|\d[ .-])\d))\d*(?:[ .-]\d+)*(?![\w]|[.\-/]\d)/g;

/** How many digits a string holds. */
function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) n++;
  }
  return n;
}

/**
 * The last group of a candidate after a space: only a space-separated group may be something
 * else that follows a number ("call 650 253 0000 2 times"); groups joined by `-`, `.` or `/` are
 * one token, and a valid number at its start ("3463-943101" of "3463-943101-41637") is not one.
 */
const LAST_GROUP = / +[^ ]*$/;

/** Four dot-separated groups of up to three digits: shaped as an IP address (valid or not), never a phone number. */
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Where a candidate continues the groups of an IBAN-like code ("NL63 WBEG 3367 8231 96"): not a number of its own. */
const AFTER_CODE_GROUPS = /\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4})+ $/;

/**
 * The longest leading part of a candidate, ending at a group, that is a valid number: candidate
 * patterns are greedy, and a number may be followed by other digits ("call 650 253 0000 2 times").
 */
function validPhone(candidate: string, valid: (value: string) => boolean): string | undefined {
  let value = candidate;
  for (let tries = 0; tries < 4; tries++) {
    const digits = digitCount(value);
    if (digits < 7) return undefined;
    if (digits <= 15 && valid(value)) return value;
    const shorter = value.replace(LAST_GROUP, '');
    if (shorter === value) return undefined;
    value = shorter;
  }
  return undefined;
}

/** The digits of a candidate: the library parses them a third faster than the number as written, with the same answer. */
function digitsOf(value: string): string {
  return value.replace(/\D+/g, '');
}

/** Whether a number with its country code is valid. */
const internationalPhone = memoized((digits) => parsePhoneNumberFromString(`+${digits}`, { extract: false })?.isValid() === true);

/** Whether `REGION:digits` is a valid number in that region's national format. */
const nationalPhone = memoized((key) => {
  const colon = key.indexOf(':');
  return parsePhoneNumberFromString(key.slice(colon + 1), { defaultCountry: key.slice(0, colon) as CountryCode, extract: false })?.isValid() === true;
});

/**
 * Phone numbers. Fast patterns find candidates; libphonenumber's full metadata then says whether
 * each is a number that can be dialled. A number with a country code that validates is reported
 * whatever surrounds it; a national-format one (read in `phoneRegion`) only with a context word
 * near, as most digit groups in a text are not phone numbers — and the context is looked at
 * first, because it is cheaper than the library.
 */
export const phoneRecognizer: Recognizer = {
  types: ['PHONE_NUMBER'],
  scan(text, emit, { tick, phoneRegion }) {
    const international = (value: string) => internationalPhone(digitsOf(value));
    const national = (value: string) => nationalPhone(`${phoneRegion}:${digitsOf(value)}`);
    for (const match of text.matchAll(INTERNATIONAL_PHONE)) {
      tick();
      const value = validPhone(match[0], international);
      if (value === undefined) continue;
      const start = match.index;
      const end = start + value.length;
      emit(start, end, 'PHONE_NUMBER', withContext(0.75, text, start, end, PHONE_CONTEXT));
    }
    // A national number needs a context word near: numbers are looked for only around those words,
    // which are rare, instead of at every run of digits (a log's timestamps, counters and ids).
    let scanned = 0;
    for (const word of text.matchAll(PHONE_CONTEXT_ALL)) {
      const from = Math.max(scanned, word.index - AFTER - LONGEST_NATIONAL);
      const to = word.index + word[0].length + BEFORE;
      NATIONAL_PHONE.lastIndex = from;
      let match = NATIONAL_PHONE.exec(text);
      for (; match && match.index < to; match = NATIONAL_PHONE.exec(text)) {
        tick();
        // Most numbers in a text are short; those are dropped before anything else is looked at.
        if (match[0].length < 7 || digitCount(match[0]) < 7 || DOTTED_QUAD.test(match[0])) continue;
        const start = match.index;
        if (AFTER_CODE_GROUPS.test(text.slice(Math.max(0, start - 40), start))) continue;
        if (!hasContext(text, start, start + match[0].length, PHONE_CONTEXT)) continue;
        const value = validPhone(match[0], national);
        if (value !== undefined) emit(start, start + value.length, 'PHONE_NUMBER', 0.95);
      }
      // The next word's numbers start after those already looked at (the one found past `to` included).
      scanned = match ? match.index : text.length;
    }
  },
};

/** {@link PHONE_CONTEXT} for finding every context word in a text. */
const PHONE_CONTEXT_ALL = new RegExp((PHONE_CONTEXT as RegExp).source, `${(PHONE_CONTEXT as RegExp).flags}g`);

/** Characters a national-format candidate may span before a context word after it (longer ones are not numbers). */
const LONGEST_NATIONAL = 64;
