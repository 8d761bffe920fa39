/**
 * A download through the real worker (dist/worker.js) when the network fails: it fails at once
 * when the Hub cannot be reached, and the status says so (not ready); VS Code's proxy setting and the token given with the request reach the network.
 *
 * Run: npm run build && npx tsx --test test/worker/downloadFailure.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import type { EngineStatus } from '../../src/client/status';
import { HUB_URL_ENV } from '../../src/engine/download';
import type { EngineOptions } from '../../src/protocol';
import { closedPort, startForwardProxy } from '../support/forwardProxy';
import { folderFiles, startLoopbackHub } from '../support/hubServer';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';

const WORKER = join(REPO, 'dist', 'worker.js');
const HUB_REPO = 'test-owner/tiny-sentiment';

function client(t: { after(fn: () => void): void }, engineOptions: EngineOptions, logs: string[] = []): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const created = new WorkerClient({ workerPath: WORKER, engineOptions, log: (_level, message) => logs.push(message) });
  t.after(() => created.dispose());
  return created;
}

/** The worker reads the Hub's address from its environment, which it inherits at start. */
function hubAt(t: { after(fn: () => void): void }, url: string): void {
  const previous = process.env[HUB_URL_ENV];
  process.env[HUB_URL_ENV] = url;
  t.after(() => (previous === undefined ? delete process.env[HUB_URL_ENV] : (process.env[HUB_URL_ENV] = previous)));
}

test('offline: the download fails at once, and the status shows the failure, not ready', async (t) => {
  hubAt(t, await closedPort());
  const cacheDir = tempDir(t);
  const worker = client(t, fixtureOptions({ bundledModelsDir: join(cacheDir, 'none'), cacheDir, allowDownloads: true, askBeforeDownload: true, precision: 'int8' }));
  await worker.request('info', {});
  const started = Date.now();
  const error = await worker.request('download', { task: 'sentiment' }).then(
    () => assert.fail('downloaded from a closed port'),
    (e: unknown) => e,
  );
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.ok(error instanceof WorkerRequestError);
  assert.equal(error.code, 'download-failed');
  assert.match(error.message, /^Could not reach 127\.0\.0\.1:\d+ to download /);
  assert.doesNotMatch(error.message, /What arrived/);
  await new Promise((resolve) => setImmediate(resolve));
  const status = worker.status as Extract<EngineStatus, { state: 'download-failed' }>;
  assert.equal(status.state, 'download-failed');
  assert.equal(status.task, 'sentiment');
  assert.equal(status.message, error.message);
});

test("VS Code's proxy setting carries the worker's download, with the token to the Hub only", async (t) => {
  const files = folderFiles(join(fixtureModels(), 'sentiment'));
  const hub = await startLoopbackHub({ [HUB_REPO]: files });
  t.after(() => hub.close());
  hubAt(t, hub.url);
  const proxy = await startForwardProxy();
  t.after(() => proxy.close());
  const cacheDir = tempDir(t);
  const logs: string[] = [];
  const worker = client(
    t,
    fixtureOptions({
      modelSources: { sentiment: HUB_REPO },
      cacheDir,
      allowDownloads: true,
      askBeforeDownload: true,
      precision: 'int8',
      proxy: { url: proxy.url, noProxy: [], strictSSL: true },
    }),
    logs,
  );
  const result = await worker.request('download', { task: 'sentiment', hubToken: 'hf_workerSecret' });
  assert.equal(result.downloaded, true);
  assert.ok(proxy.targets.includes(new URL(hub.url).host), `through the proxy: ${proxy.targets.join(', ')}`);
  const fromHub = hub.requests.filter((r) => !r.cdn);
  assert.ok(fromHub.length > 0 && fromHub.every((r) => r.authorization === 'Bearer hf_workerSecret'));
  assert.ok(hub.requests.filter((r) => r.cdn).every((r) => r.authorization === undefined), 'no token for the CDN');
  await worker.request('info', {}); // the worker's messages before this answer have arrived: its activity is idle
  assert.equal(worker.status.state, 'ready');
  assert.ok(!logs.some((l) => l.includes('hf_workerSecret')));
});
