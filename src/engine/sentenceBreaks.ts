/**
 * Where UAX #29 ends a sentence and a reader does not: after a title ("Dr. Smith"), an
 * abbreviation ("e.g. Paris", "the U.S. Senate"), an initial ("John F. Kennedy", "C. J. Anderson")
 * or an ellipsis marking an omission ("he said … Kennedy"). `Intl.Segmenter` breaks at every
 * period followed by a space and a capital; ICU would filter those breaks with CLDR's suppression
 * lists when asked with `-u-ss-standard`, but V8 drops that extension (Node 20 and 22: the
 * resolved locale loses it and the breaks stay), so the same lists are applied here, per language.
 *
 * CLDR's English list lacks the commonest titles and Latin abbreviations (Dr., St., e.g., i.e.,
 * etc.), so English adds its own. Some abbreviations also end sentences ("…moved to the U.S. He
 * then…", "…founded Apple Inc. It grew"): in English such a break is kept when the next word is
 * one that starts sentences (a pronoun, an article, a conjunction…); titles and Latin
 * abbreviations always go on. Other languages follow CLDR's lists as ICU does: no break after them.
 * Decimals ("3.5") and an ellipsis before a lower-case word never break in UAX #29 already.
 * Measured on SQuAD's Wikipedia text by bench/sentenceBreaks.ts.
 *
 * Two breaks UAX #29 makes in any language are also undone: after a quotation's own terminator
 * and closing quote when the sentence goes on at once, without a space (「行きます！」と答えた。),
 * and, in the languages that write ordinals with a full stop (German, the Nordic and most Slavic
 * languages…), after a day before a month ("am 3. Mai"), the month names being ICU's own.
 */
import de from 'cldr-segments-full/segments/de/suppressions.json';
import en from 'cldr-segments-full/segments/en/suppressions.json';
import es from 'cldr-segments-full/segments/es/suppressions.json';
import fr from 'cldr-segments-full/segments/fr/suppressions.json';
import it from 'cldr-segments-full/segments/it/suppressions.json';
import pt from 'cldr-segments-full/segments/pt/suppressions.json';
import ru from 'cldr-segments-full/segments/ru/suppressions.json';

/** CLDR's segments/<language>/suppressions.json: the languages that have a list of sentence-break suppressions. */
interface CldrSuppressions {
  segments: { segmentations: { SentenceBreak: { standard: Array<{ suppression: string }> } } };
}

const CLDR: Record<string, CldrSuppressions> = { de, en, es, fr, it, pt, ru };

/** English words after which a sentence always goes on: titles before a name, Latin abbreviations before an example. */
const ENGLISH_ALWAYS = new Set(
  [
    'Mr.', 'Mrs.', 'Ms.', 'Messrs.', 'Dr.', 'Prof.', 'Mt.', 'Ft.', 'Rev.', 'Hon.', 'Fr.', 'Sgt.', 'Capt.', 'Col.', 'Lt.', 'Gen.',
    'Gov.', 'Sen.', 'Rep.', 'Pres.', 'Adm.', 'Cmdr.', 'Maj.', 'Cpl.', 'Pvt.', 'Supt.', 'Insp.',
    'e.g.', 'E.g.', 'i.e.', 'I.e.', 'cf.', 'Cf.', 'vs.', 'viz.', 'approx.',
  ],
);

/** English abbreviations that may also end a sentence: the break is kept before a word that starts sentences. */
// "p." and "c." are also a variable ("divisible by p. Moreover"), "St." a street ("on 81st St. A friend…").
const ENGLISH_MAYBE = [
  'St.',
  'etc.', 'Inc.', 'Ltd.', 'Co.', 'Corp.', 'Bros.', 'Jr.', 'Sr.', 'Ave.', 'Blvd.', 'Rd.', 'a.m.', 'p.m.', 'Jan.', 'Feb.', 'Aug.', 'Sept.', 'Oct.', 'Nov.', 'Dec.',
  'ca.', 'c.', 'fl.', 'No.', 'Nos.', 'Vol.', 'Fig.', 'pp.', 'p.',
];

/**
 * Words that start English sentences far more often than they follow an abbreviation inside one.
 * After "…the U.S." or an initial, one of these says a new sentence begins ("…in the U.S. It was").
 */
const SENTENCE_STARTERS = new Set(
  (
    'A An The This That These Those It Its He She They We I You His Her Their Our My Your There Here ' +
    'In On At By For From With Within Without After Before During Until Upon Into Over Under Between Among Through Throughout ' +
    'However But And Or Nor So Yet Then Thus Hence Therefore Also Still Instead Meanwhile Moreover Furthermore Nevertheless ' +
    'As If When While Whilst Although Though Since Because Once Unless Whereas Where What Which Who Whom Whose Why How ' +
    'Some Many Most Much More Few All Each Every Both Either Neither Another Other Such No Not None Several Any ' +
    'One Two Three Four Five Six Seven Eight Nine Ten Today Later Finally First Second Third Despite Following According ' +
    'Like Unlike To Of Do Does Did Is Are Was Were Has Have Had Can Could Will Would Should May Might Must Let'
  ).split(' '),
);

