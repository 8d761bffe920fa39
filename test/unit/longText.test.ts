/**
 * Long texts are tokenized a piece at a time (src/engine/windowStream.ts) so that a request's memory
 * stays bounded; the windows must be exactly those of tokenizing each text whole — the same ids,
 * offsets, word boundaries and overlaps — or results would move. Texts mixing what tokenizers
 * treat specially (CJK, Hangul, emoji and ZWJ sequences, decomposed accents and Zalgo marks,
 * Devanagari's spacing marks, typed `[CLS]`, symbols glued to words, control characters, every
 * kind of space and line break, words longer than WordPiece's limit), cut wherever the pieces fall.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { paragraphSpans, sentences } from '../../src/engine/segment';
import { MAX_TOPIC_SCORES } from '../../src/engine/topics';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { nliLayout, readCuts, streamedPairWindows, streamedWindows, unitStretches, unitWindows, type Cuts } from '../../src/engine/windowStream';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';
import { seededRandom } from '../seededRandom';

const PIECES = [
  'word', 'Paris', ' ', ' ', ' ', '\n', '\n\n', '\r\n', '\t', '.', ',', '!', '(', '東京', 'は', '한국어', '😀', '👩‍👩‍👧', 'e\u0301', '\u0301',
  'नमस्ते', 'राम', '[CLS]', '[MASK]', '[mask]', '\u00a0', '\u2028', '\u3000', '\f', '\u0085', '\u200d', '\u0000', '1998', '™', '→Berlin',
  'Zalgo\u0300\u0301\u0302\u0303\u0304\u0305\u0306', 'ǆ', '#️⃣', '‼', '$$', 'x'.repeat(150),
  // Longer than a piece with nowhere to cut: read as long words.
  'a'.repeat(1500), '한'.repeat(1300), '😀'.repeat(700), 'a😀'.repeat(600), `a${'\u200d'.repeat(1500)}b`, `ab${'\u0301'.repeat(1100)}`, 'x™'.repeat(800),
];

/** A seeded text of at least `length` characters made of those pieces. */
function hostileText(seed: number, length: number): string {
  const next = seededRandom(seed);
  let text = '';
  while (text.length < length) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const texts = SEEDS.map((seed) => hostileText(seed, 2_000 + seed * 1_500));

describe('a long text tokenized piece by piece', () => {
  let tokenizer: TextTokenizer;
  let cuts: Cuts;
  before(async () => {
    const file = join(fixtureModels(), 'entities', 'tokenizer.json');
    tokenizer = await TextTokenizer.load(file, 512);
    cuts = (await readCuts(file)) as Cuts;
  });

  test('the fixture (BERT) tokenizer may be cut, at its added tokens never', () => {
    assert.ok(cuts);
    assert.ok(cuts.protect.includes('[cls]'));
    assert.equal(cuts.unknown, '[UNK]');
  });

  test('gives the windows of the text tokenized whole, for any stride', async () => {
    for (const [i, text] of texts.entries()) {
      for (const stride of [0, 64, 128]) {
        const [whole] = await tokenizer.windows([text], stride);
        assert.deepEqual(await collect(streamedWindows(tokenizer, text, stride, cuts)), whole, `text ${i}, stride ${stride}`);
      }
    }
  });

  test('gives the question-answering windows of the context tokenized whole', async () => {
    for (const [i, text] of texts.entries()) {
      const streamed = await streamedPairWindows(tokenizer, 'When was the tower built?', text, 128, 64, cuts);
      assert.ok(streamed);
      assert.deepEqual(await collect(streamed), await tokenizer.pairWindows('When was the tower built?', text, 128, 64), `text ${i}`);
    }
  });

  test('gives the premise/hypothesis pairs of the premise tokenized whole, long hypotheses too', async () => {
    const hypotheses = ['This text is about sports.', `This text is about ${'a long label of many words '.repeat(8)}.`];
    const layout = await nliLayout(tokenizer, hypotheses, 64);
    assert.ok(layout);
    for (const [i, text] of texts.entries()) {
      const whole = await tokenizer.premiseHypothesisPairs(text, hypotheses, 64);
      const units = [{ unit: 0, text, end: text.length }];
      assert.deepEqual((await collect(unitStretches(tokenizer, layout, units, 64, cuts))).flatMap((s) => s.window), whole, `text ${i}, in pieces`);
      assert.deepEqual((await collect(unitStretches(tokenizer, layout, units, 64, null))).flatMap((s) => s.window), whole, `text ${i}, whole`);
    }
  });

  test('words longer than a window, and text of nothing but what the normaliser deletes', async () => {
    // Devanagari's vowel sign ा is a spacing mark, a token of its own: where a window ends on the consonant before it, that token takes the mark in.
    const devanagari = Array.from({ length: 400 }, (_, i) => 'रा'.repeat(7 + (i % 7)) + (i % 3 ? '' : 'र')).join(' ');
    for (const text of [devanagari, `${'한'.repeat(5000)} end`, `x${'😀'.repeat(3000)}Paris`, '\u200d'.repeat(3000), `Berlin${'ab\u0301'.repeat(2000)}`, 'é'.repeat(3000), '', ' ', '\f\f']) {
      const [whole] = await tokenizer.windows([text], 128);
      assert.deepEqual(await collect(streamedWindows(tokenizer, text, 128, cuts)), whole, JSON.stringify(text.slice(0, 12)));
    }
  });

  test('many texts, short and long, give each its own windows, in order', async () => {
    const units = [...texts.slice(0, 4), 'Short one.', '', 'Angela Merkel in Paris.', ...texts.slice(4, 6)].map((text, unit) => ({ unit, text, end: text.length }));
    const streamed = await collect(unitWindows(tokenizer, units, 128, cuts));
    for (const unit of units) {
      const [whole] = await tokenizer.windows([unit.text], 128);
      const mine = streamed.filter((w) => w.unit === unit.unit);
      assert.deepEqual(mine.map((w) => w.window), whole, `unit ${unit.unit}`);
      assert.deepEqual(mine.map((w) => w.last), whole.map((_, i) => i === whole.length - 1));
    }
  });
});

test('a tokenizer other than BERT’s is never cut: its texts are tokenized whole', async (t) => {
  const json = JSON.parse(readFileSync(join(fixtureModels(), 'entities', 'tokenizer.json'), 'utf8')) as { pre_tokenizer: unknown };
  json.pre_tokenizer = { type: 'Whitespace' };
  const file = join(tempDir(t), 'tokenizer.json');
  writeFileSync(file, JSON.stringify(json));
  assert.equal(await readCuts(file), null);
  const broken = join(tempDir(t), 'tokenizer.json');
  copyFileSync(join(fixtureModels(), 'entities', 'config.json'), broken);
  assert.equal(await readCuts(broken), null, 'a file that is not a tokenizer.json: no cuts');
});

describe('a long paragraph of many lines, segmented a part at a time', () => {
  const engine = disposedAfterwards();

  test('has the sentences of the paragraph segmented whole', async () => {
    const lines = ['A good day.', 'Two sentences. On one line!', '😀', ' 😀 ', 'Great! 😀', '…', 'é\u0301 is it?', 'Ok'];
    const next = seededRandom(7);
    const endings = ['\n', '\r\n', '\r'];
    let text = '';
    while (text.length < 300_000) text += lines[Math.floor(next() * lines.length)] + endings[Math.floor(next() * endings.length)];
    assert.equal(paragraphSpans(text).length, 1, 'one paragraph');
    const result = await engine(fixtureOptions()).sentiment({ text, neutralBand: 0.1 });
    assert.deepEqual(
      result.sentences.map(({ start, end, text: sentence }) => ({ start, end, text: sentence })),
      sentences(text, 0, text.length),
    );
  });
});

describe('topics: a request returns at most MAX_TOPIC_SCORES section scores', () => {
  const engine = disposedAfterwards();

  test('more sections × labels than that is refused at once, saying how many and what to do', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => `label ${i}`);
    const sections = Math.floor(MAX_TOPIC_SCORES / labels.length) + 1;
    // Each section with a word of prose: a heading alone has nothing to classify and is left out.
    const text = '# a\nb\n'.repeat(sections);
    await assert.rejects(
      engine(fixtureOptions()).topics({ text, labels, multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'markdown' }),
      (error: unknown) => {
        assert.ok(error instanceof EngineError && error.code === 'bad-input', String(error));
        assert.match(error.message, new RegExp(`^Scoring ${sections.toLocaleString('en')} sections against 40 labels makes [\\d,]+ scores, more than the ${MAX_TOPIC_SCORES.toLocaleString('en')} one request returns: classify a part of the document, or fewer labels\\.$`));
        return true;
      },
    );
  });
});
