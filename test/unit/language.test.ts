import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';
import { REGISTRY } from '../../src/tasks/registry';
import { languageByScript, isLanguageCode } from '../../src/tasks/languages';
import { presentLanguage } from '../../src/ui/languagePresentation';

// The language task through the engine on the planted language-ID fixture (id2label en, de, fr,
// es; the language with the most of its planted words wins, none gives every language 1/4).

const engine = disposedAfterwards()(fixtureOptions());
const model = () => join(fixtureModels(), 'language');
const detect = (text: string, extra: { minScore?: number; offset?: number; format?: 'markdown' | 'plaintext' } = {}) =>
  engine.run('language', { text, model: model(), minScore: 0.6, ...extra });

const EN = 'The cat sat with the dog and the bird.';
const DE = 'Das ist nicht gut und das ist alles.';
const FR = 'Il vient avec nous pour le dîner dans la maison.';
const ES = 'Es muy bueno, pero no porque lo digo.';

test('each paragraph gets the language of its words, with its exact span', async () => {
  const text = [EN, DE, FR, ES].join('\n\n');
  const result = await detect(text);
  assert.deepEqual(result.paragraphs.map((p) => [p.language, p.source]), [['en', 'model'], ['de', 'model'], ['fr', 'model'], ['es', 'model']]);
  for (const p of result.paragraphs) {
    assert.equal(text.slice(p.start, p.end), p.text);
    assert.ok(p.score >= 0.9, `${p.language} scored ${p.score}`);
  }
  assert.equal(result.model.task, 'language');
});

test("the document's language is that of most of its letters, with its share", async () => {
  const text = `${DE}\n\n${DE} ${DE}\n\n${EN}`;
  const result = await detect(text);
  assert.equal(result.document.language, 'de');
  const letters = (s: string) => [...s].filter((c) => /\p{L}/u.test(c)).length;
  const de = letters(DE) * 3;
  assert.ok(Math.abs(result.document.share - de / (de + letters(EN))) < 1e-9);
  assert.deepEqual(result.languages.map((l) => [l.language, l.paragraphs]), [['de', 2], ['en', 1]]);
});

test('a paragraph the model is unsure of is undetermined, not a guess', async () => {
  const result = await detect(`Angela Merkel, Paris, Berlin.\n\n${DE}`);
  assert.equal(result.paragraphs[0].language, 'und');
  assert.equal(result.paragraphs[0].source, 'model');
  assert.ok(result.paragraphs[0].score < 0.6);
  assert.equal(result.document.language, 'de', 'undetermined paragraphs do not make the document undetermined');
  // A lower minScore takes the model's best guess.
  const guessed = await detect('Angela Merkel, Paris, Berlin.', { minScore: 0 });
  assert.notEqual(guessed.paragraphs[0].language, 'und');
});

test('Japanese, Korean and Thai are told by their script without the model; digits alone have no language', async () => {
  const text = `東京でフランソワ・デュポンに会いました。\n\n서울은 한국의 수도입니다.\n\nกรุงเทพมหานครเป็นเมืองหลวง\n\n12 345 😀\n\n${EN}`;
  const result = await detect(text, { offset: 10 });
  assert.deepEqual(result.paragraphs.map((p) => [p.language, p.source]), [['ja', 'script'], ['ko', 'script'], ['th', 'script'], ['und', 'none'], ['en', 'model']]);
  for (const p of result.paragraphs) assert.equal(text.slice(p.start - 10, p.end - 10), p.text);
});

test('Markdown: headings and code are not paragraphs', async () => {
  const result = await detect(`# The title\n\n\`\`\`\nund nicht ist\n\`\`\`\n\n${FR}`, { format: 'markdown' });
  assert.deepEqual(result.paragraphs.map((p) => p.language), ['fr']);
});

test('a model whose labels are not language codes is refused, naming its labels', async () => {
  await assert.rejects(engine.run('language', { text: EN, model: join(fixtureModels(), 'emotion'), minScore: 0.6 }), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.match(error.message, /sadness, joy, love, anger, fear, surprise.*language code/);
    return true;
  });
  await assert.rejects(engine.run('language', { text: EN, model: ' ', minScore: 0.6 }), /No language-identification model is set: set textAnalytics\.models\.language/);
});

test('what counts as a language label, and a language by script', () => {
  const problem = REGISTRY.language.labelProblem;
  assert.equal(problem?.({ id2label: ['en', 'de', 'zh-Hans', 'eng_Latn'] }), undefined);
  for (const bad of [['POSITIVE', 'NEGATIVE'], ['LABEL_0', 'LABEL_1'], ['en'], ['en', 'xx']]) assert.match(problem?.({ id2label: bad }) ?? '', /language code/);
  assert.match(problem?.({ id2label: ['en', 'de'], problemType: 'multi_label_classification' }) ?? '', /multi-label/);
  assert.ok(!isLanguageCode('und') && !isLanguageCode('sports') && isLanguageCode('pt-BR'));
  assert.equal(languageByScript('漢字だけではない'), 'ja');
  assert.equal(languageByScript('北京是中国的首都'), undefined, 'Han alone is Chinese or Japanese');
  assert.equal(languageByScript('Привет, мир'), undefined, 'Cyrillic is many languages');
  assert.equal(languageByScript('Καλημέρα κόσμε'), 'el');
  assert.equal(languageByScript('Tokyo (東京) est grand'), undefined, 'a few kanji in French stay French');
});

test("the status bar says the document's language, where it came from, and the paragraphs per language", async () => {
  const result = await detect(`${DE}\n\n${DE}\n\n${EN}\n\nAngela Merkel, Paris.`);
  const shown = presentLanguage({ language: result.document.language, from: 'detected', result }, true);
  assert.equal(shown.text, '$(globe) de');
  assert.equal(shown.tooltip, "Document language: German (detected): 2 paragraphs German, 1 paragraph English, 1 paragraph undetermined. Click for each paragraph's language.");
  assert.equal(presentLanguage({ language: 'ja', from: 'by script' }, false).tooltip, "Document language: Japanese (by script). Click for each paragraph's language.");
  assert.match(presentLanguage(undefined, false).tooltip, /unknown\. Set textAnalytics\.models\.language/);
});
