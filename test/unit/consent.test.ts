/**
 * Asking before a download: with `askBeforeDownload` (the extension) a request whose model is not
 * on the machine fails with `download-needed`, naming the model and the size of the files it
 * would fetch, before any request reaches the Hub; the engine's `download` then fetches it, and
 * later requests find it offline. Also the folder check of "Use a Local Model Folder…".
 *
 * Run: npx tsx --test test/unit/consent.test.ts
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/engine/log';
import { loadManifest, type Manifest } from '../../src/engine/manifest';
import { missingModelFiles } from '../../src/engine/modelFiles';
import { DownloadNeededError, resolveModel } from '../../src/engine/models';
import { defaultEngineOptions } from '../../src/engine/options';
import type { Task } from '../../src/protocol';
import { startTestHub, type LoopbackHub } from '../support/hubServer';
import { tempDir } from '../helpers';

const REPO = 'test-owner/tiny-model';
const TASKS: Task[] = ['sentiment', 'topics', 'entities', 'qa'];

function tinyModelFiles(): Record<string, Buffer> {
  return {
    'config.json': Buffer.from(JSON.stringify({ max_position_embeddings: 512, id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' } })),
    'tokenizer.json': Buffer.from('{"version":"1.0"}'),
    'onnx/model.onnx': randomBytes(300_000),
    'onnx/model_quantized.onnx': randomBytes(1_234_567),
  };
}

function manifestFor(files: Record<string, Buffer>, pinned = true): Manifest {
  const spec = {
    repo: REPO,
    revision: 'main',
    files: Object.entries(files).map(([p, data]) => ({
      path: p,
      size: pinned ? data.length : null,
      sha256: pinned ? createHash('sha256').update(data).digest('hex') : null,
    })),
    onnx: { fp32: 'onnx/model.onnx', int8: 'onnx/model_quantized.onnx' },
  };
  return loadManifest({ models: Object.fromEntries(TASKS.map((t) => [t, spec])) });
}

const startHub = (t: TestContext, files: Record<string, Buffer>): Promise<LoopbackHub> => startTestHub(t, { [REPO]: files });

const options = (cacheDir: string, askBeforeDownload: boolean) =>
  defaultEngineOptions({ cacheDir, allowDownloads: true, askBeforeDownload, bundledModelsDir: path.join(cacheDir, 'no-bundled') });

test('a missing model is not downloaded without consent: the error names the model and its size, and the Hub hears nothing', async (t) => {
  const files = tinyModelFiles();
  const hub = await startHub(t, files);
  const cacheDir = tempDir(t);
  const manifest = manifestFor(files);
  const asked = resolveModel('sentiment', options(cacheDir, true), 'int8', { log: silentLogger }, manifest);
  const error = await asked.then(
    () => assert.fail('resolved without consent'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DownloadNeededError, String(error));
  assert.equal(error.code, 'download-needed');
  assert.equal(error.task, 'sentiment');
  // Text files and the int8 weights, not the fp32 ones: 1,234,567 + the small files ≈ 1.2 MB.
  const expected = files['config.json'].length + files['tokenizer.json'].length + files['onnx/model_quantized.onnx'].length;
  assert.equal(error.bytes, expected);
  assert.match(error.message, new RegExp(`the sentiment model ${REPO} \\(1\\.2 MB\\) from the Hugging Face Hub`));
  assert.equal(hub.requests.length, 0);

  // With consent the same resolution downloads; afterwards, asking again needs no download and no network.
  const got = await resolveModel('sentiment', options(cacheDir, false), 'int8', { log: silentLogger }, manifest);
  assert.equal(got.source, 'download');
  const fetched = hub.requests.length;
  assert.ok(fetched > 0);
  const again = await resolveModel('sentiment', options(cacheDir, true), 'int8', { log: silentLogger }, manifest);
  assert.equal(again.source, 'cache');
  assert.equal(hub.requests.length, fetched);
});

test('an unpinned model asks with "size unknown"', async (t) => {
  const files = tinyModelFiles();
  const hub = await startHub(t, files);
  const asked = resolveModel('topics', options(tempDir(t), true), 'fp32', { log: silentLogger }, manifestFor(files, false));
  await assert.rejects(asked, (e: unknown) => e instanceof DownloadNeededError && e.bytes === null && /\(size unknown\)/.test(e.message));
  assert.equal(hub.requests.length, 0);
});

test('with downloads off, the old model-missing error comes, not a question', async (t) => {
  const cacheDir = tempDir(t);
  const opts = { ...options(cacheDir, true), allowDownloads: false };
  await assert.rejects(resolveModel('qa', opts, 'int8', { log: silentLogger }, manifestFor(tinyModelFiles())), { code: 'model-missing' });
});

test('the local-folder check says what a folder lacks, and accepts a model folder', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await missingModelFiles(path.join(dir, 'nope')), [`the folder itself (${path.join(dir, 'nope')} is not a folder)`]);
  assert.deepEqual(await missingModelFiles(dir), ['config.json', 'tokenizer.json', 'onnx/model.onnx (or onnx/model_quantized.onnx)']);
  await fs.writeFile(path.join(dir, 'config.json'), '{}');
  await fs.mkdir(path.join(dir, 'onnx'));
  await fs.writeFile(path.join(dir, 'onnx', 'other.onnx'), 'x');
  assert.deepEqual(await missingModelFiles(dir), ['tokenizer.json', 'onnx/model_quantized.onnx (or onnx/model.onnx)']);
  await fs.writeFile(path.join(dir, 'tokenizer.json'), '{}');
  await fs.writeFile(path.join(dir, 'onnx', 'model_int8.onnx'), 'x');
  assert.deepEqual(await missingModelFiles(dir), []);
});
