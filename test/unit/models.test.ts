/**
 * Model resolution and download, against a loopback server that answers the way the Hub does
 * (test/support/hubServer.ts): `/<repo>/resolve/<revision>/<file>`, weights redirected to a
 * second "CDN" origin, Range requests honoured, and faults injected per file (connections cut
 * or stalled mid-body, 5xx replies, damaged bytes, held replies).
 * Every test builds its own tiny model files and passes its own manifest.
 *
 * Run: npx tsx --test test/unit/models.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DefaultModelTask, EngineOptions } from '../../src/protocol';
import { HUB_URL_ENV } from '../../src/engine/download';
import { EngineError } from '../../src/engine/errors';
import type { Logger } from '../../src/engine/log';
import { loadManifest, type Manifest, type ManifestFile, modelCacheDir } from '../../src/engine/manifest';
import { readModelConfig } from '../../src/engine/modelConfig';
import { resolveModel, type ResolveContext } from '../../src/engine/models';
import { formatSize } from '../../src/formatSize';
import { startTestHub } from '../support/hubServer';

const REPO = 'test-owner/tiny-model';
const TIMEOUT = { timeout: 30_000 };
const TUNING = { retries: 3, retryDelayMs: 10, lockPollMs: 20, lockHeartbeatMs: 50, lockStaleMs: 10_000 };
const TASKS: DefaultModelTask[] = ['sentiment', 'topics', 'entities', 'qa'];

// ---------------------------------------------------------------------------------------------
// Fixtures

const CONFIG = {
  model_type: 'distilbert',
  max_position_embeddings: 512,
  id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' },
  label2id: { NEGATIVE: 0, POSITIVE: 1 },
};

/** A tiny "model": real names, made-up contents. The weights are random bytes. */
function tinyModelFiles(): Record<string, Buffer> {
  return {
    'config.json': Buffer.from(JSON.stringify(CONFIG)),
    'tokenizer.json': Buffer.from('{"version":"1.0","model":{"type":"WordPiece"}}'),
    'tokenizer_config.json': Buffer.from('{"do_lower_case":true}'),
    'special_tokens_map.json': Buffer.from('{"cls_token":"[CLS]"}'),
    'onnx/model.onnx': randomBytes(300_000),
    'onnx/model_quantized.onnx': randomBytes(200_000),
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The same pinned spec for every task, unless `edit` changes an entry. */
function manifestFor(files: Record<string, Buffer>, edit?: (file: ManifestFile) => ManifestFile): Manifest {
  const entries = Object.entries(files).map(([p, data]) => {
    const file: ManifestFile = { path: p, size: data.length, sha256: sha256(data) };
    return edit ? edit(file) : file;
  });
  const spec = {
    repo: REPO,
    revision: 'main',
    files: entries,
    onnx: { fp32: 'onnx/model.onnx', int8: 'onnx/model_quantized.onnx' },
  };
  return loadManifest({ models: Object.fromEntries(TASKS.map((t) => [t, spec])) });
}

async function writeModel(dir: string, files: Record<string, Buffer>, only?: string[]): Promise<void> {
  for (const [p, data] of Object.entries(files)) {
    if (only && !only.includes(p)) continue;
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await fs.writeFile(path.join(dir, p), data);
  }
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lta-models-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

function options(over: Partial<EngineOptions>): EngineOptions {
  return {
    device: 'cpu',
    threads: 0,
    precision: 'auto',
    modelSources: {},
    cacheDir: '/nonexistent-cache',
    allowDownloads: false,
    idleUnloadSeconds: 0,
    ...over,
  };
}

/** A logger that keeps its lines, and shows each to `onLine` (to wait for one). */
function recordingLog(onLine?: (line: string) => void): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (line: string) => {
    lines.push(line);
    onLine?.(line);
  };
  return {
    lines,
    info: (m) => add(`info: ${m}`),
    warn: (m) => add(`warn: ${m}`),
    error: (m) => add(`error: ${m}`),
  };
}

function context(extra: Partial<ResolveContext> = {}): ResolveContext & { log: ReturnType<typeof recordingLog> } {
  return { log: recordingLog(), tuning: TUNING, ...extra } as ResolveContext & { log: ReturnType<typeof recordingLog> };
}

/** Every plain file under `dir`, relative, with `/`. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .sort();
}

async function assertRejectsWith(promise: Promise<unknown>, code: string, ...mentions: string[]): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail(`expected an EngineError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, `not an EngineError: ${String(error)}`);
  assert.equal(error.code, code, error.message);
  for (const m of mentions) assert.ok(error.message.includes(m), `"${error.message}" does not mention ${m}`);
  return error;
}

// ---------------------------------------------------------------------------------------------
// A loopback "Hub" (test/support/hubServer.ts: startTestHub)

const downloadsDir = (cacheDir: string) => path.join(cacheDir, '.downloads', ...REPO.split('/'));

async function assertModelFiles(dir: string, files: Record<string, Buffer>, expected: string[]): Promise<void> {
  assert.deepEqual(await listFiles(dir), [...expected].sort());
  for (const p of expected) assert.ok((await fs.readFile(path.join(dir, p))).equals(files[p]), `${p} differs`);
}

const TEXT_FILES = ['config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];

// ---------------------------------------------------------------------------------------------
// The shipped manifest

test('the shipped manifest pins each default model to a commit, and its weights by size and sha256', () => {
  const manifest = loadManifest();
  for (const task of TASKS) {
    const spec = manifest.models[task];
    // A branch such as `main` could move to other files; a commit cannot.
    assert.match(spec.revision, /^[0-9a-f]{40}$/, `${task}: the revision is not a commit hash`);
    const paths = spec.files.map((f) => f.path);
    for (const p of TEXT_FILES) assert.ok(paths.includes(p), `${task} lacks ${p}`);
    assert.notEqual(spec.onnx.fp32, spec.onnx.int8);
    for (const weights of [spec.onnx.fp32, spec.onnx.int8]) {
      const file = spec.files.find((f) => f.path === weights);
      assert.ok(file && file.size !== null && file.size > 10_000_000 && file.sha256 !== null, `${task}: ${weights} is not pinned`);
    }
  }
  for (const task of ['sentiment', 'qa', 'entities'] as const) {
    assert.ok(manifest.models[task].files.every((f) => f.sha256 !== null && f.size !== null), `${task} not pinned`);
  }
  assert.throws(() => loadManifest({ models: {} }), /malformed/);
});

test('download sizes read as a download dialog gives them: MB, KB under a megabyte, or unknown', () => {
  assert.equal(formatSize(67_581_197), '67.6 MB');
  assert.equal(formatSize(711_396), '711 KB');
  assert.equal(formatSize(999_499), '999 KB');
  assert.equal(formatSize(999_500), '1.0 MB');
  assert.equal(formatSize(0), '0 KB');
  assert.equal(formatSize(null), 'size unknown');
});

// ---------------------------------------------------------------------------------------------
// Local folders

test('resolution order: the setting folder, then the bundled folder, then the cache', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const manifest = manifestFor(files);
  const settingDir = path.join(root, 'mine');
  const bundled = path.join(root, 'bundled');
  const cacheDir = path.join(root, 'cache');
  await writeModel(settingDir, files);
  await writeModel(path.join(bundled, 'sentiment'), files);
  await writeModel(modelCacheDir(cacheDir, REPO, 'main'), files);

  const all = options({ modelSources: { sentiment: settingDir }, bundledModelsDir: bundled, cacheDir });
  const fromSetting = await resolveModel('sentiment', all, 'int8', context(), manifest);
  assert.deepEqual(fromSetting, {
    task: 'sentiment',
    id: 'mine',
    source: 'setting',
    dir: settingDir,
    file: 'onnx/model_quantized.onnx',
    precision: 'int8',
  });

  const fromBundled = await resolveModel('sentiment', { ...all, modelSources: {} }, 'fp32', context(), manifest);
  assert.equal(fromBundled.source, 'bundled');
  assert.equal(fromBundled.dir, path.join(bundled, 'sentiment'));
  assert.equal(fromBundled.file, 'onnx/model.onnx');

  // Another task has no bundled folder: the cache.
  const fromCache = await resolveModel('topics', { ...all, modelSources: {} }, 'int8', context(), manifest);
  assert.deepEqual(
    { source: fromCache.source, dir: fromCache.dir, id: fromCache.id },
    { source: 'cache', dir: modelCacheDir(cacheDir, REPO, 'main'), id: REPO },
  );
});

test('a setting path starting with ~ is in the home folder', TIMEOUT, async (t) => {
  const home = await tempDir(t);
  const previous = process.env.HOME;
  process.env.HOME = home;
  t.after(() => {
    process.env.HOME = previous;
  });
  if (os.homedir() !== home) return t.skip('the home folder does not follow $HOME here');
  await writeModel(path.join(home, 'models', 'ner'), tinyModelFiles());
  const info = await resolveModel('entities', options({ modelSources: { entities: '~/models/ner' } }), 'int8', context());
  assert.equal(info.dir, path.join(home, 'models', 'ner'));
  assert.equal(info.source, 'setting');
});

test('offline with no model: model-missing names the folder to fill and the settings', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const cacheDir = path.join(root, 'cache');
  const manifest = manifestFor(tinyModelFiles());
  const folder = modelCacheDir(cacheDir, REPO, 'main');
  await assertRejectsWith(
    resolveModel('sentiment', options({ cacheDir, bundledModelsDir: path.join(root, 'none') }), 'int8', context(), manifest),
    'model-missing',
    folder,
    'onnx/model_quantized.onnx',
    'textAnalytics.models.sentiment',
    'textAnalytics.allowDownloads',
  );
  await assert.rejects(fs.stat(folder), 'nothing was created');
});

test('a missing precision falls back to the other one, saying why', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const onlyFp32 = path.join(root, 'fp32-only');
  await writeModel(onlyFp32, files, ['config.json', 'tokenizer.json', 'onnx/model.onnx']);
  const ctx = context();
  const info = await resolveModel('sentiment', options({ modelSources: { sentiment: onlyFp32 } }), 'int8', ctx);
  assert.equal(info.file, 'onnx/model.onnx');
  assert.equal(info.precision, 'fp32');
  assert.ok(ctx.log.lines.some((l) => l.startsWith('warn:') && l.includes('no int8 weights')), ctx.log.lines.join('\n'));

  // The other way round, with the int8 name the QA repo uses.
  const onlyInt8 = path.join(root, 'int8-only');
  await writeModel(onlyInt8, files, ['config.json', 'tokenizer.json']);
  await fs.mkdir(path.join(onlyInt8, 'onnx'));
  await fs.writeFile(path.join(onlyInt8, 'onnx', 'model_int8.onnx'), files['onnx/model_quantized.onnx']);
  const qa = await resolveModel('qa', options({ modelSources: { qa: onlyInt8 } }), 'fp32', context());
  assert.deepEqual([qa.file, qa.precision], ['onnx/model_int8.onnx', 'int8']);
});

test('a folder without tokenizer.json or config.json is an error naming the file', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const noTokenizer = path.join(root, 'no-tokenizer');
  await writeModel(noTokenizer, files, ['config.json', 'onnx/model_quantized.onnx']);
  await assertRejectsWith(
    resolveModel('sentiment', options({ modelSources: { sentiment: noTokenizer } }), 'int8', context()),
    'model-missing',
    noTokenizer,
    'tokenizer.json',
    'textAnalytics.models.sentiment',
  );
  // A bundled folder that is half there is an error too, not silently skipped.
  const bundled = path.join(root, 'bundled');
  await writeModel(path.join(bundled, 'qa'), files, ['tokenizer.json', 'onnx/model.onnx']);
  const error = await assertRejectsWith(
    resolveModel('qa', options({ bundledModelsDir: bundled }), 'fp32', context()),
    'model-missing',
    'config.json',
  );
  assert.ok(!error.message.includes('tokenizer.json'), error.message);
  await assertRejectsWith(
    resolveModel('qa', options({ modelSources: { qa: 'not a path or id' } }), 'fp32', context()),
    'model-missing',
    'owner/name',
  );
});

test('readModelConfig returns labels and limits, and names config.json when it is wrong', async (t) => {
  const dir = await tempDir(t);
  const write = (config: unknown) =>
    fs.writeFile(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));

  await write({ ...CONFIG, id2label: { 1: 'POSITIVE', 0: 'NEGATIVE' } });
  assert.deepEqual(readModelConfig(dir), {
    id2label: ['NEGATIVE', 'POSITIVE'],
    label2id: { NEGATIVE: 0, POSITIVE: 1 },
    maxPositions: 512,
    modelType: 'distilbert',
  });

  // Question answering configs carry no labels: Transformers' defaults.
  await write({ max_position_embeddings: 384 });
  assert.deepEqual(readModelConfig(dir).id2label, ['LABEL_0', 'LABEL_1']);

  const configPath = path.join(dir, 'config.json');
  const corrupt = async (config: unknown, mention: string) => {
    await write(config);
    const error = await assertRejectsWith(Promise.resolve().then(() => readModelConfig(dir)), 'model-corrupt', configPath);
    assert.ok(error.message.includes(mention), `${error.message} should mention ${mention}`);
  };
  await corrupt('{"id2label": {', 'not valid JSON');
  await corrupt({ ...CONFIG, id2label: {} }, 'empty id2label');
  await corrupt({ ...CONFIG, id2label: { 0: 'A', 2: 'C' } }, 'id2label');
  await corrupt({ ...CONFIG, id2label: ['A', 'B'].join() }, 'id2label');
  await corrupt({ id2label: CONFIG.id2label }, 'max_position_embeddings');
  await corrupt({ ...CONFIG, max_position_embeddings: '512' }, 'max_position_embeddings');
  await fs.rm(configPath);
  await assertRejectsWith(Promise.resolve().then(() => readModelConfig(dir)), 'model-missing', 'config.json');
});

// ---------------------------------------------------------------------------------------------
// Downloads

test('a download follows the redirect, verifies sha256, and is then found in the cache', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = path.join(root, 'cache');
  const progress: { file: string; received: number; total: number }[] = [];
  const ctx = context({ onDownload: (p) => progress.push(p) });

  const info = await resolveModel('sentiment', options({ cacheDir, allowDownloads: true }), 'int8', ctx, manifestFor(files));
  const dir = modelCacheDir(cacheDir, REPO, 'main');
  assert.deepEqual(info, {
    task: 'sentiment',
    id: REPO,
    source: 'download',
    dir,
    file: 'onnx/model_quantized.onnx',
    precision: 'int8',
  });
  await assertModelFiles(dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.deepEqual(await listFiles(path.join(cacheDir, '.downloads')), [], 'no work files left');

  // The weights came from the CDN origin, in one request.
  const weights = hub.requestsFor('onnx/model_quantized.onnx');
  assert.deepEqual(weights.map((r) => [r.cdn, r.range]), [[true, undefined]]);
  const last = progress.filter((p) => p.file === 'onnx/model_quantized.onnx').at(-1);
  assert.deepEqual(last, { task: 'sentiment', file: 'onnx/model_quantized.onnx', received: 200_000, total: 200_000 });

  // Next time: the cache, no requests. Asking for fp32 with downloads off falls back to int8.
  const before = hub.requests.length;
  const again = await resolveModel('sentiment', options({ cacheDir }), 'int8', context(), manifestFor(files));
  assert.equal(again.source, 'cache');
  const fallback = await resolveModel('sentiment', options({ cacheDir }), 'fp32', context(), manifestFor(files));
  assert.deepEqual([fallback.source, fallback.precision], ['cache', 'int8']);
  assert.equal(hub.requests.length, before);

  // With downloads on, fp32 is added to the same folder.
  const fp32 = await resolveModel('sentiment', options({ cacheDir, allowDownloads: true }), 'fp32', context(), manifestFor(files));
  assert.deepEqual([fp32.source, fp32.file, fp32.dir], ['download', 'onnx/model.onnx', dir]);
  await assertModelFiles(dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx', 'onnx/model.onnx']);
  assert.deepEqual(hub.requests.slice(before).map((r) => r.file), ['onnx/model.onnx']);
});

test('a connection cut mid-body is resumed with a Range request across the redirect', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('onnx/model.onnx', { cutAfter: 120_000 });
  const cacheDir = path.join(root, 'cache');
  const ctx = context();
  const info = await resolveModel('qa', options({ cacheDir, allowDownloads: true }), 'fp32', ctx, manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model.onnx']);

  const weights = hub.requestsFor('onnx/model.onnx');
  assert.equal(weights.length, 2);
  assert.ok(weights.every((r) => r.cdn), 'both through the redirect to the CDN origin');
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(weights[1].range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 120_000, `resumed at ${weights[1].range}`);
  assert.equal(hub.bytesSent, TEXT_FILES.reduce((n, f) => n + files[f].length, 0) + 120_000 + (300_000 - resumedAt));
  assert.ok(ctx.log.lines.some((l) => l.includes('retrying')), ctx.log.lines.join('\n'));
});

test('a download cut on every attempt keeps what arrived, and the next attempt resumes it', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  // Each of the 1 + retries attempts gets 50 kB further, then the connection drops again.
  hub.inject('onnx/model.onnx', { cutAfter: 50_000 }, { times: 1 + TUNING.retries });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  const error = await assertRejectsWith(
    resolveModel('entities', opts, 'fp32', context(), manifestFor(files)),
    'download-failed',
    `${REPO}/onnx/model.onnx`,
    'trying again resumes it',
  );
  assert.match(error.message, /connection/);
  const partial = path.join(downloadsDir(cacheDir), 'main', 'onnx', 'model.onnx.partial');
  assert.deepEqual(await listFiles(cacheDir), [path.relative(cacheDir, partial)], 'only the partial: no model folder');
  const kept = (await fs.stat(partial)).size;
  assert.ok(kept > 0 && kept <= 200_000, `${kept} bytes kept`);
  assert.ok(files['onnx/model.onnx'].subarray(0, kept).equals(await fs.readFile(partial)), 'the partial is a prefix of the file');
  await assertRejectsWith(resolveModel('entities', options({ cacheDir }), 'fp32', context(), manifestFor(files)), 'model-missing');

  // Later (the network is back): only the rest is asked for, and the file verifies.
  const info = await resolveModel('entities', opts, 'fp32', context(), manifestFor(files));
  assert.equal(info.source, 'download');
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model.onnx']);
  assert.equal(hub.requestsFor('onnx/model.onnx').at(-1)?.range, `bytes=${kept}-`);
  assert.deepEqual(await listFiles(path.join(cacheDir, '.downloads')), []);
});

test('a connection that stalls is given up, and the download resumes on a new one', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('onnx/model_quantized.onnx', { stallAfter: 80_000 });
  hub.inject('config.json', { holdUntil: new Promise(() => {}) }); // no answer at all
  const ctx = context({ tuning: { ...TUNING, stallTimeoutMs: 300 } });
  const opts = options({ cacheDir: path.join(root, 'cache'), allowDownloads: true });
  const info = await resolveModel('sentiment', opts, 'int8', ctx, manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.deepEqual(hub.requestsFor('config.json').map((r) => r.range), [undefined, undefined]);
  const weights = hub.requestsFor('onnx/model_quantized.onnx').map((r) => r.range);
  assert.equal(weights.length, 2);
  assert.match(weights[1] ?? '', /^bytes=[1-9]\d*-$/, 'resumed after the stall');
  const stalls = ctx.log.lines.filter((l) => l.includes('the server sent nothing for'));
  assert.equal(stalls.length, 2, ctx.log.lines.join('\n'));
});

test('a partial that is already whole is finished without fetching it again', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = path.join(root, 'cache');
  // As left by a process that died between the last byte and the rename.
  const partial = path.join(downloadsDir(cacheDir), 'main', 'onnx', 'model_quantized.onnx.partial');
  await fs.mkdir(path.dirname(partial), { recursive: true });
  await fs.writeFile(partial, files['onnx/model_quantized.onnx']);
  // Unpinned, so only the server can say it is whole: it answers the Range request with 416.
  const manifest = manifestFor(files, (f) => ({ ...f, size: null, sha256: null }));
  const info = await resolveModel('sentiment', options({ cacheDir, allowDownloads: true }), 'int8', context(), manifest);
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.deepEqual(hub.requestsFor('onnx/model_quantized.onnx').map((r) => r.range), ['bytes=200000-']);
  assert.equal(hub.bytesSent, TEXT_FILES.reduce((n, f) => n + files[f].length, 0), 'no byte of the weights sent');
});

test('a server that answers a Range request with 200 gets the file from the start', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('onnx/model.onnx', { cutAfter: 100_000 });
  hub.inject('onnx/model.onnx', { ignoreRange: true }, { times: Infinity });
  const cacheDir = path.join(root, 'cache');
  const ctx = context();
  const info = await resolveModel('qa', options({ cacheDir, allowDownloads: true }), 'fp32', ctx, manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model.onnx']);
  assert.ok(ctx.log.lines.some((l) => l.includes('did not resume')), ctx.log.lines.join('\n'));
});

test('a cancelled download keeps its partial, and the next attempt resumes it', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('onnx/model.onnx', { stallAfter: 150_000 });
  const cacheDir = path.join(root, 'cache');
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const ctx = context({
    signal: abort.signal,
    // Progress is throttled, so cancel a moment after the weights start, once the server stalls.
    onDownload: (p) => {
      if (p.file === 'onnx/model.onnx') timer ??= setTimeout(() => abort.abort(), 300);
    },
  });
  const opts = options({ cacheDir, allowDownloads: true });
  await assertRejectsWith(resolveModel('entities', opts, 'fp32', ctx, manifestFor(files)), 'cancelled');
  assert.deepEqual(await listFiles(cacheDir), ['.downloads/test-owner/tiny-model/main/onnx/model.onnx.partial']);
  assert.equal((await fs.stat(path.join(downloadsDir(cacheDir), 'main/onnx/model.onnx.partial'))).size, 150_000);

  const info = await resolveModel('entities', opts, 'fp32', context(), manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model.onnx']);
  assert.equal(hub.requestsFor('onnx/model.onnx').at(-1)?.range, 'bytes=150000-');
});

test('a partial that does not belong to the file is dropped and the file fetched whole', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = path.join(root, 'cache');
  const partial = path.join(downloadsDir(cacheDir), 'main', 'onnx', 'model_quantized.onnx.partial');
  await fs.mkdir(path.dirname(partial), { recursive: true });
  await fs.writeFile(partial, randomBytes(1000)); // e.g. the start of an older version
  const ctx = context();
  const info = await resolveModel('sentiment', options({ cacheDir, allowDownloads: true }), 'int8', ctx, manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  const ranges = hub.requestsFor('onnx/model_quantized.onnx').map((r) => r.range);
  assert.deepEqual(ranges, ['bytes=1000-', undefined]);
  assert.ok(ctx.log.lines.some((l) => l.includes('did not verify after resuming')), ctx.log.lines.join('\n'));
});

test('a wrong sha256 deletes the partial and names the file and both hashes', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  await startTestHub(t, { [REPO]: files });
  const pinned = sha256(Buffer.from('some other weights'));
  const manifest = manifestFor(files, (f) => (f.path === 'onnx/model_quantized.onnx' ? { ...f, sha256: pinned } : f));
  const cacheDir = path.join(root, 'cache');
  await assertRejectsWith(
    resolveModel('sentiment', options({ cacheDir, allowDownloads: true }), 'int8', context(), manifest),
    'download-failed',
    `${REPO}/onnx/model_quantized.onnx`,
    pinned,
    sha256(files['onnx/model_quantized.onnx']),
    'deleted',
  );
  assert.deepEqual(await listFiles(cacheDir), [], 'no partial, no half model, no lock');
  await assert.rejects(fs.stat(modelCacheDir(cacheDir, REPO, 'main')));
});

test('bytes damaged on the way fail the sha256 check, are deleted, and the next attempt works', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('tokenizer.json', { wrongBytes: true });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  await assertRejectsWith(
    resolveModel('topics', opts, 'int8', context(), manifestFor(files)),
    'download-failed',
    `${REPO}/tokenizer.json does not match`,
    sha256(files['tokenizer.json']),
    'The file was deleted',
  );
  assert.deepEqual(await listFiles(cacheDir), [], 'the damaged file is gone, and nothing else is left');

  const info = await resolveModel('topics', opts, 'int8', context(), manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.equal(hub.requestsFor('tokenizer.json').length, 2);
});

test('a server error leaves nothing half-written in the cache', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('onnx/model_quantized.onnx', { status: 500 }, { times: Infinity });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  const error = await assertRejectsWith(resolveModel('sentiment', opts, 'int8', context(), manifestFor(files)), 'download-failed', 'HTTP 500');
  // Nothing of the file arrived, so nothing is said to be kept.
  assert.doesNotMatch(error.message, /What arrived/);
  assert.equal(hub.requestsFor('onnx/model_quantized.onnx').length, 1 + TUNING.retries);
  assert.deepEqual(await listFiles(cacheDir), []);
  await assert.rejects(fs.stat(modelCacheDir(cacheDir, REPO, 'main')));
  // And offline afterwards it is simply missing.
  await assertRejectsWith(resolveModel('sentiment', options({ cacheDir }), 'int8', context(), manifestFor(files)), 'model-missing');
});

test('a server error on any file of a model leaves no model behind, and the next attempt works', TIMEOUT, async (t) => {
  const files = tinyModelFiles();
  const manifest = manifestFor(files);
  // The files in the order they are fetched: the small ones, then the weights.
  const order = manifest.models.sentiment.files.map((f) => f.path).filter((p) => p !== 'onnx/model.onnx');
  assert.deepEqual(order.at(-1), 'onnx/model_quantized.onnx');
  for (const [nth, failing] of order.entries()) {
    const root = await tempDir(t);
    const hub = await startTestHub(t, { [REPO]: files });
    hub.inject(failing, { status: 503 }, { times: 1 + TUNING.retries });
    const cacheDir = path.join(root, 'cache');
    const opts = options({ cacheDir, allowDownloads: true });
    await assertRejectsWith(resolveModel('sentiment', opts, 'int8', context(), manifest), 'download-failed', failing, 'HTTP 503');
    assert.deepEqual(
      hub.requests.map((r) => r.file),
      [...order.slice(0, nth), ...Array<string>(1 + TUNING.retries).fill(failing)],
      `file ${nth + 1} of ${order.length} failed`,
    );
    await assert.rejects(fs.stat(modelCacheDir(cacheDir, REPO, 'main')), `no model folder after ${failing} failed`);
    assert.deepEqual(await listFiles(cacheDir), [], `nothing left after ${failing} failed`);
    await assertRejectsWith(resolveModel('sentiment', options({ cacheDir }), 'int8', context(), manifest), 'model-missing');

    const info = await resolveModel('sentiment', opts, 'int8', context(), manifest);
    assert.equal(info.source, 'download');
    await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  }
});

test('a failed download of the other precision leaves the cached model as it was', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  const manifest = manifestFor(files);
  const int8 = await resolveModel('sentiment', opts, 'int8', context(), manifest);
  hub.inject('onnx/model.onnx', { status: 500 }, { times: Infinity });
  // Asked for fp32: the download fails, and the int8 weights already there are used instead.
  const ctx = context();
  const fallback = await resolveModel('sentiment', opts, 'fp32', ctx, manifest);
  assert.deepEqual([fallback.source, fallback.file], ['cache', 'onnx/model_quantized.onnx']);
  assert.ok(ctx.log.lines.some((l) => l.startsWith('warn:') && l.includes('HTTP 500')), ctx.log.lines.join('\n'));
  await assertModelFiles(int8.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
});

test('a 503 that passes is retried within the same download', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  hub.inject('config.json', { status: 503 }, { times: 2 });
  hub.inject('onnx/model_quantized.onnx', { status: 429 });
  const ctx = context();
  const info = await resolveModel('sentiment', options({ cacheDir: path.join(root, 'cache'), allowDownloads: true }), 'int8', ctx, manifestFor(files));
  await assertModelFiles(info.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.equal(hub.requestsFor('config.json').length, 3);
  assert.equal(hub.requestsFor('onnx/model_quantized.onnx').length, 2);
  assert.equal(ctx.log.lines.filter((l) => l.includes('retrying')).length, 3, ctx.log.lines.join('\n'));
});

/**
 * Settles `seen` at the first log line saying a download waits for another one's lock, or when
 * `giveUp` is called (one download ended without the other waiting: the lock did not work).
 */
function waitingForLock(): { seen: Promise<void>; watch(line: string): void; giveUp(): void } {
  let seen!: () => void;
  const promise = new Promise<void>((resolve) => (seen = resolve));
  return { seen: promise, watch: (line) => void (line.includes('Waiting for') && seen()), giveUp: () => seen() };
}

test('two downloads of one model at once: one download, one correct cache', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  // The first download is held on its first file until the second is seen waiting for the lock.
  const waiting = waitingForLock();
  hub.inject('config.json', { holdUntil: waiting.seen });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  const manifest = manifestFor(files);
  const watched = () => context({ log: recordingLog(waiting.watch) });
  const [a, b] = await Promise.all(
    [watched(), watched()].map((ctx) => resolveModel('sentiment', opts, 'int8', ctx, manifest).finally(waiting.giveUp)),
  );
  assert.equal(a.dir, b.dir);
  assert.deepEqual([a.source, b.source].sort(), ['cache', 'download']);
  await assertModelFiles(a.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  const perFile = new Map<string, number>();
  for (const r of hub.requests) perFile.set(r.file, (perFile.get(r.file) ?? 0) + 1);
  assert.ok([...perFile.values()].every((n) => n === 1), JSON.stringify([...perFile]));
  assert.deepEqual(await listFiles(path.join(cacheDir, '.downloads')), []);
});

test('two processes downloading one model at once share one cache', { timeout: 60_000 }, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const hub = await startTestHub(t, { [REPO]: files });
  // Whichever process takes the lock is held on its first file until the other one is waiting
  // for the lock: the two really overlap, every run.
  const waiting = waitingForLock();
  hub.inject('config.json', { holdUntil: waiting.seen });
  const cacheDir = path.join(root, 'cache');
  const manifestPath = path.join(root, 'manifest.json');
  await fs.writeFile(manifestPath, JSON.stringify(manifestFor(files)));
  const repoRoot = path.resolve(__dirname, '..', '..');
  const script = `
    const { resolveModel } = require(${JSON.stringify(path.join(repoRoot, 'src/engine/models.ts'))});
    const { loadManifest } = require(${JSON.stringify(path.join(repoRoot, 'src/engine/manifest.ts'))});
    const manifest = loadManifest(JSON.parse(require('node:fs').readFileSync(${JSON.stringify(manifestPath)}, 'utf8')));
    const options = { device: 'cpu', threads: 0, precision: 'auto', modelSources: {}, cacheDir: ${JSON.stringify(cacheDir)},
      allowDownloads: true, idleUnloadSeconds: 0 };
    const log = { info: (m) => console.error('info: ' + m), warn: (m) => console.error('warn: ' + m), error: (m) => console.error(m) };
    resolveModel('sentiment', options, 'int8', { log, tuning: { lockPollMs: 20 } }, manifest)
      .then((info) => console.log(JSON.stringify(info)), (e) => { console.error(e); process.exit(1); });`;
  const runChild = () =>
    new Promise<{ out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: repoRoot,
        env: { ...process.env, [HUB_URL_ENV]: hub.url },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 50_000,
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        waiting.watch(err);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        waiting.giveUp();
        if (code === 0) resolve({ out, err });
        else reject(new Error(`child exited ${code}: ${err}`));
      });
    });
  const children = await Promise.all([runChild(), runChild()]);
  const [a, b] = children.map(({ out }) => JSON.parse(out) as { source: string; dir: string });
  assert.equal(a.dir, b.dir);
  await assertModelFiles(a.dir, files, [...TEXT_FILES, 'onnx/model_quantized.onnx']);
  assert.deepEqual([a.source, b.source].sort(), ['cache', 'download']);
  const waited = children.find((_, i) => [a, b][i].source === 'cache');
  assert.match(waited?.err ?? '', /Waiting for process \d+ on .*, which is downloading/, 'the second process waited for the first');
  for (const file of Object.keys(files).filter((f) => f !== 'onnx/model.onnx')) {
    assert.equal(hub.requestsFor(file).length, 1, `${file} was fetched once`);
  }
  assert.deepEqual(await listFiles(path.join(cacheDir, '.downloads')), []);
});

