import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SentimentResult } from '../../src/protocol';
import { disposedAfterwards, fixtureOptions } from '../helpers';

// The fixture sentiment model plants: more positive than negative words → POSITIVE ≥ 0.9,
// more negative → NEGATIVE ≥ 0.9, equal counts → within 0.05 of 0.5 (NEUTRAL with the default band).

const engine = disposedAfterwards();

function assertExactSpans(text: string, result: SentimentResult): void {
  for (const s of [...result.sentences, ...result.paragraphs]) {
    assert.equal(text.slice(s.start, s.end), s.text, `span [${s.start}, ${s.end})`);
  }
}

function labelOf(result: SentimentResult, sentence: string): string {
  const found = result.sentences.find((s) => s.text === sentence);
  assert.ok(found, `no sentence ${JSON.stringify(sentence)} in ${JSON.stringify(result.sentences.map((s) => s.text))}`);
  return found.label;
}

const DOCUMENT = [
  '# Review of the new café',
  '',
  'The coffee was excellent and the staff were wonderful. I love this place. The tables are made of oak.',
  '',
  'Sadly the parking was terrible. The music was awful and the chairs were bad.',
  '',
  'Good food, bad service.',
].join('\n');

describe('sentiment on the planted fixture model', () => {
  for (const precision of ['fp32', 'int8'] as const) {
    test(`labels every sentence of a multi-paragraph document (${precision})`, async () => {
      const result = await engine(fixtureOptions({ precision })).sentiment({ text: DOCUMENT, neutralBand: 0.1 });
      assert.equal(result.model.precision, precision);
      assert.equal(result.paragraphs.length, 4);
      assert.equal(labelOf(result, 'The coffee was excellent and the staff were wonderful.'), 'POSITIVE');
      assert.equal(labelOf(result, 'I love this place.'), 'POSITIVE');
      assert.equal(labelOf(result, 'The tables are made of oak.'), 'NEUTRAL');
      assert.equal(labelOf(result, 'Sadly the parking was terrible.'), 'NEGATIVE');
      assert.equal(labelOf(result, 'The music was awful and the chairs were bad.'), 'NEGATIVE');
      assert.equal(labelOf(result, 'Good food, bad service.'), 'NEUTRAL');
      for (const s of result.sentences.filter((s) => s.label !== 'NEUTRAL')) assert.ok(s.score >= 0.9, `${s.text}: ${s.score}`);
      assert.equal(result.paragraphs[1].label, 'POSITIVE');
      assert.equal(result.paragraphs[2].label, 'NEGATIVE');
      assert.equal(result.device.used, 'cpu');
      assertExactSpans(DOCUMENT, result);
    });
  }

  test('planted words count only as whole words', async () => {
    const result = await engine(fixtureOptions()).sentiment({ text: 'The goodness of badminton.\n\nA good day.', neutralBand: 0.1 });
    assert.equal(labelOf(result, 'The goodness of badminton.'), 'NEUTRAL');
    assert.equal(labelOf(result, 'A good day.'), 'POSITIVE');
  });

  test('the neutral band is the caller’s: 0 never says NEUTRAL', async () => {
    const result = await engine(fixtureOptions()).sentiment({ text: 'The tables are made of oak.', neutralBand: 0 });
    assert.notEqual(result.sentences[0].label, 'NEUTRAL');
    assert.ok(Math.abs(result.sentences[0].positive - 0.5) <= 0.05);
  });

  test('every reported text equals the document slice at its offsets, whatever the characters', async () => {
    const documents = [
      '😀😀 Great start! 👩‍👩‍👧‍👦 The family was happy.\n\n🎉 Terrible ending 😞.',
      '東京はとても良い街です。This is great. 北京 was awful.',
      'Cafe\u0301 de\u0301ja\u0300 vu was wonderful. Ångström is bad.',
      'Line one is good.\r\nLine two is bad.\r\n\r\nParagraph two is excellent.\r\n',
      `${'x'.repeat(5000)} great ${'y'.repeat(5000)}. ${'word '.repeat(3000)}terrible.`,
      '\uFEFFA byte-order mark, then good news.\u2028And a line separator, then awful news.',
    ];
    const sentiment = engine(fixtureOptions());
    for (const text of documents) {
      const result = await sentiment.sentiment({ text, neutralBand: 0.1 });
      assert.ok(result.sentences.length > 0);
      assertExactSpans(text, result);
    }
    const emoji = await sentiment.sentiment({ text: documents[0], neutralBand: 0.1 });
    assert.equal(labelOf(emoji, '👩‍👩‍👧‍👦 The family was happy.'), 'POSITIVE');
    assert.equal(labelOf(emoji, '🎉 Terrible ending 😞.'), 'NEGATIVE');
  });

  test('offsets are shifted by the selection start', async () => {
    const document = 'Intro sentence here. The selected part is great.';
    const start = document.indexOf('The selected');
    const result = await engine(fixtureOptions()).sentiment({ text: document.slice(start), neutralBand: 0.1, offset: start });
    assert.equal(document.slice(result.sentences[0].start, result.sentences[0].end), 'The selected part is great.');
  });

  test('batched and one-at-a-time results are identical', async () => {
    const text = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0 ? `Sentence ${i} is good and great.` : i % 3 === 1 ? `Sentence ${i} ${'is long '.repeat(i)} and bad.` : `Sentence ${i} is plain.`,
    ).join(' ');
    const batched = await engine(fixtureOptions(), { batchLimits: { maxBatch: 16, maxTokens: 4096 } }).sentiment({ text, neutralBand: 0.1 });
    const single = await engine(fixtureOptions(), { batchLimits: { maxBatch: 1, maxTokens: 4096 } }).sentiment({ text, neutralBand: 0.1 });
    assert.equal(batched.sentences.length, 40);
    assert.deepEqual(
      batched.sentences.map(({ start, end, label }) => ({ start, end, label })),
      single.sentences.map(({ start, end, label }) => ({ start, end, label })),
    );
    batched.sentences.forEach((s, i) => assert.ok(Math.abs(s.positive - single.sentences[i].positive) < 1e-6, s.text));
  });

  test('a document longer than 512 tokens is covered to its end', async () => {
    // One sentence of ~760 tokens whose only sentiment word comes after the first 600 tokens,
    // followed by more sentences: a model input truncated at 512 tokens would never see it.
    const filler = Array.from({ length: 300 }, (_, i) => `w${i % 10}`).join(' '); // 600 tokens
    const text = `${filler} it was wonderful ${filler.slice(0, 300)}.\n\nThen it rained. The end was sad.`;
    const result = await engine(fixtureOptions()).sentiment({ text, neutralBand: 0.1 });
    assert.equal(result.sentences.length, 3);
    assert.equal(result.sentences[0].label, 'POSITIVE');
    assert.ok(result.sentences[0].positive > 0.55, `positive ${result.sentences[0].positive}`);
    assert.equal(labelOf(result, 'The end was sad.'), 'NEGATIVE');
    assert.equal(result.sentences.at(-1)?.end, text.length);
    assertExactSpans(text, result);
  });

  test('re-running on unchanged sentences is answered from the cache', async () => {
    const sentiment = engine(fixtureOptions());
    const first = await sentiment.sentiment({ text: DOCUMENT, neutralBand: 0.1 });
    assert.equal(first.cachedSentences, 0);
    const again = await sentiment.sentiment({ text: DOCUMENT, neutralBand: 0.1 });
    assert.equal(again.cachedSentences, again.sentences.length);
    assert.deepEqual(again.sentences, first.sentences);
    const edited = await sentiment.sentiment({ text: `${DOCUMENT}\n\nA new happy line.`, neutralBand: 0.1 });
    assert.equal(edited.cachedSentences, first.sentences.length);
    assert.equal(labelOf(edited, 'A new happy line.'), 'POSITIVE');
  });

  test('an empty document is refused with a clear message', async () => {
    await assert.rejects(engine(fixtureOptions()).sentiment({ text: ' \n\t ', neutralBand: 0.1 }), {
      code: 'bad-input',
      message: /no text to analyse/,
    });
  });

  test('a cancelled request stops with a cancelled error', async () => {
    const controller = new AbortController();
    const text = Array.from({ length: 300 }, (_, i) => `Sentence number ${i} is ${'quite '.repeat(i % 40)}good.`).join(' ');
    let batches = 0;
    const run = engine(fixtureOptions(), { batchLimits: { maxBatch: 4, maxTokens: 4096 } }).sentiment(
      { text, neutralBand: 0.1 },
      {
        signal: controller.signal,
        onProgress: () => {
          batches++;
          if (batches === 2) controller.abort();
        },
      },
    );
    await assert.rejects(run, { code: 'cancelled' });
    assert.equal(batches, 2, 'no batch ran after the cancellation');
  });
});
