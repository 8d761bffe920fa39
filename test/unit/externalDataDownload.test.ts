/**
 * Downloading a Hub model whose weights sit beside its graph in external data files
 * (`onnx/model_quantized.onnx_data`, as exports over 2 GB are made): the files the graph names are
 * fetched with it and cached with it, a name that would leave the model's folder is refused before
 * anything is asked of the server, and a half-fetched model never passes for a cached one. The Hub
 * is the loopback one (test/support/hubServer.ts); its repos are the planted sentiment fixture with
 * the weights of its int8 graph moved out of the graph.
 *
 * Run: npx tsx --test test/unit/externalDataDownload.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { modelCacheDir } from '../../src/engine/manifest';
import type { EngineOptions, SentimentResult } from '../../src/protocol';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';
import { externalized } from '../support/externalData';
import { folderFiles, type HubRepoFiles, type LoopbackHub, startTestHub } from '../support/hubServer';

const newEngine = disposedAfterwards();
const TIMEOUT = { timeout: 60_000 };
const REPO = 'someone/sentiment-external';
const GRAPH = 'onnx/model_quantized.onnx';
const TEXT = 'I love this place. The coffee was excellent.\n\nThe music was awful and the chairs were bad.';

/**
 * The sentiment fixture as a Hub repo, with the weights of its int8 graph in external files:
 * `locate(i)` names tensor i's file as the graph will say it (relative to onnx/). Each file's
 * bytes are served at that name, unless `serve` is false or the name is not a plain file of the
 * repo (those are the caller's to place, or not).
 */
function externalRepo(locate: (tensor: number) => string, serve = true): { files: HubRepoFiles; locations: string[] } {
  const files = folderFiles(join(fixtureModels(), 'sentiment'));
  const moved = externalized(files[GRAPH], locate);
  assert.ok(moved.files.size > 0, 'the fixture has weights to move out');
  files[GRAPH] = moved.graph;
  if (serve) for (const [location, data] of moved.files) files[`onnx/${location}`] = data;
  return { files, locations: [...moved.files.keys()] };
}

/** Engine options that run the sentiment task on REPO from the loopback Hub, caching in `cacheDir`. */
function hubOptions(cacheDir: string, allowDownloads = true): EngineOptions {
  return fixtureOptions({ precision: 'int8', cacheDir, allowDownloads, modelSources: { sentiment: REPO } });
}

function labels(result: SentimentResult): Array<[string, string]> {
  return result.sentences.map((s) => [s.text, s.label]);
}

