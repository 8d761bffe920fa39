import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFamily } from '../../src/engine/family';
import { readModelConfig } from '../../src/engine/modelConfig';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';

// Every encoder family through the engine, on the planted fixtures of each tokenizer family
// (test/fixtures/models/<name>, `npm run fixtures`): byte-level BPE (RoBERTa), SentencePiece
// Unigram with the `▁` metaspace (XLM-R, ALBERT, DeBERTa-v3), cased multilingual WordPiece, and the
// WordPiece variants of ELECTRA, MPNet and MobileBERT. Our results must agree with the reference,
// @huggingface/transformers' pipelines on the same files, and our offsets must be the document's.

const ENTITY_FAMILIES = [
  'entities-roberta',
  'entities-xlmr',
  'entities-multilingual',
  'entities-deberta',
  'entities-electra',
  'entities-albert',
  'entities-mpnet',
  'entities-mobilebert',
] as const;

/** Families whose tokenizer keeps case and whose planted names are matched as written (the others lower-case, or match any case). */
const CASED = new Set<string>(['entities-roberta', 'entities-xlmr', 'entities-deberta']);
/** Families whose tokenizer lower-cases and strips accents: the reference's words come out that way. */
const UNCASED = new Set<string>(['entities-electra', 'entities-albert', 'entities-mpnet', 'entities-mobilebert']);
/** transformers.js 4.3 has no token-classification class for these model types ("Unsupported model type"). */
const NO_REFERENCE = new Set<string>(['entities-albert', 'entities-mobilebert']);