test('a lock left by a dead process is taken over; a live one is waited for', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  await startTestHub(t, { [REPO]: files });
  const cacheDir = path.join(root, 'cache');
  const opts = options({ cacheDir, allowDownloads: true });
  const lockPath = path.join(downloadsDir(cacheDir), 'main.lock');
  await fs.mkdir(path.dirname(lockPath), { recursive: true });

  // A live holder (this process, another token): the download waits and can be cancelled.
  await fs.writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other' }));
  const abort = new AbortController();
  const waiting = context({ signal: abort.signal });
  setTimeout(() => abort.abort(), 200);
  await assertRejectsWith(resolveModel('sentiment', opts, 'int8', waiting, manifestFor(files)), 'cancelled');
  assert.ok(waiting.log.lines.some((l) => l.includes('Waiting for process')), waiting.log.lines.join('\n'));

  // The holder is gone: taken over at once.
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  await fs.writeFile(lockPath, JSON.stringify({ pid: deadPid, host: os.hostname(), token: 'dead' }));
  const ctx = context();
  const info = await resolveModel('sentiment', opts, 'int8', ctx, manifestFor(files));
  assert.equal(info.source, 'download');
  assert.ok(ctx.log.lines.some((l) => l.includes('Taking over the download lock')), ctx.log.lines.join('\n'));
  assert.deepEqual(await listFiles(path.join(cacheDir, '.downloads')), []);
});

