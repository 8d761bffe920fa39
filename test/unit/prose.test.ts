import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { proseOf } from '../../src/engine/prose';
import type { SentimentResult } from '../../src/protocol';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';
import { finished, run } from './cliRun';

const engine = disposedAfterwards();

// The planted sentiment model counts positive and negative words (test/fixtures/planted.ts): the
// markup below is full of negative words, the prose positive, so reading any markup shows.
const MARKDOWN = [
  '---',
  'title: terrible awful worst',
  '---',
  '# Terrible headline',
  '',
  'I love this [great tool](https://bad.example/terrible-awful). [Good docs](http://x.y/bad "bad") are wonderful.',
  '',
  '```',
  'bad terrible awful',
  '```',
  '',
  '    horrible indented code',
  '',
  '| good | happy |',
  '|------|-------|',
  '| best | great |',
  '',
].join('\n');
/** Front matter, the heading, the fenced and the indented code block. */
const MARKUP_BLOCKS = 4;

function assertExactSpans(text: string, result: SentimentResult): void {
  for (const s of [...result.sentences, ...result.paragraphs]) assert.equal(text.slice(s.start, s.end), s.text, `span [${s.start}, ${s.end})`);
}

test('the prose text keeps every offset: markup blanked, line breaks kept', () => {
  const prose = proseOf(MARKDOWN, 'markdown');
  assert.equal(prose.text.length, MARKDOWN.length);
  for (let i = 0; i < MARKDOWN.length; i++) if (MARKDOWN[i] === '\n') assert.equal(prose.text[i], '\n');
  for (const markup of ['terrible', 'awful', 'horrible', 'https', '#', '|', '```']) assert.ok(!prose.text.includes(markup), `${markup} is still read`);
  for (const word of ['love', 'great tool', 'Good docs', 'wonderful', 'good', 'best']) assert.ok(prose.text.includes(word), `${word} is not read`);
  assert.equal(prose.skippedBlocks, MARKUP_BLOCKS);
  assert.equal(proseOf(MARKDOWN, 'plaintext').text, MARKDOWN);
});

test('Markdown: headings, code, front matter, pipes and link targets are not scored; spans stay the document’s slices', async () => {
  const result = await engine(fixtureOptions()).sentiment({ text: MARKDOWN, neutralBand: 0.1, format: 'markdown' });
  assertExactSpans(MARKDOWN, result);
  assert.deepEqual(
    result.sentences.map((s) => [s.text, s.label]),
    [
      // The link stays in its sentence; its target's "bad", "terrible" and "awful" are not read.
      ['I love this [great tool](https://bad.example/terrible-awful).', 'POSITIVE'],
      ['[Good docs](http://x.y/bad "bad") are wonderful.', 'POSITIVE'],
      ['good | happy', 'POSITIVE'],
      ['best | great', 'POSITIVE'],
    ],
  );
  assert.equal(result.document.label, 'POSITIVE');
  assert.equal(result.skippedMarkup, MARKUP_BLOCKS);
});

test('plain text reads everything, as before, and says nothing of markup', async () => {
  const result = await engine(fixtureOptions()).sentiment({ text: MARKDOWN, neutralBand: 0.1 });
  assertExactSpans(MARKDOWN, result);
  assert.ok(result.sentences.some((s) => s.text === '# Terrible headline' && s.label === 'NEGATIVE'));
  assert.equal(result.skippedMarkup, undefined);
});

test('a document of markup only says there is no prose', async () => {
  await assert.rejects(engine(fixtureOptions()).sentiment({ text: '# Title\n\n```\ncode\n```\n', neutralBand: 0.1, format: 'markdown' }), {
    code: 'bad-input',
    message: /no prose to analyse/,
  });
});

test('topics: headings delimit sections but are not read; code inside a section is not read', async () => {
  const text = [
    '# Politics, election and vote',
    '',
    'The football match had a goal.',
    '',
    'Markets',
    '=======',
    '',
    'The company made a profit.',
    '',
    '```',
    'election vote government parliament politics',
    '```',
  ].join('\n');
  const result = await engine(fixtureOptions()).topics({ text, labels: ['politics', 'business', 'science', 'sports'], multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'markdown' });
  assert.deepEqual(
    result.sections.map((s) => [s.heading, s.labels[0].label]),
    [
      ['Politics, election and vote', 'sports'],
      ['Markets', 'business'],
    ],
  );
  for (const s of result.sections) assert.equal(text.slice(s.start, s.end), s.text);
  assert.equal(result.skippedMarkup, 3);
});

test('a long document is parsed in parts exactly as whole: code with blank lines stays code', () => {
  const part = '# Part\n\nSome prose here.\n\n```\n\nnot prose at all\n\n# not a heading\n```\n\n';
  const text = part.repeat(2000);
  const prose = proseOf(text, 'markdown');
  assert.ok(text.length > 100_000);
  assert.equal(prose.headings.length, 2000);
  assert.equal(prose.skippedBlocks, 4000);
  assert.ok(!prose.text.includes('not prose'));
  assert.equal(prose.text.split('Some prose here.').length - 1, 2000);
});

test('entities are unchanged: names in code fences and link texts are still found', async () => {
  const text = 'See [Angela Merkel](https://example.com).\n\n```\nmarie curie\n```\n';
  const result = await engine(fixtureOptions()).entities({ text, minScore: 0.5 });
  assert.deepEqual(
    result.entities.map((e) => [e.text, e.type]),
    [
      ['Angela Merkel', 'PER'],
      ['marie curie', 'PER'],
    ],
  );
});

test('the CLI reads Markdown by extension or --format, and says how many blocks it did not read', (t) => {
  const dir = tempDir(t);
  const [md, txt] = [join(dir, 'notes.md'), join(dir, 'notes.txt')];
  writeFileSync(md, MARKDOWN);
  writeFileSync(txt, MARKDOWN);
  const sentencesOf = (...args: string[]) => {
    const result = run('sentiment', ...args, '--models', fixtureModels(), '--json');
    finished(result, 0);
    return JSON.parse(result.stdout) as { sentences: Array<{ text: string }>; skippedMarkup?: number };
  };
  const headline = (json: ReturnType<typeof sentencesOf>) => json.sentences.some((s) => s.text === '# Terrible headline');
  for (const json of [sentencesOf(md), sentencesOf(txt, '--format', 'markdown')]) {
    assert.equal(json.skippedMarkup, MARKUP_BLOCKS);
    assert.ok(!headline(json));
  }
  for (const json of [sentencesOf(txt), sentencesOf(md, '--format', 'text')]) {
    assert.equal(json.skippedMarkup, undefined);
    assert.ok(headline(json));
  }
  const table = run('sentiment', md, '--models', fixtureModels());
  finished(table, 0);
  assert.match(table.stdout, /4 Markdown blocks not read/);
  const wrong = run('sentiment', md, '--format', 'html', '--models', fixtureModels());
  finished(wrong, 2);
  assert.match(wrong.stderr, /--format must be one of markdown, text, plaintext, not html/);
});
