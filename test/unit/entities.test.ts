import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeEntities } from '../../src/engine/entities';
import type { EntitiesResult } from '../../src/protocol';
import { disposedAfterwards, fixtureOptions } from '../helpers';

// The fixture entities model plants: B-PER angela, barack, marie · I-PER merkel, obama, curie ·
// B-LOC paris, berlin, tokyo, buenos · I-LOC aires · B-ORG google, unesco, siemens, mozilla ·
// B-MISC olympics, german, french — whole words only, every other token O.

const engine = disposedAfterwards();

function assertExact(text: string, result: EntitiesResult): void {
  let previousEnd = -1;
  for (const e of result.entities) {
    assert.equal(text.slice(e.start, e.end), e.text, `[${e.start}, ${e.end})`);
    assert.ok(e.start >= previousEnd, `sorted and non-overlapping at ${e.start}`);
    previousEnd = e.end;
  }
}

const found = (result: EntitiesResult) => result.entities.map((e) => [e.text, e.type]);

describe('entities on the planted fixture model', () => {
  test('finds the planted names with their exact text in a document with emoji, CJK, accents, CRLF and Markdown', async () => {
    const text = [
      '# Notes from Berlin 😀',
      '',
      '**Angela** Merkel met Barack Obama in Buenos Aires.',
      'Later, MARIE Curie visited [UNESCO](https://unesco.org) and Tōkyō 👩‍👩‍👧 — then Mozilla.',
      '',
      '東京で Angela Merkel spoke French and Germán at the Olympics.',
    ].join('\r\n');
    for (const precision of ['fp32', 'int8'] as const) {
      const result = await engine(fixtureOptions({ precision })).entities({ text, minScore: 0.5 });
      assert.deepEqual(found(result), [
        ['Berlin', 'LOC'],
        ['Angela', 'PER'],
        ['Merkel', 'PER'], // "**" between the names: an O token, so two entities, the second starting with I-
        ['Barack Obama', 'PER'],
        ['Buenos Aires', 'LOC'],
        ['MARIE Curie', 'PER'],
        ['UNESCO', 'ORG'],
        ['unesco', 'ORG'],
        ['Tōkyō', 'LOC'],
        ['Mozilla', 'ORG'],
        ['Angela Merkel', 'PER'],
        ['French', 'MISC'],
        ['Germán', 'MISC'],
        ['Olympics', 'MISC'],
      ]);
      assertExact(text, result);
      for (const e of result.entities) assert.ok(e.score >= 0.9, `${e.text}: ${e.score}`);
    }
  });

  test('finds nothing where there is none, and no near-miss of a planted word', async () => {
    const text = 'Merkels and Parisians met Googlers. Tokyoites, mozillas and a berliner: none of them are planted words.';
    const result = await engine(fixtureOptions()).entities({ text, minScore: 0 });
    assert.deepEqual(found(result), []);
  });

  test('an entity at any position relative to window boundaries is found once, whole', async () => {
    // One paragraph per position: filler words of one token each, "Angela Merkel" (and the
    // three-piece "Mozilla") placed so that they straddle every window edge of a 512-token model
    // with 128 tokens of overlap (windows start every 382 tokens, each holding 510).
    const positions = [...range(370, 395), ...range(500, 515), ...range(755, 770), ...range(885, 895)];
    const paragraphs = positions.map((p) => {
      const words: string[] = Array.from({ length: 1000 }, (_, i) => (i % 2 ? 'stone' : 'river'));
      words.splice(p, 0, 'Angela', 'Merkel');
      words.splice(p + 20, 0, 'Mozilla');
      return words.join(' ');
    });
    const text = paragraphs.join('\n\n');
    const result = await engine(fixtureOptions()).entities({ text, minScore: 0.5 });
    assert.equal(result.paragraphsAnalysed, positions.length);
    assert.equal(result.entities.length, positions.length * 2);
    for (let i = 0; i < positions.length; i++) {
      const [person, organisation] = result.entities.slice(2 * i, 2 * i + 2);
      assert.deepEqual([person.text, person.type, organisation.text, organisation.type], ['Angela Merkel', 'PER', 'Mozilla', 'ORG'], `position ${positions[i]}`);
      assert.ok(person.score >= 0.9);
    }
    assertExact(text, result);
  });

  test('entities below the minimum score are left out', async () => {
    const text = 'Angela Merkel visited Paris.';
    assert.equal((await engine(fixtureOptions()).entities({ text, minScore: 0.5 })).entities.length, 2);
    assert.equal((await engine(fixtureOptions()).entities({ text, minScore: 0.99 })).entities.length, 0);
  });

  test('only the given ranges are analysed, with offsets into the whole text', async () => {
    const text = 'const city = "Paris"; // Angela wrote this\nlet x = Berlin; /* Google */';
    const comment = text.indexOf('// Angela');
    const block = text.indexOf('/* Google');
    const string = text.indexOf('"Paris"');
    const result = await engine(fixtureOptions()).entities({
      text,
      minScore: 0.5,
      ranges: [[comment, text.indexOf('\n')], [string, string + 7], [block, text.length]],
    });
    assert.deepEqual(found(result), [['Paris', 'LOC'], ['Angela', 'PER'], ['Google', 'ORG']]);
    assertExact(text, result);
  });

  test('after an edit in one paragraph, only that paragraph reaches the model, and the result equals a full analysis', async () => {
    const paragraphs = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: Barack Obama visited Berlin and Google on day ${i}.`);
    const incremental = engine(fixtureOptions());
    const first = await incremental.entities({ text: paragraphs.join('\n\n'), minScore: 0.5 });
    assert.equal(first.paragraphsAnalysed, 60);
    paragraphs[30] = 'Paragraph 30: Marie Curie went to Tokyo for the Olympics.';
    const edited = paragraphs.join('\n\n');
    const second = await incremental.entities({ text: edited, minScore: 0.5 });
    assert.equal(second.paragraphsAnalysed, 1);
    assert.equal(second.paragraphsCached, 59);
    const full = await engine(fixtureOptions()).entities({ text: edited, minScore: 0.5 });
    assert.deepEqual(second.entities, full.entities);
    assertExact(edited, second);
  });

  test('cancellation stops between batches', async () => {
    const controller = new AbortController();
    const text = Array.from({ length: 200 }, (_, i) => `Berlin paragraph ${i}.`).join('\n\n');
    const run = engine(fixtureOptions(), { batchLimits: { maxBatch: 4, maxTokens: 4096 } }).entities(
      { text, minScore: 0.5 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await assert.rejects(run, { code: 'cancelled' });
  });
});

describe('decoding tags into entities', () => {
  const tags = ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'B-LOC', 'I-LOC'].map((label) => {
    const match = /^([BIES])-(.+)$/.exec(label);
    return match ? { position: match[1] as 'B' | 'I' | 'E' | 'S', type: match[2] } : { position: 'O' as const, type: '' };
  });
  const label = (name: string) => ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'B-LOC', 'I-LOC'].indexOf(name);
  /** Words of one token each, 5 characters apart, with these labels. */
  const words = (...labels: string[]) =>
    labels.map((name, i) => ({ start: i * 5, end: i * 5 + 4, word: i, label: label(name), score: 0.5 + i / 100, context: 0 }));
  const spans = (...labels: string[]) => decodeEntities(words(...labels), tags).map((e) => [e.start / 5, (e.end - 4) / 5, e.type]);

  test('IOB2: B starts, I continues, B after I of the same type starts another', () => {
    assert.deepEqual(spans('B-PER', 'I-PER', 'O', 'B-PER', 'B-PER', 'I-PER'), [[0, 1, 'PER'], [3, 3, 'PER'], [4, 5, 'PER']]);
  });

  test('IOB1: an entity may start with I-, and a type change starts a new one', () => {
    assert.deepEqual(spans('I-PER', 'I-PER', 'I-LOC', 'O', 'I-LOC'), [[0, 1, 'PER'], [2, 2, 'LOC'], [4, 4, 'LOC']]);
  });

  test('BIOES: E ends an entity and S is one on its own', () => {
    assert.deepEqual(spans('B-PER', 'I-PER', 'E-PER', 'I-PER', 'S-PER', 'S-PER'), [[0, 2, 'PER'], [3, 3, 'PER'], [4, 4, 'PER'], [5, 5, 'PER']]);
  });

  test('word pieces follow their word’s first piece, and the score is the mean over all pieces', () => {
    const pieces = [
      { start: 0, end: 2, word: 0, label: label('B-PER'), score: 0.9, context: 0 },
      { start: 2, end: 5, word: 0, label: label('O'), score: 0.6, context: 0 },
      { start: 6, end: 9, word: 1, label: label('I-PER'), score: 0.9, context: 0 },
    ];
    const [entity] = decodeEntities(pieces, tags);
    assert.deepEqual([entity.start, entity.end, entity.type], [0, 9, 'PER']);
    assert.ok(Math.abs(entity.score - 0.8) < 1e-12);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

test('a cancelled request keeps the paragraphs it finished in the cache', async () => {
  const sharedEngine = engine(fixtureOptions(), { batchLimits: { maxBatch: 4, maxTokens: 4096 } });
  const text = Array.from({ length: 40 }, (_, i) => `Paris paragraph number ${i}.`).join('\n\n');
  const controller = new AbortController();
  let batches = 0;
  await assert.rejects(
    sharedEngine.entities({ text, minScore: 0.5 }, { signal: controller.signal, onProgress: () => ++batches === 3 && controller.abort() }),
    { code: 'cancelled' },
  );
  const again = await sharedEngine.entities({ text, minScore: 0.5 });
  assert.equal(again.paragraphsCached, 12, 'three batches of four paragraphs were kept');
  assert.equal(again.paragraphsAnalysed, 28);
  assert.equal(again.entities.length, 40);
});
