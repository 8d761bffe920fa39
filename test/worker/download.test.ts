/**
 * First use of a task in the extension, through the real worker (dist/worker.js): a request whose
 * model is not on the machine fails with `download-needed` (naming the task, the model and its
 * size) before anything is fetched; the `download` request fetches it into the cache with
 * progress; afterwards the task works with the Hub gone.
 *
 * Run: npm run build && npx tsx --test test/worker/download.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import { HUB_URL_ENV } from '../../src/engine/download';
import type { EngineOptions, Progress } from '../../src/protocol';
import { startLoopbackHub } from '../support/hubServer';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';

const WORKER = join(REPO, 'dist', 'worker.js');
const HUB_REPO = 'test-owner/tiny-sentiment';

function client(t: { after(fn: () => void): void }, engineOptions: EngineOptions): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const created = new WorkerClient({ workerPath: WORKER, engineOptions });
  t.after(() => created.dispose());
  return created;
}

/** The fixture sentiment model's files, as the Hub would serve them. */
function fixtureRepo(): Record<string, Buffer> {
  const dir = join(fixtureModels(), 'sentiment');
  const files: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p).split('\\').join('/')] = readFileSync(p);
    }
  };
  walk(dir);
  return files;
}

test('the default model is not fetched without consent: the error names it with its size from the manifest', async (t) => {
  const hub = await startLoopbackHub({});
  t.after(() => hub.close());
  process.env[HUB_URL_ENV] = hub.url;
  t.after(() => delete process.env[HUB_URL_ENV]);
  const cacheDir = tempDir(t);
  const worker = client(t, fixtureOptions({ bundledModelsDir: join(cacheDir, 'none'), cacheDir, allowDownloads: true, askBeforeDownload: true, precision: 'int8' }));
  const error = await worker.request('sentiment', { text: 'A fine day.', neutralBand: 0.1 }).then(
    () => assert.fail('answered without a model'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkerRequestError);
  assert.equal(error.code, 'download-needed');
  assert.equal(error.task, 'sentiment');
  // The shipped manifest's sizes: the text files and the int8 weights of the default sentiment model.
  assert.equal(error.message, 'Text Analytics needs the sentiment model Xenova/distilbert-base-uncased-finetuned-sst-2-english (68.3 MB) from the Hugging Face Hub.');
  const plan = await worker.request('download', { task: 'sentiment', plan: true });
  assert.deepEqual(
    { ...plan },
    {
      task: 'sentiment',
      repo: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
      revision: '36999667f88e939431e2b12cbe3262a5bad2d40f',
      bytes: 68_293_825,
      partialBytes: 0,
      downloaded: false,
    },
  );
  assert.equal(hub.requests.length, 0);
});

test('download fetches the model with progress; the task then works with the Hub gone', async (t) => {
  const served = fixtureRepo();
  const hub = await startLoopbackHub({ [HUB_REPO]: served });
  let hubOpen = true;
  t.after(() => (hubOpen ? hub.close() : undefined));
  process.env[HUB_URL_ENV] = hub.url;
  t.after(() => delete process.env[HUB_URL_ENV]);
  const cacheDir = tempDir(t);
  const worker = client(
    t,
    fixtureOptions({ modelSources: { sentiment: HUB_REPO }, cacheDir, allowDownloads: true, askBeforeDownload: true, precision: 'int8' }),
  );

  await assert.rejects(worker.request('sentiment', { text: 'A wonderful day.', neutralBand: 0.1 }), (e: unknown) => {
    assert.ok(e instanceof WorkerRequestError && e.code === 'download-needed', String(e));
    assert.match(e.message, new RegExp(`sentiment model ${HUB_REPO} \\(size unknown\\)`));
    return true;
  });
  assert.equal(hub.requests.length, 0, 'something was fetched before the user agreed');

  const progress: Progress[] = [];
  const result = await worker.request('download', { task: 'sentiment' }, { onProgress: (p) => progress.push(p) });
  assert.equal(result.downloaded, true);
  assert.equal(result.model?.source, 'download');
  assert.equal(result.model?.file, 'onnx/model_quantized.onnx');
  assert.ok(result.model?.dir.startsWith(cacheDir), 'the model went elsewhere than the cache folder');
  assert.ok(progress.length > 0, 'no progress was reported');
  const last = progress[progress.length - 1];
  const expected = Object.entries(served).filter(([p]) => p !== 'onnx/model.onnx').reduce((sum, [, data]) => sum + data.length, 0);
  assert.equal(last.done, expected, 'the progress did not run over every file');
  assert.ok(progress.every((p, i) => i === 0 || p.done >= progress[i - 1].done), 'progress went backwards');

  await hub.close();
  hubOpen = false;
  const answer = await worker.request('sentiment', { text: 'A wonderful day.', neutralBand: 0.1 });
  assert.equal(answer.document.label, 'POSITIVE');
  assert.equal(answer.model.source, 'cache');
});