/** The planted answers, from the fixture as it is (weights inside the graph). */
async function plantedLabels(): Promise<Array<[string, string]>> {
  const expected = labels(await newEngine(fixtureOptions({ precision: 'int8' })).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.deepEqual(
    expected.map(([, label]) => label),
    ['POSITIVE', 'POSITIVE', 'NEGATIVE'],
  );
  return expected;
}

async function refusal(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail('the model was used'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, String(error));
  assert.equal(error.message.split('\n').length, 1, `one line: ${error.message}`);
  return error;
}

/** Every plain file under `dir`, relative, with `/`. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The files of REPO the Hub was asked for, in order. */
const asked = (hub: LoopbackHub) => hub.requests.filter((r) => r.repo === REPO).map((r) => r.file);

test('a Hub model with its weights in onnx/model_quantized.onnx_data is downloaded whole, cached, and runs', TIMEOUT, async (t) => {
  const expected = await plantedLabels();
  const { files } = externalRepo(() => 'model_quantized.onnx_data');
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = join(tempDir(t), 'cache');
  const engine = newEngine(hubOptions(cacheDir));

  const progress: string[] = [];
  const got = await engine.download({ task: 'sentiment' }, { onProgress: (p) => progress.push(p.message ?? '') });
  assert.equal(got.downloaded, true);
  assert.ok(progress.includes('onnx/model_quantized.onnx_data'), `the progress shows the weights file: ${[...new Set(progress)].join(', ')}`);
  assert.ok(progress.includes(GRAPH));
  assert.equal(hub.requestsFor('onnx/model_quantized.onnx_data').length, 1, 'the weights file was fetched once');
  assert.ok(!asked(hub).includes('onnx/model.onnx'), 'the fp32 graph was not fetched');

  const dir = modelCacheDir(cacheDir, REPO, 'main');
  assert.ok(got.model && got.model.dir === dir);
  const cached = listFiles(dir);
  for (const file of [GRAPH, 'onnx/model_quantized.onnx_data', 'config.json', 'tokenizer.json']) assert.ok(cached.includes(file), `${file} is cached: ${cached.join(', ')}`);
  assert.deepEqual(listFiles(join(cacheDir, '.downloads')), [], 'no work files left');

  const before = hub.requests.length;
  const result = await newEngine(hubOptions(cacheDir, false)).sentiment({ text: TEXT, neutralBand: 0.1 });
  assert.deepEqual([result.model?.source, result.model?.dir, result.model?.file], ['cache', dir, GRAPH]);
  assert.deepEqual(labels(result), expected, 'the planted answers, from the downloaded weights');
  assert.equal(hub.requests.length, before, 'the cached model needs no network');
});

test('weights spread over several external data files are all fetched, and the model runs', TIMEOUT, async (t) => {
  const expected = await plantedLabels();
  const { files, locations } = externalRepo((i) => (i % 2 === 0 ? 'weights-a.bin' : 'weights-b.bin'));
  assert.deepEqual(locations.sort(), ['weights-a.bin', 'weights-b.bin'], 'two tensors in two files');
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = join(tempDir(t), 'cache');

  // No download step first: the request itself fetches what it needs.
  const result = await newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 });
  assert.equal(result.model?.source, 'download');
  assert.deepEqual(labels(result), expected);
  for (const file of ['onnx/weights-a.bin', 'onnx/weights-b.bin']) {
    assert.equal(hub.requestsFor(file).length, 1, `${file} fetched`);
    assert.ok(listFiles(modelCacheDir(cacheDir, REPO, 'main')).includes(file), `${file} cached`);
  }
});

for (const where of ['../evil.bin', '../../../evil.bin', 'absolute'] as const) {
  test(`a graph naming the external data file ${where === 'absolute' ? 'by an absolute path' : `"${where}"`} is refused, nothing fetched or written outside, nothing cached`, TIMEOUT, async (t) => {
    const root = tempDir(t);
    const outside = join(root, 'outside', 'evil.bin');
    const location = where === 'absolute' ? outside : where;
    const { files } = externalRepo(() => location, false);
    // What a client that followed the name would get: the Hub serves a file there, so a request
    // for it would show.
    files['evil.bin'] = Buffer.from('not weights');
    const hub = await startTestHub(t, { [REPO]: files });
    const cacheDir = join(root, 'cache');

    const error = await refusal(newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 }));
    assert.equal(error.code, 'model-corrupt');
    assert.ok(error.message.includes(`"${location}"`), `names the file: ${error.message}`);
    assert.match(error.message, /not a file inside the model's folder; it was not downloaded/);

    // The server was asked for the model's own files only, and the name was never followed.
    assert.ok(asked(hub).includes(GRAPH));
    for (const file of asked(hub)) assert.ok(file in files && file !== 'evil.bin', `asked for ${file}`);
    assert.deepEqual(listFiles(root).filter((file) => file.endsWith('evil.bin')), [], 'nothing written at the name');
    assert.ok(!existsSync(outside));
    // No model folder, nothing half built or lying around as a finished file.
    assert.ok(!existsSync(modelCacheDir(cacheDir, REPO, 'main')), 'no model folder in the cache');
    assert.deepEqual(listFiles(cacheDir), [], `the cache holds no files: ${listFiles(cacheDir).join(', ')}`);

    // A later request does not find a half model: offline, it says the model is not there.
    const offline = await refusal(newEngine(hubOptions(cacheDir, false)).sentiment({ text: TEXT, neutralBand: 0.1 }));
    assert.equal(offline.code, 'model-missing', offline.message);
  });
}

