import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { loadManifest } from '../../src/engine/manifest';
import { modelLanguages } from '../../src/engine/languageCoverage';
import type { ModelInfo } from '../../src/protocol';
import { coversLanguage, languageCoverageProblem, languagesInTable, readModelLanguages } from '../../src/tasks/languages';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';

// Whether a model reads the document's language: decided once, in the engine, for every task.

const engine = disposedAfterwards()(fixtureOptions());
const GERMAN = 'Angela Merkel besuchte München und Zürich. Das ist nicht schlecht.';

test("the English sentiment fixture refuses a German document, naming the model, its languages and the document's", async () => {
  await assert.rejects(engine.sentiment({ text: GERMAN, neutralBand: 0.1, language: 'de', languageFrom: 'detected' }), (error: unknown) => {
    assert.ok(error instanceof EngineError && error.code === 'bad-input');
    assert.equal(error.message.split('\n').length, 1);
    assert.match(error.message, /^The sentiment model \(sentiment\) reads English, not German, the document's language \(detected\): set textAnalytics\.models\.sentiment to a multilingual model/);
    assert.match(error.message, /textAnalytics\.models\.profile/);
    return true;
  });
  // Every task asks: entities, questions, topics, classifiers, personal data.
  await assert.rejects(engine.entities({ text: GERMAN, minScore: 0.5, language: 'de-CH' }), /named-entity model \(entities\) reads English, not Swiss High German/);
  await assert.rejects(engine.ask({ text: GERMAN, question: 'Wer?', top: 1, minScore: 0.1, language: 'de' }), /question-answering|reads English, not German/);
  await assert.rejects(
    engine.classify({ text: GERMAN, classifier: { id: 'emotion', title: 'Emotion', model: join(fixtureModels(), 'emotion'), level: 'sentence' }, language: 'de' }),
    /reads English, not German, the document's language: choose a multilingual model for the classifier in textAnalytics\.classifiers/,
  );
  await assert.rejects(
    engine.run('pii', { text: GERMAN, useModel: true, entitiesModel: true, minScore: 0.5, phoneRegion: 'DE', patterns: [], denyList: {}, allowList: [], language: 'de' }),
    /named-entity model \(entities\) reads English, not German/,
  );
});

test('English, an English variant, an unknown language and no language run as before', async () => {
  for (const language of [undefined, 'en', 'en-GB', 'auto', 'und']) {
    const result = await engine.sentiment({ text: 'What a wonderful day.', neutralBand: 0.1, language });
    assert.equal(result.sentences[0].label, 'POSITIVE', String(language));
  }
});

test('textAnalytics.modelLanguages says what a model reads: by folder, folder name, Hub id or task; "*" for any', async () => {
  const folder = join(fixtureModels(), 'entities');
  for (const modelLanguagesSetting of [{ [folder]: ['de', 'fr'] }, { [`${folder}/`]: 'de' }, { entities: '*' }]) {
    const result = await engine.entities({ text: GERMAN, minScore: 0.5, language: 'de', modelLanguages: modelLanguagesSetting });
    assert.equal(result.entities[0].text, 'Angela Merkel');
  }
  await assert.rejects(engine.entities({ text: GERMAN, minScore: 0.5, language: 'ja', modelLanguages: { entities: ['de', 'fr'] } }), /reads German and French, not Japanese/);
});

test("a model's languages: the setting first, then the manifest, then the recommended models, else English", () => {
  const manifest = loadManifest();
  const info = (over: Partial<ModelInfo>): ModelInfo => ({ task: 'sentiment', id: 'x', source: 'setting', dir: '/m/x', file: 'onnx/model.onnx', precision: 'int8', ...over });
  assert.deepEqual(modelLanguages(info({ id: manifest.models.sentiment.repo, source: 'cache' }), {}).languages, ['en']);
  assert.deepEqual(modelLanguages(info({ id: 'sentiment', source: 'bundled' }), {}).from, 'the manifest');
  assert.ok(modelLanguages(info({ task: 'entities', id: 'Xenova/bert-base-multilingual-cased-ner-hrl', source: 'cache' }), {}).languages.includes('de'));
  assert.deepEqual(modelLanguages(info({ id: 'someone/own-model' }), {}), { languages: ['en'], from: 'unsaid: English' });
  assert.deepEqual(modelLanguages(info({ id: 'someone/own-model' }), { modelLanguages: { 'someone/own-model': ['fr'] } }).languages, ['fr']);
  for (const task of ['sentiment', 'qa', 'entities', 'topics'] as const) assert.deepEqual(manifest.models[task].languages, ['en'], task);
});

test('coverage compares primary languages; bad setting values are read as nothing', () => {
  assert.ok(coversLanguage(['de'], 'de-AT') && coversLanguage(['*'], 'ja') && !coversLanguage(['en'], 'fr') && coversLanguage(['en'], 'und'));
  assert.equal(languageCoverageProblem({ model: 'M', remedy: 's', languages: ['en', 'de'], document: 'de-DE' }), undefined);
  assert.deepEqual(readModelLanguages(['DE', 'pt_br']), ['de', 'pt-BR']);
  assert.equal(readModelLanguages(['de', 'not a tag']), undefined);
  assert.equal(readModelLanguages(42), undefined);
  assert.equal(languagesInTable({ a: 'zz-!!' }, ['a']), undefined);
});
