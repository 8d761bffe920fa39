/**
 * Dates (and ISO date-times), reported only when DATE_TIME is asked for: most dates in a text are
 * not personal, a birthday is. Each must be a day the calendar has (no 31 April, 29 February only
 * in leap years).
 */
import { contextWords, withContext, type Recognizer } from './scan';

const DATE_CONTEXT = contextWords(['date', 'born', 'birth', 'birthday', 'dob', 'd.o.b', 'birthdate', 'died', 'deceased', 'admitted', 'discharged', 'expires', 'expiry']);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';

/** 2024-03-14, maybe with a time (T or space, seconds, fraction, Z or an offset). */
const ISO_DATE = /(\d(?<![\w.:/-]\d)\d{3})-(\d{2})-(\d{2})(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?(?![\w]|[-:/.]\d)/g;
/** 03/14/2024 or 14/03/2024 (either order, when the calendar allows), 14.03.2024, 3/14/24. */
const NUMERIC_DATE = /(\d(?<![\w.:/-]\d)\d?)([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w]|[-:/.]\d)/g;
/** 14 March 2024, 14th Mar. 2024. */
const DAY_MONTH_YEAR = new RegExp(`(\\d(?<!\\w\\d)\\d?)(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})(?!\\w)`, 'gi');
/** March 14, 2024, Mar 14th 2024. */
const MONTH_DAY_YEAR = new RegExp(`(?<![\\w])${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\w)`, 'gi');

/** Whether year-month-day is a day of the Gregorian calendar (years 1000–2999, to leave other numbers alone). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1000 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A two-digit year as people mean it: up to 30 years ahead of 2000, else the 1900s. */
function fullYear(text: string): number {
  const year = Number(text);
  return text.length === 2 ? (year <= 30 ? 2000 + year : 1900 + year) : year;
}

function monthNumber(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

export const dateRecognizer: Recognizer = {
  types: ['DATE_TIME'],
  scan(text, emit, { tick }) {
    const report = (start: number, length: number) => emit(start, start + length, 'DATE_TIME', withContext(0.6, text, start, start + length, DATE_CONTEXT));
    for (const match of text.matchAll(ISO_DATE)) {
      tick();
      if (isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) report(match.index, match[0].length);
    }
    for (const match of text.matchAll(NUMERIC_DATE)) {
      tick();
      const [value, first, separator, second, year] = match;
      // Two-digit years only with slashes: 1.2.24 is more often a version than a date.
      if (year.length === 2 && separator !== '/') continue;
      const y = fullYear(year);
      if (isCalendarDate(y, Number(first), Number(second)) || isCalendarDate(y, Number(second), Number(first))) report(match.index, value.length);
    }
    for (const match of text.matchAll(DAY_MONTH_YEAR)) {
      tick();
      if (isCalendarDate(Number(match[3]), monthNumber(match[2]), Number(match[1]))) report(match.index, match[0].length);
    }
    for (const match of text.matchAll(MONTH_DAY_YEAR)) {
      tick();
      if (isCalendarDate(Number(match[3]), monthNumber(match[1]), Number(match[2]))) report(match.index, match[0].length);
    }
  },
};
