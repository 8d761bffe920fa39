/**
 * What the status bar and its engine menu say: a failed download shows as an error (not a check
 * mark) with retry and local-folder actions; the menu reads the models loaded now, not those of
 * the worker's handshake; no CUDA reinstall advice on a machine without an NVIDIA GPU.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { EngineStatus } from '../../src/client/status';
import { gpuProviderFor, gpuUnavailableReason, hasNvidiaGpu } from '../../src/engine/device';
import type { WorkerInfo } from '../../src/protocol';
import { currentWorkerInfo, engineActionsFor, presentStatus, workerDetails } from '../../src/ui/statusPresentation';

const OFFLINE = 'Could not reach huggingface.co to download Xenova/model/config.json (fetch failed: getaddrinfo ENOTFOUND huggingface.co).';

test('a failed download shows as an error with its reason, not as ready', () => {
  const failed = presentStatus({ state: 'download-failed', task: 'qa', message: OFFLINE });
  assert.equal(failed.severity, 'error');
  assert.match(failed.text, /^\$\(error\) Text Analytics: download failed$/);
  assert.doesNotMatch(failed.text, /\$\(check\)/);
  assert.match(failed.summary, /question-answering model could not be downloaded/);
  assert.ok(failed.details.includes(OFFLINE), failed.details.join(' | '));

  const ready = presentStatus({ state: 'ready' });
  assert.match(ready.text, /\$\(check\)/);
  assert.equal(ready.severity, 'normal');
});

test("after a failed download the menu offers retrying that task's download and a local folder first", () => {
  const actions = engineActionsFor({ state: 'download-failed', task: 'sentiment', message: OFFLINE });
  assert.deepEqual(
    actions.slice(0, 2).map((a) => [a.command, a.args]),
    [
      ['textAnalytics.downloadModels', ['sentiment']],
      ['textAnalytics.useLocalModelFolder', ['sentiment']],
    ],
  );
  assert.equal(actions[0].recommended, true);
  assert.ok(actions.some((a) => a.command === 'textAnalytics.showLogs'));
  // A crashed worker recommends restarting it instead; a ready one recommends nothing.
  const crashed = engineActionsFor({ state: 'error', message: 'exited', permanent: true });
  assert.deepEqual(crashed.filter((a) => a.recommended).map((a) => a.command), ['textAnalytics.restartWorker']);
  assert.deepEqual(engineActionsFor({ state: 'ready' }).filter((a) => a.recommended), []);
});

const info = (loaded: WorkerInfo['loaded']): WorkerInfo => ({ version: '1', pid: 42, node: 'v20', onnxruntime: '1.20', platform: 'linux-x64', loaded });
const SENTIMENT_LOADED: WorkerInfo['loaded'] = [
  { task: 'sentiment', id: 'distilbert-sst2', source: 'bundled', dir: '/models/sentiment', file: 'onnx/model_quantized.onnx', precision: 'int8' },
];

test('the menu names the models loaded now, not those of the handshake (no "No model loaded" after a run)', async () => {
  const handshake = info([]);
  const ready: EngineStatus = { state: 'ready', device: { requested: 'auto', used: 'cpu' } };
  const fresh = await currentWorkerInfo(ready, async () => info(SENTIMENT_LOADED), handshake);
  assert.ok(fresh);
  const lines = workerDetails(fresh);
  assert.ok(lines.some((l) => /^Loaded: sentiment: distilbert-sst2 \(int8\)$/.test(l)), lines.join(' | '));
  assert.ok(!lines.includes('No model loaded'));
});

test('the menu does not start a stopped worker, and does not wait long for a busy one', async () => {
  const handshake = info([]);
  let asked = 0;
  const ask = async () => {
    asked += 1;
    return info(SENTIMENT_LOADED);
  };
  assert.equal(await currentWorkerInfo({ state: 'stopped' }, ask, undefined), undefined);
  assert.equal(asked, 0);
  const started = Date.now();
  const slow = () => new Promise<WorkerInfo>(() => undefined);
  assert.equal(await currentWorkerInfo({ state: 'busy', method: 'sentiment' }, slow, handshake, 50), handshake);
  assert.ok(Date.now() - started < 1000);
  const failing = () => Promise.reject(new Error('worker gone'));
  assert.equal(await currentWorkerInfo({ state: 'ready' }, failing, handshake), handshake);
});

async function tempDir(t: TestContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lta-gpu-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('an NVIDIA GPU is seen from its driver, its PCI device or nvidia-smi on the PATH, and not otherwise', async (t) => {
  const root = await tempDir(t);
  const pci = path.join(root, 'pci');
  const bin = path.join(root, 'bin');
  await fs.mkdir(path.join(pci, '0000:00:02.0'), { recursive: true });
  await fs.writeFile(path.join(pci, '0000:00:02.0', 'vendor'), '0x8086\n'); // an Intel display controller
  await fs.writeFile(path.join(pci, '0000:00:02.0', 'class'), '0x030000\n');
  await fs.mkdir(bin);
  const probe = { driver: path.join(root, 'no-driver'), pciDevices: pci, path: bin };
  assert.equal(hasNvidiaGpu(probe), false, 'an Intel GPU is not an NVIDIA one');

  await fs.writeFile(path.join(bin, 'nvidia-smi'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(hasNvidiaGpu(probe), true, 'nvidia-smi on the PATH');

  await fs.rm(path.join(bin, 'nvidia-smi'));
  await fs.mkdir(path.join(pci, '0000:01:00.0'));
  await fs.writeFile(path.join(pci, '0000:01:00.0', 'vendor'), '0x10de\n');
  await fs.writeFile(path.join(pci, '0000:01:00.0', 'class'), '0x030200\n'); // a 3D controller
  assert.equal(hasNvidiaGpu(probe), true, 'an NVIDIA PCI display device');

  await fs.mkdir(path.join(root, 'driver'));
  assert.equal(hasNvidiaGpu({ driver: path.join(root, 'driver'), pciDevices: path.join(root, 'none'), path: '' }), true, 'the driver is loaded');
});

test('no CUDA reinstall advice where there is no NVIDIA GPU', (t) => {
  if (gpuProviderFor() !== 'cuda') return t.skip('CUDA is the GPU provider on linux-x64 only');
  const withoutGpu = gpuUnavailableReason(() => false);
  assert.equal(withoutGpu, 'no NVIDIA GPU was found, which the CUDA execution provider needs');
  // With one, the reason is the missing provider (advice to install it) or none when it is installed.
  const withGpu = gpuUnavailableReason(() => true);
  assert.ok(withGpu === undefined || /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(withGpu), String(withGpu));
});
