import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClassifierSpec } from '../../src/protocol';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';

// Every task on the encoder families other than WordPiece, through the engine: sentiment and a
// classifier (XLM-R, RoBERTa, ALBERT), question answering (RoBERTa, XLM-R, DeBERTa-v3) and
// zero-shot topics (XLM-R and DeBERTa-v3 NLI) on the planted fixtures of `npm run fixtures`. The
// reference is @huggingface/transformers' pipeline on the same folder: same label or answer,
// scores within 1e-4. Answers must be the document's own characters — a `Ġ` or `▁` piece's offsets
// take in the space before it, and the reference's answer starts with that space — and inputs
// over the 512 tokens a model reads at once must work.

type Precision = 'fp32' | 'int8';
const PRECISIONS: readonly Precision[] = ['fp32', 'int8'];

const newEngine = disposedAfterwards();
const folder = (name: string) => join(fixtureModels(), name);
const engineFor = (task: 'sentiment' | 'qa' | 'topics', name: string, precision: Precision = 'fp32') =>
  newEngine(fixtureOptions({ precision, modelSources: { [task]: folder(name) } }));

async function referencePipeline<T extends 'text-classification' | 'question-answering' | 'zero-shot-classification'>(task: T, name: string, precision: Precision) {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = fixtureModels();
  return pipeline(task, name, { dtype: precision === 'int8' ? 'q8' : 'fp32' });
}

const close = (ours: number, theirs: number) => Math.abs(ours - theirs) < 1e-4;
/** A span of the document's own characters: no white space at either edge. */
const TRIMMED = /^\S(?:[^]*\S)?$/u;

// ---------------------------------------------------------------------------------------------
// Sentiment and classifiers

const SENTENCES = [
  'What a wonderful, excellent day.',
  'I hate this horrible weather.',
  'The train leaves at nine.',
  'Good news and bad news, good.',
  'Tōkyō 😀 was great!',
  '😀great and **happy**, not sad.',
  'Ünïcödé àccents are sad.',
  `${'A very long sentence with many words '.repeat(40)}and a good ending.`,
];

const SENTIMENT_MODELS = ['sentiment-xlmr', 'sentiment-roberta', 'sentiment-albert'] as const;

for (const name of SENTIMENT_MODELS) {
  for (const precision of PRECISIONS) {
    test(`${name}: sentiment matches the transformers.js text-classification pipeline (${precision})`, async () => {
      const classify = await referencePipeline('text-classification', name, precision);
      const engine = engineFor('sentiment', name, precision);
      // One sentence per paragraph, so that our sentence segmentation cannot change what is compared.
      const text = SENTENCES.join('\n\n');
      const result = await engine.sentiment({ text, neutralBand: 0 });
      assert.equal(result.sentences.length, SENTENCES.length);
      for (const [i, sentence] of SENTENCES.entries()) {
        const [reference] = (await classify(sentence)) as Array<{ label: string; score: number }>;
        const ours = result.sentences[i];
        assert.equal(ours.text, sentence);
        assert.equal(text.slice(ours.start, ours.end), sentence);
        // Two labels: the polarity is the model's label; more labels: the model's own name for it.
        assert.equal(ours.modelLabel ?? ours.label, reference.label, `${name}: ${sentence}`);
        assert.ok(close(ours.score, reference.score), `${name} ${sentence}: ours ${ours.score}, reference ${reference.score}`);
      }
      await classify.dispose();
    });
  }

  test(`${name}: a sentence of over 512 tokens is read in windows, to the end`, async () => {
    const engine = engineFor('sentiment', name);
    const filler = 'the long quiet road ran on and on past fields ';
    const plain = `At the start ${filler.repeat(70)}and an ending.`;
    const happy = `At the start ${filler.repeat(70)}and a happy, excellent ending.`;
    const result = await engine.sentiment({ text: `${plain}\n\n${happy}`, neutralBand: 0 });
    assert.deepEqual(result.sentences.map((s) => s.text), [plain, happy]);
    // The filler holds no sentiment word: only a window that reaches the end sees the happy ending.
    const [without, withEnding] = result.sentences.map(positiveProbability);
    assert.ok(withEnding > without + 0.05, `${name}: positive ${withEnding} with the ending, ${without} without`);
  });
}

/** A sentence's probability of the positive label, for two-label and three-label models. */
function positiveProbability(s: { label: string; score: number; labels?: { label: string; score: number }[] }): number {
  const three = s.labels?.find((l) => l.label.toLowerCase() === 'positive');
  if (three) return three.score;
  return s.label === 'POSITIVE' ? s.score : 1 - s.score;
}

