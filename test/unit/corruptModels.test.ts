/**
 * Broken models at the engine: truncated, garbage or empty weights, a Git LFS pointer in their
 * place, a missing or broken tokenizer.json, a config.json that is not JSON, and labels that do
 * not fit the task. Each gives an EngineError naming the file's full path, what is wrong and what
 * to do; asking again gives the same error without reading the model again; putting the file
 * back makes the next request work, in the same engine.
 *
 * Run: npx tsx --test test/unit/corruptModels.test.ts (needs `npm run fixtures`)
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Engine } from '../../src/engine/engine';
import { EngineError } from '../../src/engine/errors';
import { loadManifest, modelCacheDir } from '../../src/engine/manifest';
import type { EngineOptions, ErrorCode, Task, WorkerActivity } from '../../src/protocol';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';

const TASKS: Task[] = ['sentiment', 'topics', 'entities', 'qa'];
const engineFor = disposedAfterwards();

/** One request of `task` on the fixture model, checked to give the planted answer. */
async function analyse(engine: Engine, task: Task): Promise<void> {
  const text = 'Angela Merkel had a wonderful day in Paris in 1958. The team scored a goal.';
  if (task === 'sentiment') {
    const result = await engine.sentiment({ text, neutralBand: 0.1 });
    assert.equal(result.sentences[0].label, 'POSITIVE');
  } else if (task === 'entities') {
    const result = await engine.entities({ text, minScore: 0.5 });
    assert.deepEqual(result.entities.map((e) => text.slice(e.start, e.end)), ['Angela Merkel', 'Paris']);
  } else if (task === 'qa') {
    const result = await engine.ask({ text, question: 'When?', top: 1, minScore: 0.1 });
    assert.deepEqual(result.answers.map((a) => text.slice(a.start, a.end)), ['1958']);
  } else {
    const labels = ['sports', 'business'];
    const result = await engine.topics({ text, labels, multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'plaintext' });
    assert.equal(result.sections[0].labels[0].label, 'sports');
  }
}

/** A copy of the fixture model of `task` in a temporary folder. */
function modelCopy(t: TestContext, task: Task, into = join(tempDir(t), task)): string {
  cpSync(join(fixtureModels(), task), into, { recursive: true });
  return into;
}

