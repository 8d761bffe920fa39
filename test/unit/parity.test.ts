import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';

// Our engine must agree with the reference implementation, @huggingface/transformers'
// `text-classification` pipeline, on the same model file: same label, score within 1e-4.

const SENTENCES = [
  'What a wonderful, excellent day.',
  'I hate this horrible weather.',
  'The train leaves at nine.',
  'Good news and bad news.',
  'The best coffee, the worst cake, and a happy dog.',
  'Tōkyō 😀 was great!',
  'Ünïcödé àccents are sad.',
  `${'A very long sentence with many words '.repeat(40)}and a good ending.`,
];

const newEngine = disposedAfterwards();

for (const precision of ['fp32', 'int8'] as const) {
  test(`sentiment labels and scores match the transformers.js pipeline (${precision})`, async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = fixtureModels();
    const classify = await pipeline('text-classification', 'sentiment', { dtype: precision === 'int8' ? 'q8' : 'fp32' });
    const engine = newEngine(fixtureOptions({ precision }));
    // One sentence per paragraph, so our sentence segmentation cannot change what is compared.
    const result = await engine.sentiment({ text: SENTENCES.join('\n\n'), neutralBand: 0 });
    assert.equal(result.sentences.length, SENTENCES.length);
    for (const [i, sentence] of SENTENCES.entries()) {
      const [reference] = (await classify(sentence)) as Array<{ label: string; score: number }>;
      const ours = result.sentences[i];
      assert.equal(ours.text, sentence);
      assert.equal(ours.label, reference.label, sentence);
      assert.ok(Math.abs(ours.score - reference.score) < 1e-4, `${sentence}: ours ${ours.score}, reference ${reference.score}`);
    }
    await classify.dispose();
  });
}

const ENTITY_TEXTS = [
  'Angela Merkel met Barack Obama in Buenos Aires.',
  'Marie Curie worked in Paris; Google and UNESCO sent French and German delegates to the Olympics.',
  'Tōkyō 😀 welcomed Mozilla and Siemens, while a lone Merkel stayed in Berlin.',
  'Nothing to find here at all.',
];

/** How the reference pipeline writes an entity's word: lower case, accents stripped (the model is uncased). */
function asUncasedWord(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

for (const precision of ['fp32', 'int8'] as const) {
  test(`entities match the transformers.js token-classification pipeline, aggregation "simple" (${precision})`, async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = fixtureModels();
    const classify = await pipeline('token-classification', 'entities', { dtype: precision === 'int8' ? 'q8' : 'fp32' });
    const engine = newEngine(fixtureOptions({ precision }));
    for (const text of ENTITY_TEXTS) {
      const reference = (await classify(text, { aggregation_strategy: 'simple' })) as unknown as Array<{ entity_group: string; score: number; word: string }>;
      const ours = (await engine.entities({ text, minScore: 0 })).entities;
      assert.deepEqual(
        ours.map((e) => [e.type, asUncasedWord(e.text)]),
        reference.map((r) => [r.entity_group, r.word]),
        text,
      );
      ours.forEach((e, i) => assert.ok(Math.abs(e.score - reference[i].score) < 1e-4, `${e.text}: ours ${e.score}, reference ${reference[i].score}`));
      // The pipeline gives no usable offsets (only a lower-cased, accent-stripped word: "tokyo" for
      // "Tōkyō"); ours are the document's own characters, exactly at their offsets.
      for (const e of ours) assert.equal(text.slice(e.start, e.end), e.text);
    }
    await classify.dispose();
  });
}

const QA_CASES = [
  { question: 'When did the bridge open?', context: 'The bridge opened in 1932 after four years of work.' },
  { question: 'When was Tōkyō 😀 rebuilt in 1999?', context: 'Tōkyō 😀 was rebuilt in 2004, they say, by Ångström & Co.' },
  { question: 'What year?', context: 'In 2345, long after today, a ship called Vega left.' },
];

for (const precision of ['fp32', 'int8'] as const) {
  test(`answers match the transformers.js question-answering pipeline (${precision})`, async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = fixtureModels();
    const answer = await pipeline('question-answering', 'qa', { dtype: precision === 'int8' ? 'q8' : 'fp32' });
    const engine = newEngine(fixtureOptions({ precision }));
    for (const { question, context } of QA_CASES) {
      const reference = (await answer(question, context)) as { answer: string; score: number };
      const ours = await engine.ask({ text: context, question, top: 1, minScore: 0 });
      assert.equal(ours.windows, 1, 'a context under one window');
      assert.equal(ours.answers[0].text, reference.answer, question);
      assert.ok(Math.abs(ours.answers[0].score - reference.score) < 1e-4, `${question}: ours ${ours.answers[0].score}, reference ${reference.score}`);
    }
    await answer.dispose();
  });
}

const ZERO_SHOT_TEXTS = [
  'The football team scored a late goal to win the match.',
  'The company reported record profit; the government called an election.',
  'Nothing here is about any of them, except perhaps the weather.',
];

for (const multiLabel of [false, true]) {
  test(`topics match the transformers.js zero-shot-classification pipeline (${multiLabel ? 'multi' : 'single'}-label)`, async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = fixtureModels();
    const classify = await pipeline('zero-shot-classification', 'topics', { dtype: 'fp32' });
    const engine = newEngine(fixtureOptions({ precision: 'fp32' }));
    const labels = ['sports', 'business', 'science', 'politics'];
    const template = 'This text is about {}.';
    for (const text of ZERO_SHOT_TEXTS) {
      const reference = (await classify(text, labels, { hypothesis_template: template, multi_label: multiLabel })) as { labels: string[]; scores: number[] };
      const ours = await engine.topics({ text, labels, multiLabel, hypothesisTemplate: template, format: 'plaintext' });
      assert.equal(ours.sections.length, 1);
      // Same ranking where scores differ (ties may be listed in either order), scores within 1e-4.
      const referenceScore = new Map(reference.labels.map((label, i) => [label, reference.scores[i]]));
      for (const { label, score } of ours.document) {
        assert.ok(Math.abs(score - (referenceScore.get(label) ?? NaN)) < 1e-4, `${text} / ${label}: ours ${score}, reference ${referenceScore.get(label)}`);
      }
      for (let i = 1; i < ours.document.length; i++) {
        const [higher, lower] = [ours.document[i - 1].label, ours.document[i].label];
        const gap = (referenceScore.get(higher) ?? 0) - (referenceScore.get(lower) ?? 0);
        assert.ok(gap > -1e-4, `${higher} ranks above ${lower} in the reference too`);
      }
    }
    await classify.dispose();
  });
}