test('unpinned files are checked for what is known, and logged', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const served = { ...files };
  delete served['special_tokens_map.json'];
  await startTestHub(t, { [REPO]: served });
  const manifest = manifestFor(files, (f) => ({
    ...f,
    sha256: null,
    size: f.path === 'onnx/model_quantized.onnx' ? f.size : null,
    optional: f.path === 'special_tokens_map.json',
  }));
  const cacheDir = path.join(root, 'cache');
  const ctx = context();
  const info = await resolveModel('topics', options({ cacheDir, allowDownloads: true }), 'int8', ctx, manifest);
  await assertModelFiles(info.dir, files, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
  assert.ok(ctx.log.lines.some((l) => l.includes('onnx/model_quantized.onnx is unpinned')), ctx.log.lines.join('\n'));
  assert.ok(ctx.log.lines.some((l) => l.includes('has no special_tokens_map.json')));

  // A pinned size that the server contradicts is refused.
  const wrongSize = manifestFor(files, (f) => ({
    ...f,
    sha256: null,
    size: f.path === 'onnx/model.onnx' ? 12 : null,
    optional: f.path === 'special_tokens_map.json',
  }));
  await assertRejectsWith(
    resolveModel('topics', options({ cacheDir: path.join(root, 'c2'), allowDownloads: true }), 'fp32', context(), wrongSize),
    'download-failed',
    'onnx/model.onnx',
    '12 bytes',
  );
});

