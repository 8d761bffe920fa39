import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AskResult } from '../../src/protocol';
import { disposedAfterwards, fixtureOptions } from '../helpers';

// The fixture QA model plants: high start and end logits on any four-digit number from 1000 to
// 2999 in the context (after the first [SEP]), low everywhere else. So the answer to any question
// is the year in the document; with none there is no confident answer.

const engine = disposedAfterwards();
const ask = (text: string, question = 'When?', top = 3, minScore = 0.1) => engine(fixtureOptions()).ask({ text, question, top, minScore });

function assertExact(text: string, result: AskResult): void {
  for (const answer of result.answers) {
    assert.equal(text.slice(answer.start, answer.end), answer.text);
    assert.equal(text.slice(answer.sentence.start, answer.sentence.end), answer.sentence.text);
    assert.ok(answer.sentence.start <= answer.start && answer.end <= answer.sentence.end);
  }
}

/** `count` filler words of one token each, with `year` as word number `position`. */
function fillerWithYear(count: number, position: number, year = '1932'): string {
  const words: string[] = Array.from({ length: count }, (_, i) => (i % 2 ? 'stone' : 'river'));
  words[position] = year;
  return words.join(' ');
}

describe('question answering on the planted fixture model', () => {
  test('finds the year in its sentence, with exact offsets through emoji, CJK, accents and CRLF', async () => {
    const text = 'Tōkyō 😀 東京 welcomed everyone.\r\nThe Café de\u0301ja\u0300 opened in 1932 after four years of work.\r\n\r\nNothing else happened.';
    const result = await ask(text);
    assert.deepEqual(result.answers.map((a) => a.text), ['1932']);
    assert.equal(result.answers[0].sentence.text, 'The Café de\u0301ja\u0300 opened in 1932 after four years of work.');
    assert.ok(result.answers[0].score > 0.9);
    assertExact(text, result);
  });

  test('a year in the question is never the answer', async () => {
    const text = 'The bridge opened in 1932.';
    assert.deepEqual((await ask(text, 'Was it opened in 1999 or 2001?')).answers.map((a) => a.text), ['1932']);
    assert.deepEqual((await ask('The bridge opened long ago.', 'Was it opened in 1999?')).answers, []);
  });

  test('a document with no year gives no confident answer', async () => {
    const text = 'The bridge opened a long time ago, in 932 or maybe 3000, nobody knows. 19999 is not a year either.';
    assert.deepEqual((await ask(text)).answers, []);
  });

  test('the year is found in the first, a middle or the last window of a long document', async () => {
    // About 5,000 tokens: windows of ~507 context tokens that start every ~379 tokens.
    for (const position of [3, 2500, 4995]) {
      const text = fillerWithYear(5000, position);
      const result = await ask(text);
      assert.ok(result.windows >= 12, `${result.windows} windows`);
      assert.deepEqual(result.answers.map((a) => a.text), ['1932'], `year at word ${position}`);
      assert.equal(result.answers[0].start, text.indexOf('1932'));
    }
  });

  test('a year at every position around the window boundaries is found once, whole', async () => {
    // With the question "When?" (2 tokens) a window holds 507 context tokens and the next starts
    // 379 tokens later; these positions straddle the edges of the first three windows.
    const positions = [...range(370, 390), ...range(500, 512), ...range(750, 765), ...range(880, 890)];
    for (const position of positions) {
      const text = fillerWithYear(1100, position, '2345'); // "234 ##5": two pieces, so it can be cut
      const result = await ask(text);
      assert.deepEqual(result.answers.map((a) => a.text), ['2345'], `year at word ${position}`);
      assert.equal(result.answers[0].start, text.indexOf('2345'));
    }
  });

  test('answers come from different places, best first, at most as many as asked', async () => {
    const text = 'It began in 1901. It grew in 1950.\n\nIt ended in 2001.';
    const result = await ask(text, 'When?', 2, 0);
    assert.equal(result.answers.length, 2);
    const [first, second] = result.answers;
    assert.ok(first.score >= second.score);
    assert.ok(first.end <= second.start || second.end <= first.start, 'answers never overlap');
  });

  test('answers appear progressively on a long document, and the final ones are the best', async () => {
    const text = fillerWithYear(8000, 200);
    const partial: string[][] = [];
    const result = await engine(fixtureOptions(), { batchLimits: { maxBatch: 2, maxTokens: 4096 } }).ask(
      { text, question: 'When?', top: 3, minScore: 0.1 },
      { onProgress: (progress) => progress.answers && partial.push(progress.answers.map((a) => a.text)) },
    );
    assert.ok(partial.length > 3);
    assert.deepEqual(partial[0], ['1932'], 'the year in the first window is shown before the end');
    assert.deepEqual(result.answers.map((a) => a.text), ['1932']);
  });

  test('offsets are shifted by the selection start', async () => {
    const document = 'Intro sentence. The selected part says 1932.';
    const start = document.indexOf('The selected');
    const result = await engine(fixtureOptions()).ask({ text: document.slice(start), question: 'When?', top: 1, minScore: 0.1, offset: start });
    assert.equal(document.slice(result.answers[0].start, result.answers[0].end), '1932');
    assert.equal(document.slice(result.answers[0].sentence.start, result.answers[0].sentence.end), 'The selected part says 1932.');
  });

  test('an empty question or document is refused with a clear message', async () => {
    await assert.rejects(ask('Some text from 1932.', '   '), { code: 'bad-input', message: /question is empty/ });
    await assert.rejects(ask(' \n ', 'When?'), { code: 'bad-input', message: /no text to search/ });
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
