import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { externalDataFiles } from '../../src/engine/externalData';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';
import { externalized } from '../support/externalData';

// Exports over 2 GB keep their weights in files beside the graph, named by each tensor's
// external_data location. Such a model must load, and a location that leaves the model's folder
// (absolute, `..`, a link to elsewhere) must be refused before onnxruntime opens it. The models
// here are the planted entities fixture with its weights moved out of the graph.

const newEngine = disposedAfterwards();
const TEXT = 'Angela Merkel met Barack Obama in Buenos Aires.';

/**
 * Copies the entities fixture into a temporary folder with the weights of its fp32 graph in
 * external files: `locate(i)` names tensor i's file (relative to onnx/), written with its bytes
 * unless `write` is false.
 */
function externalModel(t: { after(fn: () => void): void }, locate: (tensor: number) => string, write = true): string {
  const dir = join(tempDir(t), 'entities');
  cpSync(join(fixtureModels(), 'entities'), dir, { recursive: true });
  const graphFile = join(dir, 'onnx', 'model.onnx');
  const { graph, files } = externalized(readFileSync(graphFile), locate);
  if (write) for (const [location, data] of files) writeFileSync(isAbsolute(location) ? location : join(dir, 'onnx', location), data);
  writeFileSync(graphFile, graph);
  return dir;
}

async function entitiesOf(dir: string): Promise<Array<[string, string]>> {
  const engine = newEngine(fixtureOptions({ modelSources: { entities: dir } }));
  const result = await engine.entities({ text: TEXT, minScore: 0.5 });
  return result.entities.map((e) => [e.type, e.text]);
}

async function refusal(dir: string): Promise<EngineError> {
  const engine = newEngine(fixtureOptions({ modelSources: { entities: dir } }));
  const error = await engine.entities({ text: TEXT, minScore: 0.5 }).then(
    () => assert.fail('the model loaded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, String(error));
  return error;
}

test('a model with its weights in onnx/model.onnx_data loads and finds the same entities', async (t) => {
  const expected = await entitiesOf(join(fixtureModels(), 'entities'));
  assert.equal(expected.length, 3);
  const dir = externalModel(t, () => 'model.onnx_data');
  assert.deepEqual(await externalDataFiles(join(dir, 'onnx', 'model.onnx')), ['model.onnx_data']);
  assert.deepEqual(await entitiesOf(dir), expected);
});

test('weights spread over several external files load too', async (t) => {
  const dir = externalModel(t, (i) => (i % 2 === 0 ? 'weights-a.bin' : 'weights-b.bin'));
  const names = await externalDataFiles(join(dir, 'onnx', 'model.onnx'));
  assert.deepEqual(names.sort(), ['weights-a.bin', 'weights-b.bin']);
  assert.equal((await entitiesOf(dir)).length, 3);
});

test('an external data location that climbs out of the model folder is refused, naming it', async (t) => {
  const outside = tempDir(t);
  writeFileSync(join(outside, 'secret.bin'), 'not weights');
  const dir = externalModel(t, () => '../../escape.bin');
  const error = await refusal(dir);
  assert.equal(error.code, 'model-corrupt');
  assert.match(error.message, /"\.\.\/\.\.\/escape\.bin"/);
  assert.match(error.message, /outside the model folder/);
});

test('an absolute external data location is refused, naming it', async (t) => {
  const outside = tempDir(t);
  const file = join(outside, 'weights.bin');
  const dir = externalModel(t, () => file);
  const error = await refusal(dir);
  assert.match(error.message, /an absolute path/);
  assert.ok(error.message.includes(file), error.message);
});

test('an external data file that is a link to a file outside the folder is refused', async (t) => {
  const dir = externalModel(t, () => 'model.onnx_data');
  const outside = tempDir(t);
  // The real weights, moved out of the folder and linked back in.
  const real = join(outside, 'model.onnx_data');
  cpSync(join(dir, 'onnx', 'model.onnx_data'), real);
  const link = join(dir, 'onnx', 'model.onnx_data');
  writeFileSync(link, '');
  await import('node:fs/promises').then((fs) => fs.rm(link));
  symlinkSync(real, link);
  const error = await refusal(dir);
  assert.match(error.message, /a link to .*outside the model folder/);
});

test('a missing external data file is named', async (t) => {
  const dir = externalModel(t, () => 'model.onnx_data', false);
  const error = await refusal(dir);
  assert.match(error.message, /"model\.onnx_data", which is missing/);
});

test('a link inside the model folder is fine', async (t) => {
  const dir = externalModel(t, () => 'model.onnx_data');
  mkdirSync(join(dir, 'onnx', 'weights'));
  cpSync(join(dir, 'onnx', 'model.onnx_data'), join(dir, 'onnx', 'weights', 'data.bin'));
  await import('node:fs/promises').then((fs) => fs.rm(join(dir, 'onnx', 'model.onnx_data')));
  symlinkSync(join(dir, 'onnx', 'weights', 'data.bin'), join(dir, 'onnx', 'model.onnx_data'));
  assert.equal((await entitiesOf(dir)).length, 3);
});
