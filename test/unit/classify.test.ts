import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HUB_URL_ENV } from '../../src/engine/download';
import { EngineError } from '../../src/engine/errors';
import { MAX_LABEL_SCORES } from '../../src/engine/spanScores';
import type { ClassifierSpec, ClassifyResult } from '../../src/protocol';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';
import { folderFiles, startTestHub } from '../support/hubServer';
import { run, watched } from './cliRun';

// Any text classifier, run by the real engine on the planted fixture classifiers
// (test/fixtures/planted.ts): labels from config.json, softmax or a sigmoid per label, items at
// each level, and the text-classification pipeline's numbers.

const newEngine = disposedAfterwards();
const classifier = (name: string, extra: Partial<ClassifierSpec> = {}): ClassifierSpec => ({
  id: name,
  title: name,
  model: join(fixtureModels(), name),
  level: 'sentence',
  ...extra,
});
const top = (labels: ClassifyResult['items'][number]['labels']) => labels[0]?.label;

const SENTENCES = [
  'I am delighted and cheerful today.',
  'Tears of grief, so lonely.',
  'We adore and cherish our beloved dog.',
  'A stunned and astonished crowd.',
  'The train leaves at nine.',
  'You idiot, this is trash and I will hurt you.',
  'What a wonderful, excellent day.',
  'I hate this horrible, awful weather.',
  'Good and bad news.',
  `${'A very long sentence with many words '.repeat(40)}and a joyful ending.`,
];

for (const name of ['emotion', 'toxicity', 'sentiment-3class', 'sentiment-5star']) {
  for (const precision of ['fp32', 'int8'] as const) {
    test(`${name}: every label's score matches the transformers.js text-classification pipeline (${precision})`, async () => {
      const { pipeline, env } = await import('@huggingface/transformers');
      env.allowRemoteModels = false;
      env.localModelPath = fixtureModels();
      const reference = await pipeline('text-classification', name, { dtype: precision === 'int8' ? 'q8' : 'fp32' });
      const engine = newEngine(fixtureOptions({ precision }));
      // One sentence per paragraph, so that our segmentation cannot change what is compared.
      const result = await engine.classify({ text: SENTENCES.join('\n\n'), classifier: classifier(name) });
      assert.equal(result.multiLabel, name === 'toxicity', 'multi-label as the config says');
      assert.equal(result.items.length, SENTENCES.length);
      for (const [i, sentence] of SENTENCES.entries()) {
        const expected = (await reference(sentence, { top_k: null })) as Array<{ label: string; score: number }>;
        const ours = result.items[i];
        assert.equal(ours.text, sentence);
        assert.equal(ours.labels.length, expected.length);
        assert.equal(top(ours.labels), expected[0].label, sentence);
        for (const { label, score } of expected) {
          const mine = ours.labels.find((l) => l.label === label);
          assert.ok(mine && Math.abs(mine.score - score) < 1e-4, `${sentence} / ${label}: ours ${mine?.score}, reference ${score}`);
        }
      }
      await reference.dispose();
    });
  }
}

test('single-label scores sum to 1 and rank the planted label first; multi-label ones stand on their own', async () => {
  const engine = newEngine(fixtureOptions());
  const emotion = await engine.classify({ text: 'I am so delighted. We are afraid and terrified.', classifier: classifier('emotion') });
  assert.deepEqual(emotion.items.map((item) => top(item.labels)), ['joy', 'fear']);
  for (const item of emotion.items) assert.ok(Math.abs(item.labels.reduce((sum, l) => sum + l.score, 0) - 1) < 1e-9);
  assert.ok(emotion.items[0].labels[0].score >= 0.9);

  const toxicity = await engine.classify({ text: 'You clown, I will destroy it. A calm morning.', classifier: classifier('toxicity') });
  const [rude, calm] = toxicity.items;
  const score = (item: typeof rude, label: string) => item.labels.find((l) => l.label === label)?.score ?? NaN;
  assert.ok(score(rude, 'insult') >= 0.9 && score(rude, 'threat') >= 0.9 && score(rude, 'toxic') <= 0.1);
  for (const label of ['toxic', 'insult', 'threat']) assert.ok(score(calm, label) <= 0.1, label);

  // multiLabel: false overrides the config: a softmax then.
  const forced = await engine.classify({ text: 'You clown.', classifier: classifier('toxicity', { multiLabel: false }) });
  assert.equal(forced.multiLabel, false);
  assert.ok(Math.abs(forced.items[0].labels.reduce((sum, l) => sum + l.score, 0) - 1) < 1e-9);
});

