/**
 * `npm run models:bundle` (scripts/models-bundle.ts), run as a command against a loopback Hub
 * with a test manifest: it puts each task's model, with the chosen precision's weights only and
 * verified, in `<out>/<task>/`, where the engine then finds it as the bundled model without any
 * request to the Hub.
 *
 * Run: npx tsx --test test/unit/modelsBundle.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { HUB_URL_ENV } from '../../src/engine/download';
import { silentLogger } from '../../src/engine/log';
import { resolveModel } from '../../src/engine/models';
import { defaultEngineOptions } from '../../src/engine/options';
import type { Task } from '../../src/protocol';
import { startLoopbackHub } from '../support/hubServer';
import { REPO, tempDir } from '../helpers';

const TASKS: Task[] = ['sentiment', 'topics', 'entities', 'qa'];
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function files(): Record<string, Buffer> {
  return {
    'config.json': Buffer.from(JSON.stringify({ max_position_embeddings: 512 })),
    'tokenizer.json': Buffer.from('{"version":"1.0"}'),
    'onnx/model.onnx': randomBytes(200_000),
    'onnx/model_quantized.onnx': randomBytes(100_000),
  };
}

/** Runs the script as `npm run models:bundle` does (asynchronously: the loopback Hub lives in this process). */
function bundle(args: string[], hubUrl: string): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts', 'models-bundle.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, [HUB_URL_ENV]: hubUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

test('models:bundle downloads the default models into models/<task>, where the engine finds them offline', async (t) => {
  // A repo per task, so each task's files are told apart.
  const repos = Object.fromEntries(TASKS.map((task) => [`test-owner/${task}`, files()]));
  const hub = await startLoopbackHub(repos);
  t.after(() => hub.close());
  const dir = tempDir(t);
  const manifest = {
    models: Object.fromEntries(
      TASKS.map((task) => [
        task,
        {
          repo: `test-owner/${task}`,
          revision: 'main',
          files: Object.entries(repos[`test-owner/${task}`]).map(([p, data]) => ({ path: p, size: data.length, sha256: sha256(data) })),
          onnx: { fp32: 'onnx/model.onnx', int8: 'onnx/model_quantized.onnx' },
        },
      ]),
    ),
  };
  const manifestFile = path.join(dir, 'manifest.json');
  await fs.writeFile(manifestFile, JSON.stringify(manifest));
  const out = path.join(dir, 'models');

  const run = await bundle(['--out', out, '--manifest', manifestFile], hub.url);
  assert.equal(run.status, 0, run.stderr);
  for (const task of TASKS) {
    const served = repos[`test-owner/${task}`];
    const folder = path.join(out, task);
    // int8 (the default) only: the fp32 weights were not fetched.
    assert.deepEqual((await fs.readdir(path.join(folder, 'onnx'))).sort(), ['model_quantized.onnx']);
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx']) {
      assert.ok((await fs.readFile(path.join(folder, file))).equals(served[file]), `${task}/${file} differs`);
    }
  }
  assert.deepEqual((await fs.readdir(out)).sort(), [...TASKS].sort(), 'no work folders are left behind');
  assert.equal(hub.requestsFor('onnx/model.onnx', 'test-owner/sentiment').length, 0);

  const requests = hub.requests.length;
  const options = defaultEngineOptions({ bundledModelsDir: out, cacheDir: path.join(dir, 'cache'), allowDownloads: true, askBeforeDownload: true });
  for (const task of TASKS) {
    const info = await resolveModel(task, options, 'int8', { log: silentLogger });
    assert.equal(info.source, 'bundled');
    assert.equal(info.file, 'onnx/model_quantized.onnx');
  }
  assert.equal(hub.requests.length, requests, 'resolution went to the Hub');
});

test('models:bundle fails, naming the file, when a download does not match the manifest', async (t) => {
  const served = files();
  const hub = await startLoopbackHub({ 'test-owner/sentiment': served });
  t.after(() => hub.close());
  const dir = tempDir(t);
  const spec = {
    repo: 'test-owner/sentiment',
    revision: 'main',
    files: Object.entries(served).map(([p, data]) => ({ path: p, size: data.length, sha256: p === 'tokenizer.json' ? '0'.repeat(64) : sha256(data) })),
    onnx: { fp32: 'onnx/model.onnx', int8: 'onnx/model_quantized.onnx' },
  };
  const manifestFile = path.join(dir, 'manifest.json');
  await fs.writeFile(manifestFile, JSON.stringify({ models: Object.fromEntries(TASKS.map((task) => [task, spec])) }));
  const out = path.join(dir, 'models');
  const run = await bundle(['--out', out, '--manifest', manifestFile, '--tasks', 'sentiment'], hub.url);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /models:bundle failed: .*tokenizer\.json/);
  await assert.rejects(fs.stat(path.join(out, 'sentiment')), { code: 'ENOENT' });
});
