/**
 * Zero-shot batching: the engine, which sends every (stretch, label) pair of a request through the
 * model in length-sorted batches, against the transformers.js zero-shot-classification pipeline,
 * which runs one forward pass per label, on the same model file and the same sections. Both run
 * in this process, one after the other, several rounds; the ratio is printed side by side.
 *
 *   npm run bench:zero-shot [-- --models DIR] [--labels 5] [--sections 40] [--rounds 3]
 *
 * Without --models it uses the planted fixture model (`npm run fixtures`): a tiny graph, so the
 * ratio mostly shows per-call overhead. Give a folder holding a real or full-size `topics` model
 * to see what batching does to the forward passes themselves.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/engine';
import { defaultEngineOptions } from '../src/engine/options';
import { topicSections } from '../src/engine/topics';

const ALL_LABELS = ['sports', 'business', 'science', 'politics', 'travel', 'health', 'music', 'food', 'history', 'weather'];
const PARAGRAPHS = [
  'The football team scored a late goal to win the match, and the coach praised the defence.',
  'The company reported record profit and its stocks rose on the market after the revenue forecast.',
  'Researchers ran the physics experiment again in the laboratory and published the data.',
  'Parliament debated the election law while the government prepared for the vote.',
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: join(__dirname, '..', 'test', 'fixtures', 'models') },
      labels: { type: 'string', default: '5' },
      sections: { type: 'string', default: '40' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const labelCounts = [...new Set([Number(values.labels), 10])].filter((n) => n >= 1 && n <= ALL_LABELS.length);
  const sectionCount = Number(values.sections);
  const rounds = Number(values.rounds);
  const text = Array.from({ length: sectionCount }, (_, i) => `# Section ${i}\n${PARAGRAPHS[i % PARAGRAPHS.length]}`).join('\n\n');
  const sections = topicSections(text, 'markdown').map((s) => s.text);
  const template = 'This text is about {}.';

  const engine = new Engine(defaultEngineOptions({ device: 'cpu', precision: 'fp32', bundledModelsDir: values.models }));
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = values.models;
  const classify = await pipeline('zero-shot-classification', 'topics', { dtype: 'fp32' });

  console.log(`Zero-shot topics: ${sections.length} sections, model ${join(values.models, 'topics')}, ${rounds} rounds (best of each)\n`);
  console.log('labels | engine (batched pairs) | pipeline (one pass per label) | engine speed-up');
  for (const count of labelCounts) {
    const labels = ALL_LABELS.slice(0, count);
    // Warm both up once, so neither pays for loading the model in the timing.
    await engine.topics({ text: sections[0], labels, multiLabel: false, hypothesisTemplate: template, format: 'markdown' });
    await classify(sections[0], labels, { hypothesis_template: template });
    let ours = Infinity;
    let theirs = Infinity;
    for (let round = 0; round < rounds; round++) {
      let started = performance.now();
      await engine.topics({ text, labels, multiLabel: false, hypothesisTemplate: template, format: 'markdown' });
      ours = Math.min(ours, performance.now() - started);
      started = performance.now();
      for (const section of sections) await classify(section, labels, { hypothesis_template: template });
      theirs = Math.min(theirs, performance.now() - started);
    }
    console.log(`${String(count).padStart(6)} | ${ours.toFixed(0).padStart(18)} ms | ${theirs.toFixed(0).padStart(26)} ms | ${(theirs / ours).toFixed(2).padStart(14)}×`);
  }
  await classify.dispose();
  await engine.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
