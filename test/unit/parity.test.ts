import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Engine } from '../../src/engine/engine';
import { fixtureModels, fixtureOptions } from '../helpers';

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

const engines: Engine[] = [];
after(() => Promise.all(engines.map((e) => e.dispose())));

for (const precision of ['fp32', 'int8'] as const) {
  test(`sentiment labels and scores match the transformers.js pipeline (${precision})`, async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = fixtureModels();
    const classify = await pipeline('text-classification', 'sentiment', { dtype: precision === 'int8' ? 'q8' : 'fp32' });
    const engine = new Engine(fixtureOptions({ precision }));
    engines.push(engine);
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