/** A whole word of initials: "F.", "J.K.", "U.S.", "U.S.A.". */
const INITIALS = /^(?:\p{Lu}\.)+$/u;
const ELLIPSIS = /(?:\.\.\.|…)$/u;
/** Opening quotes and brackets around a word: «"(Dr.» is the word "Dr.". */
const OPENERS = /^[\p{Ps}\p{Pi}"'«]+/u;
const CLOSERS = /[\p{Pe}\p{Pf}"'»]+$/u;
const LINE_BREAK = /[\n\r\u0085\u2028\u2029\v\f]/;

/** A sentence terminator (any script's: `.!?。！？` and the like) and the closing quotes or brackets after it. */
const QUOTED_END = /\p{Sentence_Terminal}[\p{Pe}\p{Pf}"'»」』]+$/u;

/** Languages that write an ordinal number with a full stop ("3. Mai", "3. maj", "3. toukokuuta"). */
const ORDINAL_DOT = new Set(['de', 'da', 'nb', 'nn', 'no', 'fi', 'cs', 'sk', 'sl', 'hr', 'sr', 'bs', 'hu', 'et', 'lv', 'is', 'fo', 'tr']);
const monthsByLanguage = new Map<string, ReadonlySet<string> | undefined>();
/**
 * The month names of an ordinal-dot language, lower case, in the forms ICU writes after a day
 * ("3. Mai", "3. května"), from the runtime's own CLDR data: no list kept here.
 */
function monthsOf(locale: string): ReadonlySet<string> | undefined {
  const language = locale.split(/[-_]/)[0].toLowerCase();
  if (!monthsByLanguage.has(language)) {
    let months: Set<string> | undefined;
    if (ORDINAL_DOT.has(language)) {
      months = new Set();
      for (let month = 0; month < 12; month++) {
        const date = new Date(Date.UTC(2020, month, 3));
        for (const options of [{ month: 'long' }, { month: 'long', day: 'numeric' }, { month: 'short' }] as const) {
          for (const part of new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).formatToParts(date)) {
            if (part.type === 'month') months.add(part.value.replace(/\.$/, '').toLocaleLowerCase(locale));
          }
        }
      }
    }
    monthsByLanguage.set(language, months);
  }
  return monthsByLanguage.get(language);
}

interface Rules {
  always: ReadonlySet<string>;
  maybe: ReadonlySet<string>;
  /** Undefined: a word that may end a sentence never does (as ICU's filter, for languages without a list of starters). */
  starters?: ReadonlySet<string>;
}

const rulesByLanguage = new Map<string, Rules>();
function rulesFor(locale: string): Rules {
  const language = locale.split(/[-_]/)[0].toLowerCase();
  let rules = rulesByLanguage.get(language);
  if (!rules) {
    const cldr = (CLDR[language]?.segments.segmentations.SentenceBreak.standard ?? []).map((entry) => entry.suppression);
    rules =
      language === 'en'
        ? { always: ENGLISH_ALWAYS, maybe: new Set([...cldr, ...ENGLISH_MAYBE].filter((word) => !ENGLISH_ALWAYS.has(word))), starters: SENTENCE_STARTERS }
        : { always: new Set(cldr), maybe: new Set() };
    rulesByLanguage.set(language, rules);
  }
  return rules;
}

/**
 * Whether the sentence `text.slice(from, at)` that UAX #29 ends at `at` goes on past it for a
 * reader: it ends in a title, an abbreviation, an initial or a spaced ellipsis, and the next word
 * (before `end`) is on the same line. `at` is where the next sentence would start (UAX #29 keeps
 * the spaces after a sentence in it).
 */
export function keepsSentenceGoing(text: string, from: number, at: number, end: number, locale: string): boolean {
  let last = at;
  while (last > from && /\s/.test(text[last - 1])) last--;
  if (LINE_BREAK.test(text.slice(last, at))) return false;
  // 「行きます！」と答えた。: a quotation's own full stop, its closing quote, and the sentence goes
  // on at once, without a space (UAX #29 breaks after any terminator and its closing quotes).
  if (last === at && QUOTED_END.test(text.slice(Math.max(from, at - 8), at)) && /^\p{L}/u.test(text.slice(at, at + 2))) return true;
  const nextWord = /^\S+/.exec(text.slice(at, Math.min(end, at + 64)))?.[0].replace(OPENERS, '').replace(CLOSERS, '');
  if (!nextWord) return false;
  const before = text.slice(Math.max(from, last - 64), last);
  const lastToken = (/(?:^|\s)(\S+)$/.exec(before)?.[1] ?? '').replace(OPENERS, '');
  if (!lastToken.endsWith('.') && !lastToken.endsWith('…')) return false;
  // "he said … Kennedy": an ellipsis standing apart marks words left out, inside the sentence;
  // one ending a word ("Wait... What?") trails off, and the sentence ends there.
  if (ELLIPSIS.test(lastToken)) return lastToken === '...' || lastToken === '…';
  const rules = rulesFor(locale);
  if (rules.always.has(lastToken)) return true;
  // "am 3. Mai": an ordinal before a month, in the languages that write ordinals with a full stop.
  if (/^\d{1,2}\.$/.test(lastToken) && monthsOf(locale)?.has(nextWord.replace(/[^\p{L}]+$/u, '').toLocaleLowerCase(locale))) return true;
  if (!INITIALS.test(lastToken) && !rules.maybe.has(lastToken)) return false;
  // "…moved to the U.S. It was": a word that starts sentences after one that may end a sentence ends it.
  const bare = nextWord.replace(/[^\p{L}\p{N}]+$/u, '');
  return rules.starters === undefined || !rules.starters.has(bare);
}
