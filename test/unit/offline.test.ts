/**
 * The offline guarantee: with the models on disk, analysing text opens no network connection,
 * whether downloads are allowed or not. The real worker (dist/worker.js, built by `npm run build`)
 * runs all four tasks with test/support/recordConnections.js preloaded, which writes down every
 * attempt to connect, look up a name or fetch. The Hub address points at a loopback Hub that
 * serves the fixture models and counts its connections, so a download, if one started, would
 * succeed and be seen. A control case, where a model is missing and downloads are allowed, shows
 * the recorder and the Hub do see a download.
 *
 * Run: npm run build && npx tsx --test test/unit/offline.test.ts
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { WorkerClient } from '../../src/client/workerClient';
import { HUB_URL_ENV } from '../../src/engine/download';
import { loadManifest, modelCacheDir } from '../../src/engine/manifest';
import { defaultEngineOptions } from '../../src/engine/options';
import type { DefaultModelTask, EngineOptions } from '../../src/protocol';
import { fixtureModels, REPO, tempDir } from '../helpers';
import { folderFiles, startLoopbackHub, type LoopbackHub } from '../support/hubServer';

const WORKER = join(REPO, 'dist', 'worker.js');
const RECORDER = join(REPO, 'test', 'support', 'recordConnections.js');
const NET_LOG_ENV = 'TEXT_ANALYTICS_NET_LOG';
const TASKS: DefaultModelTask[] = ['sentiment', 'topics', 'entities', 'qa'];
const TIMEOUT = { timeout: 60_000 };
const UNPINNED_TOPICS = 'example/zero-shot-topics';

interface Attempt {
  pid: number;
  via: string;
  target: string;
}


/**
 * A loopback Hub serving the fixture models under the shipped manifest's repo ids, the Hub
 * address and the recorder's log pointed at it and a fresh file for this test, both put back
 * when the test ends.
 */
async function watchedNetwork(t: TestContext): Promise<{ hub: LoopbackHub; attempts(): Attempt[] }> {
  const manifest = loadManifest();
  const hub = await startLoopbackHub({
    ...Object.fromEntries(TASKS.map((task) => [manifest.models[task].repo, folderFiles(join(fixtureModels(), task))])),
    [UNPINNED_TOPICS]: folderFiles(join(fixtureModels(), 'topics')),
  });
  const logFile = join(tempDir(t, 'text-analytics-offline-'), 'connections.jsonl');
  const previous = { hub: process.env[HUB_URL_ENV], log: process.env[NET_LOG_ENV] };
  process.env[HUB_URL_ENV] = hub.url;
  process.env[NET_LOG_ENV] = logFile;
  t.after(async () => {
    for (const [name, value] of [[HUB_URL_ENV, previous.hub], [NET_LOG_ENV, previous.log]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await hub.close();
  });
  const attempts = () =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Attempt)
      : [];
  return { hub, attempts };
}

/** The real worker with the recorder preloaded; stopped when the test ends. */
function recordedWorker(t: TestContext, engineOptions: EngineOptions): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const worker = new WorkerClient({ workerPath: WORKER, engineOptions, execArgv: ['--require', RECORDER] });
  t.after(() => worker.dispose());
  return worker;
}

/** Runs each task once, checking the fixture model answered as planted. */
async function runAllTasks(worker: WorkerClient): Promise<Record<DefaultModelTask, string>> {
  const sentiment = await worker.request('sentiment', { text: 'A wonderful day. An awful night.', neutralBand: 0.1 });
  assert.deepEqual(sentiment.sentences.map((s) => s.label), ['POSITIVE', 'NEGATIVE']);
  const text = 'Angela Merkel visited Paris in 1958.';
  const entities = await worker.request('entities', { text, minScore: 0.5 });
  assert.deepEqual(entities.entities.map((e) => text.slice(e.start, e.end)), ['Angela Merkel', 'Paris']);
  const answers = await worker.request('ask', { text, question: 'When?', top: 1, minScore: 0.1 });
  assert.deepEqual(answers.answers.map((a) => text.slice(a.start, a.end)), ['1958']);
  const topics = await worker.request('topics', {
    text: 'The team scored a goal in the match.',
    labels: ['sports', 'business'],
    multiLabel: false,
    hypothesisTemplate: 'This text is about {}.',
    format: 'plaintext',
  });
  assert.equal(topics.sections[0].labels[0].label, 'sports');
  return { sentiment: sentiment.model.source, entities: entities.model.source, qa: answers.model.source, topics: topics.model.source };
}

