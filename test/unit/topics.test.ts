import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { topicSections } from '../../src/engine/topics';
import type { TopicsParams, TopicsResult } from '../../src/protocol';
import { disposedAfterwards, fixtureOptions } from '../helpers';

// The fixture NLI model plants: entailment is high when the hypothesis names a topic (sports,
// business, science, politics) and the premise holds one of that topic's words — sports: sports,
// football, match, goal, team, tennis · business: business, market, stocks, company, profit,
// revenue · science: science, research, physics, experiment, laboratory · politics: politics,
// election, vote, government, parliament.

const engine = disposedAfterwards();
const LABELS = ['sports', 'business', 'science', 'politics'];
const TEMPLATE = 'This text is about {}.';

function classify(text: string, options: Partial<TopicsParams> = {}): Promise<TopicsResult> {
  return engine(fixtureOptions()).topics({ text, labels: LABELS, multiLabel: false, hypothesisTemplate: TEMPLATE, format: 'markdown', ...options });
}

const SPORTS = 'The football team scored a late goal to win the match.';
const BUSINESS = 'The company reported record profit and its stocks rose on the market.';

describe('topics on the planted NLI fixture model', () => {
  for (const multiLabel of [false, true]) {
    test(`a sports paragraph is sports first and a business paragraph business first (${multiLabel ? 'multi' : 'single'}-label)`, async () => {
      for (const [text, expected] of [[SPORTS, 'sports'], [BUSINESS, 'business']] as const) {
        const result = await classify(text, { multiLabel });
        assert.equal(result.document[0].label, expected, text);
        assert.ok(result.document[0].score > 0.9);
        for (const other of result.document.slice(1)) assert.ok(other.score < 0.1, `${other.label} ${other.score}`);
        if (!multiLabel) assert.ok(Math.abs(result.document.reduce((sum, t) => sum + t.score, 0) - 1) < 1e-9, 'single-label scores sum to 1');
      }
    });
  }

  test('each Markdown section gets its own top label, with exact offsets and its heading', async () => {
    const text = `Intro with no topic words.\r\n\r\n# Match report 😀\r\n${SPORTS}\r\n\r\n## Markets\r\n${BUSINESS}\r\n\r\n# Lab notes\r\nThe physics experiment in the laboratory failed.\r\n`;
    const result = await classify(text);
    assert.deepEqual(
      result.sections.slice(1).map((s) => [s.heading, s.labels[0].label]),
      [['Match report 😀', 'sports'], ['Markets', 'business'], ['Lab notes', 'science']],
    );
    assert.equal(result.sections[0].heading, undefined);
    assert.ok(result.sections[0].labels[0].score < 0.3, 'the intro has no clear topic');
    for (const s of result.sections) assert.equal(text.slice(s.start, s.end), s.text);
    assert.deepEqual(result.sections.map((s) => s.labels.length), [4, 4, 4, 4]);
    assert.equal(result.pairs, 4 * 4, 'one pair per section and label');
  });

  test('labels with spaces, commas and non-English letters work', async () => {
    const labels = ['sports and games', 'business, finance', 'política', 'science'];
    const result = await classify(`${SPORTS} ${BUSINESS}`, { labels, multiLabel: true });
    assert.deepEqual(new Set(result.document.map((t) => t.label)), new Set(labels));
    const score = (label: string) => result.document.find((t) => t.label === label)?.score ?? -1;
    assert.ok(score('sports and games') > 0.9 && score('business, finance') > 0.9, JSON.stringify(result.document));
    assert.ok(score('política') < 0.1 && score('science') < 0.1);
  });

  test('a long section is covered by several stretches, and a topic word at its end still counts', async () => {
    const filler = Array.from({ length: 1500 }, (_, i) => (i % 2 ? 'stone' : 'river')).join(' ');
    const result = await classify(`${filler} The election was close.`, { format: 'plaintext', multiLabel: true });
    assert.ok(result.pairs > LABELS.length, `${result.pairs} pairs`);
    assert.equal(result.document[0].label, 'politics');
  });

  test('the template must hold {} and at least one label is needed', async () => {
    await assert.rejects(classify(SPORTS, { hypothesisTemplate: 'This text is about sports.' }), { code: 'bad-input', message: /no \{\}/ });
    await assert.rejects(classify(SPORTS, { labels: [' ', ''] }), { code: 'bad-input', message: /at least one topic label/ });
  });
});

test('sections: headings outside code fences start sections; plain text is cut into blocks of paragraphs', () => {
  const markdown = 'Before.\n# One\nText.\n```\n# not a heading\n```\n## Two ##\nMore.';
  assert.deepEqual(topicSections(markdown, 'markdown').map((s) => s.heading), [undefined, 'One', 'Two']);
  const plain = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ${'word '.repeat(60)}`).join('\n\n');
  const blocks = topicSections(plain, 'plaintext');
  assert.ok(blocks.length > 1 && blocks.length < 10, `${blocks.length} blocks`);
  for (const block of blocks) assert.equal(plain.slice(block.start, block.end), block.text);
});