test('levels: sentences, paragraphs or the document; offsets are the document slice, with a selection offset', async () => {
  const engine = newEngine(fixtureOptions());
  const text = 'So delighted. So joyful.\n\nFurious rage here. Outraged.\n\n';
  const check = (result: ClassifyResult, offset: number) => {
    for (const item of result.items) assert.equal(item.text, text.slice(item.start - offset, item.end - offset));
  };
  const sentences = await engine.classify({ text, classifier: classifier('emotion'), offset: 100 });
  assert.equal(sentences.level, 'sentence');
  assert.deepEqual(sentences.items.map((i) => i.text.trim()), ['So delighted.', 'So joyful.', 'Furious rage here.', 'Outraged.']);
  check(sentences, 100);
  const paragraphs = await engine.classify({ text, classifier: classifier('emotion', { level: 'paragraph' }) });
  assert.deepEqual(paragraphs.items.map((i) => top(i.labels)), ['joy', 'anger']);
  check(paragraphs, 0);
  const document = await engine.classify({ text, classifier: classifier('emotion', { level: 'document' }) });
  assert.equal(document.items.length, 1);
  assert.equal(document.items[0].text, text.trim());
  // Two joy words and three anger words: the document as one is anger.
  assert.equal(top(document.items[0].labels), 'anger');
  // The document's labels are the token-weighted mean of its items': best first, summing to 1.
  assert.deepEqual(paragraphs.document.labels.slice(0, 2).map((l) => l.label).sort(), ['anger', 'joy']);
  assert.ok(Math.abs(paragraphs.document.labels.reduce((sum, l) => sum + l.score, 0) - 1) < 1e-9);
  for (const result of [sentences, paragraphs, document]) {
    const scores = result.document.labels.map((l) => l.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  }
});

test('minScore leaves weak labels out of each item; a second run comes from the cache', async () => {
  const engine = newEngine(fixtureOptions());
  const text = 'So delighted. A plain line.';
  const result = await engine.classify({ text, classifier: classifier('emotion', { minScore: 0.5 }) });
  assert.deepEqual(result.items.map((i) => i.labels.map((l) => l.label)), [['joy'], []]);
  assert.equal(result.document.labels.length, 6, 'the document keeps every label');
  assert.equal(result.cachedItems, 0);
  const again = await engine.classify({ text, classifier: classifier('emotion', { minScore: 0.5 }) });
  assert.equal(again.cachedItems, 2);
  assert.deepEqual(again.items, result.items);
});

test('bad classifiers get one clear message: id, missing model, a model whose head does not fit, empty text', async () => {
  const engine = newEngine(fixtureOptions());
  const refused = async (spec: ClassifierSpec, code: string, pattern: RegExp, text = 'Some text.') => {
    const error = await engine.classify({ text, classifier: spec }).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
  };
  await refused(classifier('emotion', { id: 'no spaces!' }), 'bad-input', /classifier id "no spaces!"/);
  await refused(classifier('emotion', { model: ' ' }), 'bad-input', /names no model/);
  await refused(classifier('emotion', { model: 'not a hub id' }), 'model-missing', /classifier "emotion".*Hub id/);
  await refused(classifier('emotion', { model: join(fixtureModels(), 'missing') }), 'model-missing', /does not exist/);
  await refused(classifier('qa', { id: 'answers' }), 'model-corrupt', /not a text-classification model.*classifier "answers"/);
  await refused(classifier('entities', { id: 'ner' }), 'model-corrupt', /classifier "ner"/);
  await refused(classifier('emotion'), 'bad-input', /no text/, ' \n\n ');
});

test('sentiment takes 3-class and 5-star models: the model\'s labels, every score, the stars', async () => {
  const three = newEngine(fixtureOptions({ modelSources: { sentiment: join(fixtureModels(), 'sentiment-3class') } }));
  const result = await three.sentiment({ text: 'What a great day. The bus is blue. A terrible, awful mess.', neutralBand: 0.1 });
  assert.deepEqual(result.sentences.map((s) => [s.label, s.modelLabel]), [['POSITIVE', 'positive'], ['NEUTRAL', 'neutral'], ['NEGATIVE', 'negative']]);
  for (const s of result.sentences) {
    assert.ok(s.score >= 0.9);
    assert.deepEqual(s.labels?.map((l) => l.label).sort(), ['negative', 'neutral', 'positive']);
  }

  const five = newEngine(fixtureOptions({ modelSources: { sentiment: join(fixtureModels(), 'sentiment-5star') } }));
  const stars = await five.sentiment({ text: 'Good, great and excellent! Bad. Fine.\n\nWonderful.', neutralBand: 0.1 });
  assert.deepEqual(stars.sentences.map((s) => s.modelLabel), ['5 stars', '2 stars', '3 stars', '4 stars']);
  assert.deepEqual(stars.sentences.map((s) => s.label), ['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'POSITIVE']);
  for (const [i, expected] of [5, 2, 3, 4].entries()) assert.ok(Math.abs((stars.sentences[i].stars ?? 0) - expected) < 0.2, `sentence ${i}`);
  // The document's stars: the expected value of the token-weighted mean distribution, between the extremes.
  assert.ok((stars.document.stars ?? 0) > 2 && (stars.document.stars ?? 0) < 5);
  assert.equal(stars.paragraphs.length, 2);
});

test('a three-label sentiment model without names is refused with the labels it has', async (t) => {
  const dir = join(tempDir(t), 'unnamed');
  cpSync(join(fixtureModels(), 'sentiment-3class'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  config.id2label = { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' };
  config.label2id = { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const engine = newEngine(fixtureOptions({ modelSources: { sentiment: dir } }));
  await assert.rejects(engine.sentiment({ text: 'Fine.', neutralBand: 0.1 }), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'model-corrupt');
    assert.match(error.message, /LABEL_0, LABEL_1, LABEL_2/);
    assert.match(error.message, /negative, neutral and positive/);
    return true;
  });
});

test('a Hub classifier is downloaded once, its hashes recorded; a changed file is refused', { timeout: 60_000 }, async (t) => {
  const hub = await startTestHub(t, { 'someone/emotion-model': folderFiles(join(fixtureModels(), 'emotion')) });
  const previous = process.env[HUB_URL_ENV];
  process.env[HUB_URL_ENV] = hub.url;
  t.after(() => {
    if (previous === undefined) delete process.env[HUB_URL_ENV];
    else process.env[HUB_URL_ENV] = previous;
  });
  const cacheDir = join(tempDir(t), 'cache');
  const options = fixtureOptions({ allowDownloads: true, cacheDir, precision: 'int8' });
  const spec = classifier('emotion', { model: 'someone/emotion-model' });

  const asking = newEngine({ ...options, askBeforeDownload: true });
  await assert.rejects(asking.classify({ text: 'So delighted.', classifier: spec }), (error: unknown) => {
    assert.ok(error instanceof EngineError && error.code === 'download-needed');
    assert.equal((error as EngineError & { model?: string }).model, 'someone/emotion-model');
    return true;
  });
  const planned = await asking.download({ task: 'classify', model: 'someone/emotion-model', plan: true });
  assert.equal(planned.downloaded, false);
  assert.equal(planned.bytes, null, 'an unpinned model has no known size');
  const fetched = await asking.download({ task: 'classify', model: 'someone/emotion-model' });
  assert.equal(fetched.downloaded, true);

  const first = await newEngine(options).classify({ text: 'So delighted.', classifier: spec });
  assert.equal(top(first.items[0].labels), 'joy');
  assert.equal(first.model.source, 'cache');
  const pins = JSON.parse(readFileSync(join(cacheDir, '.pins', 'someone', 'emotion-model', 'main.json'), 'utf8')) as { files: Record<string, unknown> };
  assert.ok(pins.files['config.json'] && pins.files['onnx/model_quantized.onnx'], 'the files were pinned');

  // Someone changes the cached config (here: renames a label): a new engine refuses the model.
  const cached = join(first.model.dir, 'config.json');
  writeFileSync(cached, readFileSync(cached, 'utf8').replace('"joy"', '"happiness"'));
  await assert.rejects(newEngine(options).classify({ text: 'So delighted.', classifier: spec }), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'model-corrupt');
    assert.match(error.message, /config\.json changed since it was first downloaded/);
    return true;
  });
});

test('a result of more label scores than one request returns is refused before the model runs', { timeout: 60_000 }, async () => {
  const engine = newEngine(fixtureOptions());
  // Six labels: one sentence past MAX_LABEL_SCORES / 6.
  const lines = Math.floor(MAX_LABEL_SCORES / 6) + 1;
  const started = performance.now();
  await assert.rejects(engine.classify({ text: 'a\n'.repeat(lines), classifier: classifier('emotion') }), (error: unknown) => {
    assert.ok(error instanceof EngineError && error.code === 'bad-input');
    assert.match(error.message, /^Scoring 333,334 sentences against 6 labels makes 2,000,004 scores, more than the 2,000,000 one request returns: classify a part of the document, or at a coarser level \(paragraph or document\)\.$/);
    return true;
  });
  // The same text at the paragraph level is one item.
  const paragraph = await engine.classify({ text: 'a\n'.repeat(lines), classifier: classifier('emotion', { level: 'paragraph' }) });
  assert.equal(paragraph.items.length, 1);
  assert.ok(performance.now() - started < 50_000);

  const three = newEngine(fixtureOptions({ modelSources: { sentiment: join(fixtureModels(), 'sentiment-3class') } }));
  await assert.rejects(three.sentiment({ text: 'a\n'.repeat(Math.floor(MAX_LABEL_SCORES / 3) + 1), neutralBand: 0.1 }), /against 3 labels .* use a two-label sentiment model\.$/);
});

test('the CLI classifies with a Hub id only with --download, pins it, and refuses a changed file with its own advice', { timeout: 120_000 }, async (t) => {
  const hub = await startTestHub(t, { 'someone/emotion-model': folderFiles(join(fixtureModels(), 'emotion')) });
  const dir = tempDir(t);
  const file = join(dir, 'text.txt');
  writeFileSync(file, 'So delighted.\n\nFurious rage.\n');
  const cacheDir = join(dir, 'cache');
  const cli = (...args: string[]) => watched(['classify', file, '--model', 'someone/emotion-model', '--cache-dir', cacheDir, ...args], { env: { [HUB_URL_ENV]: hub.url } });

  const offline = await cli();
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /classifier model someone\/emotion-model is not in the download cache, and downloads are off\. Allow --download/);
  assert.equal(hub.connections, 0, 'nothing fetched without --download');

  const fetched = await cli('--download', '--json', '--level', 'paragraph');
  assert.equal(fetched.status, 0, fetched.stderr);
  const json = JSON.parse(fetched.stdout) as { schemaVersion: number; items: Array<{ labels: Array<{ label: string }> }>; model: { dir: string } };
  assert.equal(json.schemaVersion, 2);
  assert.deepEqual(json.items.map((item) => item.labels[0].label), ['joy', 'anger']);

  const config = join(json.model.dir, 'config.json');
  writeFileSync(config, readFileSync(config, 'utf8').replace('"anger"', '"wrath"'));
  const changed = await cli();
  assert.equal(changed.status, 1);
  assert.match(changed.stderr, /config\.json changed since it was first downloaded/);
  assert.equal(changed.stderr.trim().split('\n').length, 1, 'one line');
});

test('the CLI takes a model folder of any name (the classifier id it makes stays a valid id)', (t) => {
  const folder = join(tempDir(t), `${'long name '.repeat(10)}(v2)`);
  cpSync(join(fixtureModels(), 'emotion'), folder, { recursive: true });
  const file = join(tempDir(t), 'text.txt');
  writeFileSync(file, 'So delighted.');
  const result = run('classify', file, '--model', folder, '--json');
  assert.equal(result.status, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { items: Array<{ labels: Array<{ label: string }> }> }).items[0].labels[0].label, 'joy');
});
