import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sentences } from '../../src/engine/segment';
import { disposedAfterwards, fixtureOptions } from '../helpers';

/** The sentences of `text` as a reader splits them, each checked to be the text's exact slice. */
function split(text: string, locale = 'en'): string[] {
  const found = sentences(text, 0, text.length, locale);
  for (const s of found) assert.equal(text.slice(s.start, s.end), s.text);
  return found.map((s) => s.text);
}

test('titles and Latin abbreviations do not end a sentence', () => {
  assert.deepEqual(split('Dr. Smith met Mr. Jones and Mrs. Brown at St. Paul. They talked.'), ['Dr. Smith met Mr. Jones and Mrs. Brown at St. Paul.', 'They talked.']);
  assert.deepEqual(split('Some cities, e.g. Paris, are old; i.e. Rome too. Others are new.'), ['Some cities, e.g. Paris, are old; i.e. Rome too.', 'Others are new.']);
});

test('initials do not end a sentence: John F. Kennedy, C. J. Anderson', () => {
  assert.deepEqual(split('John F. Kennedy was elected in 1960. C. J. Anderson led the team.'), ['John F. Kennedy was elected in 1960.', 'C. J. Anderson led the team.']);
});

test('U.S. goes on before a name and ends before a word that starts sentences', () => {
  assert.deepEqual(split('He joined the U.S. Senate in 1953. He moved to the U.S. It was cold.'), ['He joined the U.S. Senate in 1953.', 'He moved to the U.S.', 'It was cold.']);
});

test('a single capital at a real end still ends the sentence before a sentence starter', () => {
  assert.deepEqual(split('She takes vitamin C. Then she runs.'), ['She takes vitamin C.', 'Then she runs.']);
});

test('decimals and ellipses', () => {
  assert.deepEqual(split('It costs 3.5 dollars. That is cheap.'), ['It costs 3.5 dollars.', 'That is cheap.']);
  // An ellipsis standing apart marks words left out; one that trails off a word ends the sentence.
  assert.deepEqual(split('He said ... Kennedy was right. Wait... What?'), ['He said ... Kennedy was right.', 'Wait...', 'What?']);
  assert.deepEqual(split('Well… maybe later. Fine.'), ['Well… maybe later.', 'Fine.']);
});

test('ordinary ends still end, and an abbreviation never joins lines', () => {
  assert.deepEqual(split('It rained. We stayed in! Did you? Yes.'), ['It rained.', 'We stayed in!', 'Did you?', 'Yes.']);
  assert.deepEqual(split('Written by Dr.\nSmith is here.'), ['Written by Dr.', 'Smith is here.']);
});

test("other languages use CLDR's list for their language", () => {
  assert.deepEqual(split('Er kam z.B. Montag. Dann ging er.', 'de'), ['Er kam z.B. Montag.', 'Dann ging er.']);
  // English's list is not German's: "z.B." is not an English abbreviation.
  assert.equal(split('Er kam z.B. Montag. Dann ging er.', 'en').length, 3);
});

const engine = disposedAfterwards();

test('sentiment scores the sentences a reader sees, on the planted fixture model', async () => {
  const text = 'Dr. Bad met John F. Kennedy in the U.S. Senate and it was wonderful. The food was terrible.';
  const result = await engine(fixtureOptions()).sentiment({ text, neutralBand: 0.1 });
  assert.deepEqual(
    result.sentences.map((s) => [s.text, s.label]),
    [
      // Cut at "Dr." the first piece would be NEGATIVE ("Bad") and the rest POSITIVE.
      ['Dr. Bad met John F. Kennedy in the U.S. Senate and it was wonderful.', 'NEUTRAL'],
      ['The food was terrible.', 'NEGATIVE'],
    ],
  );
});
