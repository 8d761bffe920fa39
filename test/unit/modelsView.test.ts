/**
 * The pure parts behind the Models view and the first-run flow: a parent folder of model folders
 * is recognised (so one folder sets up every task), download sizes are said as far as they are
 * known (the topics model's tokenizer.json has no pinned size, yet its weights do), and each
 * task's row says where its model comes from, its size and its state, in words.
 *
 * Run: npx tsx --test test/unit/modelsView.test.ts
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/engine/log';
import { loadManifest } from '../../src/engine/manifest';
import { folderBytes, modelsInParentFolder } from '../../src/engine/modelFiles';
import { DownloadNeededError, resolveModel } from '../../src/engine/models';
import { defaultEngineOptions } from '../../src/engine/options';
import { formatDownloadSize, formatSize, totalDownloadSize } from '../../src/formatSize';
import type { DownloadResult } from '../../src/protocol';
import { DEFAULT_MODEL_TASKS, REGISTRY } from '../../src/tasks/registry';
import { diskUseText, modelRow } from '../../src/views/modelsTree';
import { fixtureModels, tempDir } from '../helpers';

const FIXTURE_MODELS = fixtureModels();

test('a folder holding sentiment/, topics/, entities/ and qa/ is read as one model folder per task', async () => {
  const { found, incomplete } = await modelsInParentFolder(FIXTURE_MODELS, DEFAULT_MODEL_TASKS);
  assert.deepEqual(Object.keys(found).sort(), [...DEFAULT_MODEL_TASKS].sort());
  for (const task of DEFAULT_MODEL_TASKS) assert.equal(found[task], path.join(FIXTURE_MODELS, task));
  assert.deepEqual(incomplete, {});
});

test('a parent folder with some tasks, one half-copied, sets what is there and says what the other lacks', async (t) => {
  const parent = tempDir(t);
  await fs.cp(path.join(FIXTURE_MODELS, 'sentiment'), path.join(parent, 'sentiment'), { recursive: true });
  await fs.mkdir(path.join(parent, 'qa'));
  await fs.copyFile(path.join(FIXTURE_MODELS, 'qa', 'config.json'), path.join(parent, 'qa', 'config.json'));
  await fs.mkdir(path.join(parent, 'notes'));
  const { found, incomplete } = await modelsInParentFolder(parent, DEFAULT_MODEL_TASKS);
  assert.deepEqual(found, { sentiment: path.join(parent, 'sentiment') });
  assert.deepEqual(Object.keys(incomplete), ['qa']);
  assert.ok(incomplete.qa?.includes('tokenizer.json'), JSON.stringify(incomplete));
  // A model folder itself is not a parent: it holds no task subfolders.
  assert.deepEqual(await modelsInParentFolder(path.join(FIXTURE_MODELS, 'sentiment'), DEFAULT_MODEL_TASKS), { found: {}, incomplete: {} });
});

test('sizes follow the locale', () => {
  assert.equal(formatSize(67_581_197, 'en'), '67.6 MB');
  assert.equal(formatSize(67_581_197, 'de'), '67,6 MB');
  assert.equal(formatSize(1_234_567_890, 'en'), '1,234.6 MB');
  assert.equal(formatSize(711_396, 'fr'), '711 KB');
});

test('the shipped topics model asks with the size of its weights, not "size unknown", and names its unknown file', async (t) => {
  const manifest = loadManifest();
  const spec = manifest.models.topics;
  const unknown = spec.files.filter((file) => file.size === null && !file.optional).map((file) => file.path);
  assert.ok(unknown.length > 0, 'the manifest pins every topics file now: this test has nothing left to show');
  const weights = spec.onnx.int8;
  const knownBytes = spec.files.filter((file) => file.size !== null && file.path !== spec.onnx.fp32).reduce((sum, file) => sum + (file.size ?? 0), 0);
  const cacheDir = tempDir(t);
  const options = defaultEngineOptions({ cacheDir, allowDownloads: true, askBeforeDownload: true, bundledModelsDir: path.join(cacheDir, 'none') });
  const error = await resolveModel('topics', options, 'int8', { log: silentLogger }, manifest).then(
    () => assert.fail('the topics model resolved with an empty cache'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DownloadNeededError, String(error));
  assert.equal(error.plan.knownBytes, knownBytes);
  assert.deepEqual(error.plan.unknownFiles, unknown);
  assert.equal(error.plan.revision, spec.revision);
  assert.ok(knownBytes >= (spec.files.find((f) => f.path === weights)?.size ?? 0));
  assert.doesNotMatch(error.message, /size unknown/);
  assert.match(error.message, new RegExp(`the topic \\(zero-shot\\) model ${spec.repo} \\(about ${formatSize(knownBytes).replace('.', '\\.')} \\(tokenizer\\.json's size is not known\\)\\)`));
});

test('download sizes say what is known: all, about (small files unknown), at least (a whole model unknown), or unknown', () => {
  assert.equal(formatDownloadSize({ bytes: 67_581_197 }, 'en'), '67.6 MB');
  assert.equal(formatDownloadSize({ bytes: null, knownBytes: 67_582_728, unknownFiles: ['tokenizer.json'] }, 'en'), "about 67.6 MB (tokenizer.json's size is not known)");
  assert.equal(formatDownloadSize({ bytes: null, knownBytes: 0, unknownFiles: ['config.json'] }), 'size unknown');
  const topics = { bytes: null, knownBytes: 67_582_728, unknownFiles: ['tokenizer.json'] };
  assert.equal(totalDownloadSize([{ bytes: 68_000_000 }, topics], 'en'), 'about 135.6 MB');
  assert.equal(totalDownloadSize([{ bytes: 68_000_000 }, { bytes: 2_000_000 }], 'en'), '70.0 MB');
  assert.equal(totalDownloadSize([{ bytes: 68_000_000 }, { bytes: null }], 'en'), 'at least 68.0 MB');
  assert.equal(totalDownloadSize([{ bytes: null }]), 'size unknown');
});

const cacheModel = (dir: string): DownloadResult => ({
  task: 'qa',
  repo: 'Xenova/distilbert-base-cased-distilled-squad',
  bytes: 0,
  downloaded: false,
  model: { task: 'qa', id: 'Xenova/distilbert-base-cased-distilled-squad', source: 'cache', dir, file: 'onnx/model_quantized.onnx', precision: 'int8' },
});

test('a downloaded model: present, its size, from the cache, with its Hub id and revision', () => {
  const dir = '/cache/Xenova/distilbert-base-cased-distilled-squad/557a56942709942d0fa29bb80a38afdc4e3a3797';
  const row = modelRow({ task: 'qa', title: REGISTRY.qa.title, plan: cacheModel(dir), bytes: 66_500_000 }, 'en');
  assert.equal(row.label, 'Question answering');
  assert.equal(row.state, 'present');
  assert.equal(row.description, 'present · 66.5 MB · downloaded');
  assert.equal(row.contextValue, 'model:cache');
  assert.deepEqual(row.details, [
    { label: 'From', value: 'the download cache' },
    { label: 'Hub', value: 'Xenova/distilbert-base-cased-distilled-squad @ 557a569' },
    { label: 'Size', value: '66.5 MB' },
    { label: 'Folder', value: dir },
  ]);
});

test("a folder of the user's: present, from the setting, no Hub id; Remove only forgets it", () => {
  const plan: DownloadResult = {
    task: 'sentiment',
    repo: 'sentiment',
    bytes: 0,
    downloaded: false,
    model: { task: 'sentiment', id: 'sentiment', source: 'setting', dir: '/home/me/models/sentiment', file: 'onnx/model.onnx', precision: 'fp32' },
  };
  const row = modelRow({ task: 'sentiment', title: REGISTRY.sentiment.title, plan, bytes: 1_500 }, 'en');
  assert.equal(row.description, 'present · 2 KB · your folder');
  assert.equal(row.contextValue, 'model:setting');
  assert.equal(row.details[0]?.value, 'your folder (setting)');
  assert.ok(!row.details.some((d) => d.label === 'Hub'));
});

test('a missing model says what a download fetches; a partial download says how far it got', () => {
  const missing: DownloadResult = {
    task: 'topics',
    repo: 'Xenova/distilbert-base-uncased-mnli',
    bytes: null,
    downloaded: false,
    revision: 'ef81115844318d051b73dff6a246d5f67ceef10f',
    knownBytes: 67_582_728,
    unknownFiles: ['tokenizer.json'],
    partialBytes: 0,
  };
  const row = modelRow({ task: 'topics', title: REGISTRY.topics.title, plan: missing }, 'en');
  assert.equal(row.label, 'Topics (zero-shot classification)');
  assert.equal(row.state, 'missing');
  assert.equal(row.contextValue, 'model:missing');
  assert.equal(row.description, "missing · about 67.6 MB (tokenizer.json's size is not known)");
  assert.deepEqual(row.details[1], { label: 'Hub', value: 'Xenova/distilbert-base-uncased-mnli @ ef81115' });

  const partial = modelRow({ task: 'topics', title: REGISTRY.topics.title, plan: { ...missing, partialBytes: 12_300_000 } }, 'en');
  assert.equal(partial.state, 'partial');
  assert.match(partial.description, /^partly downloaded · 12\.3 MB of about 67\.6 MB/);
  assert.equal(partial.contextValue, 'model:missing', 'a partial download is resumed by Download');
});

test('a task whose setting points at no model is shown with the reason', () => {
  const row = modelRow({ task: 'entities', title: REGISTRY.entities.title, problem: 'textAnalytics.models.entities points to /nope, which does not exist or holds no model.' });
  assert.equal(row.label, 'Named entities');
  assert.equal(row.state, 'unusable');
  assert.match(row.details[0]?.value ?? '', /points to \/nope/);
});

test('the disk-use line counts the files in the cache', async (t) => {
  const cache = tempDir(t);
  assert.equal(diskUseText(await folderBytes(cache), cache, 'en'), `The download cache is empty (${cache}).`);
  await fs.mkdir(path.join(cache, 'owner', 'name', 'rev', 'onnx'), { recursive: true });
  await fs.writeFile(path.join(cache, 'owner', 'name', 'rev', 'onnx', 'model.onnx'), Buffer.alloc(1_500_000));
  await fs.writeFile(path.join(cache, 'owner', 'name', 'rev', 'config.json'), '{}');
  assert.equal(await folderBytes(cache), 1_500_002);
  assert.equal(diskUseText(1_500_002, cache, 'en'), `The download cache uses 1.5 MB (${cache}).`);
  assert.equal(await folderBytes(path.join(cache, 'absent')), 0);
});