/** How the reference pipeline writes a word of an uncased model: lower case, accents stripped. */
function asUncasedWord(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const newEngine = disposedAfterwards();

function engineFor(task: 'entities' | 'qa' | 'sentiment', name: string) {
  return newEngine(fixtureOptions({ modelSources: { [task]: join(fixtureModels(), name) } }));
}

async function referencePipeline<T extends 'token-classification' | 'question-answering' | 'text-classification'>(task: T, name: string) {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = fixtureModels();
  return pipeline(task, name, { dtype: 'fp32' });
}

const PARITY_TEXTS = [
  'Angela Merkel met Barack Obama in Buenos Aires.',
  'Marie Curie worked in Paris; Google and UNESCO sent French and German delegates to the Olympics.',
  'Mozilla and Siemens stayed in Tokyo while Obama went to Berlin.',
  'Nothing to find here at all.',
];

/** The reference's word for an entity: its decoded pieces, which for WordPiece join with spaces around punctuation. */
function comparable(word: string): string {
  return word.replace(/\s+/g, ' ').trim();
}

for (const name of ENTITY_FAMILIES) {
  if (!NO_REFERENCE.has(name)) test(`${name}: entities match the transformers.js token-classification pipeline, with the document's own offsets`, async () => {
    const classify = await referencePipeline('token-classification', name);
    const engine = engineFor('entities', name);
    for (const text of PARITY_TEXTS) {
      const reference = (await classify(text, { aggregation_strategy: 'simple' })) as unknown as Array<{ entity_group: string; score: number; word: string }>;
      const ours = (await engine.entities({ text, minScore: 0 })).entities;
      assert.deepEqual(
        ours.map((e) => [e.type, UNCASED.has(name) ? asUncasedWord(e.text) : e.text]),
        reference.map((r) => [r.entity_group, comparable(r.word)]),
        `${name}: ${text}`,
      );
      ours.forEach((e, i) => assert.ok(Math.abs(e.score - reference[i].score) < 1e-4, `${name} ${e.text}: ours ${e.score}, reference ${reference[i].score}`));
      for (const e of ours) assert.equal(text.slice(e.start, e.end), e.text);
    }
    await classify.dispose();
  });

  test(`${name}: three entities in the Merkel sentence, and glued symbols, Markdown and possessives stay out of names`, async () => {
    const engine = engineFor('entities', name);
    const text = 'Angela Merkel met Barack Obama in Buenos Aires.';
    const found = (await engine.entities({ text, minScore: 0.5 })).entities;
    assert.deepEqual(
      found.map((e) => [e.type, e.text]),
      [
        ['PER', 'Angela Merkel'],
        ['PER', 'Barack Obama'],
        ['LOC', 'Buenos Aires'],
      ],
    );
    for (const [glued, name_] of [
      ['We flew 😀Berlin today.', 'Berlin'],
      ['The city of **Paris** is lovely.', 'Paris'],
      ["That was Merkel's plan.", 'Merkel'],
      ['Tokyo😀 and Berlin™ and →Paris, (Google).', 'Tokyo'],
    ] as const) {
      const entities = (await engine.entities({ text: glued, minScore: 0.5 })).entities;
      assert.equal(entities[0]?.text, name_, `${name}: ${glued} gives ${JSON.stringify(entities.map((e) => e.text))}`);
      for (const e of entities) assert.match(e.text, /^[\p{L}\p{N}](?:.*[\p{L}\p{N}])?$/u, `${name}: ${JSON.stringify(e.text)} in ${glued} is a name's letters`);
    }
  });

  if (CASED.has(name)) {
    test(`${name}: a cased tokenizer keeps case (a planted name in lower case is no name)`, async () => {
      const engine = engineFor('entities', name);
      const found = (await engine.entities({ text: 'berlin and paris, but Berlin.', minScore: 0.5 })).entities;
      assert.deepEqual(
        found.map((e) => e.text),
        ['Berlin'],
      );
    });
  }

  test(`${name}: a document of over 512 tokens finds the names on both sides of every window edge`, async () => {
    const engine = engineFor('entities', name);
    const filler = 'the long quiet road ran on and on past fields ';
    const parts: string[] = [];
    for (let i = 0; i < 40; i++) parts.push(`${filler.repeat(3)}Angela Merkel met Barack Obama in Buenos Aires`);
    const text = `${parts.join(' ')}.`;
    const result = await engine.entities({ text, minScore: 0.5 });
    assert.equal(result.entities.length, 40 * 3, `${name}: ${result.entities.length} entities`);
    for (const e of result.entities) assert.ok(['Angela Merkel', 'Barack Obama', 'Buenos Aires'].includes(e.text), `${name}: ${e.text}`);
  });
}

const QA_CASES = [
  { question: 'When did the bridge open?', context: 'The bridge opened in 1932 after four years of work.' },
  { question: 'When was Tokyo rebuilt?', context: 'Tokyo 😀 was rebuilt in 2004, they say, by Siemens & Co.' },
  { question: 'What year?', context: 'In 2345, long after today, a ship called Vega left.' },
];

test('qa-roberta: answers match the transformers.js question-answering pipeline, pairs laid out <s> A </s></s> B </s>', async () => {
  const answer = await referencePipeline('question-answering', 'qa-roberta');
  const engine = engineFor('qa', 'qa-roberta');
  for (const { question, context } of QA_CASES) {
    const reference = (await answer(question, context)) as { answer: string; score: number };
    const ours = await engine.ask({ text: context, question, top: 1, minScore: 0 });
    assert.equal(ours.windows, 1);
    // Byte-level BPE decodes a leading `Ġ` as a space: the reference's answer starts with one.
    assert.equal(ours.answers[0].text, reference.answer.trim(), question);
    assert.ok(Math.abs(ours.answers[0].score - reference.score) < 1e-4, `${question}: ours ${ours.answers[0].score}, reference ${reference.score}`);
    assert.equal(context.slice(ours.answers[0].start, ours.answers[0].end), ours.answers[0].text);
  }
  await answer.dispose();
});

test('qa-roberta: the year is found in a document of many windows, and never with the space or the period beside it', async () => {
  const engine = engineFor('qa', 'qa-roberta');
  const filler = 'Nothing much happened on that quiet day by the river. '.repeat(120);
  const text = `${filler}The bridge opened in 1932. ${filler}`;
  const result = await engine.ask({ text, question: 'When did the bridge open?', top: 1, minScore: 0.1 });
  assert.ok(result.windows > 1, `${result.windows} windows`);
  assert.equal(result.answers[0]?.text, '1932');
});

const SENTIMENT_SENTENCES = ['What a wonderful, excellent day.', 'I hate this horrible weather.', 'The train leaves at nine.', 'Tokyo 😀 was great!'];

test('sentiment-xlmr: labels and scores match the transformers.js text-classification pipeline', async () => {
  const classify = await referencePipeline('text-classification', 'sentiment-xlmr');
  const engine = engineFor('sentiment', 'sentiment-xlmr');
  const result = await engine.sentiment({ text: SENTIMENT_SENTENCES.join('\n\n'), neutralBand: 0 });
  assert.equal(result.sentences.length, SENTIMENT_SENTENCES.length);
  for (const [i, sentence] of SENTIMENT_SENTENCES.entries()) {
    const [reference] = (await classify(sentence)) as Array<{ label: string; score: number }>;
    assert.equal(result.sentences[i].label, reference.label, sentence);
    assert.ok(Math.abs(result.sentences[i].score - reference.score) < 1e-4, `${sentence}: ours ${result.sentences[i].score}, reference ${reference.score}`);
  }
  await classify.dispose();
});

test('the pad token and the longest input are read from each model\'s files', async () => {
  for (const [name, padToken] of [
    ['entities-roberta', '<pad>'],
    ['sentiment-xlmr', '<pad>'],
    ['entities-mpnet', '<pad>'],
    ['entities-deberta', '[PAD]'],
    ['entities-multilingual', '[PAD]'],
  ] as const) {
    const dir = join(fixtureModels(), name);
    const config = readModelConfig(dir);
    const tokenizer = await TextTokenizer.load(join(dir, 'tokenizer.json'), config.maxPositions);
    const family = readFamily(dir, config, tokenizer);
    assert.equal(family.padId, tokenizer.tokenId(padToken), `${name}: pads with ${padToken}`);
    // RoBERTa, XLM-R and MPNet have 514 positions, of which the first two are the padding offset.
    assert.equal(family.maxLength, 512, name);
  }
});
