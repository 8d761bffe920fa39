import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Span } from '../../src/protocol';
import { isWhiteSpace } from '../../src/unicode';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';
import { assertSpans } from '../spans';

// Seeded property tests of offsets with every tokenizer family: random documents of hostile
// pieces (emoji sequences, flags, combining marks, RTL, CJK, lone surrogates, odd white space,
// Markdown) around planted names, through the real engine on each family's planted fixture. Every
// entity and answer is the document's own slice, cuts no surrogate pair, grapheme, combining mark
// or emoji (byte-level BPE splits an emoji into byte pieces that share its offsets), and neither
// starts nor ends with white space; every planted name is found, exactly. Replay a failure with
// TEXT_ANALYTICS_PROPERTY_SEED=<seed>.

const SEED = Number(process.env.TEXT_ANALYTICS_PROPERTY_SEED ?? 20_261_118);
const RUNS = 150;

const HOSTILE = [
  '👩‍👩‍👧', '👨🏽‍💻', '🏳️‍🌈', '🇩🇪', '🇩🇪🇫🇷', '#️⃣', '❤️', '\u0301', 'e\u0301\u0300', 'B\u0336', '\u200b', '\u200d', '\uFEFF',
  '\u200f', '\u202e', 'שָׁלוֹם', 'مرحبا', '東京', '株式会社', 'ありがとう', '서울', 'नमस्ते', 'İ', 'ß', 'ﬁ', '\u0000', '\uFFFD',
  '\u{10FFFF}', '\u0085', '.', "'s", '**', '😀', '™', '→', '"', '(', ')', '```', '\uD800',
];
const SPACES = [' ', ' ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u2028', '\f'];
const NAMES = ['Berlin', 'Paris', 'Tokyo', 'Google', 'Siemens'];

interface Doc {
  text: string;
  /** Planted names with a space on each side: [start, end). */
  names: Array<[number, number]>;
}

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE).map((text) => ({ text, name: false })) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map((text) => ({ text, name: false })) },
  { weight: 3, arbitrary: fc.constantFrom(...SPACES).map((text) => ({ text, name: false })) },
  { weight: 3, arbitrary: fc.constantFrom(...NAMES).map((text) => ({ text: ` ${text} `, name: true })) },
  // A name glued to what is before or after it: found without it.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...HOSTILE), fc.constantFrom(...NAMES)).map(([h, n]) => ({ text: ` ${h}${n}.`, name: false })) },
);

const randomDoc: fc.Arbitrary<Doc> = fc.array(piece, { maxLength: 40 }).map((pieces) => {
  let text = '';
  const names: Array<[number, number]> = [];
  for (const p of pieces) {
    if (p.name) names.push([text.length + 1, text.length + p.text.length - 1]);
    text += p.text;
  }
  return { text, names };
});

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Each span is the text's own, trimmed, and starts and ends on grapheme boundaries. */
function assertExact(text: string, spans: readonly Span[], what: string): void {
  assertSpans({ document: text, from: 0, to: text.length }, spans, what);
  const boundaries = new Set<number>([text.length]);
  for (const { index } of graphemes.segment(text)) boundaries.add(index);
  for (const span of spans) {
    const at = `${what} ${JSON.stringify(span.text)} at [${span.start}, ${span.end})`;
    assert.ok(!isWhiteSpace(text.charCodeAt(span.start)) && !isWhiteSpace(text.charCodeAt(span.end - 1)), `${at}: no white space at its ends`);
    assert.ok(boundaries.has(span.start) && boundaries.has(span.end), `${at}: cuts a grapheme`);
  }
}

const newEngine = disposedAfterwards();

describe(`random hostile documents with every tokenizer family (seed ${SEED}, ${RUNS} each)`, () => {
  for (const name of ['entities-roberta', 'entities-xlmr', 'entities-multilingual', 'entities-deberta', 'entities-albert', 'entities-electra']) {
    test(`${name}: entities are exact, whole graphemes, trimmed, and every planted name is found as written`, async () => {
      const engine = newEngine(fixtureOptions({ modelSources: { entities: join(fixtureModels(), name) } }));
      await fc.assert(
        fc.asyncProperty(randomDoc, async (doc) => {
          const { entities } = await engine.entities({ text: doc.text, minScore: 0.5 });
          assertExact(doc.text, entities, 'entity');
          for (const [start, end] of doc.names) {
            assert.ok(
              entities.some((e) => e.start === start && e.end === end),
              `${JSON.stringify(doc.text.slice(start, end))} at [${start}, ${end}) is found exactly (found ${JSON.stringify(entities.map((e) => e.text))})`,
            );
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  test('qa-roberta: answers are exact, whole graphemes and trimmed; a lone year is the answer, without what is glued to it', async () => {
    const engine = newEngine(fixtureOptions({ modelSources: { qa: join(fixtureModels(), 'qa-roberta') } }));
    await fc.assert(
      fc.asyncProperty(randomDoc, fc.constantFrom('', ' ', '😀', '**', '('), async (doc, glue) => {
        const text = `${doc.text} in ${glue}1958${glue === '(' ? ')' : glue}. ${doc.text}`;
        const result = await engine.ask({ text, question: 'When did it happen?', top: 3, minScore: 0.1 });
        assertExact(text, result.answers, 'answer');
        assert.equal(result.answers[0]?.text, '1958');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
