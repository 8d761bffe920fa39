import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpuProviderFor, gpuUnavailableReason } from '../../src/engine/device';
import type { Logger } from '../../src/engine/log';
import { disposedAfterwards, fixtureOptions } from '../helpers';

const newEngine = disposedAfterwards();

test('each platform gets the GPU provider onnxruntime-node offers there', () => {
  assert.equal(gpuProviderFor('linux', 'x64'), 'cuda');
  assert.equal(gpuProviderFor('win32', 'x64'), 'dml');
  assert.equal(gpuProviderFor('win32', 'arm64'), 'dml');
  assert.equal(gpuProviderFor('darwin', 'arm64'), 'coreml');
  assert.equal(gpuProviderFor('linux', 'arm64'), undefined);
});

for (const device of ['auto', 'gpu'] as const) {
  test(`device "${device}" without a usable GPU falls back to the CPU, logging why`, async (t) => {
    const reason = gpuUnavailableReason();
    if (!reason) {
      t.skip('this machine has a usable GPU provider; the fallback cannot be exercised here');
      return;
    }
    const warnings: string[] = [];
    const log: Logger = { info() {}, warn: (m) => warnings.push(m), error() {} };
    // Automatic precision: the int8 weights are the CPU's choice once the GPU is ruled out.
    const engine = newEngine(fixtureOptions({ device, precision: 'auto' }), { log });
    const result = await engine.sentiment({ text: 'A great result.', neutralBand: 0.1 });
    assert.equal(result.sentences[0].label, 'POSITIVE');
    assert.deepEqual({ requested: result.device.requested, used: result.device.used }, { requested: device, used: 'cpu' });
    assert.equal(result.device.fallbackReason, reason);
    assert.equal(result.model.precision, 'int8');
    assert.ok(warnings.some((w) => w.includes(reason)), `logged: ${warnings.join(' | ')}`);
  });
}

test('device "cpu" runs on the CPU with no fallback reason', async () => {
  const engine = newEngine(fixtureOptions({ device: 'cpu', precision: 'auto' }));
  const result = await engine.sentiment({ text: 'A terrible result.', neutralBand: 0.1 });
  assert.deepEqual(result.device, { requested: 'cpu', used: 'cpu', fallbackReason: undefined });
  assert.equal(result.model.precision, 'int8');
});

test('an unused model is unloaded after the idle time and reloads on the next request', async () => {
  const engine = newEngine(fixtureOptions({ idleUnloadSeconds: 1 }));
  await engine.sentiment({ text: 'Good.', neutralBand: 0.1 });
  assert.equal((await engine.info()).loaded.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal((await engine.info()).loaded.length, 0);
  const again = await engine.sentiment({ text: 'Bad.', neutralBand: 0.1 });
  assert.equal(again.sentences[0].label, 'NEGATIVE');
});

test('a model is not unloaded while a request longer than the idle time runs on it', async () => {
  const engine = newEngine(fixtureOptions({ idleUnloadSeconds: 0.1 }));
  const text = Array.from({ length: 300 }, (_, i) => `Sentence ${i} is good.`).join(' ');
  let paused = false;
  const result = await engine.sentiment(
    { text, neutralBand: 0.1 },
    {
      // Holds the request between two batches for three times the idle time.
      onProgress: () => {
        if (!paused) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        paused = true;
      },
    },
  );
  assert.equal(result.sentences.length, 300);
  assert.equal((await engine.info()).loaded.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await engine.info()).loaded.length, 0, 'unloaded once idle after the request');
});