test('an external data file the Hub does not have is named, and nothing is cached as complete', TIMEOUT, async (t) => {
  const { files } = externalRepo(() => 'model_quantized.onnx_data', false);
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = join(tempDir(t), 'cache');

  const error = await refusal(newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.equal(error.code, 'download-failed');
  assert.ok(error.message.includes(`${REPO}/onnx/model_quantized.onnx_data was not found on the Hub (404 from ${hub.url}/`), error.message);
  assert.ok(asked(hub).includes(GRAPH), 'the graph was fetched, and named the file');
  assert.ok(!existsSync(modelCacheDir(cacheDir, REPO, 'main')), 'no model folder in the cache');

  const offline = await refusal(newEngine(hubOptions(cacheDir, false)).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.equal(offline.code, 'model-missing', offline.message);
  // Asked again with downloads on, it fails the same way rather than running on a graph without weights.
  const again = await refusal(newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.equal(again.code, 'download-failed', again.message);
  assert.ok(again.message.includes('onnx/model_quantized.onnx_data was not found on the Hub'), again.message);
});

test('a cached model whose .onnx_data the user deleted says which file is missing and how to get it back', TIMEOUT, async (t) => {
  const expected = await plantedLabels();
  const { files } = externalRepo(() => 'model_quantized.onnx_data');
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = join(tempDir(t), 'cache');
  const dir = modelCacheDir(cacheDir, REPO, 'main');
  await newEngine(hubOptions(cacheDir)).download({ task: 'sentiment' });
  rmSync(join(dir, 'onnx', 'model_quantized.onnx_data'));

  // The folder still looks like a model (its graph is there), so it is not fetched again by
  // itself: loading it names the missing file and says what to do, even with downloads on.
  const before = hub.requests.length;
  const error = await refusal(newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.equal(error.code, 'model-corrupt');
  assert.match(error.message, /"model_quantized\.onnx_data", which is missing/);
  assert.ok(error.message.includes(`Delete the folder ${dir} to have it downloaded again`), error.message);
  assert.equal(hub.requests.length, before, 'nothing was fetched');

  // Doing what it says brings the model back.
  rmSync(dir, { recursive: true });
  const result = await newEngine(hubOptions(cacheDir)).sentiment({ text: TEXT, neutralBand: 0.1 });
  assert.equal(result.model?.source, 'download');
  assert.deepEqual(labels(result), expected);
  assert.equal(hub.requestsFor('onnx/model_quantized.onnx_data').length, 2, 'fetched again');
});

test('a cached .onnx_data whose bytes changed after the first download is refused, as a changed graph is', TIMEOUT, async (t) => {
  const { files } = externalRepo(() => 'model_quantized.onnx_data');
  await startTestHub(t, { [REPO]: files });
  const cacheDir = join(tempDir(t), 'cache');
  await newEngine(hubOptions(cacheDir)).download({ task: 'sentiment' });
  const pins = JSON.parse(readFileSync(join(cacheDir, '.pins', ...REPO.split('/'), 'main.json'), 'utf8')) as { files: Record<string, unknown> };
  assert.ok(pins.files['onnx/model_quantized.onnx_data'], `the weights file was pinned: ${Object.keys(pins.files).join(', ')}`);

  // Same size, other weights: onnxruntime would load them without a word.
  const data = join(modelCacheDir(cacheDir, REPO, 'main'), 'onnx', 'model_quantized.onnx_data');
  const bytes = readFileSync(data);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(data, bytes);
  const error = await refusal(newEngine(hubOptions(cacheDir, false)).sentiment({ text: TEXT, neutralBand: 0.1 }));
  assert.equal(error.code, 'model-corrupt');
  assert.ok(error.message.includes(`${data} changed since it was first downloaded`), error.message);
});