test('sentiment-roberta: a classify request names the folder and gets every label as the pipeline scores it', async () => {
  const name = 'sentiment-roberta';
  const spec: ClassifierSpec = { id: 'tweets', title: 'Tweet sentiment', model: folder(name), level: 'sentence' };
  for (const precision of PRECISIONS) {
    const reference = await referencePipeline('text-classification', name, precision);
    const engine = newEngine(fixtureOptions({ precision }));
    const text = SENTENCES.join('\n\n');
    const result = await engine.classify({ text, classifier: spec });
    assert.equal(result.multiLabel, false);
    assert.equal(result.items.length, SENTENCES.length);
    for (const [i, sentence] of SENTENCES.entries()) {
      const expected = (await reference(sentence, { top_k: null })) as Array<{ label: string; score: number }>;
      const ours = result.items[i];
      assert.equal(text.slice(ours.start, ours.end), sentence);
      assert.deepEqual(ours.labels.map((l) => l.label).sort(), ['negative', 'neutral', 'positive']);
      assert.equal(ours.labels[0].label, expected[0].label, `${precision} ${sentence}`);
      for (const { label, score } of expected) {
        const mine = ours.labels.find((l) => l.label === label);
        assert.ok(mine && close(mine.score, score), `${precision} ${sentence} / ${label}: ours ${mine?.score}, reference ${score}`);
      }
    }
    await reference.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// Question answering

const QA_MODELS = ['qa-roberta', 'qa-xlmr', 'qa-deberta'] as const;

const QA_CASES = [
  { question: 'When did the bridge open?', context: 'The bridge opened in 1932 after four years of work.' },
  { question: 'When was Tōkyō 😀 rebuilt in 1999?', context: 'Tōkyō 😀 was rebuilt in 2004, they say, by Ångström & Co.' },
  { question: 'What year?', context: 'In 2345, long after today, a ship called Vega left.' },
  { question: 'When?', context: '1923: the company was founded in Paris.' },
  { question: 'When?', context: 'Built 😀1950 by hand.' },
];

for (const name of QA_MODELS) {
  for (const precision of PRECISIONS) {
    test(`${name}: answers match the transformers.js question-answering pipeline, as the document's characters (${precision})`, async () => {
      const answer = await referencePipeline('question-answering', name, precision);
      const engine = engineFor('qa', name, precision);
      for (const { question, context } of QA_CASES) {
        const reference = (await answer(question, context)) as { answer: string; score: number };
        const ours = await engine.ask({ text: context, question, top: 1, minScore: 0 });
        assert.equal(ours.windows, 1, 'a context under one window');
        const [best] = ours.answers;
        assert.ok(best, `${name}: no answer to ${question}`);
        // The reference decodes the pieces, so a `Ġ`/`▁` word start comes out with its space.
        assert.equal(best.text, reference.answer.trim(), `${name}: ${question}`);
        assert.ok(close(best.score, reference.score), `${name} ${question}: ours ${best.score}, reference ${reference.score}`);
        assert.equal(context.slice(best.start, best.end), best.text, `${name}: offsets of ${JSON.stringify(best.text)}`);
        assert.match(best.text, TRIMMED, `${name}: ${JSON.stringify(best.text)} has no space at its edges`);
      }
      await answer.dispose();
    });
  }

  test(`${name}: the year near the end of a 2,000-word context is found, exactly`, async () => {
    const engine = engineFor('qa', name);
    const filler = 'Nothing much happened on that quiet day by the river, so they said. ';
    // 13 words a sentence: 152 of them before the answer, a few after.
    const before = filler.repeat(152);
    const text = `${before}Then, 😀 at last, the bridge opened in 1932. ${filler.repeat(3)}`;
    assert.ok(text.split(/\s+/).length >= 2000, `${text.split(/\s+/).length} words`);
    const result = await engine.ask({ text, question: 'When did the bridge open?', top: 1, minScore: 0.1 });
    assert.ok(result.windows > 3, `${name}: ${result.windows} windows`);
    const [best] = result.answers;
    assert.equal(best?.text, '1932', `${name}: ${JSON.stringify(result.answers)}`);
    assert.equal(best.start, text.indexOf('1932'));
    assert.equal(best.end, best.start + 4);
  });

  test(`${name}: no year in the context is no answer, and a year in the question is never one`, async () => {
    const engine = engineFor('qa', name);
    const none = await engine.ask({ text: 'Nobody knows when, 19999 or 3000 maybe.', question: 'Was it in 1850?', top: 3, minScore: 0.1 });
    assert.deepEqual(none.answers, []);
  });
}

// ---------------------------------------------------------------------------------------------
// Zero-shot topics

const TOPIC_MODELS = ['topics-xlmr', 'topics-deberta'] as const;
const TOPICS = ['sports', 'business', 'science', 'politics'];
const TEMPLATE = 'This text is about {}.';
const ZERO_SHOT_TEXTS = [
  'The football team scored a late goal to win the match.',
  'The company reported record profit; the government called an election.',
  'Nothing here is about any of them, except perhaps the weather.',
  'Tōkyō 😀 built a laboratory for physics research.',
];

for (const name of TOPIC_MODELS) {
  for (const precision of PRECISIONS) {
    for (const multiLabel of [false, true]) {
      test(`${name}: topics match the transformers.js zero-shot-classification pipeline (${multiLabel ? 'multi' : 'single'}-label, ${precision})`, async () => {
        const classify = await referencePipeline('zero-shot-classification', name, precision);
        const engine = engineFor('topics', name, precision);
        for (const text of ZERO_SHOT_TEXTS) {
          const reference = (await classify(text, TOPICS, { hypothesis_template: TEMPLATE, multi_label: multiLabel })) as { labels: string[]; scores: number[] };
          const ours = await engine.topics({ text, labels: TOPICS, multiLabel, hypothesisTemplate: TEMPLATE, format: 'plaintext' });
          assert.equal(ours.sections.length, 1);
          const referenceScore = new Map(reference.labels.map((label, i) => [label, reference.scores[i]]));
          assert.equal(ours.document.length, TOPICS.length);
          for (const { label, score } of ours.document) {
            assert.ok(close(score, referenceScore.get(label) ?? NaN), `${name} ${text} / ${label}: ours ${score}, reference ${referenceScore.get(label)}`);
          }
          // Same ranking where the scores differ (ties may be listed in either order).
          for (let i = 1; i < ours.document.length; i++) {
            const gap = (referenceScore.get(ours.document[i - 1].label) ?? 0) - (referenceScore.get(ours.document[i].label) ?? 0);
            assert.ok(gap > -1e-4, `${name}: ${ours.document[i - 1].label} ranks above ${ours.document[i].label} in the reference too`);
          }
        }
        await classify.dispose();
      });
    }
  }

  test(`${name}: the planted topic wins, found by the entailment label's name`, async () => {
    const engine = engineFor('topics', name);
    const result = await engine.topics({ text: ZERO_SHOT_TEXTS[0], labels: TOPICS, multiLabel: false, hypothesisTemplate: TEMPLATE, format: 'plaintext' });
    assert.equal(result.document[0].label, 'sports');
    assert.ok(result.document[0].score >= 0.9, JSON.stringify(result.document));
    const multi = await engine.topics({ text: ZERO_SHOT_TEXTS[1], labels: TOPICS, multiLabel: true, hypothesisTemplate: TEMPLATE, format: 'plaintext' });
    const score = new Map(multi.document.map((d) => [d.label, d.score]));
    for (const label of ['business', 'politics']) assert.ok((score.get(label) ?? 0) >= 0.9, `${label}: ${JSON.stringify(multi.document)}`);
    for (const label of ['sports', 'science']) assert.ok((score.get(label) ?? 1) <= 0.1, `${label}: ${JSON.stringify(multi.document)}`);
  });

  test(`${name}: a premise of over 512 tokens is read to the end`, async () => {
    const engine = engineFor('topics', name);
    const filler = 'The long quiet road ran on and on past the fields and the farms. ';
    // One plain-text section, longer than a window: the only topic word is in its last sentence.
    const text = `${filler.repeat(80)}At last the tennis players arrived.`;
    const result = await engine.topics({ text, labels: TOPICS, multiLabel: true, hypothesisTemplate: TEMPLATE, format: 'plaintext' });
    assert.equal(result.sections.length, 1);
    const score = new Map(result.document.map((d) => [d.label, d.score]));
    assert.equal(result.document[0].label, 'sports', JSON.stringify(result.document));
    // Only the last stretch entails sports; the others say contradiction for every topic.
    assert.ok((score.get('sports') ?? 0) > 0.1, JSON.stringify(result.document));
    for (const label of ['business', 'science', 'politics']) assert.ok((score.get(label) ?? 1) < 0.05, `${label}: ${JSON.stringify(result.document)}`);
  });
}