/** An engine whose only source for `task` is `options`, counting the model loads it starts. */
function countingEngine(options: Partial<EngineOptions>): { engine: Engine; loads(): number } {
  const activities: WorkerActivity[] = [];
  const engine = engineFor(fixtureOptions({ bundledModelsDir: '/nonexistent-bundle', ...options }), {
    onActivity: (activity) => activities.push(activity),
  });
  return { engine, loads: () => activities.filter((a) => a.kind === 'loading-model').length };
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail('expected the request to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, `not an EngineError: ${String(error)}`);
  return error;
}

interface Breakage {
  name: string;
  /** The file damaged, relative to the model folder. */
  file: string;
  damage(path: string): void;
  code: ErrorCode;
  /** What the message must say is wrong. */
  says: RegExp;
}

const half = (p: string) => truncateSync(p, Math.floor(readFileSync(p).length / 2));
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 267832558\n';

const BREAKAGES: Breakage[] = [
  { name: 'truncated weights', file: 'onnx/model.onnx', damage: half, code: 'model-corrupt', says: /truncated or damaged/ },
  {
    name: 'garbage weights',
    file: 'onnx/model.onnx',
    damage: (p) => writeFileSync(p, '<!DOCTYPE html><p>Not found</p>'.repeat(40)),
    code: 'model-corrupt',
    says: /truncated or damaged/,
  },
  { name: 'empty weights', file: 'onnx/model.onnx', damage: (p) => writeFileSync(p, ''), code: 'model-corrupt', says: /is empty/ },
  {
    name: 'a Git LFS pointer for weights',
    file: 'onnx/model.onnx',
    damage: (p) => writeFileSync(p, LFS_POINTER),
    code: 'model-corrupt',
    says: /Git LFS pointer/,
  },
  { name: 'no tokenizer.json', file: 'tokenizer.json', damage: (p) => rmSync(p), code: 'model-missing', says: /lacks tokenizer\.json/ },
  {
    name: 'a truncated tokenizer.json',
    file: 'tokenizer.json',
    damage: (p) => truncateSync(p, 1000),
    code: 'model-corrupt',
    says: /is not a valid tokenizer\.json \(EOF while parsing/,
  },
  {
    name: 'a config.json that is not JSON',
    file: 'config.json',
    damage: (p) => writeFileSync(p, '{ "id2label": { "0": '),
    code: 'model-corrupt',
    says: /is not valid JSON/,
  },
  { name: 'an empty config.json', file: 'config.json', damage: (p) => writeFileSync(p, ''), code: 'model-corrupt', says: /is empty/ },
];

for (const breakage of BREAKAGES) {
  test(`${breakage.name}: a clear error naming the file, the same at once when asked again, gone when the file is back`, async (t) => {
    for (const task of TASKS) {
      const dir = modelCopy(t, task);
      const file = join(dir, breakage.file);
      const original = readFileSync(file);
      breakage.damage(file);
      const { engine, loads } = countingEngine({ modelSources: { [task]: dir } });

      const first = await rejection(analyse(engine, task));
      assert.equal(first.code, breakage.code, `${task}: ${first.message}`);
      assert.match(first.message, breakage.says, task);
      if (breakage.code === 'model-missing') {
        assert.ok(first.message.includes(dir), `${task}: names the folder: ${first.message}`);
      } else {
        assert.ok(first.message.includes(file), `${task}: names ${file}: ${first.message}`);
        const todo = `set textAnalytics.models.${task} to another model folder`;
        assert.ok(first.message.includes(todo), `${task}: says what to do: ${first.message}`);
      }

      const again = await rejection(analyse(engine, task));
      assert.deepEqual([again.code, again.message], [first.code, first.message], `${task}: the same error again`);
      assert.equal(loads(), breakage.code === 'model-corrupt' ? 1 : 0, `${task}: the broken model was not read again`);

      writeFileSync(file, original);
      await analyse(engine, task);
    }
  });
}

test('labels that do not fit the task are refused when the model loads, naming config.json and the labels needed', async (t) => {
  const cases: { task: Exclude<Task, 'qa'>; id2label: Record<string, string> | undefined; needs: RegExp }[] = [
    { task: 'sentiment', id2label: undefined, needs: /has no id2label.*POSITIVE and NEGATIVE/ },
    { task: 'sentiment', id2label: { 0: 'ANGER', 1: 'JOY', 2: 'FEAR' }, needs: /ANGER, JOY, FEAR.*POSITIVE and NEGATIVE/ },
    { task: 'entities', id2label: undefined, needs: /has no id2label.*"O" and tags such as B-PER/ },
    { task: 'entities', id2label: { 0: 'PER', 1: 'LOC' }, needs: /PER, LOC.*"O"/ },
    { task: 'topics', id2label: undefined, needs: /has no id2label.*"entailment" and "contradiction"/ },
    { task: 'topics', id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' }, needs: /NEGATIVE, POSITIVE.*"entailment" and "contradiction"/ },
  ];
  for (const { task, id2label, needs } of cases) {
    const dir = modelCopy(t, task, join(tempDir(t), `${task}-labels`));
    const configFile = join(dir, 'config.json');
    const original = readFileSync(configFile, 'utf8');
    const config = JSON.parse(original) as Record<string, unknown>;
    delete config.label2id;
    if (id2label) config.id2label = id2label;
    else delete config.id2label;
    writeFileSync(configFile, JSON.stringify(config));
    const { engine, loads } = countingEngine({ modelSources: { [task]: dir } });

    const error = await rejection(analyse(engine, task));
    assert.equal(error.code, 'model-corrupt', error.message);
    assert.ok(error.message.startsWith(`${configFile} `), `names ${configFile} first: ${error.message}`);
    assert.match(error.message, needs);
    assert.match(error.message, new RegExp(`set textAnalytics\\.models\\.${task} to another model folder`));
    assert.equal((await rejection(analyse(engine, task))).message, error.message);
    assert.equal(loads(), 1, 'not loaded again while the config is unchanged');

    writeFileSync(configFile, original);
    await analyse(engine, task);
  }
});

test('question answering needs no labels: a config without id2label loads', async (t) => {
  const dir = modelCopy(t, 'qa');
  const configFile = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  delete config.id2label;
  delete config.label2id;
  writeFileSync(configFile, JSON.stringify(config));
  await analyse(countingEngine({ modelSources: { qa: dir } }).engine, 'qa');
});

test('what to do follows where the broken model came from: a setting folder, the extension, the cache', async (t) => {
  const root = tempDir(t);
  const bundled = join(root, 'bundled');
  modelCopy(t, 'sentiment', join(bundled, 'sentiment'));
  const spec = loadManifest().models.sentiment;
  const cacheDir = join(root, 'cache');
  const cached = modelCopy(t, 'sentiment', modelCacheDir(cacheDir, spec.repo, spec.revision));
  const setting = modelCopy(t, 'sentiment', join(root, 'mine'));
  for (const dir of [bundled + '/sentiment', cached, setting]) truncateSync(join(dir, 'onnx', 'model.onnx'), 1000);

  const advice = async (options: Partial<EngineOptions>) =>
    (await rejection(analyse(countingEngine({ cacheDir, ...options }).engine, 'sentiment'))).message;
  assert.match(await advice({ modelSources: { sentiment: setting } }), /Fix or replace the file, or set textAnalytics\.models\.sentiment/);
  assert.match(await advice({ bundledModelsDir: bundled }), /bundled with the extension is damaged: reinstall the extension/);
  const fromCache = await advice({});
  assert.ok(fromCache.includes(`Delete the folder ${cached} to have it downloaded again`), fromCache);
});

test('a bundled folder without its tokenizer says to reinstall', async (t) => {
  const bundled = join(tempDir(t), 'bundled');
  modelCopy(t, 'entities', join(bundled, 'entities'));
  rmSync(join(bundled, 'entities', 'tokenizer.json'));
  const error = await rejection(analyse(countingEngine({ bundledModelsDir: bundled }).engine, 'entities'));
  assert.equal(error.code, 'model-missing');
  assert.ok(error.message.includes(join(bundled, 'entities')), error.message);
  assert.match(error.message, /lacks tokenizer\.json\. Reinstall the extension, or set textAnalytics\.models\.entities/);
});