test('a Hub id in the setting is looked up in the cache and downloaded, unpinned', TIMEOUT, async (t) => {
  const root = await tempDir(t);
  const files = tinyModelFiles();
  const other = 'someone/custom-sst2';
  const otherFiles = { ...files };
  delete otherFiles['onnx/model_quantized.onnx']; // only fp32 there: falls back when asked for int8
  await startTestHub(t, { [other]: otherFiles });
  const cacheDir = path.join(root, 'cache');
  const bundled = path.join(root, 'bundled');
  await writeModel(path.join(bundled, 'sentiment'), files); // ignored: the setting wins
  const opts = options({ cacheDir, bundledModelsDir: bundled, modelSources: { sentiment: other } });

  await assertRejectsWith(resolveModel('sentiment', opts, 'int8', context()), 'model-missing', modelCacheDir(cacheDir, other, 'main'));
  const ctx = context();
  const info = await resolveModel('sentiment', { ...opts, allowDownloads: true }, 'int8', ctx);
  assert.deepEqual([info.id, info.source, info.precision, info.file], [other, 'download', 'fp32', 'onnx/model.onnx']);
  assert.equal(info.dir, modelCacheDir(cacheDir, other, 'main'));
  assert.ok(ctx.log.lines.some((l) => l.includes('has no int8 weights')), ctx.log.lines.join('\n'));
  const again = await resolveModel('sentiment', opts, 'fp32', context());
  assert.equal(again.source, 'cache');
});
