/**
 * How often sentences are cut where a reader would not cut them, on real text: SQuAD v1.1's
 * Wikipedia paragraphs, split by `Intl.Segmenter` alone (UAX #29) and by src/engine/segment.ts
 * (UAX #29 less the breaks src/engine/sentenceBreaks.ts removes), side by side in the same run.
 *
 *   npx tsx bench/sentenceBreaks.ts PATH/TO/dev-v1.1.json[.zip] [--samples 20]
 *
 * A .zip is read with `unzip -p`. A break is counted as **bad** when the piece before it ends in
 * - a title (Mr., Dr., St., Gen., …) or a Latin abbreviation (e.g., i.e., cf., vs.), followed by
 *   anything: a title is followed by its name and an example by the example; or
 * - an initial (one capital letter and a period, "F.") followed by a capitalised word that is not
 *   a pronoun, an article or "In"/"This"/"There" (those begin a new sentence: "…World War I. The").
 * Breaks after abbreviations that may end a sentence (U.S., etc., Inc., Co., Ltd.) are counted
 * apart as **ambiguous**: whether they are bad needs a reader. `--samples N` prints N of each kind
 * of break and of the breaks removed, to check the definitions by eye.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sentences } from '../src/engine/segment';

const TITLES = new Set('Mr. Mrs. Ms. Dr. Prof. St. Mt. Gen. Gov. Sen. Rep. Rev. Capt. Col. Lt. Sgt. Fr. Pres. Adm. Maj.'.split(' '));
const LATIN = new Set('e.g. i.e. cf. vs. viz. E.g. I.e.'.split(' '));
const AMBIGUOUS = new Set('U.S. etc. Inc. Co. Ltd. Corp. Jr. Sr. U.K. U.N.'.split(' '));
const NEW_SENTENCE = new Set('The A An He She It They We I In This These There His Her Their Its'.split(' '));

type Kind = 'bad' | 'ambiguous' | 'fine';

/** What kind of break ends `piece` (trimmed), with `next` the words after it. */
function breakKind(piece: string, next: string): Kind {
  const last = /(\S+)$/.exec(piece)?.[1].replace(/^[("'“‘[]+/, '') ?? '';
  const nextWord = /^[("'“‘[]*([^\s.,;:!?)"'”’\]]+)/.exec(next)?.[1] ?? '';
  if (TITLES.has(last) || LATIN.has(last)) return 'bad';
  if (AMBIGUOUS.has(last)) return 'ambiguous';
  if (/^\p{Lu}\.$/u.test(last) && /^\p{Lu}/u.test(nextWord) && !NEW_SENTENCE.has(nextWord)) return 'bad';
  return 'fine';
}

interface Tally {
  sentences: number;
  bad: number;
  ambiguous: number;
  samples: Record<Exclude<Kind, 'fine'>, string[]>;
}

function tally(paragraphs: readonly string[], split: (text: string) => string[]): Tally {
  const result: Tally = { sentences: 0, bad: 0, ambiguous: 0, samples: { bad: [], ambiguous: [] } };
  for (const text of paragraphs) {
    const pieces = split(text);
    result.sentences += pieces.length;
    pieces.forEach((piece, i) => {
      if (i + 1 === pieces.length) return;
      const kind = breakKind(piece, pieces[i + 1]);
      if (kind === 'fine') return;
      result[kind]++;
      result.samples[kind].push(`…${piece.slice(-50)} ‖ ${pieces[i + 1].slice(0, 40)}…`);
    });
  }
  return result;
}

function squadParagraphs(path: string): string[] {
  const json = path.endsWith('.zip') ? execFileSync('unzip', ['-p', path], { maxBuffer: 1 << 28, encoding: 'utf8' }) : readFileSync(path, 'utf8');
  const data = JSON.parse(json) as { data: Array<{ paragraphs: Array<{ context: string }> }> };
  return data.data.flatMap((article) => article.paragraphs.map((p) => p.context));
}

/** `n` items spread evenly over `items` (the same ones every run). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { samples: { type: 'string', default: '0' } } });
if (positionals.length !== 1) {
  console.error('Usage: npx tsx bench/sentenceBreaks.ts PATH/TO/dev-v1.1.json[.zip] [--samples N]');
  process.exit(2);
}
const paragraphs = squadParagraphs(positionals[0]);
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const before = tally(paragraphs, (text) => [...segmenter.segment(text)].map((s) => s.segment.trim()).filter(Boolean));
const after = tally(paragraphs, (text) => sentences(text).map((s) => s.text));

const per1000 = (n: number, of: number) => ((1000 * n) / of).toFixed(1);
console.log(`SQuAD contexts: ${paragraphs.length.toLocaleString('en')} paragraphs, ${paragraphs.reduce((n, p) => n + p.length, 0).toLocaleString('en')} characters`);
console.log('splitter              sentences   bad breaks (per 1000)   ambiguous (per 1000)');
for (const [name, t] of [
  ['Intl.Segmenter alone', before],
  ['segment.ts', after],
] as const) {
  console.log(`${name.padEnd(20)} ${String(t.sentences).padStart(10)}   ${String(t.bad).padStart(6)} (${per1000(t.bad, t.sentences).padStart(5)})        ${String(t.ambiguous).padStart(5)} (${per1000(t.ambiguous, t.sentences).padStart(5)})`);
}
console.log(`Breaks removed: ${before.sentences - after.sentences}`);

const samples = Number(values.samples);
if (samples > 0) {
  const show = (title: string, lines: string[]) => {
    console.log(`\n${title}:`);
    for (const line of spread(lines, samples)) console.log(`  ${line}`);
  };
  show('Bad breaks left by segment.ts', after.samples.bad);
  show('Ambiguous breaks left by segment.ts', after.samples.ambiguous);
  // The breaks segment.ts removed: the sentences it made that Intl.Segmenter cut in two.
  const joined: string[] = [];
  for (const text of paragraphs) {
    const cuts = new Set([...segmenter.segment(text)].map((s) => s.index));
    for (const s of sentences(text)) {
      for (let at = s.start + 1; at < s.end; at++) if (cuts.has(at)) joined.push(`…${text.slice(Math.max(s.start, at - 40), at)}‖${text.slice(at, at + 30)}…`);
    }
  }
  show('Breaks removed by segment.ts', joined);
}