/** Every task answers from a model found in `source`, and nothing tried to reach the network. */
async function assertAllFromWithNoNetwork(worker: WorkerClient, network: { hub: LoopbackHub; attempts(): Attempt[] }, source: string): Promise<void> {
  const sources = await runAllTasks(worker);
  assert.deepEqual(sources, { sentiment: source, entities: source, qa: source, topics: source });
  assert.deepEqual(network.attempts(), [], 'no attempt to connect, resolve a name or fetch');
  assert.equal(network.hub.connections, 0, 'the Hub was never contacted');
}

test('downloads off, every model from its setting folder: no connection at all', TIMEOUT, async (t) => {
  const network = await watchedNetwork(t);
  const empty = tempDir(t);
  const worker = recordedWorker(
    t,
    defaultEngineOptions({
      allowDownloads: false,
      modelSources: Object.fromEntries(TASKS.map((task) => [task, join(fixtureModels(), task)])),
      bundledModelsDir: join(empty, 'bundled'),
      cacheDir: join(empty, 'cache'),
    }),
  );
  await assertAllFromWithNoNetwork(worker, network, 'setting');
});

test('downloads on, the models bundled: no connection at all', TIMEOUT, async (t) => {
  const network = await watchedNetwork(t);
  const worker = recordedWorker(
    t,
    defaultEngineOptions({ allowDownloads: true, bundledModelsDir: fixtureModels(), cacheDir: join(tempDir(t), 'cache') }),
  );
  await assertAllFromWithNoNetwork(worker, network, 'bundled');
});

test('downloads on, the models in the download cache: no connection at all', TIMEOUT, async (t) => {
  const network = await watchedNetwork(t);
  const root = tempDir(t);
  const cacheDir = join(root, 'cache');
  const manifest = loadManifest();
  for (const task of TASKS) {
    const spec = manifest.models[task];
    cpSync(join(fixtureModels(), task), modelCacheDir(cacheDir, spec.repo, spec.revision), { recursive: true });
  }
  const worker = recordedWorker(t, defaultEngineOptions({ allowDownloads: true, bundledModelsDir: join(root, 'none'), cacheDir }));
  await assertAllFromWithNoNetwork(worker, network, 'cache');
});

test('control: a missing model with downloads on is fetched, and the recorder and the Hub see it', TIMEOUT, async (t) => {
  const network = await watchedNetwork(t);
  const root = tempDir(t);
  // A Hub repo the manifest does not know is fetched unpinned, so the fixture model it serves is accepted
  // (the shipped defaults are pinned by sha256, which a fixture cannot match).
  const worker = recordedWorker(
    t,
    defaultEngineOptions({
      allowDownloads: true,
      modelSources: { topics: UNPINNED_TOPICS },
      bundledModelsDir: join(root, 'none'),
      cacheDir: join(root, 'cache'),
    }),
  );
  const topics = await worker.request('topics', {
    text: 'The team scored a goal in the match.',
    labels: ['sports', 'business'],
    multiLabel: false,
    hypothesisTemplate: 'This text is about {}.',
    format: 'plaintext',
  });
  assert.equal(topics.model.source, 'download');
  assert.equal(topics.sections[0].labels[0].label, 'sports');
  const attempts = network.attempts();
  const port = new URL(network.hub.url).port;
  // Downloads go through undici's own fetch (for its proxy agents), seen at the socket.
  assert.ok(attempts.some((a) => a.via === 'net.Socket.connect' && a.target.endsWith(`:${port}`)), JSON.stringify(attempts));
  assert.ok(network.hub.connections > 0 && network.hub.requestsFor('onnx/model_quantized.onnx').length > 0);
});
